"""Benchmarks run by `make bench`: each figure next to a peer measured in the same run, as a ratio."""
