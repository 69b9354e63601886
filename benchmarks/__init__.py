"""Benchmark scripts (benchmarks/README.md). They time aidplan as the command runs it: with one
BLAS thread (docs/decisions/0012), set here before any script imports NumPy."""

from planner.blas import one_blas_thread

one_blas_thread()
