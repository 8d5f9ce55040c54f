"""How many CPU threads the maths may use: BLAS (NumPy's matrix products) and Numba's parallel kernels.

Why it matters: the matrices of a small ResNet are small, and on a busy machine (other programs running on the
same cores) threads that wait for each other can make a training step many times slower than one thread.
Measured on a shared 2-core machine, resnet20 on 8x8 digits at batch 64: ~700-1100 images/s with one thread,
40-200 images/s with two. Re-measured after the Numba kernels became serial, with one other program busy on one
core: the default `train` job 31.5 s with one thread, 130.5 s with two; a resnet20 CIFAR step at batch 128,
1.1-1.3 s with one thread, 30 s with two (PyTorch: 0.6-0.8 s vs 3.4 s). OpenBLAS's workers spin while waiting
for each other, so one busy core is enough to wreck a two-thread run; hence the default of one. The result of
a matrix product can also differ in the last bits between thread counts, so a bit-for-bit resume needs the same
setting as the original run.
"""

import contextlib


@contextlib.contextmanager
def limit_threads(threads):
    """Context manager: at most `threads` BLAS and Numba threads inside the block (None: leave as they are)."""
    if threads is None:
        yield
        return
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"limit_threads: threads must be an integer >= 1 or None, got {threads!r}")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads), _numba_threads(threads):
        yield


@contextlib.contextmanager
def _numba_threads(threads):
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a requirement; the kernels then run as plain Python
        yield
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        yield
    finally:
        numba.set_num_threads(previous)
