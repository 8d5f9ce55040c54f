"""Whole models, ours vs the same PyTorch model in one process: `python benchmarks/models.py [--scaling]`.

resnet20 and resnet56 training steps at batch 128 (float32; resnet20 also float64) and resnet18 inference at
batch 8 on 224x224; --scaling adds images/s against batch size, depth and input size, and writes the plot.
"""

import argparse

from resnet_np.bench import machine, models

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="threads for both libraries (default: every core)")
    parser.add_argument("--scaling", action="store_true")
    parser.add_argument("--plot", default="docs/bench_scaling.png")
    args = parser.parse_args()
    with machine.threads_for_both(args.threads):
        print(machine.describe(), end="\n\n")
        print(models.headline(repeats=args.repeats)[1])
        if args.scaling:
            results, text = models.scaling(repeats=max(1, args.repeats // 2))
            print("\n" + text)
            print(f"\nplot: {models.plot_scaling(results, args.plot)}")
