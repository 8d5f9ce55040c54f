"""Convolution speed, ours vs PyTorch CPU in one process: `python benchmarks/conv.py [--layers digits]`."""

import argparse

from resnet_np.bench import conv, machine

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="threads for both libraries (default: every core)")
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    parser.add_argument("--layers", choices=["cifar", "digits"], default="cifar",
                        help="ResNet-20's layers at batch 128 on 32x32 (and a 224 stem), or on the 8x8 digits at 64")
    args = parser.parse_args()
    with machine.threads_for_both(args.threads):
        dtypes = ("float32", "float64") if args.dtype == "both" else (args.dtype,)
        print(machine.describe(), end="\n\n")
        shapes = conv.DIGIT_SHAPES if args.layers == "digits" else conv.CONV_SHAPES
        print(conv.run(dtypes, args.repeats, shapes)[1])
