"""The sizes the course runs at, ours vs PyTorch in one process: `python benchmarks/small_sizes.py`.

resnet20 training steps (float32) on 1x8x8 (the digits), 1x16x16 and 3x32x32 inputs at batch 16 to 128, both
libraries at the chosen threads and at one (see resnet_np/bench/small_sizes.py).
"""

import argparse

from resnet_np.bench import machine, small_sizes

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="threads for both libraries (default: every core)")
    args = parser.parse_args()
    with machine.threads_for_both(args.threads):
        print(machine.describe(), end="\n\n")
        print(small_sizes.run(repeats=args.repeats)[1])
