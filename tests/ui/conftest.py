"""Browser tests of the web UI: one live server and one logged sweep for the whole package.

The sweep is logged with the real mlflow client. Chromium is Debian's `/usr/bin/chromium`
driven by Playwright (installed by `make test`); screenshots go to `test-artifacts/ui/`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import LiveServer, start_server
from tests.ui.helpers import CHROMIUM, CHROMIUM_ARGS, LEARNING_RATES, SEEDS, XSS, Sweep


def _log_sweep(url: str) -> Sweep:
    import mlflow
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=url)
    mlflow.set_tracking_uri(url)
    experiment_id = mlflow.set_experiment("ui-sweep").experiment_id
    rng = random.Random(5)
    accuracy: dict[str, float] = {}
    lr_of: dict[str, float] = {}
    optimizer: dict[str, str] = {}
    names: dict[str, str] = {}
    run_ids: list[str] = []
    with mlflow.start_run(run_name="sweep-parent") as parent:
        mlflow.log_param("search", "grid")
        for lr in LEARNING_RATES:
            for seed in range(SEEDS):
                name = f"lr={lr} seed={seed}"
                with mlflow.start_run(run_name=name, nested=True) as child:
                    run_id = child.info.run_id
                    opt = "adam" if seed % 2 == 0 else "sgd"
                    mlflow.log_params({"lr": lr, "seed": seed, "optimizer": opt, "layers": 4})
                    mlflow.set_tag("team", "vision")
                    now = int(time.time() * 1000)
                    speed = lr * (1.3 if opt == "adam" else 1.0)
                    points = []
                    for step in range(40):
                        loss = 1 / (1 + 8 * speed * step) + rng.random() * 0.01
                        acc = 1 - loss * 0.9
                        points += [
                            Metric("loss", loss, now + step * 10, step),
                            Metric("accuracy", acc, now + step * 10, step),
                        ]
                    client.log_batch(run_id, metrics=points)
                    accuracy[run_id] = acc
                    lr_of[run_id] = lr
                    optimizer[run_id] = opt
                    names[run_id] = name
                    run_ids.append(run_id)
    xss = client.create_run(experiment_id, run_name=f"xss {XSS}")
    client.log_param(xss.info.run_id, "payload", XSS)
    client.set_tag(xss.info.run_id, "note", XSS)
    client.log_metric(xss.info.run_id, "loss", 0.5, step=0)
    client.set_terminated(xss.info.run_id)
    running = client.create_run(experiment_id, run_name="still-running")
    client.log_metric(running.info.run_id, "loss", 0.9, step=0)
    client.log_param(running.info.run_id, "lr", "0.05")
    empty_id = client.create_experiment("ui-empty")
    mlflow.set_tracking_uri(None)
    return Sweep(
        server=None,  # type: ignore[arg-type]
        experiment_id=experiment_id,
        parent_id=parent.info.run_id,
        run_ids=run_ids,
        accuracy=accuracy,
        lr=lr_of,
        optimizer=optimizer,
        names=names,
        xss_run_id=xss.info.run_id,
        running_run_id=running.info.run_id,
        empty_experiment_id=empty_id,
    )


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    workdir = tmp_path_factory.mktemp("ui-server")
    server = start_server(f"sqlite:///{workdir / 'store.db'}", workdir)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sweep(ui_server: LiveServer) -> Sweep:
    logged = _log_sweep(ui_server.url)
    logged.server = ui_server
    return logged


@pytest.fixture(scope="session")
def browser(ui_server: LiveServer) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageErrors(list[str]):
    """JavaScript errors and CSP violations a page reported."""


@pytest.fixture
def page(browser, sweep: Sweep) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser context (own cookies) at laptop size; fails the test on JS errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, base_url=sweep.url)
    context.set_default_timeout(15000)
    tab = context.new_page()
    errors = PageErrors()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield tab
    context.close()
    assert not errors, f"the page reported errors: {errors}"
