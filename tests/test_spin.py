"""fast/spin.py: a thread watching a counter sees another thread change it, and stops after its bound."""

import threading
import time

import numpy as np
import pytest

from resnet_np.fast import spin
from resnet_np.fast.jit import jit_enabled

compiled_only = pytest.mark.skipif(not jit_enabled(), reason="NUMBA_DISABLE_JIT=1: there is no compiled spin, and "
                                   "test_without_a_change_the_wait_ends_after_its_reads checks what replaces it")


def test_without_a_change_the_wait_ends_after_its_reads():
    counter = np.zeros(1, dtype=np.int64)
    assert spin.wait_for_change(counter, 0, 1000) is False
    assert spin.wait_for_change(counter, 0, 0) is False
    counter[0] = 7
    assert spin.wait_for_change(counter, 0, 1000) is True  # changed already: True at the first read


@compiled_only
def test_a_change_made_by_another_thread_ends_the_wait():
    counter = np.zeros(1, dtype=np.int64)
    spin.wait_for_change(counter, 0, 1)  # compile (or load) before timing
    result = {}

    def watch():
        begin = time.perf_counter()
        result["changed"] = spin.wait_for_change(counter, 0, spin.reads_for(20_000_000))  # a bound of ~20 s
        result["seconds"] = time.perf_counter() - begin

    watcher = threading.Thread(target=watch)
    watcher.start()
    time.sleep(0.05)  # the watcher runs without the interpreter lock: this thread goes on meanwhile
    counter[0] = 1
    watcher.join(20)
    assert result["changed"] is True
    assert result["seconds"] < 10  # it saw the write, long before its bound


@compiled_only
def test_reads_for_gives_a_wait_of_about_the_time_asked():
    counter = np.zeros(1, dtype=np.int64)
    reads = spin.reads_for(20_000)
    begin = time.perf_counter()
    assert spin.wait_for_change(counter, 0, reads) is False
    seconds = time.perf_counter() - begin
    # Never much shorter than asked (the bound is the fastest of three measurements); longer if this thread is
    # paused, so no upper bound.
    assert seconds > 0.005
    assert spin.reads_for(0) == 0
