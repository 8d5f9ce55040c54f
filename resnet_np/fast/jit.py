"""Numba's njit, or a stand-in that leaves functions as plain Python when Numba is missing.

Every kernel of the engine is compiled with @njit(cache=True, nogil=True): `cache=True` keeps the compiled code on
disk between runs, `nogil=True` lets several threads run compiled code at once (see chunks.py). With
NUMBA_DISABLE_JIT=1 the kernels run as ordinary Python: correct, and the tests check them that way too.
"""

import os

try:
    from numba import njit, uintp

    NUMBA_AVAILABLE = True
except ImportError:  # pragma: no cover - numba is a requirement, but keep the library importable without it
    NUMBA_AVAILABLE = False
    uintp = int

    def njit(*args, **kwargs):
        if len(args) == 1 and callable(args[0]):
            return args[0]
        return lambda function: function


def jit_enabled():
    """True when the kernels below really run compiled (Numba installed and NUMBA_DISABLE_JIT unset)."""
    return NUMBA_AVAILABLE and os.environ.get("NUMBA_DISABLE_JIT", "0") in ("", "0")
