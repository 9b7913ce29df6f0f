"""The smallest useful trackdeck session: one run with a param and a metric.

export MLFLOW_TRACKING_URI=http://127.0.0.1:5000
python examples/quickstart.py
"""

import mlflow

mlflow.set_experiment("quickstart")
with mlflow.start_run() as run:
    mlflow.log_param("learning_rate", 0.01)
    for step in range(10):
        mlflow.log_metric("accuracy", 0.5 + step * 0.045, step=step)
print(f"logged run {run.info.run_id} to {mlflow.get_tracking_uri()}")
