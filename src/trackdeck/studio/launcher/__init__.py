"""Launchers run tracking servers: `base.Launcher` is the interface, `local` runs processes."""
