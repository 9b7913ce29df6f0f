// The run page's artifact browser: a lazily expanded tree from the MLflow artifacts API
// and a preview of the chosen file (image, text, JSON/YAML/MLmodel, CSV/TSV as a table).
"use strict";

(() => {
  const { ROOT: root, $, api, pageData, setQuery, ready } = trackdeck;
  const IMAGE = /\.(png|jpe?g|gif|webp|bmp|svg)$/i;
  const TABLE = /\.(csv|tsv)$/i;
  const TEXT = /(\.(txt|log|md|py|json|ya?ml|ini|cfg|toml|sh|r|sql|html?|xml|js|ts|css|ipynb|lock|properties)$|(^|\/)(MLmodel|requirements\.txt|conda\.yaml|python_env\.yaml|LICENSE|README)$)/i;
  const MAX_PREVIEW_BYTES = 2 * 1024 * 1024;
  const MAX_TABLE_ROWS = 500;

  function downloadUrl(data, path) {
    const uri = data.artifact_uri || "";
    const encoded = path.split("/").map(encodeURIComponent).join("/");
    if (uri.startsWith("mlflow-artifacts:")) {
      const rest = uri.replace(/^mlflow-artifacts:\/*/, "").replace(/^[^/]*@?[^/]*\/\//, "");
      return `${root}/api/2.0/mlflow-artifacts/artifacts/${rest.replace(/\/+$/, "")}/${encoded}`;
    }
    return `${root}/get-artifact?path=${encodeURIComponent(path)}&run_uuid=${encodeURIComponent(data.run_id)}`;
  }

  function humanSize(bytes) {
    if (bytes === undefined || bytes === null) return "";
    const units = ["B", "KB", "MB", "GB"];
    let size = Number(bytes);
    let unit = 0;
    while (size >= 1024 && unit < units.length - 1) { size /= 1024; unit += 1; }
    return `${unit ? size.toFixed(1) : size} ${units[unit]}`;
  }

  function message(node, text, className = "subtle") {
    const p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    node.replaceChildren(p);
  }

  function parseDelimited(text, delimiter) {
    const rows = [];
    let row = [];
    let field = "";
    let quoted = false;
    for (let i = 0; i < text.length && rows.length <= MAX_TABLE_ROWS; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
        else if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"') quoted = true;
      else if (c === delimiter) { row.push(field); field = ""; }
      else if (c === "\n" || c === "\r") {
        if (c === "\r" && text[i + 1] === "\n") i++;
        row.push(field); rows.push(row); row = []; field = "";
      } else field += c;
    }
    if (field || row.length) { row.push(field); rows.push(row); }
    return rows;
  }

  function tableOf(rows) {
    const table = document.createElement("table");
    table.className = "table compact artifact-table";
    rows.slice(0, MAX_TABLE_ROWS + 1).forEach((cells, index) => {
      const tr = document.createElement("tr");
      for (const cell of cells) {
        const td = document.createElement(index === 0 ? "th" : "td");
        td.textContent = cell;
        tr.appendChild(td);
      }
      (index === 0 ? (table.tHead || table.createTHead()) : (table.tBodies[0] || table.createTBody())).appendChild(tr);
    });
    return table;
  }

  async function preview(data, file, pane) {
    setQuery({ artifact: file.path });
    const url = downloadUrl(data, file.path);
    const head = document.createElement("div");
    head.className = "preview-head";
    const title = document.createElement("strong");
    title.className = "mono";
    title.textContent = file.path;
    const link = document.createElement("a");
    link.className = "button small";
    link.href = url;
    link.textContent = "Download";
    link.setAttribute("download", file.path.split("/").pop());
    head.append(title, link);
    const body = document.createElement("div");
    body.className = "preview-body";
    pane.replaceChildren(head, body);
    if (IMAGE.test(file.path)) {
      const img = document.createElement("img");
      img.src = url;
      img.alt = file.path;
      body.appendChild(img);
      return;
    }
    if (!TEXT.test(file.path) && !TABLE.test(file.path)) {
      message(body, "No preview for this file type; download it instead.");
      return;
    }
    if (file.file_size > MAX_PREVIEW_BYTES) {
      message(body, `This file is ${humanSize(file.file_size)}: too large to preview.`);
      return;
    }
    let text;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      text = await response.text();
    } catch (error) {
      message(body, `Could not load the file: ${error.message}`, "chart-error");
      return;
    }
    if (TABLE.test(file.path)) {
      const rows = parseDelimited(text, /\.tsv$/i.test(file.path) ? "\t" : ",");
      body.appendChild(tableOf(rows));
      if (rows.length > MAX_TABLE_ROWS) message(body.appendChild(document.createElement("div")), `First ${MAX_TABLE_ROWS} rows shown.`);
      return;
    }
    if (/\.json$/i.test(file.path)) {
      try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (error) { /* show as is */ }
    }
    const pre = document.createElement("pre");
    pre.textContent = text;
    body.appendChild(pre);
  }

  async function listInto(data, path, container, pane) {
    const query = new URLSearchParams({ run_id: data.run_id });
    if (path) query.set("path", path);
    const body = await api(`artifacts/list?${query}`);
    const files = (body.files || []).slice().sort((a, b) => (b.is_dir - a.is_dir) || a.path.localeCompare(b.path));
    const list = document.createElement("ul");
    for (const file of files) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.path = file.path;
      const name = file.path.split("/").pop();
      button.className = file.is_dir ? "dir" : "file";
      button.textContent = `${file.is_dir ? "▸ " : ""}${name}`;
      if (!file.is_dir) {
        const size = document.createElement("span");
        size.className = "size";
        size.textContent = humanSize(file.file_size);
        button.appendChild(size);
      }
      item.appendChild(button);
      list.appendChild(item);
      button.addEventListener("click", async () => {
        for (const other of document.querySelectorAll(".artifact-tree button.active")) other.classList.remove("active");
        button.classList.add("active");
        if (!file.is_dir) { await preview(data, file, pane); return; }
        const open = item.querySelector("ul");
        if (open) { open.remove(); button.firstChild.textContent = `▸ ${name}`; return; }
        button.firstChild.textContent = `▾ ${name}`;
        try { await listInto(data, file.path, item, pane); } catch (error) { message(item, error.message, "chart-error"); }
      });
    }
    container.appendChild(list);
    return files;
  }

  ready(async () => {
    const tree = $("#artifact-tree");
    const pane = $("#artifact-preview");
    if (!tree) return;
    const data = pageData();
    tree.replaceChildren();
    let files;
    try {
      files = await listInto(data, "", tree, pane);
    } catch (error) {
      $("#artifact-browser").classList.add("no-preview");
      message(tree, error.code === "ENDPOINT_NOT_FOUND" || error.status === 404
        ? "Artifact browsing is not available on this server." : `Could not list artifacts: ${error.message}`);
      return;
    }
    if (!files.length) {
      $("#artifact-browser").classList.add("no-preview");
      message(tree, "No artifacts logged.");
      return;
    }
    const wanted = new URL(window.location.href).searchParams.get("artifact");
    if (wanted) {
      // Open the folders on the way to the file named in the URL, then preview it.
      const parts = wanted.split("/");
      for (let i = 1; i <= parts.length; i++) {
        const button = tree.querySelector(`button[data-path="${CSS.escape(parts.slice(0, i).join("/"))}"]`);
        if (!button) break;
        button.click();
        await new Promise((resolve) => window.setTimeout(resolve, 150));
      }
    }
  });
})();
