"""`trackdeck sweep`: run an MLproject over a parameter space, with a progress bar and a
summary of the trials at the end (best first)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from trackdeck.errors import TrackdeckError
from trackdeck.jobs.executors.base import Executor
from trackdeck.jobs.projects import check_project, is_remote
from trackdeck.jobs.space import grid, parse_space, random_trials
from trackdeck.jobs.sweep import Sweep, SweepResult, SweepSettings, Trial
from trackdeck.studio.client import parse_pairs


def _executor(name: str, parallel: int, ray_address: str | None) -> Executor:
    if name == "ray":
        try:
            from trackdeck.jobs.executors.ray import RayExecutor
        except ImportError as exc:  # Ray is optional: only the test extra installs it
            raise click.ClickException("--executor ray needs Ray: pip install ray") from exc
        return RayExecutor(ray_address)
    from trackdeck.jobs.executors.local import LocalExecutor

    return LocalExecutor(parallel)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def summary(result: SweepResult, metric: str, goal: str) -> list[str]:
    """The table of trials, best first, failures last; the best row is marked with *."""
    names = list(result.trials[0].params) if result.trials else []

    def order(trial: Trial) -> tuple[int, float]:
        if trial.value is None or trial.status != "FINISHED":
            return (1, 0.0)
        return (0, -trial.value if goal == "max" else trial.value)

    header = ["", "TRIAL", "STATUS", metric.upper(), *names, "RUN"]
    rows = [header]
    for trial in sorted(result.trials, key=order):
        mark = "*" if result.best is trial else ""
        params = [trial.params[n] for n in names]
        row = [mark, trial.name, trial.status, _cell(trial.value), *params, trial.run_id or "-"]
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


@click.command()
@click.argument("project")
@click.option("-e", "--entry-point", default="main", show_default=True)
@click.option(
    "-P",
    "--param",
    "params",
    multiple=True,
    help="NAME=SPEC, repeatable: LOW:HIGH:log:N, LOW:HIGH:N, a,b,c or a fixed value.",
)
@click.option("--metric", required=True, help="The metric that ranks trials (latest value).")
@click.option("--goal", type=click.Choice(["max", "min"]), default="max", show_default=True)
@click.option(
    "--strategy", type=click.Choice(["grid", "random"]), default="grid", show_default=True
)
@click.option("--trials", type=int, default=None, help="How many random trials [default: 20].")
@click.option("--seed", type=int, default=None, help="Seed of the random strategy.")
@click.option("--parallel", type=click.IntRange(1, 256), default=2, show_default=True)
@click.option(
    "--experiment",
    default=None,
    envvar="MLFLOW_EXPERIMENT_NAME",
    help="Experiment name (created if missing) [default: the Default experiment].",
)
@click.option("--run-name", default=None, help="Name of the sweep's parent run.")
@click.option(
    "--tracking-uri",
    default=None,
    help="The tracking server [default: MLFLOW_TRACKING_URI].",
)
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--ray-address", default=None, help="auto, or ray://HOST:10001 [default: local].")
@click.option(
    "--env-manager",
    type=click.Choice(["local", "virtualenv", "uv", "conda"]),
    default="local",
    show_default=True,
)
@click.option("--register", "register_as", default=None, help="Register the best model as NAME.")
@click.option("--model-path", default="model", show_default=True, help="The model's artifact path.")
def sweep(
    project: str,
    entry_point: str,
    params: tuple[str, ...],
    metric: str,
    goal: str,
    strategy: str,
    trials: int | None,
    seed: int | None,
    parallel: int,
    experiment: str | None,
    run_name: str | None,
    tracking_uri: str | None,
    executor: str,
    ray_address: str | None,
    env_manager: str,
    register_as: str | None,
    model_path: str,
) -> None:
    """Sweep the MLproject PROJECT over -P parameter specs: a parent run with one child run
    per trial, at most --parallel at a time, the best trial by --metric at the end."""
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        raise click.UsageError("Set MLFLOW_TRACKING_URI or pass --tracking-uri.")
    if trials is not None and strategy == "grid":
        raise click.UsageError("--trials is for --strategy random; a grid has its own size.")
    project_uri = project if is_remote(project) else str(Path(project).resolve())
    try:
        space_text = parse_pairs(params, "-P")
        space = parse_space(space_text)
        plan = grid(space) if strategy == "grid" else random_trials(space, trials or 20, seed)
        for trial_params in plan:
            check_project(project_uri, entry_point, trial_params)
    except TrackdeckError as error:
        raise click.UsageError(error.message) from error

    import mlflow
    from mlflow.tracking import MlflowClient

    # mlflow prints a "View run" link whenever a run ends; the summary table says it all.
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    mlflow.set_tracking_uri(uri)
    settings = SweepSettings(
        project_uri=project_uri,
        entry_point=entry_point,
        space=space_text,
        trials=plan,
        metric=metric,
        goal=goal,
        parallel=parallel,
        strategy=strategy,
        experiment_name=experiment,
        run_name=run_name,
        env_manager=env_manager,
        model_path=model_path,
    )
    runner = Sweep(settings, MlflowClient(uri), _executor(executor, parallel, ray_address), uri)
    click.echo(
        f"Sweeping {len(plan)} trials of {project_uri} ({strategy}, {parallel} in parallel, "
        f"{executor} executor) on {uri}",
        err=True,
    )
    best: list[float] = []

    def status(_trial: Trial | None) -> str:
        done = [t for t in runner.trials if t.status not in ("PENDING", "RUNNING")]
        failed = sum(t.status != "FINISHED" for t in done)
        leader = runner.best()
        best[:] = [leader.value] if leader and leader.value is not None else []
        text = f"best {metric}={_cell(best[0])}" if best else "no result yet"
        return f"{text}, {failed} failed"

    with click.progressbar(
        length=len(plan), label="Trials", show_pos=True, item_show_func=status, file=sys.stderr
    ) as bar:
        result = runner.run(progress=lambda trial: bar.update(1, trial))
    for line in summary(result, metric, goal):
        click.echo(line)
    for trial in result.failed:
        if trial.error:  # the last line of its output usually says why
            click.echo(f"{trial.name} {trial.status}: {trial.error.splitlines()[-1]}")
    click.echo(f"\nSweep run {result.parent_run_id}: {len(plan)} trials in {result.seconds:.0f} s, "
               f"{len(result.failed)} failed.")  # fmt: skip
    if result.best is None:
        raise click.ClickException("No trial succeeded with the metric " + repr(metric) + ".")
    click.echo(
        f"Best: {result.best.name} (run {result.best.run_id}) {metric}={_cell(result.best.value)}"
    )
    if register_as:
        name, version = runner.register(result, register_as)
        click.echo(f"Registered {name} version {version}: models:/{name}@champion")
