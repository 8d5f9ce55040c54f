"""Where a training step's time goes, op by op: the fixed cost of each call against the arithmetic.

    rows, text = op_profile.run(channels=1, size=8, batches=(1, 64))

Every layer calls its ops through resnet_np.backend.ops(); while a profile runs, ops() hands out a stand-in that
times each call (wall time, the calling thread) and counts it. A step is zero_grad, forward, loss, backward and
the optimizer's update; what no op accounts for ("Python between the ops") is the layers' own code, the loss and
the optimizer. At batch 1 there is almost no arithmetic, so a row's time there is its fixed cost per call (Python,
checks, dispatch, small allocations); what a row adds from batch 1 to a larger batch is its arithmetic.
"""

import collections
import contextlib
import time

import numpy as np

from .. import backend
from .. import functional as F
from ..models import cifar_resnet
from ..optim import SGD
from .timing import format_table

# Forward and backward of one op are one row: conv2d_forward and conv2d_backward -> "conv2d".
_SUFFIXES = ("_forward", "_backward")
BETWEEN_OPS = "Python between the ops"
OPTIMIZER = "optimizer step"
WHOLE_STEP = "whole step"  # the last row: the median of the steps' total times (the medians above need not add up)


def op_name(function_name):
    """The row an op's function counts in: its name without _forward / _backward."""
    for suffix in _SUFFIXES:
        if function_name.endswith(suffix):
            return function_name[:-len(suffix)]
    return function_name


class _TimedOps:
    """Stands in for an ops module (resnet_np.functional or resnet_np.fast): each function call is timed."""

    def __init__(self, module, seconds, calls):
        self._module, self._seconds, self._calls = module, seconds, calls

    def __getattr__(self, name):
        function = getattr(self._module, name)
        if not callable(function):
            return function
        row = op_name(name)

        def timed(*args, **kwargs):
            begin = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self._seconds[row] += time.perf_counter() - begin
                self._calls[row] += 1

        setattr(self, name, timed)  # made once per op: later look-ups find it without __getattr__
        return timed


@contextlib.contextmanager
def timing_ops():
    """Within the block every op called through backend.ops() is timed: yields (seconds, calls), two Counters
    by op name."""
    seconds, calls = collections.Counter(), collections.Counter()
    original = dict(backend._IMPLEMENTATIONS)
    backend._IMPLEMENTATIONS.update({name: _TimedOps(module, seconds, calls) for name, module in original.items()})
    try:
        yield seconds, calls
    finally:
        backend._IMPLEMENTATIONS.update(original)


def profile_step(model, x, labels, optimizer, repeats=5):
    """(total, seconds, calls) of one training step: the median total seconds of `repeats` steps (after one
    untimed step), and per op, for the optimizer and for the rest, the median of their seconds per step (a
    noisy neighbour's pause lands on one op of one step, not on the medians); calls: per op, per step."""
    totals, steps = [], []
    for repeat in range(repeats + 1):
        with timing_ops() as (seconds, calls):
            begin = time.perf_counter()
            optimizer.zero_grad()
            logits = model(x)
            _, dlogits = F.softmax_cross_entropy(logits, labels)
            model.backward(dlogits)
            before_update = time.perf_counter()
            optimizer.step()
            end = time.perf_counter()
        seconds = dict(seconds)
        seconds[BETWEEN_OPS] = (before_update - begin) - sum(seconds.values())
        seconds[OPTIMIZER] = end - before_update
        if repeat:  # the first step compiles, allocates and warms caches
            totals.append(end - begin)
            steps.append(seconds)
    medians = {name: float(np.median([step[name] for step in steps])) for name in steps[0]}
    return float(np.median(totals)), medians, dict(calls)


def run(channels=1, size=8, batches=(1, 64), depth=20, repeats=5, seed=0):
    """Profile a float32 resnet`depth` training step at each batch size; returns (rows, table text).

    rows: one dict per op, then the rest and the optimizer, with calls per step, and ms per step and us per call at
    each batch; the last row is the whole step."""
    results = {}
    for batch in batches:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((batch, channels, size, size)).astype(np.float32)
        labels = rng.integers(0, 10, batch)
        model = cifar_resnet(depth, in_channels=channels, seed=seed)
        optimizer = SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
        results[batch] = profile_step(model, x, labels, optimizer, repeats)
    last = results[batches[-1]][1]
    names = sorted(last, key=lambda name: -last[name])
    rows = []
    for name in names:
        row = {"op": name, "calls": results[batches[0]][2].get(name)}
        for batch in batches:
            seconds = results[batch][1].get(name, 0.0)
            row[f"ms_batch_{batch}"] = seconds * 1e3
            row[f"us_per_call_batch_{batch}"] = seconds * 1e6 / row["calls"] if row["calls"] else None
        rows.append(row)
    whole_step = {"op": WHOLE_STEP, "calls": None}
    for batch in batches:
        whole_step[f"ms_batch_{batch}"] = results[batch][0] * 1e3
        whole_step[f"us_per_call_batch_{batch}"] = None
    rows.append(whole_step)
    return rows, format_rows(rows, batches)


def format_rows(rows, batches):
    header = ["op", "calls/step"] + [f"ms/step, batch {batch}" for batch in batches]
    header += [f"us/call, batch {batch}" for batch in batches]
    lines = []
    for row in rows:
        per_call = [row[f"us_per_call_batch_{batch}"] for batch in batches]
        lines.append([row["op"], "-" if row["calls"] is None else row["calls"]]
                     + [f"{row[f'ms_batch_{batch}']:.2f}" for batch in batches]
                     + ["-" if value is None else f"{value:.0f}" for value in per_call])
    return format_table(header, lines)
