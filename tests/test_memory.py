"""keep_freed_memory: freed arrays are reused instead of page-faulted back in (Linux with glibc)."""

import platform
import resource

import numpy as np
import pytest

from resnet_np.runtime import keep_freed_memory


def _glibc():
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not _glibc(), reason="the malloc settings exist only in glibc")
def test_after_keep_freed_memory_reallocated_arrays_do_not_fault_their_pages_back():
    """Four 8 MiB arrays made and freed ten times, as a training step does with its activations. By default glibc
    gives the freed 32 MiB back to the OS and faults ~20,000 pages back in; with the settings, none."""
    assert keep_freed_memory() is True
    size = 8 * 2**20

    def make_and_free():
        blocks = [np.empty(size, np.uint8) for _ in range(4)]
        for block in blocks:
            block.fill(1)  # touches every page

    make_and_free()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        make_and_free()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 1000, f"{faults} page faults for 10 rounds of reallocation"


def test_keep_freed_memory_never_raises():
    assert keep_freed_memory() in (True, False)
