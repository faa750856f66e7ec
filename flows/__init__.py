"""Prefect flows, settings and the `mali-monitor` command line: orchestration only."""
