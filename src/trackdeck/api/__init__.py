"""HTTP only: the MLflow REST API and trackdeck's own routes. Handlers parse, call, encode."""
