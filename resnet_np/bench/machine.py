"""Describe the machine a benchmark ran on (CPU, cores, BLAS, library versions), and set it up for a run."""

import contextlib
import os
import platform

import numpy as np


def cpu_model():
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _blas():
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                kernel = pool.get("architecture") or "unknown"
                forced = {name: os.environ[name] for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                          if name in os.environ}
                setting = f", forced by {forced}" if forced else ""
                return (f"{pool.get('internal_api')} {pool.get('version')}, {kernel} kernel{setting} "
                        f"({pool.get('num_threads')} threads)")
    except Exception:  # threadpoolctl is optional here: a description, not a requirement
        pass
    return "unknown"


def torch_or_none():
    """PyTorch if installed (benchmarks compare against it), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def describe():
    """One paragraph of facts: what a ratio was measured on."""
    import numba

    from ..runtime import apply_blas_threads, blas_threads, get_backend, get_num_threads

    apply_blas_threads()  # as the first op would: the BLAS line below then shows what the timings run with
    torch = torch_or_none()
    parts = [
        f"CPU: {cpu_model()}, {os.cpu_count()} cores",
        f"resnet_np: {get_backend()} backend, {get_num_threads()} threads (chunks of images), each calling BLAS "
        f"with {blas_threads()} thread(s)",
        f"BLAS: {_blas()}",
        f"Python {platform.python_version()}, NumPy {np.__version__}, Numba {numba.__version__}",
        f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "PyTorch: not installed",
    ]
    return "\n".join(parts)


@contextlib.contextmanager
def threads_for_both(threads=None):
    """Inside the block both libraries use `threads` threads (None: every core, up to 8): resnet_np's chunk pool
    (BLAS at one thread each) and PyTorch's intra-op pool. Also keeps freed memory in the process, which speeds
    up both alike (resnet_np.runtime.keep_freed_memory)."""
    from ..runtime import default_threads, keep_freed_memory, using

    threads = default_threads() if threads is None else threads
    keep_freed_memory()
    torch = torch_or_none()
    previous = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(threads)
    try:
        with using(threads=threads):
            yield threads
    finally:
        if torch is not None:
            torch.set_num_threads(previous)
