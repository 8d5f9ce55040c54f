"""Keep freed memory in the process, instead of giving it back to the OS after every training step.

A training step allocates and frees arrays of the same few sizes (activations, gradients) again and again. By
default glibc hands big freed blocks back to the operating system, and the next allocation of that size faults
its pages back in, one 4 KiB page at a time, each zeroed by the kernel. Measured for resnet20 at batch 128:
~50 MiB of page faults per step, about 8% of the step (BatchNorm forward 41 -> 20 ms, ReLU forward 20 -> 8 ms);
PyTorch in the same process gains about as much. Two malloc settings stop it:
    M_MMAP_THRESHOLD = 32 MiB   blocks up to 32 MiB come from the heap (mmap'ed blocks are unmapped when freed)
    M_TRIM_THRESHOLD = 1 GiB    the heap keeps up to 1 GiB of freed memory for the next allocation
The price: the resident memory of the process stays near its peak. Linux with glibc only; elsewhere a no-op.
The command line (`python -m resnet_np ...`) and the benchmarks call keep_freed_memory(); the library never does.
"""

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1  # from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20  # glibc's largest accepted value on 64-bit systems
TRIM_THRESHOLD = 2**30


def keep_freed_memory():
    """Apply the two settings above to this process. Returns True if glibc accepted both, False otherwise."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl without mallopt)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
