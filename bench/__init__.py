"""Side-by-side benchmark of trackdeck against `mlflow server` over plain REST.

Run it with `make bench` or `python -m bench.run --scale small|full`; see bench/README.md.
"""
