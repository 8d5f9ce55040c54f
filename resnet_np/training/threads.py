"""How many CPU threads the maths may use.

resnet_np spreads each conv, batch norm, ReLU and max pool over a pool of its own threads, a chunk of images each
(resnet_np/functional/parallel.py), and keeps BLAS (NumPy's matrix products) to one thread inside them.

Why this and not BLAS's threads: measured on a shared 2-core machine, when BLAS did the threading, one other busy
program was enough to make two threads many times slower than one (the default `train` job 31.5 s with one
thread, 130.5 s with two; a resnet20 CIFAR step at batch 128, 1.1-1.3 s vs 30 s). OpenBLAS's workers spin while
they wait for each other, and a worker that shares its core with another program keeps the others spinning.
The chunk pool has no such barrier inside a product: a thread that is slowed down just takes fewer chunks.
Measured the same way with the pool, resnet20 CIFAR step at batch 128 with one core kept busy by another program:
822 ms with two threads, 899 ms with one (PyTorch with two threads: 1113 ms). Hence the commands use every core
by default (default_threads()).
"""

import contextlib
import os

from ..functional.parallel import set_num_threads

MAX_DEFAULT_THREADS = 8  # a batch of 128 makes 8-64 chunks per op: more threads would mostly wait


def default_threads():
    """The cores this process may run on (its CPU affinity), at most MAX_DEFAULT_THREADS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_THREADS))


@contextlib.contextmanager
def limit_threads(threads):
    """Context manager: the maths uses `threads` threads inside the block (None: leave everything as it is).

    Sets resnet_np's chunk pool to `threads` and limits BLAS to one thread per product. Results are then the same
    bit for bit whatever `threads` is (the chunks and the order of their sums do not depend on it).
    """
    if threads is None:
        yield
        return
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"limit_threads: threads must be an integer >= 1 or None, got {threads!r}")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        previous = set_num_threads(threads)
        try:
            yield
        finally:
            set_num_threads(previous)
