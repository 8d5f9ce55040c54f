"""A conv chunk in one compiled call (this round) against the calls from Python (before), beside PyTorch, in one
process: `python benchmarks/compiled_chunks_ab.py [--threads N] [--repeats R]`.

resnet20 training steps (float32) at the small sizes. Each round times our step, PyTorch's step, and our step with
the products of fast/conv_channels_last.py called from Python (conv_channels_last.numpy_gemm switched off); the
table gives the medians of each round's own ratios (steps a fraction of a second apart drift alike on a shared
machine).
"""

import argparse

import numpy as np

from resnet_np.bench import small_sizes
from resnet_np.bench.machine import describe, threads_for_both, torch_or_none
from resnet_np.bench.timing import format_table, seconds_of, temporarily
from resnet_np.fast import conv_channels_last


def compare(torch, channels, size, batch, repeats):
    ours, theirs = small_sizes.training_steps(channels, size, batch, torch)
    times = {"new": [], "torch": [], "before": []}
    for round_ in range(repeats + 1):  # round 0 warms up and is not kept
        ours()
        new = seconds_of(ours)
        torch_seconds = seconds_of(theirs)
        with temporarily(conv_channels_last, numpy_gemm=lambda dtype: None):
            ours()
            before = seconds_of(ours)
        if round_:
            for key, value in (("new", new), ("torch", torch_seconds), ("before", before)):
                times[key].append(value)
    new, torch_seconds, before = (np.array(times[key]) for key in ("new", "torch", "before"))
    ratios = [np.median(new / before), np.median(new / torch_seconds), np.median(before / torch_seconds)]
    milliseconds = [np.median(new) * 1e3, np.median(before) * 1e3, np.median(torch_seconds) * 1e3]
    return ([f"{channels}x{size}x{size}", batch] + [f"{ratio:.3f}" for ratio in ratios]
            + [f"{value:.1f}" for value in milliseconds])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=None, help="threads for both libraries (default: every core)")
    args = parser.parse_args()
    torch = torch_or_none()
    if torch is None:
        raise SystemExit("this comparison needs PyTorch: pip install torch==2.13.0")
    with threads_for_both(args.threads):
        print(describe(), end="\n\n")
        rows = [compare(torch, *size, args.repeats) for size in small_sizes.SMALL_SIZES]
    print(format_table(["input", "batch", "new / before", "new / PyTorch", "before / PyTorch", "new ms", "before ms",
                        "PyTorch ms"], rows))
