"""Runtime settings, in one place: who computes the ops (the backend), on how many threads, and how memory is kept.

    import resnet_np as rn
    rn.set_backend("reference")     # the readable NumPy ops of resnet_np.functional ("fast": the engine, default)
    rn.set_num_threads(2)           # threads for the maths (default: every core, at most 8, like PyTorch)
    with rn.runtime.using(backend="reference", threads=1):
        ...                         # both settings for this block only

Environment variables give the starting values: RESNET_NP_BACKEND=reference|fast, RESNET_NP_NUM_THREADS=N.
With Numba's JIT disabled (NUMBA_DISABLE_JIT=1) the engine's kernels would run as plain Python, about 1000x
slower, so the default backend is then "reference".

What a thread count means depends on the backend:
    fast       n threads of resnet_np's chunk pool (resnet_np/fast/chunks.py), each running BLAS on one thread.
    reference  each matrix product on n BLAS threads.
The setting of BLAS's threads is applied here and nowhere else (apply_blas_threads), the first time an op runs
through resnet_np.backend and whenever a setting changes. It is process-wide: NumPy's matrix products outside
resnet_np use it too.
"""

import contextlib
import ctypes
import ctypes.util
import os
import warnings

from .validation import choice, positive_int

BACKENDS = ("reference", "fast")
MAX_DEFAULT_THREADS = 8  # a batch of 128 makes 8-64 chunks per op: more threads would mostly wait
MAX_THREADS = 256  # more than any machine this runs on has cores; a typo (1000) is refused, not obeyed


def _jit_enabled():
    if os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"):
        return False
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a requirement
        return False
    return True


def default_threads():
    """The cores this process may run on (its CPU affinity), at most MAX_DEFAULT_THREADS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_THREADS))


def _from_environment(variable, parse, default):
    """parse(the variable's text), or `default` (with a warning saying why) when it is unset or invalid."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        return parse(text)
    except ValueError as error:
        warnings.warn(f"ignoring {variable}={text!r} ({error}); using {default}", stacklevel=2)
        return default


def _parse_backend(text):
    return choice("resnet_np", "backend", text.lower(), BACKENDS)


def _parse_threads(text):
    try:
        value = int(text)
    except ValueError:
        value = text
    return positive_int("resnet_np", "number of threads", value, maximum=MAX_THREADS)


_backend = _from_environment("RESNET_NP_BACKEND", _parse_backend, "fast" if _jit_enabled() else "reference")
_num_threads = _from_environment("RESNET_NP_NUM_THREADS", _parse_threads, default_threads())
_blas_applied = None  # the BLAS thread count last applied, None before the first op
_blas_limiter = None  # threadpoolctl's limiter holding that count
_thread_count_listeners = []  # called with the new count by set_num_threads (the engine resizes its pool)


def get_backend():
    """'fast' (the engine, resnet_np.fast) or 'reference' (the NumPy maths, resnet_np.functional)."""
    return _backend


def set_backend(name):
    """Choose who computes the layers' ops: 'fast' or 'reference'. Returns the previous backend."""
    global _backend
    previous, _backend = _backend, choice("set_backend", "backend", name, BACKENDS)
    if _blas_applied is not None:
        apply_blas_threads()
    return previous


def get_num_threads():
    """Threads the maths uses (default: every core of this process, at most MAX_DEFAULT_THREADS)."""
    return _num_threads


def set_num_threads(threads):
    """Use `threads` threads (1 to MAX_THREADS) for the maths; returns the previous number."""
    global _num_threads
    previous, _num_threads = _num_threads, positive_int("set_num_threads", "threads", threads, maximum=MAX_THREADS)
    if _blas_applied is not None:
        apply_blas_threads()
    if _num_threads != previous:
        for listener in _thread_count_listeners:
            listener(_num_threads)
    return previous


def when_num_threads_changes(listener):
    """Call listener(new_count) after every change of the thread count (the engine stops or resizes its pool)."""
    _thread_count_listeners.append(listener)


@contextlib.contextmanager
def using(backend=None, threads=None):
    """Context manager: the given backend and/or thread count inside the block (None: unchanged)."""
    previous_backend = set_backend(backend) if backend is not None else None
    try:
        previous_threads = set_num_threads(threads) if threads is not None else None
        try:
            yield
        finally:
            if previous_threads is not None:
                set_num_threads(previous_threads)
    finally:
        if previous_backend is not None:
            set_backend(previous_backend)


def blas_threads():
    """The threads each BLAS call may use under the current settings (see the module docstring)."""
    return 1 if _backend == "fast" else _num_threads


def apply_blas_threads():
    """Give BLAS blas_threads() threads (a no-op when that is already so). Called by resnet_np.backend."""
    global _blas_applied, _blas_limiter
    wanted = blas_threads()
    if wanted == _blas_applied:
        return
    from threadpoolctl import ThreadpoolController

    if _blas_limiter is not None:
        _blas_limiter.restore_original_limits()
    _blas_limiter = ThreadpoolController().limit(limits=wanted, user_api="blas")
    _blas_applied = wanted


def blas_is_configured():
    return _blas_applied == blas_threads()


# ------------------------------------------------------------------------------------------------------------------
# Memory
# ------------------------------------------------------------------------------------------------------------------

_M_TRIM_THRESHOLD = -1  # from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20  # glibc's largest accepted value on 64-bit systems
TRIM_THRESHOLD = 2**30


def keep_freed_memory():
    """Keep freed memory in the process instead of giving it back to the OS after every training step.

    A training step allocates and frees arrays of the same few sizes again and again. By default glibc hands big
    freed blocks back to the operating system, and the next allocation of that size faults its pages back in,
    one 4 KiB page at a time. Two malloc settings stop it (measurements: docs/benchmarks.md):
        M_MMAP_THRESHOLD = 32 MiB   blocks up to 32 MiB come from the heap (mmap'ed blocks are unmapped when freed)
        M_TRIM_THRESHOLD = 1 GiB    the heap keeps up to 1 GiB of freed memory for the next allocation
    The price: the resident memory of the process stays near its peak. The command line and the benchmarks call
    this; the library never does on its own. Linux with glibc only. Returns True if glibc accepted both settings.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl without mallopt)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
