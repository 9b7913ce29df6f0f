"""The web UI: server-rendered pages (Jinja2), small plain JavaScript, Plotly charts."""
