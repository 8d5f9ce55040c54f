"""One engine constant at several values, whole training steps against each other in one process:

    python benchmarks/engine_constant_ab.py conv.MIN_MULTIPLY_ADDS_PER_CHUNK 4194304 8388608 16777216
    python benchmarks/engine_constant_ab.py chunks.MIN_VALUES_PER_CHUNK 131072 524288 --threads 1

The constant is a module attribute of resnet_np.fast (module.NAME); the engine reads these at call time. Float32
resnet20 training steps at the small sizes, alternating step by step between the values: median ms per value, and
the median of each round's ratio to the first value (steps a fraction of a second apart slow down alike on a
shared machine, so the paired ratio is steadier than a ratio of medians).
"""

import argparse
import importlib

from resnet_np import runtime
from resnet_np.bench.machine import describe, threads_for_both
from resnet_np.bench.small_sizes import compare_variants
from resnet_np.bench.timing import temporarily


def _with_value(module, name, value):
    """wrap(step) for compare_variants: step run with module.name = value."""

    def wrap(step):
        def run():
            with temporarily(module, **{name: value}):
                step()

        return run

    return wrap


def run(constant, values, repeats):
    module_name, name = constant.rsplit(".", 1)
    module = importlib.import_module(f"resnet_np.fast.{module_name}")
    if not hasattr(module, name):
        raise SystemExit(f"resnet_np.fast.{module_name} has no constant {name}")
    return compare_variants({str(value): _with_value(module, name, value) for value in values}, repeats)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("constant", help="module.NAME inside resnet_np.fast, e.g. conv.POSITIONS_PER_CHUNK")
    parser.add_argument("values", nargs="+", type=int)
    parser.add_argument("--repeats", type=int, default=31)
    parser.add_argument("--threads", type=int, default=None, help="default: every core")
    args = parser.parse_args()
    with threads_for_both(args.threads), runtime.using(backend="fast"):  # the engine, whatever the environment
        print(describe(), end="\n\n")
        print(f"{args.constant} at each value (ratio: median of each round's ratio to the first value)\n")
        print(run(args.constant, args.values, args.repeats))
