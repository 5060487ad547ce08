"""Benchmarks: `make bench` runs them against a real server and writes docs/performance.md."""
