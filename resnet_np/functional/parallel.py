"""Using more than one core: the batch is cut into chunks of images and a small pool of threads works through them.

    set_num_threads(2)                                   # resnet_np's pool: 2 threads; BLAS: 1 thread each
    results = run_in_chunks(work, total=128, chunk=16)   # work(0, 16), work(16, 32), ... spread over the pool

Why Python threads are enough: the heavy part of every chunk is a Numba kernel compiled with nogil=True or a
NumPy matrix product, and both release Python's global interpreter lock, so the threads really run at once.

Why not leave the cores to BLAS (OpenBLAS's own threads inside each matrix product): the products of a small
ResNet are too small to share well between threads, and the im2col/col2im passes around them (a third of a
convolution) would still run on one core. Splitting the batch parallelises all of it, and keeps each chunk's
column matrix small enough to stay in the CPU cache. Measured on a 2-core machine, 3x3 conv forward+backward at
batch 128 (ResNet-20's three layer shapes): 47 / 36 / 27 ms with one big product on two BLAS threads, 25 / 20 /
17 ms with two chunk threads. So while the pool has more than one thread, BLAS is limited to one thread (it would
otherwise start threads of its own inside each of ours and oversubscribe the cores).

Under training.limit_threads(n) (what the commands use) results do not depend on n, bit for bit: the chunks are
the same whatever the pool size, every product runs on one BLAS thread, and the callers combine per-chunk
results in chunk order.
"""

import itertools
import math
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

_num_threads = 1
_pool = None
_blas_limit = None  # threadpoolctl's limiter while the pool has more than one thread
_local = threading.local()  # .busy: this thread is already working on chunks (a nested call runs inline)


def get_num_threads():
    """How many threads run_in_chunks uses (1 unless set_num_threads said otherwise)."""
    return _num_threads


def set_num_threads(threads):
    """Use `threads` threads for the chunked ops (conv, batch norm, ReLU, max pool); returns the previous number.

    threads > 1 also limits BLAS to one thread per call (see the module docstring) until set back to 1.
    """
    global _num_threads, _pool, _blas_limit
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"set_num_threads: threads must be an integer >= 1, got {threads!r}")
    previous = _num_threads
    if threads == previous:
        return previous
    if _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None
    if threads > 1 and _blas_limit is None:
        from threadpoolctl import ThreadpoolController

        _blas_limit = ThreadpoolController().limit(limits=1, user_api="blas")
    elif threads == 1 and _blas_limit is not None:
        _blas_limit.restore_original_limits()
        _blas_limit = None
    _num_threads = threads
    return previous


VALUES_PER_CHUNK = 1 << 18  # for ops that touch each value a few times (BatchNorm, ReLU, max pool): 1 MiB of float32


def chunk_size(total, cost_per_item, target_cost, min_chunks=8):
    """Items per chunk: about target_cost / cost_per_item, but at least `min_chunks` chunks when there are enough
    items (so that every thread gets several and a slow core holds up only its last one). Independent of the
    number of threads, so that results are too."""
    size = max(1, target_cost // max(1, cost_per_item))
    return int(min(size, max(1, -(-total // min_chunks))))


def rows_per_chunk(shape):
    """Chunk size along the first axis of an array of `shape` for the value-wise ops (VALUES_PER_CHUNK values)."""
    values_per_row = math.prod(shape[1:]) if len(shape) > 1 else 1
    return chunk_size(shape[0], values_per_row, VALUES_PER_CHUNK)


def run_in_chunks(work, total, chunk):
    """Call work(first, stop) for the chunks [0, chunk), [chunk, 2*chunk), ... of range(total).

    Returns the list of work's results, in chunk order. The chunks run on the pool (and the calling thread)
    when get_num_threads() > 1, else one after another in the calling thread. An exception in any chunk is
    raised here after every thread has stopped.
    """
    bounds = [(first, min(first + chunk, total)) for first in range(0, total, chunk)]
    if _num_threads == 1 or len(bounds) == 1 or getattr(_local, "busy", False):
        return [work(first, stop) for first, stop in bounds]

    results = [None] * len(bounds)
    next_chunk = itertools.count()  # next() on it is atomic under the GIL: each chunk is taken exactly once
    error_handling = np.geterr()  # np.errstate is per thread: the helpers must follow the caller's

    def worker():
        _local.busy = True
        try:
            with np.errstate(**error_handling):
                for index in next_chunk:
                    if index >= len(bounds):
                        return
                    results[index] = work(*bounds[index])
        finally:
            _local.busy = False

    helpers = min(_num_threads, len(bounds)) - 1
    futures = [_get_pool().submit(worker) for _ in range(helpers)]
    try:
        worker()  # the calling thread takes chunks too
    finally:
        for future in futures:
            future.exception()  # wait for every helper before raising anything
    for future in futures:
        future.result()
    return results


def _get_pool():
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_num_threads - 1, thread_name_prefix="resnet_np")
    return _pool
