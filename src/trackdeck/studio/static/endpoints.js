// The endpoints part of the studio page: renders the endpoint table from the REST API,
// polls it every 2 s, and runs the deploy and delete actions. Values go in as textContent.
"use strict";
(() => {
  const API = "/api/trackdeck/v1/endpoints";
  const POLL_MS = 2000;
  const BUSY = new Set(["Creating", "Updating", "Deleting"]);
  const body = document.querySelector("#endpoints tbody");
  const empty = document.getElementById("endpoints-empty");
  const notice = document.getElementById("endpoint-notice");
  const form = document.getElementById("deploy-form");

  const say = studioPage.notifier(notice);
  const call = studioPage.apiCaller(API);

  function cell(row, className, text) {
    const td = document.createElement("td");
    td.className = className;
    if (text !== undefined) td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function render(endpoints) {
    const rows = endpoints.map((e) => {
      const tr = document.createElement("tr");
      tr.dataset.name = e.name;
      cell(tr, "name strong", e.name);
      studioPage.showState(cell(tr, "state"), e.state, e.failure_reason);
      cell(tr, "mono", `models:/${e.model_name}/${e.model_version}`);
      cell(tr, "", `${e.instances.length} / ${e.instance_count}`);
      cell(tr, "url mono", e.invocation_url);
      const del = document.createElement("button");
      del.type = "button";
      del.textContent = "Delete";
      del.className = "button small danger";
      del.dataset.action = "delete";
      del.disabled = BUSY.has(e.state);
      cell(tr, "actions").appendChild(del);
      return tr;
    });
    body.replaceChildren(...rows);
    empty.hidden = endpoints.length > 0;
  }

  async function refresh() {
    try {
      render((await call("GET", "?sort_by=name&sort_order=asc&max_results=100")).endpoints || []);
    } catch (error) {
      say(`Could not load the endpoints: ${error.message}`, "error");
    }
  }

  body.addEventListener("click", async (event) => {
    const target = event.target.closest("button[data-action]");
    if (!target) return;
    const name = target.closest("tr").dataset.name;
    if (!window.confirm(`Delete endpoint '${name}'?`)) return;
    try {
      await call("DELETE", `/${encodeURIComponent(name)}`, {});
      say(`Delete of '${name}' requested.`);
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
      model_uri: data.get("model_uri").trim(),
      server_name: data.get("server_name"),
      instance_count: Number(data.get("instance_count") || 1),
    };
    try {
      await call("POST", "", payload);
      say(`Deploying '${payload.model_uri}' as '${payload.name}'.`);
      form.reset();
    } catch (error) {
      say(error.message, "error");
    }
    refresh();
  });

  refresh();
  setInterval(refresh, POLL_MS);
})();
