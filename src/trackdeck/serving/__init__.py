"""Model endpoints: registered model versions served behind `/ping` and `/invocations`."""
