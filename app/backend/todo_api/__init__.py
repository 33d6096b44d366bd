"""The Todo app's HTTP API: tasks, health and readiness probes, and the app's public info."""

# The version is reported by /health and /api/info, so a deploy can be checked against the image it ran.
__version__ = "0.1.0"
