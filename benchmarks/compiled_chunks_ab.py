"""A conv chunk in one compiled call (this round) against the calls from Python (before), beside PyTorch, in one
process: `python benchmarks/compiled_chunks_ab.py [--threads N] [--repeats R]`.

resnet20 training steps (float32) at the small sizes. Each round times our step, PyTorch's step, and our step with
the products of fast/conv_channels_last.py called from Python (conv_channels_last.numpy_gemm switched off); the
table gives the medians of each round's own ratios (bench.small_sizes.before_and_after).
"""

import argparse

from resnet_np.bench import small_sizes
from resnet_np.bench.machine import describe, threads_for_both, torch_or_none
from resnet_np.bench.timing import format_table, temporarily
from resnet_np.fast import conv_channels_last


def products_from_python():
    """The engine before this round: conv_channels_last's products called from Python."""
    return temporarily(conv_channels_last, numpy_gemm=lambda dtype: None)


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
        rows = [small_sizes.before_and_after(torch, *size, products_from_python, args.repeats)
                for size in small_sizes.SMALL_SIZES]
    print(format_table(small_sizes.BEFORE_AND_AFTER_HEADER, rows))
