"""The compare page: N runs side by side.

Metric curves overlaid per key, a parallel-coordinates plot (params -> a chosen metric),
a scatter of any param or metric against another, and a table of what differs.
Query string: `runs` (comma-separated ids), the run page's chart options (`x`, `logy`,
`smooth`), `pc` (the metric colouring the parallel coordinates), `sx`/`sy` (scatter
axes, e.g. `params.lr`, `metrics.acc`), `all=1` (show identical rows in the table too).
"""

from __future__ import annotations

import colorsys
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackdeck.errors import InvalidParameterValue
from trackdeck.ui.handlers import browse, page, tracking
from trackdeck.ui.rendering import format_duration, format_time, format_value, render
from trackdeck.ui.run import chart_options
from trackdeck.ui.values import RunView, json_number, run_view

MAX_RUNS = 100
PALETTE = [
    "#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed",
    "#0891b2", "#db2777", "#65a30d", "#ea580c", "#4f46e5",
]  # fmt: skip


def run_colour(index: int) -> str:
    if index < len(PALETTE):
        return PALETTE[index]
    hue = (index * 0.618033988749895) % 1.0
    red, green, blue = colorsys.hls_to_rgb(hue, 0.45, 0.65)
    return f"#{int(red * 255):02x}{int(green * 255):02x}{int(blue * 255):02x}"


def diff_rows(views: list[RunView], show_all: bool) -> list[dict[str, Any]]:
    """Rows of (section, label, values per run), keeping only rows whose values differ."""
    rows: list[dict[str, Any]] = []

    def add(section: str, label: str, values: list[str]) -> None:
        differs = len(set(values)) > 1
        if differs or show_all:
            rows.append({"section": section, "label": label, "cells": values, "differs": differs})

    add("Run", "Status", [v.status for v in views])
    add("Run", "Started", [format_time(v.start_time) for v in views])
    add("Run", "Duration", [format_duration(v.start_time, v.end_time) for v in views])
    add("Run", "User", [v.user for v in views])
    add("Run", "Source", [v.source_short for v in views])
    for section, getter in (
        ("Params", lambda v: v.params),
        ("Metrics", lambda v: v.metrics),
        ("Tags", lambda v: v.user_tags()),
    ):
        keys = sorted({k for v in views for k in getter(v)})
        for key in keys:
            values = [getter(v).get(key) for v in views]
            shown = ["" if x is None else format_value(x) for x in values]
            add(section, key, shown)
    return rows


def _axis_choice(value: str | None, choices: list[str], default: str) -> str:
    return value if value in choices else default


def compare_page(request: Request) -> Response:
    query = request.query_params
    asked = query.get("runs", "").split(",") + query.getlist("run")
    ids = list(dict.fromkeys(p for p in (x.strip() for x in asked) if p.isalnum()))
    if not ids:
        raise InvalidParameterValue(
            "Choose the runs to compare: tick them in an experiment's run table."
        )
    if len(ids) > MAX_RUNS:
        raise InvalidParameterValue(f"At most {MAX_RUNS} runs can be compared at once.")
    views = [run_view(r) for r in browse(request).runs_by_id(ids)]
    if not views:
        raise InvalidParameterValue("None of those runs exists.")
    metric_keys = sorted({k for v in views for k in v.metrics})
    param_keys = sorted({k for v in views for k in v.params})
    axes = [f"params.{k}" for k in param_keys] + [f"metrics.{k}" for k in metric_keys]
    first_metric = f"metrics.{metric_keys[0]}" if metric_keys else ""
    pc = _axis_choice(query.get("pc"), [f"metrics.{k}" for k in metric_keys], first_metric)
    varying = [f"params.{k}" for k in param_keys if len({v.params.get(k) for v in views}) > 1]
    sx = _axis_choice(query.get("sx"), axes, (varying or axes or [""])[0])
    sy = _axis_choice(query.get("sy"), axes, first_metric or sx)
    show_all = query.get("all") == "1"
    options = chart_options(query)
    colours = {v.id: run_colour(i) for i, v in enumerate(views)}
    experiments = sorted({v.experiment_id for v in views})
    kept = ("x", "logy", "smooth", "pc", "sx", "sy", "all")
    params = {"runs": ",".join(v.id for v in views)}
    params.update({k: v for k, v in query.items() if k in kept})
    return render(
        request,
        "compare.html",
        {
            "title": f"Compare {len(views)} runs",
            "runs": views,
            "colours": colours,
            "experiment": tracking(request).experiments.get(experiments[0])
            if len(experiments) == 1
            else None,
            "diff": diff_rows(views, show_all),
            "show_all": show_all,
            "metric_keys": metric_keys,
            "axes": axes,
            "pc": pc,
            "sx": sx,
            "sy": sy,
            "options": options,
            "params": params,
            "page_data": {
                "runs": [
                    {
                        "id": v.id,
                        "name": v.name,
                        "colour": colours[v.id],
                        "params": v.params,
                        "metrics": {k: json_number(x) for k, x in v.metrics.items()},
                    }
                    for v in views
                ],
                "metric_keys": metric_keys,
                "param_keys": param_keys,
                "options": options,
                "pc": pc,
                "sx": sx,
                "sy": sy,
            },
        },
    )


ROUTES = [Route("/compare", page(compare_page), methods=["GET"])]
