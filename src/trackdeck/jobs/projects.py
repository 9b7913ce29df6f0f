"""Checks of a project and its parameters before anything runs, with mlflow's own parser.

mlflow only finds a bad entry point or a missing parameter once the run exists; these checks
answer a job submission or a sweep at once with INVALID_PARAMETER_VALUE instead.
"""

from __future__ import annotations

from pathlib import Path

from trackdeck.errors import InvalidParameterValue

ENV_MANAGERS = ("local", "virtualenv", "uv", "conda")


def is_remote(uri: str) -> bool:
    """Git URIs are fetched by mlflow; only local folders can be checked here."""
    return "://" in uri or uri.startswith("git@")


def check_project(uri: str, entry_point: str, parameters: dict[str, str]) -> None:
    """Raise InvalidParameterValue when mlflow would refuse to run this."""
    if is_remote(uri):
        return
    from mlflow.exceptions import MlflowException
    from mlflow.projects.utils import ExecutionException, load_project

    folder = Path(uri)
    if not folder.is_dir():
        raise InvalidParameterValue(f"No project folder at {uri!r}.")
    try:
        point = load_project(str(folder)).get_entry_point(entry_point)
        point.compute_parameters(parameters, storage_dir=None)
    except (ExecutionException, MlflowException) as exc:
        raise InvalidParameterValue(f"Project {uri!r}: {exc}") from exc
    for name, spec in point.parameters.items():
        if spec.type == "float" and name in parameters:
            try:
                float(parameters[name])
            except ValueError:
                raise InvalidParameterValue(
                    f"Parameter {name!r} of entry point {entry_point!r} is a float, "
                    f"not {parameters[name]!r}."
                ) from None


def check_env_manager(name: str) -> str:
    if name not in ENV_MANAGERS:
        raise InvalidParameterValue(
            f"Invalid env manager {name!r}: one of {', '.join(ENV_MANAGERS)}."
        )
    return name
