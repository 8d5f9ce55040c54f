"""Timing helpers: warm up, then take the median of repeated runs (robust to a noisy neighbour)."""

import contextlib
import time

import numpy as np


def median_time(function, repeats=5, warmup=1, min_total=0.0):
    """Median wall time of function() in seconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        function()
    times = []
    start = time.perf_counter()
    while len(times) < repeats or time.perf_counter() - start < min_total:
        begin = time.perf_counter()
        function()
        times.append(time.perf_counter() - begin)
    return float(np.median(times))


def seconds_of(function):
    """Wall time of one call of function(), in seconds."""
    begin = time.perf_counter()
    function()
    return time.perf_counter() - begin


def interleaved_times(functions, repeats, warmup=1, clock=time.perf_counter):
    """Seconds of each call of each function, calling them in turn (a, b, a, b, ...) after `warmup` untimed rounds:
    a list per function. clock: time.perf_counter (wall) or time.thread_time (CPU time of the calling thread)."""
    for _ in range(warmup):
        for function in functions:
            function()
    times = [[] for _ in functions]
    for _ in range(repeats):
        for function, record in zip(functions, times, strict=True):
            begin = clock()
            function()
            record.append(clock() - begin)
    return times


@contextlib.contextmanager
def temporarily(module, **values):
    """Inside the block module.NAME = value for each keyword (an engine setting or rule under test); the old
    values are put back after it, also after an error."""
    saved = {name: getattr(module, name) for name in values}
    for name, value in values.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


def first_call_time(function):
    """Wall time of one call: for a first call, this includes JIT compilation or loading the cache."""
    begin = time.perf_counter()
    function()
    return time.perf_counter() - begin


def format_table(header, rows):
    """Plain-text table with right-aligned numbers."""
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(str(h).rjust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)
