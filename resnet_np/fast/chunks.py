"""Using more than one core: the batch is cut into chunks of images and a small pool of threads works through them.

    results = run_in_chunks(work, total=128, chunk=16)   # work(0, 16), work(16, 32), ... spread over the pool

The pool has resnet_np.get_num_threads() - 1 helper threads; the calling thread takes chunks too, and never waits
for a helper that has not started one (_Job). An op too small to repay a hand-off is a single chunk, which runs
on the calling thread (MIN_VALUES_PER_CHUNK below, MIN_MULTIPLY_ADDS_PER_CHUNK in conv.py): the digits' 8x8
maps at batch 16 make no hand-off at all. While the fast backend is chosen, BLAS runs each product on one thread
(resnet_np/runtime.py applies that setting).

Why Python threads are enough: the heavy part of every chunk is a Numba kernel compiled with nogil=True or a
NumPy matrix product, and both release Python's global interpreter lock, so the threads really run at once.

Why not leave the cores to BLAS (OpenBLAS's own threads inside each matrix product): the products of a small
ResNet are too small to share well between threads, and the im2col/col2im passes around them (a third of a
convolution) would still run on one core. Splitting the batch parallelises all of it, and keeps each chunk's
column matrix small enough to stay in the CPU cache. Measured on a 2-core machine, 3x3 conv forward+backward at
batch 128 (ResNet-20's three layer shapes): 47 / 36 / 27 ms with one big product on two BLAS threads, 25 / 20 /
17 ms with two chunk threads. And on a shared machine OpenBLAS's workers spin while they wait for each other: a
thread slowed down by another program holds up every product, while a slow chunk thread just takes fewer chunks
(docs/benchmarks.md has the measurements).

Results do not depend on the number of threads, bit for bit: the chunks are the same whatever the pool size,
every product runs on one BLAS thread, and the callers combine per-chunk results in chunk order.
"""

import itertools
import math
import os
import threading

import numpy as np

from .. import runtime

_pool = None  # a _Pool of get_num_threads() - 1 helper threads, started on first use
_local = threading.local()  # .busy: this thread is already working on chunks (a nested call runs inline)


VALUES_PER_CHUNK = 1 << 18  # for ops that touch each value a few times (BatchNorm, ReLU, max pool): 1 MiB of float32
# The least work worth a chunk of its own: 512 Ki values (2 MiB of float32). An empty two-chunk run_in_chunks call
# costs ~5 us, but a real one costs far more on a 2-core virtual machine: a sleeping helper takes tens of
# microseconds to wake (its core halts while idle), and the caller, when it must wait for that helper, as long
# again. Measured by benchmarks/value_ops_threads.py (AMD EPYC, 2 cores; docs/benchmarks.md has the table): split
# into chunks of 128 Ki values, a 1 MiB ReLU forward took 131 us on two threads against 28 on one, a BatchNorm
# forward 347 against 191; at 2 MiB two threads still lost; at 4 MiB, in two chunks of 2 MiB, BatchNorm gained
# 12-27% while ReLU lost 15-46% (one threshold for both keeps the rule simple: ReLU is the cheaper op). (BatchNorm's
# kernels are 2-2.5x faster since; at 4 MiB its split forward now loses 12% and its backward gains 11%, and whole
# steps read the same with 512 Ki or 1 Mi here: docs/benchmarks.md, issue 25's fifth round.) Smaller ops
# are one chunk, which run_in_chunks runs on the calling thread: no hand-off, one kernel call. Even with helpers
# kept awake (a spin, tried and not kept), 128 Ki and 64 Ki gained nothing in whole steps (0.97-1.07): a helper
# must also take the interpreter lock between kernels, and waits for it asleep (docs/benchmarks.md, issue 25's
# fourth round).
MIN_VALUES_PER_CHUNK = 1 << 19


def chunk_size(total, cost_per_item, target_cost, min_chunks=8, min_cost=0):
    """Items per chunk: about target_cost / cost_per_item, but at least `min_chunks` chunks when there are enough
    items (so that every thread gets several and a slow core holds up only its last one), and no chunk of less
    than min_cost: then as many equal chunks as min_cost fits in the whole (one for a small op, which
    run_in_chunks runs inline). Independent of the number of threads, so that results are too."""
    cost_per_item = max(1, cost_per_item)
    size = min(max(1, target_cost // cost_per_item), -(-total // min_chunks))
    if size * cost_per_item < min_cost:
        chunks = max(1, total * cost_per_item // min_cost)
        size = -(-total // chunks)
    return int(max(1, min(size, total)))


def rows_per_chunk(shape):
    """Chunk size along the first axis of an array of `shape` for the value-wise ops (VALUES_PER_CHUNK values,
    at least MIN_VALUES_PER_CHUNK)."""
    values_per_row = math.prod(shape[1:]) if len(shape) > 1 else 1
    return chunk_size(shape[0], values_per_row, VALUES_PER_CHUNK, min_cost=MIN_VALUES_PER_CHUNK)


def run_in_chunks(work, total, chunk):
    """Call work(first, stop) for the chunks [0, chunk), [chunk, 2*chunk), ... of range(total).

    Returns the list of work's results, in chunk order. The chunks run on the pool (and the calling thread)
    when resnet_np.get_num_threads() > 1, else one after another in the calling thread; so do they while another
    thread of the program has the pool. An exception in any chunk is raised here after every thread has stopped.
    """
    if chunk >= total:  # one chunk (a small op): no pool, no bookkeeping
        return [work(0, total)] if total > 0 else []
    bounds = [(first, min(first + chunk, total)) for first in range(0, total, chunk)]
    threads = runtime.get_num_threads()
    if threads == 1 or len(bounds) == 1 or getattr(_local, "busy", False):
        return [work(first, stop) for first, stop in bounds]
    pool = _get_pool(threads)
    if not pool.lock.acquire(blocking=False):  # another thread of the program has the pool: do the work alone
        return [work(first, stop) for first, stop in bounds]
    try:
        job = _Job(work, bounds)
        pool.lend(job)
        _local.busy = True
        try:
            job.take_chunks()  # the calling thread takes chunks too
        finally:
            _local.busy = False
        job.close()  # waits for the helpers still inside a chunk; none that is yet to start
    finally:
        pool.job = None
        pool.lock.release()
    if job.errors:
        raise job.errors[0]
    return job.results


class _Job:
    """One run_in_chunks call: its chunks, their results, and who is working on them.

    The calling thread takes chunks until none is left, then closes the job: it waits for the helpers that are
    inside a chunk, and for no other. A helper that wakes after the close (its core was busy with another
    program, say) finds the job closed and goes back to sleep, so a slow core never holds up the caller for more
    than one chunk, and not at all when it has not started one.
    """

    def __init__(self, work, bounds):
        self.work, self.bounds = work, bounds
        self.results = [None] * len(bounds)
        self.errors = []
        self.error_handling = np.geterr()  # np.errstate is per thread: the helpers must follow the caller's
        self._next_chunk = itertools.count()  # next() on it is atomic under the GIL: each chunk is taken once
        self._lock = threading.Lock()
        self._closed, self._working = False, 0
        self._finished = threading.Lock()
        self._finished.acquire()  # released by the last helper to leave a closed job

    def take_chunks(self):
        try:
            for index in self._next_chunk:
                if index >= len(self.bounds):
                    return
                self.results[index] = self.work(*self.bounds[index])
        except BaseException as error:  # raised by run_in_chunks once every thread has stopped
            self.errors.append(error)

    def help(self):
        """A helper's share: chunks until none is left, unless the job is closed already."""
        with self._lock:
            if self._closed:
                return
            self._working += 1
        try:
            with np.errstate(**self.error_handling):
                self.take_chunks()
        finally:
            with self._lock:
                self._working -= 1
                last_out = self._closed and self._working == 0
            if last_out:
                self._finished.release()

    def close(self):
        with self._lock:
            self._closed = True
            wait = self._working > 0
        if wait:
            self._finished.acquire()


def sum_in_order(shares):
    """Sum per-chunk results (arrays, or tuples of arrays) in chunk order, into the first share: the sum does not
    depend on which thread ran which chunk."""
    total = shares[0]
    for share in shares[1:]:
        if isinstance(total, tuple):
            for into, value in zip(total, share, strict=True):
                into += value
        else:
            total += share
    return total


def _get_pool(threads):
    """The pool, with threads - 1 helpers, started on first use."""
    global _pool
    if _pool is None:
        _pool = _Pool(threads - 1)
    return _pool


def _stop_the_pool(new_thread_count):
    """After rn.set_num_threads: no helper threads are left running; the next call starts the right number."""
    global _pool
    if _pool is not None:
        _pool.stop()
        _pool = None


runtime.when_num_threads_changes(_stop_the_pool)


def _forget_the_pool_in_a_forked_child():
    """A child made by fork() (multiprocessing's default on Linux) has a copy of the pool but none of its threads:
    it must start helpers of its own, or its first run_in_chunks would wait for threads that do not exist."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_forget_the_pool_in_a_forked_child)


class _Pool:
    """The helper threads, and the lock that lends all of them to one caller at a time.

    A caller that finds the pool lent out does its chunks alone, at once, rather than wait for the other caller's
    work (with concurrent.futures it queued its share behind it). Helpers sleep on a semaphore; lend() wakes
    them, and each joins the job it finds, if it is still open. Measured on 2 threads: a run_in_chunks call with
    nothing to do costs about 30 us (concurrent.futures: 39 us); a ResNet-20 training step makes ~170 calls at
    CIFAR size, and small inputs make one chunk per op, which runs on the calling thread with no hand-off.
    """

    def __init__(self, size):
        self.lock = threading.Lock()
        self.job = None  # the open job, or _STOP
        self._wake = threading.Semaphore(0)
        self._threads = [threading.Thread(target=self._helper, name=f"resnet_np-{index}", daemon=True)
                         for index in range(size)]
        for thread in self._threads:
            thread.start()

    def lend(self, job):
        """Wake as many helpers as the job has chunks beyond the caller's first."""
        self.job = job
        for _ in range(min(len(self._threads), len(job.bounds) - 1)):
            self._wake.release()

    def stop(self):
        with self.lock:
            self.job = _STOP
            for _ in self._threads:
                self._wake.release()
            for thread in self._threads:
                thread.join()

    def _helper(self):
        _local.busy = True  # a helper's own run_in_chunks calls (nested ones) run inline
        while True:
            self._wake.acquire()
            job = self.job
            if job is _STOP:
                return
            if job is not None:  # None: the call it was woken for has finished without it
                job.help()


_STOP = object()  # the job that ends the helpers
