"""Train a small neural network on scikit-learn's bundled digits and log it to MLflow.

Run it as an MLflow project (`mlflow run examples/sweep-project -P learning_rate=0.01`)
or sweep it (`trackdeck sweep examples/sweep-project -P learning_rate=0.0001:0.1:log:50`).
A learning rate of 0 is refused, so a sweep can include a trial that fails on purpose;
`sleep_seconds` slows each epoch down, to watch a job's log live or to cancel it.
"""

from __future__ import annotations

import argparse
import time
import warnings

import mlflow
import mlflow.sklearn
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning-rate", type=float, required=True)
    parser.add_argument("--batch-size", type=float, default=64)
    parser.add_argument("--hidden-units", type=float, default=32)
    parser.add_argument("--epochs", type=float, default=15)
    parser.add_argument("--sleep-seconds", type=float, default=0)
    args = parser.parse_args()
    if args.learning_rate <= 0:
        raise SystemExit(f"learning_rate must be positive, got {args.learning_rate}")

    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x / 16.0, y, test_size=0.25, random_state=0)
    model = MLPClassifier(
        hidden_layer_sizes=(int(args.hidden_units),),
        learning_rate_init=args.learning_rate,
        batch_size=int(args.batch_size),
        max_iter=1,
        warm_start=True,
        random_state=0,
    )
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    with mlflow.start_run():  # the run `mlflow run` created (MLFLOW_RUN_ID)
        for epoch in range(int(args.epochs)):
            model.fit(x_train, y_train)
            val_acc = model.score(x_val, y_val)
            mlflow.log_metrics({"val_acc": val_acc, "train_loss": model.loss_}, step=epoch)
            print(f"epoch {epoch}: val_acc={val_acc:.4f} loss={model.loss_:.4f}", flush=True)
            time.sleep(args.sleep_seconds)
        mlflow.sklearn.log_model(
            model,
            name="model",
            # Named here, so mlflow does not spend seconds inferring them in a subprocess.
            pip_requirements=["mlflow-skinny", "scikit-learn"],
            skops_trusted_types=["sklearn.neural_network._stochastic_optimizers.AdamOptimizer"],
        )


if __name__ == "__main__":
    main()
