"""Pure pieces of the UI: value formatting, the runs page's URL state, nesting, diffs."""

from __future__ import annotations

import pytest
from starlette.datastructures import QueryParams

from trackdeck.entities import KeyValue, Metric, Run, RunData, RunInfo
from trackdeck.ui.compare import diff_rows, run_colour
from trackdeck.ui.csrf import FIELD, CsrfError, check
from trackdeck.ui.rendering import format_age, format_duration, format_value, safe_next
from trackdeck.ui.runs import RunsState, nest, order_clause
from trackdeck.ui.values import run_view


def _run(run_id: str, parent: str = "", **params: str) -> Run:
    tags = [KeyValue(key="mlflow.parentRunId", value=parent)] if parent else []
    return Run(
        info=RunInfo(
            run_id=run_id,
            run_uuid=run_id,
            run_name=run_id,
            experiment_id="1",
            user_id="u",
            status="FINISHED",
            start_time=1000,
            end_time=3500,
            artifact_uri="x",
            lifecycle_stage="active",
        ),
        data=RunData(
            params=[KeyValue(key=k, value=v) for k, v in params.items()],
            tags=tags,
            metrics=[Metric(key="loss", value=0.5, timestamp=1, step=0)],
        ),
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.123456789, "0.12346"), (3.0, "3"), (float("nan"), "NaN"), (float("inf"), "inf"),
     (1e-9, "1e-09"), (None, ""), ("text", "text")],
)  # fmt: skip
def test_format_value(value: object, text: str) -> None:
    assert format_value(value) == text


def test_format_duration_and_age() -> None:
    assert format_duration(1000, 1850) == "850ms"
    assert format_duration(0, 12_300) == ""
    assert format_duration(1, 12_301) == "12.3s"
    assert format_duration(1, 245_001) == "4m 05s"
    assert format_duration(1, 7_380_001) == "2h 03m"
    assert format_age(1_000_000, now_ms=1_000_000 + 5 * 60_000) == "5 min ago"
    assert format_age(None) == "never"


def test_runs_state_round_trips_through_the_query_string() -> None:
    query = QueryParams(
        "q=metrics.acc+%3E+1&sort=params.lr&dir=asc&cols=metrics.acc,params.lr"
        "&best=metrics.acc&best_dir=min&page=3&size=100&view=all&sel=abc,def"
    )
    state = RunsState.from_query(query)
    assert state.cols == ["metrics.acc", "params.lr"]
    assert state.order_by() == ["params.`lr` ASC"]
    assert RunsState.from_query(QueryParams(state.params())) == state


def test_runs_state_ignores_junk() -> None:
    state = RunsState.from_query(QueryParams("sort=drop+table&page=x&size=7&sel=a;b,c&view=zz"))
    assert (state.sort, state.page, state.size, state.sel, state.view) == (
        "", 1, 50, ["c"], "active"
    )  # fmt: skip
    assert state.order_by() == []
    best = RunsState.from_query(QueryParams("best=metrics.acc"))
    assert best.order_by() == ["metrics.`acc` DESC"]
    assert order_clause("attributes.start_time", True) == "attributes.start_time DESC"


def test_nest_puts_children_under_parents_on_the_page() -> None:
    runs = [_run("c1", "p"), _run("x"), _run("p"), _run("c2", "p"), _run("orphan", "gone")]
    placed = [(run.info.run_id, depth, kids) for run, depth, kids in nest(runs)]
    assert placed == [
        ("x", 0, False), ("p", 0, True), ("c1", 1, False), ("c2", 1, False),
        ("orphan", 0, False),
    ]  # fmt: skip


def test_diff_rows_keep_only_what_differs() -> None:
    views = [run_view(_run("a", lr="0.1", opt="adam")), run_view(_run("b", lr="0.3", opt="adam"))]
    rows = diff_rows(views, show_all=False)
    assert [(r["section"], r["label"]) for r in rows] == [("Params", "lr")]
    assert any(r["label"] == "opt" and not r["differs"] for r in diff_rows(views, True))
    assert len({run_colour(i) for i in range(60)}) == 60


def test_safe_next_only_allows_local_paths() -> None:
    assert safe_next("/experiments/1?q=x", "/") == "/experiments/1?q=x"
    for bad in ("//evil.example", "https://evil.example/", "\\\\evil", "/a\r\nSet-Cookie: x", 3):
        assert safe_next(bad, "/home") == "/home"


class _Request:
    def __init__(self, cookie: str | None, origin: str | None = None) -> None:
        self.cookies = {"trackdeck_csrf": cookie} if cookie else {}
        self.headers = {"host": "127.0.0.1:5000", **({"origin": origin} if origin else {})}


def test_csrf_check() -> None:
    token = "t" * 43
    check(_Request(token), {FIELD: token})  # type: ignore[arg-type]
    check(_Request(token, "http://127.0.0.1:5000"), {FIELD: token})  # type: ignore[arg-type]
    for request, form in [
        (_Request(None), {FIELD: token}),
        (_Request(token), {}),
        (_Request(token), {FIELD: "u" * 43}),
        (_Request(token, "http://evil.example"), {FIELD: token}),
    ]:
        with pytest.raises(CsrfError):
            check(request, form)  # type: ignore[arg-type]
