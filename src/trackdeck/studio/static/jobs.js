// The jobs section of the studio page: lists jobs from the REST API every 2 s, submits and
// cancels them, and streams one job's output into the log view while it runs.
// Every value goes into the page through textContent, never as HTML.
"use strict";
(() => {
  const API = "/api/trackdeck/v1/jobs";
  const POLL_MS = 2000;
  const FINAL = new Set(["Succeeded", "Failed", "Cancelled"]);
  const body = document.querySelector("#jobs tbody");
  const empty = document.getElementById("jobs-empty");
  const notice = document.getElementById("job-notice");
  const form = document.getElementById("job-form");
  const logView = document.getElementById("job-log");
  const logText = document.getElementById("job-log-text");
  let following = null; // { id, offset, done }

  const say = studioPage.notifier(notice);
  const call = studioPage.apiCaller(API);

  function cell(row, text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    if (text !== undefined) td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function button(label, action, enabled, danger) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.className = "button small" + (danger ? " danger" : "");
    b.dataset.action = action;
    b.disabled = !enabled;
    return b;
  }

  function render(jobs) {
    const rows = jobs.map((job) => {
      const tr = document.createElement("tr");
      tr.dataset.id = job.job_id;
      cell(tr, job.job_id.slice(0, 12), "mono");
      const state = cell(tr, undefined, "state");
      const badge = document.createElement("span");
      badge.className = "badge job-" + job.state.toLowerCase();
      badge.textContent = job.state;
      state.appendChild(badge);
      if (job.failure_reason) state.title = job.failure_reason;
      cell(tr, job.server);
      const params = Object.entries(job.parameters).map(([k, v]) => `${k}=${v}`).join(" ");
      const project = cell(tr, job.project_uri, "mono small");
      if (params) {
        const line = document.createElement("div");
        line.className = "muted small";
        line.textContent = `${job.entry_point} ${params}`;
        project.appendChild(line);
      }
      const run = cell(tr, job.run_id ? undefined : "—", "mono");
      if (job.run_id) {
        const link = document.createElement("a");
        link.href = job.run_url;
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = job.run_id.slice(0, 12);
        run.appendChild(link);
      }
      cell(tr, `${job.created_by} · ${new Date(job.creation_time).toLocaleString()}`);
      cell(tr, undefined, "actions").append(
        button("Logs", "logs", true),
        button("Cancel", "cancel", !FINAL.has(job.state), true),
      );
      return tr;
    });
    body.replaceChildren(...rows);
    empty.hidden = jobs.length > 0;
  }

  async function refresh() {
    try {
      render((await call("GET", "?max_results=50")).jobs || []);
    } catch (error) {
      say(`Could not load the jobs: ${error.message}`, "error");
    }
  }

  async function pollLog() {
    const current = following;
    if (!current || current.done) return;
    try {
      const chunk = await call("GET", `/${current.id}/logs?offset=${current.offset}`);
      if (following !== current) return;
      logText.textContent += chunk.text;
      current.offset = chunk.next_offset;
      current.done = chunk.done;
      const job = (await call("GET", `/${current.id}`)).job;
      document.getElementById("job-log-state").textContent = job.state;
      if (chunk.text) logText.scrollTop = logText.scrollHeight;
      if (chunk.text && !chunk.done) pollLog();  // more is waiting
    } catch (error) {
      say(error.message, "error");
    }
  }

  body.addEventListener("click", async (event) => {
    const target = event.target.closest("button[data-action]");
    if (!target) return;
    const id = target.closest("tr").dataset.id;
    if (target.dataset.action === "logs") {
      following = { id, offset: 0, done: false };
      logText.textContent = "";
      document.getElementById("job-log-id").textContent = id;
      logView.hidden = false;
      pollLog();
      return;
    }
    try {
      await call("POST", `/${id}/cancel`, {});
      say(`Cancelling job ${id.slice(0, 12)}.`);
    } catch (error) {
      say(error.message, "error");
    }
    refresh();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const parameters = {};
    for (const pair of data.get("parameters").trim().split(/\s+/).filter(Boolean)) {
      const at = pair.indexOf("=");
      if (at < 1) {
        say(`Parameter '${pair}': expected name=value.`, "error");
        return;
      }
      parameters[pair.slice(0, at)] = pair.slice(at + 1);
    }
    const payload = {
      project_uri: data.get("project_uri").trim(),
      entry_point: data.get("entry_point").trim() || "main",
      parameters,
      server: data.get("server"),
    };
    const experiment = data.get("experiment_name").trim();
    if (experiment) payload.experiment_name = experiment;
    try {
      const job = (await call("POST", "", payload)).job;
      say(`Submitted job ${job.job_id.slice(0, 12)}.`);
    } catch (error) {
      say(error.message, "error");
    }
    refresh();
  });

  refresh();
  setInterval(() => { refresh(); pollLog(); }, POLL_MS);
})();
