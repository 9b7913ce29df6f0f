"""The runs page of an experiment: a server-side paged, sortable, filterable run table.

Everything the page shows follows from its query string, so a URL can be shared:

    q         MLflow filter, e.g. `metrics.acc > 0.9 and params.lr = '0.01'`
    sort, dir the column to sort by (`attributes.start_time`, `metrics.acc`, ...), asc|desc
    cols      comma-separated extra columns (`metrics.acc,params.lr,tags.team`)
    best      a metric column whose best run is highlighted; `best_dir` min|max
    page,size paging (1-based page number)
    view      active | deleted | all
    sel       comma-separated run ids ticked for comparison
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackdeck.entities import Experiment, Run
from trackdeck.errors import InvalidParameterValue, TrackdeckError
from trackdeck.store.browse import RunKeys
from trackdeck.store.paging import offset_token
from trackdeck.ui.handlers import browse, page, tracking
from trackdeck.ui.rendering import render
from trackdeck.ui.values import PARENT_TAG, run_view

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_SIZE = 50
DEFAULT_EXTRA = 6  # metrics and params shown when the URL names no columns
ATTRIBUTE_SORTS = {
    "attributes.run_name": "Run name",
    "attributes.status": "Status",
    "attributes.start_time": "Created",
    "attributes.user_id": "User",
}
ENTITIES = ("metrics", "params", "tags")
VIEWS = {"active": "ACTIVE_ONLY", "deleted": "DELETED_ONLY", "all": "ALL"}


def split_column(column: str) -> tuple[str, str]:
    """`metrics.val loss` -> ("metrics", "val loss"); raises on an unknown entity."""
    entity, _, key = column.partition(".")
    if entity not in (*ENTITIES, "attributes") or not key:
        raise InvalidParameterValue(f"Unknown column '{column}'.")
    return entity, key


def order_clause(column: str, descending: bool) -> str:
    """The MLflow `order_by` clause sorting by `column`."""
    entity, key = split_column(column)
    name = key if entity == "attributes" else f"`{key}`"
    return f"{entity}.{name} {'DESC' if descending else 'ASC'}"


def _ids(text: str) -> list[str]:
    return [part for part in (p.strip() for p in text.split(",")) if part.isalnum()]


@dataclass
class RunsState:
    """The page's state, parsed from and written back to its query string."""

    q: str = ""
    sort: str = ""
    dir: str = "desc"
    cols: list[str] | None = None
    best: str = ""
    best_dir: str = "max"
    page: int = 1
    size: int = DEFAULT_SIZE
    view: str = "active"
    sel: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, query: QueryParams) -> RunsState:
        state = cls(q=query.get("q", "").strip())
        sort = query.get("sort", "")
        if sort and (sort in ATTRIBUTE_SORTS or sort.split(".", 1)[0] in ENTITIES):
            state.sort = sort
        state.dir = "asc" if query.get("dir") == "asc" else "desc"
        if "cols" in query or "col" in query:
            picked = [c for c in query.get("cols", "").split(",") if c]
            picked += query.getlist("col")
            state.cols = [c for c in dict.fromkeys(picked) if c.split(".", 1)[0] in ENTITIES]
        best = query.get("best", "")
        state.best = best if best.startswith("metrics.") and len(best) > 8 else ""
        state.best_dir = "min" if query.get("best_dir") == "min" else "max"
        try:
            state.page = max(1, int(query.get("page", "1")))
            size = int(query.get("size", DEFAULT_SIZE))
        except ValueError:
            size = DEFAULT_SIZE
        state.size = size if size in PAGE_SIZES else DEFAULT_SIZE
        state.view = query.get("view", "active") if query.get("view") in VIEWS else "active"
        state.sel = _ids(query.get("sel", ""))
        return state

    def params(self) -> dict[str, str]:
        """The non-default parts of the state, as query parameters."""
        values = {
            "q": self.q,
            "sort": self.sort,
            "dir": self.dir if self.sort and self.dir != "desc" else "",
            "cols": ",".join(self.cols) if self.cols is not None else None,
            "best": self.best,
            "best_dir": self.best_dir if self.best and self.best_dir != "max" else "",
            "page": str(self.page) if self.page > 1 else "",
            "size": str(self.size) if self.size != DEFAULT_SIZE else "",
            "view": self.view if self.view != "active" else "",
            "sel": ",".join(self.sel),
        }
        return {k: v for k, v in values.items() if v or (k == "cols" and v is not None)}

    def order_by(self) -> list[str]:
        if self.sort:
            return [order_clause(self.sort, self.dir == "desc")]
        if self.best:
            return [order_clause(self.best, self.best_dir == "max")]
        return []

    def sorted_by(self) -> tuple[str, str]:
        if self.sort:
            return self.sort, self.dir
        if self.best:
            return self.best, "desc" if self.best_dir == "max" else "asc"
        return "attributes.start_time", "desc"


def _columns(state: RunsState, keys: RunKeys) -> list[str]:
    if state.cols is not None:
        return state.cols
    return [f"metrics.{k}" for k in keys.metrics[:DEFAULT_EXTRA]] + [
        f"params.{k}" for k in keys.params[:DEFAULT_EXTRA]
    ]


def nest(found: list[Run]) -> list[tuple[Run, int, bool]]:
    """Runs in page order with each child moved under its parent when both are on the
    page: (run, depth, has children here)."""
    by_id = {run.info.run_id: run for run in found}
    children: dict[str, list[Run]] = {}
    roots = []
    for run in found:
        parent = next((t.value for t in run.data.tags if t.key == PARENT_TAG), None)
        if parent in by_id and parent != run.info.run_id:
            children.setdefault(parent, []).append(run)
        else:
            roots.append(run)
    ordered: list[tuple[Run, int, bool]] = []
    seen: set[str] = set()

    def visit(run: Run, depth: int) -> None:
        if run.info.run_id in seen:
            return
        seen.add(run.info.run_id)
        kids = children.get(run.info.run_id, [])
        ordered.append((run, depth, bool(kids)))
        for kid in kids:
            visit(kid, depth + 1)

    for run in roots:
        visit(run, 0)
    for run in found:  # a parent cycle leaves runs unvisited: show them flat
        visit(run, 0)
    return ordered


def _best_run(request: Request, experiment: Experiment, state: RunsState) -> Run | None:
    if not state.best:
        return None
    page_of_one = tracking(request).run_search.search(
        [experiment.experiment_id],
        state.q or None,
        VIEWS[state.view],
        1,
        [order_clause(state.best, state.best_dir == "max")],
        None,
    )
    best = page_of_one.items[0] if page_of_one.items else None
    metric = state.best.split(".", 1)[1]
    if best is None or not any(m.key == metric for m in best.data.metrics):
        return None
    return best


def runs_page(request: Request) -> Response:
    experiment = tracking(request).experiments.get(request.path_params["experiment_id"])
    state = RunsState.from_query(request.query_params)
    keys = browse(request).run_keys(experiment.experiment_id)
    columns = _columns(state, keys)
    error = None
    found: list[Run] = []
    total = 0
    best = None
    try:
        total = browse(request).count_runs(
            [experiment.experiment_id], state.q or None, VIEWS[state.view]
        )
        pages = max(1, -(-total // state.size))
        state.page = min(state.page, pages)
        result = tracking(request).run_search.search(
            [experiment.experiment_id],
            state.q or None,
            VIEWS[state.view],
            state.size,
            state.order_by(),
            offset_token((state.page - 1) * state.size) if state.page > 1 else None,
        )
        found = result.items
        best = _best_run(request, experiment, state)
    except TrackdeckError as exc:
        error = exc
    # Children sit under their parents in the default order; an explicit sort is kept flat.
    placed = [(run, 0, False) for run in found] if state.order_by() else nest(found)
    rows = [(run_view(run, columns), depth, has_children) for run, depth, has_children in placed]
    description = next((t.value for t in experiment.tags if t.key == "mlflow.note.content"), "")
    context = {
        "title": experiment.name,
        "experiment": experiment,
        "description": description,
        "state": state,
        "params": state.params(),
        "columns": [(c, *split_column(c)) for c in columns],
        "keys": keys,
        "rows": rows,
        "total": total,
        "pages": max(1, -(-total // state.size)),
        "error": error,
        "best": run_view(best, [state.best]) if best else None,
        "best_metric": state.best.split(".", 1)[1] if state.best else "",
        "sorted_by": state.sorted_by(),
        "attribute_sorts": ATTRIBUTE_SORTS,
        "page_sizes": PAGE_SIZES,
        "page_data": {
            "experiment_id": experiment.experiment_id,
            "columns": columns,
            "selected": state.sel,
        },
    }
    return render(request, "runs.html", context, status=error.http_status if error else 200)


ROUTES = [Route("/experiments/{experiment_id}", page(runs_page), methods=["GET"])]
