"""One BLAS thread for NumPy unless the user chose otherwise (docs/decisions/0012).

aidplan's array work is vector-sized, and OpenBLAS's idle threads spin on a core after each
call: on the demo plan they burned 1.1 s of CPU of 5.4 for no time saved, and in `whatif` and
`stress` they take the core of the other worker. `one_blas_thread()` must run before anything
imports NumPy; processes started afterwards inherit the setting. This module imports nothing
but the standard library and must stay that way.
"""

from __future__ import annotations

import os

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """Set each of BLAS_THREAD_VARIABLES to 1 where the environment does not set it."""
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
