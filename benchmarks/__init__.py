"""Benchmarks run by `make bench`: each `bench_*.py` module prints rich tables with a baseline."""
