// trackdeck UI behaviour shared by every page, plus the runs table (selection, nesting,
// column picker filter, live refresh of RUNNING runs). Plain JS, no build step.
"use strict";

const trackdeck = (() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  function pageData() {
    const node = document.getElementById("page-data");
    return node ? JSON.parse(node.textContent) : {};
  }

  function formatValue(value) {
    if (value === null || value === undefined || value === "") return "";
    if (typeof value === "string") {
      const n = Number(value);
      if (value === "NaN" || Number.isNaN(n)) return value;
      value = n;
    }
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
    return String(Number(value.toPrecision(5)));
  }

  function formatDuration(start, end) {
    if (!start) return "";
    const ms = Math.max(0, (end || Date.now()) - start);
    if (ms < 1000) return `${ms}ms`;
    const seconds = ms / 1000;
    if (seconds < 60) return `${seconds.toFixed(1)}s`;
    const minutes = Math.floor(seconds / 60);
    const pad = (n) => String(n).padStart(2, "0");
    if (minutes < 60) return `${minutes}m ${pad(Math.floor(seconds % 60))}s`;
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return `${hours}h ${pad(minutes % 60)}m`;
    return `${Math.floor(hours / 24)}d ${hours % 24}h`;
  }

  function localTime(ms) {
    const d = new Date(ms);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function statusBadge(status) {
    const span = document.createElement("span");
    span.className = `status status-${status.toLowerCase()}`;
    span.textContent = status.charAt(0) + status.slice(1).toLowerCase();
    return span;
  }

  // Behind the studio every URL of this server starts with /servers/NAME.
  const ROOT = document.querySelector('meta[name="root-path"]')?.content || "";

  // The mlflow client prints links in MLflow's UI form (`/#/experiments/1/runs/<id>`):
  // send them to the matching page here.
  const mlflowLink = window.location.hash.match(/^#\/experiments\/(\d+)(?:\/runs\/([0-9a-f]+))?/);
  if (mlflowLink) {
    window.location.replace(
      mlflowLink[2] ? `${ROOT}/runs/${mlflowLink[2]}` : `${ROOT}/experiments/${mlflowLink[1]}`,
    );
  }

  // State changes made with the session cookie must carry the page's CSRF token.
  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function api(path, options = {}) {
    const response = await fetch(`${ROOT}/ajax-api/2.0/mlflow/${path}`, {
      credentials: "same-origin",
      headers: options.body
        ? { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() }
        : {},
      ...options,
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.message || `HTTP ${response.status}`);
      error.status = response.status;
      error.code = body.error_code;
      throw error;
    }
    return body;
  }

  function setQuery(changes) {
    const url = new URL(window.location.href);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === undefined || value === "" || value === false) {
        url.searchParams.delete(key);
      } else {
        url.searchParams.set(key, value === true ? "1" : String(value));
      }
    }
    window.history.replaceState(null, "", url.toString());
    return url;
  }

  // --- every page -------------------------------------------------------------------
  function initCommon() {
    for (const node of $$("time[data-ms]")) {
      const ms = Number(node.dataset.ms);
      if (ms && /^\d{4}-/.test(node.textContent.trim())) node.textContent = localTime(ms);
    }
    for (const form of $$("form[data-confirm]")) {
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    }
    for (const select of $$("select.auto-submit")) {
      select.addEventListener("change", () => select.form && select.form.submit());
    }
    for (const swatch of $$("[data-colour]")) swatch.style.background = swatch.dataset.colour;
    // Close an open popover when clicking elsewhere.
    document.addEventListener("click", (event) => {
      for (const details of $$("details.popover[open]")) {
        if (!details.contains(event.target)) details.open = false;
      }
    });
  }

  // --- runs page ----------------------------------------------------------------------
  function initRunsTable() {
    const table = $("#runs-table");
    const form = $("#compare-form");
    if (!form) return;
    const data = pageData();
    const selected = new Set(data.selected || []);

    function syncSelection() {
      const value = Array.from(selected).join(",");
      setQuery({ sel: value });
      for (const input of $$("input[type=hidden][name=sel]")) input.value = value;
      for (const f of $$("form[method=get]")) {
        if (f.id !== "compare-form" && !$("input[name=sel]", f) && value) {
          const hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = "sel";
          hidden.value = value;
          f.appendChild(hidden);
        }
      }
      $("#selected-count").textContent = `${selected.size} selected`;
      $("#compare-button").disabled = selected.size === 0;
      $("#clear-selection").hidden = selected.size === 0;
    }

    for (const box of $$("input.run-select")) {
      box.addEventListener("change", () => {
        if (box.checked) selected.add(box.value);
        else selected.delete(box.value);
        syncSelection();
      });
    }
    const all = $("#select-page");
    if (all) {
      all.addEventListener("change", () => {
        for (const box of $$("input.run-select")) {
          if (box.closest("tr").classList.contains("collapsed")) continue;
          box.checked = all.checked;
          if (all.checked) selected.add(box.value);
          else selected.delete(box.value);
        }
        syncSelection();
      });
    }
    $("#clear-selection").addEventListener("click", () => {
      selected.clear();
      for (const box of $$("input.run-select")) box.checked = false;
      if (all) all.checked = false;
      syncSelection();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (selected.size) {
        window.location.href = `${ROOT}/compare?runs=${Array.from(selected).join(",")}`;
      }
    });
    // Links to other pages of this table carry the selection along.
    document.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='?']");
      if (!link || !selected.size) return;
      const url = new URL(link.href);
      url.searchParams.set("sel", Array.from(selected).join(","));
      link.href = url.toString();
    });
    syncSelection();

    if (table) {
      for (const button of $$(".nest-toggle", table)) {
        button.addEventListener("click", () => {
          const open = button.getAttribute("aria-expanded") !== "false";
          button.setAttribute("aria-expanded", String(!open));
          const hide = (parentId, collapse) => {
            for (const row of $$(`tr[data-parent="${CSS.escape(parentId)}"]`, table)) {
              row.classList.toggle("collapsed", collapse);
              hide(row.dataset.runId, collapse);
            }
          };
          hide(button.dataset.toggle, open);
        });
      }
      startLiveRefresh(table);
    }
  }

  function initColumnPicker() {
    const picker = $("#column-picker");
    if (!picker) return;
    const filter = $(".picker-filter", picker);
    filter.addEventListener("input", () => {
      const text = filter.value.trim().toLowerCase();
      for (const item of $$(".picker-item", picker)) {
        item.classList.toggle("hidden", !!text && !item.textContent.toLowerCase().includes(text));
      }
    });
    picker.addEventListener("toggle", () => { if (picker.open) filter.focus(); });
    // Submit the choice as one short `cols=a,b,c` parameter rather than repeated `col`s.
    const form = $("form", picker);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const url = new URL(form.action, window.location.href);
      for (const [key, value] of data.entries()) {
        if (key !== "col" && key !== "cols" && value) url.searchParams.append(key, value);
      }
      url.searchParams.set("cols", data.getAll("col").join(","));
      window.location.href = url.toString();
    });
  }

  // Runs still RUNNING get their status, duration and values refreshed from the API.
  function updateCells(row, run) {
    const values = {
      status: run.info.status,
      metrics: Object.fromEntries((run.data.metrics || []).map((m) => [m.key, m.value])),
      params: Object.fromEntries((run.data.params || []).map((p) => [p.key, p.value])),
      tags: Object.fromEntries((run.data.tags || []).map((t) => [t.key, t.value])),
    };
    for (const cell of $$("[data-col]", row)) {
      const column = cell.dataset.col;
      if (column === "status") {
        if (row.dataset.status !== values.status) {
          cell.replaceChildren(statusBadge(values.status));
          cell.classList.add("updated");
        }
        continue;
      }
      if (column === "duration") {
        cell.textContent = formatDuration(Number(cell.dataset.start), run.info.end_time);
        continue;
      }
      const dot = column.indexOf(".");
      const value = values[column.slice(0, dot)]?.[column.slice(dot + 1)];
      if (value === undefined) continue;
      const text = formatValue(value);
      if (cell.textContent !== text) {
        cell.textContent = text;
        cell.title = String(value);
        cell.classList.remove("updated");
        void cell.offsetWidth; // restart the highlight animation
        cell.classList.add("updated");
      }
    }
    row.dataset.status = values.status;
  }

  function startLiveRefresh(root, intervalMs = 4000) {
    const tick = async () => {
      const rows = $$("[data-run-id][data-status=RUNNING]", root).slice(0, 50);
      if (!rows.length) return;
      await Promise.all(rows.map(async (row) => {
        try {
          const body = await api(`runs/get?run_id=${encodeURIComponent(row.dataset.runId)}`);
          updateCells(row, body.run);
        } catch (error) {
          /* a transient failure: try again on the next tick */
        }
      }));
      window.setTimeout(tick, intervalMs);
    };
    if ($$("[data-run-id][data-status=RUNNING]", root).length) window.setTimeout(tick, intervalMs);
  }

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  ready(() => {
    initCommon();
    initRunsTable();
    initColumnPicker();
  });

  return { ROOT, $, $$, ready, api, pageData, setQuery, formatValue, formatDuration, localTime,
    statusBadge, startLiveRefresh, updateCells };
})();
