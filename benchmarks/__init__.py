"""Benchmarks run by `make bench`; each writes its own section of BENCHMARKS.md."""
