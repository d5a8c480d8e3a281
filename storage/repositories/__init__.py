"""Repositories: the only place that opens sessions and writes queries."""
