"""A conv chunk in one compiled call (this round) against the calls from Python (before), beside PyTorch, in one
process: `python benchmarks/compiled_chunks_ab.py [--threads N] [--repeats R]`.

resnet20 training steps (float32) at the small sizes. Each round times our step, PyTorch's step, and our step with
the products of fast/conv_channels_last.py called from Python (conv_channels_last.numpy_gemm switched off); the
table gives the medians of each round's own ratios (steps a fraction of a second apart drift alike on a shared
machine).
"""

import argparse
import time

import numpy as np

from resnet_np.bench import small_sizes, torch_models
from resnet_np.bench.machine import describe, threads_for_both, torch_or_none
from resnet_np.bench.models import _our_step, _torch_step
from resnet_np.bench.timing import format_table, temporarily
from resnet_np.fast import conv_channels_last
from resnet_np.models import cifar_resnet
from resnet_np.optim import SGD


def _seconds(step):
    begin = time.perf_counter()
    step()
    return time.perf_counter() - begin


def compare(torch, channels, size, batch, repeats):
    x, labels = small_sizes._batch(channels, size, batch)
    model = cifar_resnet(20, in_channels=channels, seed=0)
    ours = _our_step(model, x, labels, SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4))
    torch.manual_seed(0)
    twin = torch_models.build(torch, 20, in_channels=channels)
    theirs = _torch_step(torch, twin, x, labels,
                         torch.optim.SGD(twin.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4))
    times = {"new": [], "torch": [], "before": []}
    for round_ in range(repeats + 1):  # round 0 warms up and is not kept
        ours()
        new = _seconds(ours)
        torch_seconds = _seconds(theirs)
        with temporarily(conv_channels_last, numpy_gemm=lambda dtype: None):
            ours()
            before = _seconds(ours)
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
