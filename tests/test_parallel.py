"""The chunk pool (fast/chunks.py), the thread settings (runtime.py) and the chunked conv: same maths, any number
of threads."""

import importlib
import os
import re
import threading
import warnings

import numpy as np
import pytest

import resnet_np as rn
from resnet_np import fast, runtime
from resnet_np import functional as F
from resnet_np.fast import chunks
from resnet_np.models import cifar_resnet

conv_module = importlib.import_module("resnet_np.fast.conv")


@pytest.fixture
def threads():
    """Run the body with a pool of 3 threads (more than this machine may have: the pool must not care)."""
    previous = rn.set_num_threads(3)
    yield 3
    rn.set_num_threads(previous)


@pytest.mark.parametrize("pool", [1, 3])
def test_run_in_chunks_covers_the_range_once_and_keeps_chunk_order(pool):
    previous = rn.set_num_threads(pool)
    try:
        seen = []
        results = chunks.run_in_chunks(lambda first, stop: seen.append((first, stop)) or (first, stop), 10, 3)
    finally:
        rn.set_num_threads(previous)
    assert results == [(0, 3), (3, 6), (6, 9), (9, 10)]
    assert sorted(seen) == results


def test_chunks_really_run_on_several_threads(threads):
    barrier = threading.Barrier(2, timeout=10)  # two chunks must be in flight at once to pass it

    def work(first, stop):
        if first < 2:
            barrier.wait()
        return threading.get_ident()

    idents = chunks.run_in_chunks(work, 4, 1)
    assert len(set(idents[:2])) == 2


def test_an_error_in_a_chunk_reaches_the_caller_and_the_pool_still_works(threads):
    def work(first, stop):
        if first == 5:
            raise ValueError("chunk 5 failed")
        return first

    with pytest.raises(ValueError, match="chunk 5 failed"):
        chunks.run_in_chunks(work, 8, 1)
    assert chunks.run_in_chunks(lambda first, stop: first, 4, 1) == [0, 1, 2, 3]


def test_a_nested_call_runs_inline_instead_of_waiting_for_itself(threads):
    def outer(first, stop):
        return sum(chunks.run_in_chunks(lambda a, b: b - a, 6, 2))

    assert chunks.run_in_chunks(outer, 4, 1) == [6, 6, 6, 6]


def test_two_threads_of_the_program_may_use_the_pool_at_once(threads):
    """The pool serves one caller at a time; a second caller meanwhile runs its chunks itself, and both get all
    their results, in order."""
    inside = threading.Event()
    release = threading.Event()

    def slow(first, stop):
        inside.set()
        release.wait(timeout=10)
        return first

    results = {}
    first_caller = threading.Thread(target=lambda: results.setdefault("slow", chunks.run_in_chunks(slow, 6, 1)))
    first_caller.start()
    assert inside.wait(timeout=10)  # the first caller holds the pool now
    results["meanwhile"] = chunks.run_in_chunks(lambda first, stop: (first, stop), 7, 2)
    assert first_caller.is_alive()  # the second call did not wait for the first
    release.set()
    first_caller.join(timeout=10)
    assert results == {"slow": [0, 1, 2, 3, 4, 5], "meanwhile": [(0, 2), (2, 4), (4, 6), (6, 7)]}


def test_going_back_to_one_thread_stops_the_helpers():
    def helpers():  # the pool's threads are named resnet_np-0, resnet_np-1, ... (other threads of the library,
        # such as an exercise case that ran out of time and is still ending, have names of their own)
        return [thread for thread in threading.enumerate() if re.fullmatch(r"resnet_np-\d+", thread.name)]

    previous = rn.set_num_threads(3)
    try:
        chunks.run_in_chunks(lambda first, stop: first, 8, 1)
        assert helpers()
        rn.set_num_threads(1)
        assert helpers() == []
    finally:
        rn.set_num_threads(previous)


def _chunks_in_a_forked_child(answers):
    answers.put(chunks.run_in_chunks(lambda first, stop: (first, stop), 5, 2))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() exists only on POSIX systems")
def test_a_forked_child_starts_helpers_of_its_own(threads):
    import multiprocessing

    chunks.run_in_chunks(lambda first, stop: first, 8, 1)  # the parent's helpers are running
    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    child = context.Process(target=_chunks_in_a_forked_child, args=(answers,))
    child.start()
    child.join(timeout=30)
    if child.is_alive():  # it waits for helper threads that the fork did not copy
        child.kill()
    assert child.exitcode == 0
    assert answers.get(timeout=5) == [(0, 2), (2, 4), (4, 5)]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2", runtime.MAX_THREADS + 1, 1000])
def test_set_num_threads_rejects_what_is_not_a_sane_positive_integer(bad):
    with pytest.raises(ValueError, match=f"threads must be an integer from 1 to {runtime.MAX_THREADS}"):
        rn.set_num_threads(bad)
    assert rn.get_num_threads() == 1


def test_chunk_size_aims_at_the_target_but_leaves_several_chunks():
    assert chunks.chunk_size(128, 1024, 2048) == 2  # 2 images of 32x32 positions
    assert chunks.chunk_size(128, 64, 2048) == 16  # 32 would leave only 4 chunks: capped at 128 / 8
    assert chunks.chunk_size(3, 10_000, 2048) == 1
    assert chunks.chunk_size(1, 1, 2048) == 1


def test_no_chunk_is_smaller_than_the_least_work_worth_a_chunk():
    assert chunks.chunk_size(16, 64, 4096, min_cost=2000) == 16  # 1024 in all: one chunk, run inline
    assert chunks.chunk_size(64, 64, 4096, min_cost=2000) == 32  # 4096 in all: two equal chunks of 2048
    assert chunks.chunk_size(100, 64, 4096, min_cost=2000) == 34  # 6400: three chunks, none under 2000
    assert chunks.chunk_size(128, 1024, 4096, min_cost=2000) == 4  # big enough already: the target decides


def test_the_caller_does_not_wait_for_a_helper_that_has_not_started():
    ran = []
    job = chunks._Job(lambda first, stop: ran.append((first, stop)) or first, [(0, 1), (1, 2), (2, 3)])
    job.take_chunks()  # the caller takes every chunk while no helper has woken
    job.close()  # returns at once: nobody is inside a chunk
    job.help()  # a helper that wakes now finds the job closed and runs nothing
    assert ran == [(0, 1), (1, 2), (2, 3)] and job.results == [0, 1, 2] and not job.errors


def test_the_caller_waits_for_a_helper_inside_a_chunk(threads):
    inside, release = threading.Event(), threading.Event()

    def work(first, stop):
        if first == 0:  # the helper's chunk: it stays inside until released
            inside.set()
            release.wait(10)
        return first

    job = chunks._Job(work, [(0, 1), (1, 2)])
    helper = threading.Thread(target=job.help)
    helper.start()
    assert inside.wait(10)  # the helper took chunk 0 and is working on it
    job.take_chunks()  # the caller takes chunk 1
    closed = threading.Thread(target=job.close)
    closed.start()
    closed.join(0.2)
    assert closed.is_alive()  # still waiting: the helper's chunk is not finished
    release.set()
    closed.join(10)
    helper.join(10)
    assert not closed.is_alive() and job.results == [0, 1]


def test_a_small_op_is_one_chunk_and_a_large_one_is_split(monkeypatch, threads):
    calls = []
    original = chunks.run_in_chunks

    def recording(work, total, chunk):
        calls.append(-(-total // chunk))
        return original(work, total, chunk)

    relu_module = importlib.import_module("resnet_np.fast.relu")
    monkeypatch.setattr(conv_module, "run_in_chunks", recording)
    monkeypatch.setattr(relu_module, "run_in_chunks", recording)
    # 8x8 planes take the positions-major route (fast/conv_channels_last.py), with the same chunks
    monkeypatch.setattr(importlib.import_module("resnet_np.fast.conv_channels_last"), "run_in_chunks", recording)
    rng = np.random.default_rng(0)
    w = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    small = rng.standard_normal((16, 16, 8, 8)).astype(np.float32)  # the digits' first stage, batch 16
    fast.conv2d_forward(small, w, None, 1, 1)
    fast.relu_forward(small)
    assert calls and set(calls) == {1}  # one chunk, run on the calling thread (ReLU calls its kernel directly)
    calls.clear()
    large = rng.standard_normal((128, 16, 32, 32)).astype(np.float32)  # CIFAR's first stage, batch 128
    fast.conv2d_forward(large, w, None, 1, 1)
    fast.relu_forward(large)
    assert calls[0] >= 8 and calls[1] >= 2, calls


def _conv_in_one_product(x, w, b, stride, padding, dout):
    """The formulas of conv.py's docstring on the whole batch at once, with the NumPy im2col/col2im."""
    n, k = x.shape[0], w.shape[0]
    cols = F.im2col(x, w.shape[2], w.shape[3], stride, padding)
    out = (w.reshape(k, -1) @ cols).reshape(k, n, -1).transpose(1, 0, 2) + b.reshape(1, -1, 1)
    dout_matrix = dout.transpose(1, 0, 2, 3).reshape(k, -1)
    dw = (dout_matrix @ cols.T).reshape(w.shape)
    dx = F.col2im(w.reshape(k, -1).T @ dout_matrix, x.shape, w.shape[2], w.shape[3], stride, padding)
    return out.reshape(dout.shape), dx, dw, dout_matrix.sum(axis=1)


@pytest.mark.parametrize("pool", [1, 3])
@pytest.mark.parametrize("stride, padding", [(1, 1), (2, 0)])
def test_conv_in_chunks_equals_one_product_over_the_batch(monkeypatch, pool, stride, padding):
    monkeypatch.setattr(conv_module, "POSITIONS_PER_CHUNK", 1)  # 7 images: 7 chunks of one image
    monkeypatch.setattr(conv_module, "MIN_MULTIPLY_ADDS_PER_CHUNK", 0)
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((7, 3, 6, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    previous = rn.set_num_threads(pool)
    try:
        out, cache = fast.conv2d_forward(x, w, b, stride, padding)
        dout = rng.standard_normal(out.shape)
        dx, dw, db = fast.conv2d_backward(dout, cache)
    finally:
        rn.set_num_threads(previous)
    expected = _conv_in_one_product(x, w, b, stride, padding, dout)
    for got, want in zip((out, dx, dw, db), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_a_training_step_is_bit_for_bit_the_same_with_one_or_two_threads(monkeypatch):
    # Chunks of the smallest work allowed, so that at this size every op really is split over the threads.
    monkeypatch.setattr(conv_module, "MIN_MULTIPLY_ADDS_PER_CHUNK", 0)
    monkeypatch.setattr(chunks, "MIN_VALUES_PER_CHUNK", 0)
    x = np.random.default_rng(1).standard_normal((16, 3, 8, 8)).astype(np.float32)
    results = []
    for threads in (1, 2):
        model = cifar_resnet(8, dtype=np.float32, seed=0)
        with runtime.using(backend="fast", threads=threads):
            logits = model(x)
            model.backward(np.ones_like(logits) / logits.size)
        results.append([logits] + [parameter.grad.copy() for parameter in model.parameters()])
    for one, two in zip(*results, strict=True):
        np.testing.assert_array_equal(one, two)


def test_col2im_writes_into_out_and_checks_it():
    rng = np.random.default_rng(2)
    cols = rng.standard_normal((3 * 9, 2 * 4 * 4))
    dx = np.full((5, 3, 4, 4), np.nan)
    returned = fast.col2im(cols, (2, 3, 4, 4), 3, 3, 1, 1, out=dx[1:3])
    assert np.shares_memory(returned, dx)
    np.testing.assert_allclose(dx[1:3], F.col2im(cols, (2, 3, 4, 4), 3, 3, 1, 1), rtol=1e-13)
    assert np.isnan(dx[0]).all() and np.isnan(dx[3:]).all()
    with pytest.raises(ValueError, match=r"col2im: out must be a C-contiguous \(2, 3, 4, 4\) float64 array"):
        fast.col2im(cols, (2, 3, 4, 4), 3, 3, 1, 1, out=np.empty((2, 3, 4, 4), np.float32))


def test_the_helpers_follow_the_callers_floating_point_error_handling(threads):
    big = np.full(4, 1e308)

    def overflow(first, stop):
        return big[first:stop] * 10

    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        chunks.run_in_chunks(overflow, 4, 1)
    with np.errstate(over="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning from any thread would fail here
        assert np.isinf(np.concatenate(chunks.run_in_chunks(overflow, 4, 1))).all()


def test_default_threads_is_the_usable_cores_capped():
    assert 1 <= runtime.default_threads() <= runtime.MAX_DEFAULT_THREADS
    assert runtime.default_threads() <= (os.cpu_count() or 1)


def test_using_sets_the_threads_and_backend_and_restores_them():
    assert rn.get_num_threads() == 1  # tests/conftest.py
    before = rn.get_backend()
    other = "reference" if before == "fast" else "fast"
    with runtime.using(backend=other, threads=2):
        assert rn.get_num_threads() == 2 and rn.get_backend() == other
    assert rn.get_num_threads() == 1 and rn.get_backend() == before


@pytest.mark.parametrize("backend_name, threads, expected_blas_threads", [
    ("fast", 3, 1), ("fast", 1, 1), ("reference", 3, 3), ("reference", 1, 1)])
def test_blas_gets_one_thread_under_the_engine_and_all_of_them_under_the_reference(backend_name, threads,
                                                                                   expected_blas_threads):
    from threadpoolctl import threadpool_info

    with runtime.using(backend=backend_name, threads=threads):
        rn.backend.ops()  # the first op applies the setting
        blas = [library["num_threads"] for library in threadpool_info() if library["user_api"] == "blas"]
        assert blas and set(blas) == {expected_blas_threads}
