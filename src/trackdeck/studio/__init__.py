"""The studio: the control plane that creates, sizes, starts, stops and deletes tracking servers."""
