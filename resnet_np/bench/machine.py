"""Describe the machine a benchmark ran on: CPU, cores, BLAS, library versions."""

import os
import platform

import numpy as np


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas():
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                return f"{pool.get('internal_api')} {pool.get('version')} ({pool.get('num_threads')} threads)"
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

    torch = torch_or_none()
    parts = [
        f"CPU: {_cpu_model()}, {os.cpu_count()} cores",
        f"BLAS: {_blas()}",
        f"Python {platform.python_version()}, NumPy {np.__version__}, Numba {numba.__version__}",
        f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "PyTorch: not installed",
    ]
    return "\n".join(parts)
