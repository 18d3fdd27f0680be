"""Benchmarks: ``python -m bench.ingest`` and ``python -m bench.turnaround`` (see bench/README.md)."""
