"""Operability: structured logs with request ids, Prometheus metrics, error reporting."""
