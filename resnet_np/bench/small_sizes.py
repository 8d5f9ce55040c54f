"""The sizes the course runs at: resnet20 training steps on small images and small batches, ours beside PyTorch.

The main job trains on 8x8 digits at batch 64, the lecture-size demos on 8x8 and 16x16 inputs, the notebooks and
the tests on tiny nets. There a step is hundreds of small ops, and what decides the speed is the fixed cost of each
call (Python, dispatch, thread hand-offs), not the arithmetic. Each row times, in turn: our step at the chosen
thread count, PyTorch's at the same count, then both on one thread (more threads must never be slower; and on a
machine other programs keep busy, one thread each is the fairer comparison: PyTorch's OpenMP threads spin-wait
for each other and lose most when a core is taken away).
"""


import numpy as np

from ..models import cifar_resnet
from ..optim import SGD
from ..runtime import get_num_threads, using
from . import torch_models
from .machine import torch_or_none
from .models import _our_step, _torch_step
from .timing import format_table, interleaved_times, seconds_of

# (channels, input size, batch): the digits of the main job at its batch and at a notebook's, the 16x16 lecture
# demos, CIFAR-size inputs at small batches, and batch 128 for comparison with the headline table.
SMALL_SIZES = [(1, 8, 64), (1, 8, 16), (1, 16, 32), (3, 32, 16), (3, 32, 32), (3, 32, 128)]
QUICK_SIZES = [(1, 8, 16)]


def _batch(channels, size, batch):
    """The same float32 images and labels for every library and variant timed at one size."""
    rng = np.random.default_rng(0)
    return rng.standard_normal((batch, channels, size, size)).astype(np.float32), rng.integers(0, 10, batch)


def training_steps(channels, size, batch, torch=None, depth=20):
    """(ours, theirs): functions that each run one float32 resnet`depth` training step (SGD with momentum and
    weight decay) on the same images, ours and torch's twin's; theirs is None without torch."""
    x, labels = _batch(channels, size, batch)
    model = cifar_resnet(depth, in_channels=channels, seed=0)
    ours = _our_step(model, x, labels, SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4))
    if torch is None:
        return ours, None
    torch.manual_seed(0)
    twin = torch_models.build(torch, depth, in_channels=channels)
    return ours, _torch_step(torch, twin, x, labels,
                             torch.optim.SGD(twin.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4))


def measure(channels, size, batch, repeats=7, torch=None, depth=20):
    """Median ms of a float32 resnet`depth` training step: ours and torch's at the current thread count, and both
    on one thread; the four alternate step by step. The ratios are medians of each round's own ratio (ours / torch
    of the steps timed next to each other): on a shared virtual machine the speed of both drifts by 10-30% over
    minutes, and a round's two steps, a fraction of a second apart, drift alike."""
    ours, theirs = training_steps(channels, size, batch, torch, depth)
    times = {"ours": [], "torch": [], "ours_1": [], "torch_1": []}
    threads = get_num_threads()
    for round_ in range(repeats + 1):  # round 0 warms up (compiles, allocates) and is not kept
        ours()  # untimed: after the one-thread step, the pool starts its helpers again here
        measured = {"ours": seconds_of(ours)}
        if theirs is not None:
            measured["torch"] = seconds_of(theirs)
        with using(threads=1):
            measured["ours_1"] = seconds_of(ours)
        if theirs is not None:
            torch.set_num_threads(1)
            measured["torch_1"] = seconds_of(theirs)
            torch.set_num_threads(threads)
        if round_:
            for key, value in measured.items():
                times[key].append(value)

    def median_ms(key):
        return float(np.median(times[key])) * 1e3 if times[key] else None

    def median_ratio(ours_key, torch_key):
        if not times[torch_key]:
            return None
        return float(np.median(np.array(times[ours_key]) / np.array(times[torch_key])))

    row = {"channels": channels, "input": size, "batch": batch, "threads": threads,
           "ours_ms": median_ms("ours"), "torch_ms": median_ms("torch"),
           "ours_1_thread_ms": median_ms("ours_1"), "torch_1_thread_ms": median_ms("torch_1")}
    row["ratio"] = median_ratio("ours", "torch")
    row["ratio_1_thread"] = median_ratio("ours_1", "torch_1")
    return row


def run(quick=False, repeats=7):
    """Rows of measure() for SMALL_SIZES (QUICK_SIZES and 2 repeats with quick), and their table as text."""
    torch = torch_or_none()
    sizes, repeats = (QUICK_SIZES, min(repeats, 2)) if quick else (SMALL_SIZES, repeats)
    rows = [measure(*size, repeats=repeats, torch=torch) for size in sizes]
    return rows, format_rows(rows)


def compare_variants(variants, repeats=31, depth=20, sizes=SMALL_SIZES):
    """A table of float32 resnet`depth` training steps at `sizes` [(channels, input size, batch)] under each
    variant of the engine, run in turn step by step in one process. variants: {name: wrap}, where wrap(step)
    returns a function that runs step under that variant (a setting changed for the call and put back). Each cell:
    median ms, and in brackets the median of each round's ratio to the first variant (steps a fraction of a second
    apart drift alike)."""
    rows = []
    for channels, size, batch in sizes:
        x, labels = _batch(channels, size, batch)
        model = cifar_resnet(depth, in_channels=channels, seed=0)
        step = _our_step(model, x, labels, SGD(model.parameters(), lr=0.01, momentum=0.9))
        times = [np.array(record) for record in
                 interleaved_times([wrap(step) for wrap in variants.values()], repeats)]
        row = [f"{channels}x{size}x{size}", batch]
        for record in times:
            row.append(f"{np.median(record) * 1e3:.1f} ({np.median(record / times[0]):.3f})")
        rows.append(row)
    return format_table(["input", "batch"] + [f"{name}: ms (ratio)" for name in variants], rows)


def _ms(value, digits=1, suffix=""):
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def format_rows(rows):
    threads = rows[0]["threads"] if rows else "?"
    header = ["input", "batch", f"ours ms ({threads} thr)", f"torch ms ({threads} thr)", "ours/torch",
              "ours ms (1 thr)", "torch ms (1 thr)", "ours/torch (1 thr)"]
    return format_table(header, [
        [f"{r['channels']}x{r['input']}x{r['input']}", r["batch"], _ms(r["ours_ms"]), _ms(r["torch_ms"]),
         _ms(r["ratio"], 2, "x"), _ms(r["ours_1_thread_ms"]), _ms(r["torch_1_thread_ms"]),
         _ms(r["ratio_1_thread"], 2, "x")] for r in rows])
