// The studio page: renders the server table from the REST API, polls it every 2 s so
// state changes show without a reload, and runs the create/start/stop/delete/open actions.
// Every value goes into the page through textContent, never as HTML.
"use strict";
(() => {
  const API = "/api/trackdeck/v1/tracking-servers";
  const POLL_MS = 2000;
  const body = document.querySelector("#servers tbody");
  const empty = document.getElementById("empty");
  const notice = document.getElementById("notice");
  const form = document.getElementById("create-form");

  const RUNNING = new Set(["Started", "Updated"]);
  const CAN_START = new Set(["Created", "Stopped", "CreateFailed", "StartFailed", "StopFailed", "UpdateFailed"]);
  const CAN_STOP = new Set(["Started", "Updated", "StartFailed", "UpdateFailed", "StopFailed"]);
  const BUSY = new Set(["Creating", "Starting", "Stopping", "Updating", "Deleting"]);

  const say = studioPage.notifier(notice);
  const call = studioPage.apiCaller(API);

  function button(label, action, enabled, danger) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.className = "button small" + (danger ? " danger" : "");
    b.dataset.action = action;
    b.disabled = !enabled;
    return b;
  }

  function cell(row, name, text, extraClass) {
    const td = document.createElement("td");
    td.className = name + (extraClass ? " " + extraClass : "");
    if (text !== undefined) td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function render(servers) {
    const rows = [];
    for (const s of servers) {
      const tr = document.createElement("tr");
      tr.dataset.name = s.name;
      const nameCell = cell(tr, "name", s.name, "strong");
      const tags = Object.entries(s.tags || {}).map(([k, v]) => `${k}=${v}`).join(", ");
      if (tags) {
        const tagLine = document.createElement("div");
        tagLine.className = "muted small tags";
        tagLine.textContent = tags;
        nameCell.appendChild(tagLine);
      }
      const state = cell(tr, "state");
      studioPage.showState(state, s.state, s.failure_reason);
      if (s.restart_count) {
        const restarts = document.createElement("div");
        restarts.className = "muted small";
        restarts.textContent = `${s.restart_count} restart${s.restart_count > 1 ? "s" : ""}`;
        state.appendChild(restarts);
      }
      cell(tr, "size", `${s.size} (${s.workers}w)`);
      cell(tr, "url", s.tracking_server_url, "mono");
      cell(tr, "created", `${s.created_by} · ${new Date(s.creation_time).toLocaleString()}`);
      const actions = cell(tr, "actions");
      actions.append(
        button("Open", "open", RUNNING.has(s.state)),
        button("Start", "start", CAN_START.has(s.state)),
        button("Stop", "stop", CAN_STOP.has(s.state)),
        button("Delete", "delete", !BUSY.has(s.state), true),
      );
      rows.push(tr);
    }
    body.replaceChildren(...rows);
    empty.hidden = servers.length > 0;
  }

  async function refresh() {
    try {
      const page = await call("GET", "?sort_by=name&sort_order=asc&max_results=100");
      render(page.tracking_servers || []);
    } catch (error) {
      say(`Could not load the servers: ${error.message}`, "error");
    }
  }

  body.addEventListener("click", async (event) => {
    const target = event.target.closest("button[data-action]");
    if (!target) return;
    const name = target.closest("tr").dataset.name;
    const action = target.dataset.action;
    try {
      if (action === "open") {
        const data = await call("POST", `/${encodeURIComponent(name)}/url`, { expires_in_seconds: 60 });
        window.open(data.authorized_url, "_blank", "noopener");
        return;
      }
      if (action === "delete" && !window.confirm(`Delete tracking server '${name}' and its data?`)) return;
      if (action === "delete") await call("DELETE", `/${encodeURIComponent(name)}`, {});
      else await call("POST", `/${encodeURIComponent(name)}/${action}`, {});
      say(`${action[0].toUpperCase() + action.slice(1)} of '${name}' requested.`);
    } catch (error) {
      say(error.message, "error");
    }
    refresh();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const payload = {
      name: data.get("name").trim(),
      size: data.get("size"),
      automatic_model_registration: data.get("automatic_model_registration") === "on",
      start: data.get("start") === "on",
    };
    const store = data.get("artifact_store_uri").trim();
    if (store) payload.artifact_store_uri = store;
    try {
      await call("POST", "", payload);
      say(`Created '${payload.name}'.`);
      form.reset();
    } catch (error) {
      say(error.message, "error");
    }
    refresh();
  });

  refresh();
  setInterval(refresh, POLL_MS);
})();
