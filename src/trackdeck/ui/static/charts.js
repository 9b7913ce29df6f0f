// Charts of the run and compare pages, drawn with Plotly (served from the plotly
// package). Data comes from the MLflow API's downsampled metric history; chart choices
// (x axis, log y, smoothing, parallel/scatter axes) are kept in the query string.
"use strict";

(() => {
  const { $, $$, api, pageData, setQuery, formatValue, ready } = trackdeck;
  const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  const MAX_BULK_RUNS = 100;
  const EAGER_CHARTS = 12;

  function historyPoints(runCount) {
    return Math.max(100, Math.min(1000, Math.floor(5000 / Math.max(1, runCount))));
  }

  // All points of `key` for `runIds`, downsampled by the server, grouped by run id.
  async function fetchHistory(runIds, key, points) {
    const byRun = new Map(runIds.map((id) => [id, []]));
    for (let i = 0; i < runIds.length; i += MAX_BULK_RUNS) {
      const query = new URLSearchParams({ metric_key: key, max_results: String(points) });
      for (const id of runIds.slice(i, i + MAX_BULK_RUNS)) query.append("run_ids", id);
      const body = await api(`metrics/get-history-bulk-interval?${query}`);
      for (const m of body.metrics || []) {
        byRun.get(m.run_id)?.push({ step: Number(m.step), timestamp: Number(m.timestamp), value: Number(m.value) });
      }
    }
    for (const series of byRun.values()) series.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
    return byRun;
  }

  // Exponential moving average with TensorBoard's debiasing.
  function smooth(values, weight) {
    if (!weight) return values;
    let last = 0;
    let count = 0;
    return values.map((y) => {
      if (!Number.isFinite(y)) return y;
      last = last * weight + (1 - weight) * y;
      count += 1;
      return last / (1 - Math.pow(weight, count));
    });
  }

  function xValues(series, axis) {
    if (axis === "time") return series.map((p) => new Date(p.timestamp));
    if (axis === "relative") {
      const start = series.length ? Math.min(...series.map((p) => p.timestamp)) : 0;
      return series.map((p) => (p.timestamp - start) / 1000);
    }
    return series.map((p) => p.step);
  }

  function lineTraces(name, colour, series, options) {
    const x = xValues(series, options.x);
    const raw = series.map((p) => p.value);
    const single = series.length === 1;
    const base = { type: "scatter", x, name, legendgroup: name, hovertemplate: `${name}<br>%{x}: %{y:.5g}<extra></extra>` };
    if (!options.smooth) {
      return [{ ...base, y: raw, mode: single ? "markers" : "lines", line: { color: colour, width: 1.8 }, marker: { color: colour, size: 7 } }];
    }
    return [
      { ...base, y: raw, mode: "lines", line: { color: colour, width: 1 }, opacity: 0.28, showlegend: false, hoverinfo: "skip", hovertemplate: null },
      { ...base, y: smooth(raw, options.smooth), mode: single ? "markers" : "lines", line: { color: colour, width: 2 }, marker: { color: colour, size: 7 } },
    ];
  }

  function layout(options, extra = {}) {
    const titles = { step: "step", time: "time", relative: "seconds since first point" };
    return {
      margin: { l: 56, r: 14, t: 8, b: 40 },
      xaxis: { title: { text: titles[options.x], font: { size: 11 } }, type: options.x === "time" ? "date" : "linear", zeroline: false, gridcolor: "#eef0f3" },
      yaxis: { type: options.logy ? "log" : "linear", zeroline: false, gridcolor: "#eef0f3", exponentformat: "e" },
      showlegend: false,
      hovermode: "closest",
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#fff",
      font: { family: "system-ui, sans-serif", size: 11, color: "#374151" },
      ...extra,
    };
  }

  function readOptions(form) {
    return {
      x: form.elements.x.value,
      logy: form.elements.logy.checked,
      smooth: Number(form.elements.smooth.value),
    };
  }

  // Draws one chart per metric key for `runs` ({id, name, colour}); redraws on control change.
  function metricCharts(runs, keys, initialOptions) {
    const form = $("#chart-controls");
    let options = { ...initialOptions };
    const cache = new Map();
    const points = historyPoints(runs.length);
    const ids = runs.map((r) => r.id);

    function draw(key, div) {
      const byRun = cache.get(key);
      const traces = runs.flatMap((run) => lineTraces(run.name, run.colour, byRun.get(run.id) || [], options));
      const showLegend = runs.length > 1 && runs.length <= 12;
      return Plotly.react(div, traces, layout(options, showLegend ? { showlegend: true, legend: { orientation: "h", y: -0.25, font: { size: 10 } }, margin: { l: 56, r: 14, t: 8, b: 70 } } : {}), PLOT_CONFIG);
    }

    async function load(div) {
      const key = div.dataset.metric;
      try {
        cache.set(key, await (PREFETCHED.get(key) || fetchHistory(ids, key, points)));
        div.replaceChildren();
        await draw(key, div);
      } catch (error) {
        div.innerHTML = "";
        const p = document.createElement("p");
        p.className = "chart-error";
        p.textContent = `Could not load ${key}: ${error.message}`;
        div.appendChild(p);
      }
    }

    // The first charts load at once; the rest when scrolled near, so a run with hundreds
    // of metrics does not send hundreds of requests up front.
    const divs = $$(".chart[data-metric]");
    const jobs = divs.slice(0, EAGER_CHARTS).map(load);
    const later = divs.slice(EAGER_CHARTS);
    if (later.length) {
      const observer = new IntersectionObserver((entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          observer.unobserve(entry.target);
          load(entry.target);
        }
      }, { rootMargin: "600px 0px" });
      for (const div of later) observer.observe(div);
    }

    if (form) {
      const output = $(".smooth-value", form);
      form.addEventListener("input", () => {
        options = readOptions(form);
        output.textContent = options.smooth.toFixed(2);
        setQuery({ x: options.x === "step" ? null : options.x, logy: options.logy, smooth: options.smooth || null });
        for (const div of $$(".chart[data-metric]")) if (cache.has(div.dataset.metric)) draw(div.dataset.metric, div);
      });
      form.addEventListener("submit", (event) => event.preventDefault());
    }

    async function refresh() {
      for (const div of $$(".chart[data-metric]")) {
        const key = div.dataset.metric;
        if (!cache.has(key)) continue;
        try {
          cache.set(key, await fetchHistory(ids, key, points));
          draw(key, div);
        } catch (error) { /* keep the last drawing */ }
      }
    }
    return { done: Promise.all(jobs), refresh };
  }

  // --- parallel coordinates, drawn as SVG lines over normalised axes ---------------------
  const COLOUR_SCALE = [[0, "#440154"], [0.25, "#3b528b"], [0.5, "#21918c"], [0.75, "#5ec962"], [1, "#fde725"]];

  function interpolate(t) {
    t = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
    for (let i = 1; i < COLOUR_SCALE.length; i++) {
      const [t1, c1] = COLOUR_SCALE[i];
      const [t0, c0] = COLOUR_SCALE[i - 1];
      if (t <= t1) {
        const f = (t - t0) / (t1 - t0);
        const channel = (k) => Math.round(parseInt(c0.substr(k, 2), 16) * (1 - f) + parseInt(c1.substr(k, 2), 16) * f);
        return `rgb(${channel(1)},${channel(3)},${channel(5)})`;
      }
    }
    return COLOUR_SCALE[COLOUR_SCALE.length - 1][1];
  }

  function axisOf(values) {
    const numeric = values.every((v) => v === undefined || v === "" || Number.isFinite(Number(v)));
    if (numeric) {
      const nums = values.filter((v) => v !== undefined && v !== "").map(Number);
      const min = Math.min(...nums);
      const max = Math.max(...nums);
      // Values spanning orders of magnitude (learning rates) read better on a log scale.
      const log = min > 0 && max / min >= 100;
      const scale = log ? Math.log10 : (v) => v;
      return {
        numeric: true, min, max, log,
        position: (v) => (v === undefined || v === "" ? null
          : max === min ? 0.5 : (scale(Number(v)) - scale(min)) / (scale(max) - scale(min))),
      };
    }
    const categories = Array.from(new Set(values.filter((v) => v !== undefined))).sort();
    return {
      numeric: false, categories,
      position: (v) => (v === undefined ? null : categories.length === 1 ? 0.5 : categories.indexOf(v) / (categories.length - 1)),
    };
  }

  function parallelChart(div, runs, paramKeys, metric) {
    const metricKey = metric.replace(/^metrics\./, "");
    const varying = paramKeys.filter((k) => new Set(runs.map((r) => r.params[k])).size > 1);
    const keys = (varying.length ? varying : paramKeys).slice(0, 12);
    const columns = keys.map((k) => ({ label: k, values: runs.map((r) => r.params[k]) }));
    columns.push({ label: metricKey, values: runs.map((r) => r.metrics[metricKey]), metric: true });
    const axes = columns.map((c) => axisOf(c.values));
    const colourAxis = axes[axes.length - 1];
    const traces = runs.map((run, i) => {
      const y = columns.map((c, j) => axes[j].position(c.values[i]));
      const t = colourAxis.position(columns[columns.length - 1].values[i]);
      return {
        type: "scatter", mode: "lines+markers", x: columns.map((_, j) => j), y,
        line: { color: t === null ? "#d1d5db" : interpolate(t), width: 2 }, marker: { size: 5 },
        text: columns.map((c) => `${run.name}<br>${escapeHtml(c.label)} = ${escapeHtml(String(c.values[i] ?? "—"))}`),
        hovertemplate: "%{text}<extra></extra>", showlegend: false, connectgaps: false,
      };
    });
    const nums = colourAxis.numeric ? [colourAxis.min, colourAxis.max] : [0, 1];
    traces.push({
      type: "scatter", mode: "markers", x: [0], y: [null], hoverinfo: "skip", showlegend: false,
      marker: { colorscale: COLOUR_SCALE, cmin: nums[0], cmax: nums[1], color: [nums[0]], showscale: true,
        colorbar: { title: { text: metricKey, side: "right" }, thickness: 12, len: 0.9 } },
    });
    const annotations = [];
    const shapes = [];
    columns.forEach((c, j) => {
      const axis = axes[j];
      shapes.push({ type: "line", x0: j, x1: j, y0: 0, y1: 1, line: { color: "#9ca3af", width: 1 } });
      const title = `<b>${escapeHtml(c.label)}</b>${axis.log ? " (log)" : ""}`;
      annotations.push({ x: j, y: 1.0, yref: "paper", yanchor: "bottom", yshift: 6, text: title, showarrow: false, font: { size: 11 } });
      const labels = axis.numeric
        ? [[0, formatValue(axis.min)], [1, formatValue(axis.max)]]
        : axis.categories.slice(0, 8).map((cat) => [axis.position(cat), cat]);
      for (const [y, text] of labels) {
        annotations.push({ x: j, y, text: escapeHtml(String(text)), showarrow: false, xanchor: "left", xshift: 4, font: { size: 10, color: "#4b5563" } });
      }
    });
    return Plotly.react(div, traces, {
      margin: { l: 20, r: 40, t: 40, b: 20 }, shapes, annotations, hovermode: "closest",
      xaxis: { visible: false, range: [-0.2, columns.length - 0.5] },
      yaxis: { visible: false, range: [-0.05, 1.05] },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff",
      font: { family: "system-ui, sans-serif", size: 11, color: "#374151" },
    }, PLOT_CONFIG);
  }

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function valueOf(run, axis) {
    const dot = axis.indexOf(".");
    const source = axis.slice(0, dot) === "params" ? run.params : run.metrics;
    const value = source[axis.slice(dot + 1)];
    if (value === undefined) return null;
    const n = Number(value);
    return Number.isFinite(n) && value !== "" ? n : value;
  }

  // A numeric axis spanning two or more orders of magnitude is drawn on a log scale.
  function scaleFor(values) {
    const nums = values.filter((v) => typeof v === "number");
    if (nums.length !== values.filter((v) => v !== null).length || !nums.length) return "-";
    const min = Math.min(...nums);
    return min > 0 && Math.max(...nums) / min >= 100 ? "log" : "linear";
  }

  function scatterChart(div, runs, sx, sy) {
    const traces = runs.map((run) => ({
      type: "scatter", mode: "markers", name: run.name,
      x: [valueOf(run, sx)], y: [valueOf(run, sy)],
      marker: { color: run.colour, size: 11, line: { color: "#fff", width: 1 } },
      hovertemplate: `${run.name}<br>${escapeHtml(sx)} = %{x}<br>${escapeHtml(sy)} = %{y}<extra></extra>`,
    }));
    return Plotly.react(div, traces, {
      margin: { l: 60, r: 14, t: 10, b: 50 }, showlegend: false, hovermode: "closest",
      xaxis: { title: { text: escapeHtml(sx) }, gridcolor: "#eef0f3", zeroline: false,
        type: scaleFor(runs.map((run) => valueOf(run, sx))) },
      yaxis: { title: { text: escapeHtml(sy) }, gridcolor: "#eef0f3", zeroline: false,
        type: scaleFor(runs.map((run) => valueOf(run, sy))) },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff",
      font: { family: "system-ui, sans-serif", size: 11, color: "#374151" },
    }, PLOT_CONFIG);
  }

  // Plotly renders trace names and hover text as HTML-ish markup: escape user strings.
  function safeRuns(runs) {
    return runs.map((r) => ({ ...r, name: escapeHtml(r.name) }));
  }

  function markReady() { document.body.dataset.chartsReady = "1"; }

  function initRunPage(data) {
    const runs = safeRuns([{ id: data.run_id, name: data.run_name, colour: "#2563eb" }]);
    if (!data.metric_keys.length) { markReady(); return; }
    const charts = metricCharts(runs, data.metric_keys, data.options);
    charts.done.then(markReady);
    if (data.status === "RUNNING") {
      const timer = window.setInterval(async () => {
        await charts.refresh();
        try {
          const body = await api(`runs/get?run_id=${encodeURIComponent(data.run_id)}`);
          trackdeck.updateCells(document.body, body.run);
          if (body.run.info.status !== "RUNNING") window.clearInterval(timer);
        } catch (error) { /* try again next time */ }
      }, 5000);
    }
  }

  function initComparePage(data) {
    const runs = safeRuns(data.runs);
    const jobs = [];
    if (data.metric_keys.length) jobs.push(metricCharts(runs, data.metric_keys, data.options).done);
    const parallel = $("#parallel-chart");
    const scatter = $("#scatter-chart");
    let state = { pc: data.pc, sx: data.sx, sy: data.sy };
    const drawRelations = () => Promise.all([
      parallel && state.pc ? parallelChart(parallel, runs, data.param_keys, state.pc) : null,
      scatter && state.sx ? scatterChart(scatter, runs, state.sx, state.sy) : null,
    ]);
    jobs.push(drawRelations());
    for (const select of $$("#pc-select, #sx-select, #sy-select")) {
      select.addEventListener("change", () => {
        state = { pc: $("#pc-select")?.value || "", sx: $("#sx-select")?.value || "", sy: $("#sy-select")?.value || "" };
        setQuery(state);
        drawRelations();
      });
    }
    Promise.all(jobs).then(markReady);
  }

  // Start loading the chart data right away, while the browser is still parsing Plotly
  // (this script comes before plotly.min.js), so the server works during the parse.
  const PREFETCHED = new Map();
  (() => {
    const data = pageData();
    const ids = data.runs ? data.runs.map((r) => r.id) : data.run_id ? [data.run_id] : [];
    for (const key of ids.length ? (data.metric_keys || []).slice(0, EAGER_CHARTS) : []) {
      const request = fetchHistory(ids, key, historyPoints(ids.length));
      request.catch(() => {});  // reported when the chart is drawn
      PREFETCHED.set(key, request);
    }
  })();

  ready(() => {
    const data = pageData();
    if (typeof Plotly === "undefined") {
      for (const div of $$(".chart")) {
        div.replaceChildren();
        const p = document.createElement("p");
        p.className = "chart-error";
        p.textContent = "Charts need the plotly Python package installed on the server.";
        div.appendChild(p);
      }
      markReady();
      return;
    }
    if (data.runs) initComparePage(data);
    else if (data.run_id) initRunPage(data);
  });

  window.trackdeckCharts = { parallelChart };  // for the sweep view (sweep.js)
})();
