"""Benchmarks that ``opendcc bench`` and the scripts in ``bench/`` run."""
