"""The separate virtualenv that holds `mlflow server`, created on first use."""

from __future__ import annotations

import subprocess
import sys

from bench.servers import MLFLOW_BIN, MLFLOW_VENV, MLFLOW_VERSION


def installed_version() -> str | None:
    """The mlflow version in .venv-bench, or None if it is missing."""
    python = MLFLOW_VENV / "bin" / "python"
    if not MLFLOW_BIN.exists() or not python.exists():
        return None
    probe = "import importlib.metadata as m; print(m.version('mlflow'))"
    done = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def ensure_mlflow_venv() -> str:
    """Create .venv-bench with mlflow==MLFLOW_VERSION unless it is already there; the version."""
    version = installed_version()
    if version == MLFLOW_VERSION:
        return version
    print(f"bench: installing mlflow=={MLFLOW_VERSION} into {MLFLOW_VENV}", file=sys.stderr)
    if not (MLFLOW_VENV / "bin" / "python").exists():
        subprocess.run(["python3", "-m", "venv", str(MLFLOW_VENV)], check=True)
    subprocess.run(
        [str(MLFLOW_VENV / "bin" / "pip"), "install", "-q", f"mlflow=={MLFLOW_VERSION}"],
        check=True,
    )
    version = installed_version()
    if version != MLFLOW_VERSION:
        raise RuntimeError(f"{MLFLOW_VENV}: mlflow {version}, wanted {MLFLOW_VERSION}")
    return version
