"""Where sweep trials run: local processes (default) or a Ray cluster."""
