"""`python -m resnet_np bench`: our speed beside PyTorch's (if installed) in one process, as ratios.

Prints the machine, the headline training/inference timings, the small sizes the course runs at (resnet20 on
8x8 to 32x32 inputs, batch 16 to 128, at the chosen threads and at one), where the main job's step spends its time
op by op (batch 1 against batch 64: fixed cost against arithmetic), the 3x3 conv layers, the scaling table,
the peak memory of a training step and Numba's start-up time; writes the scaling plot (PNG). `--quick`: tiny sizes, a
smoke run in seconds (its numbers mean nothing).
"""

import os

from ..errors import UserError
from .arguments import add_threads_argument, positive_int


def configure(parser):
    parser.add_argument("--quick", action="store_true", help="tiny sizes and one repeat: checks that it runs")
    parser.add_argument("--repeats", metavar="N", type=positive_int, default=5,
                        help="timed repeats per measurement (median; default 5)")
    parser.add_argument("--plot", metavar="PNG", default="bench_scaling.png",
                        help="where to write the scaling plot (default bench_scaling.png; '' for none)")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["small", "ops", "conv", "scaling", "memory", "startup"],
                        help="leave out a section (repeatable)")
    add_threads_argument(parser, "both libraries (resnet_np's pool and PyTorch's)")


def _megabytes(value):
    return "-" if value is None else f"{value / 2**20:.0f} MiB"


def run(args):
    from ..bench import machine

    with machine.threads_for_both(args.threads):
        return _run(args)


def _run(args):
    from ..bench import conv, machine, models, op_profile, process, small_sizes

    if args.plot and not os.path.isdir(os.path.dirname(os.path.abspath(args.plot))):
        raise UserError(f"--plot: folder {os.path.dirname(os.path.abspath(args.plot))} does not exist")
    print(machine.describe(), end="\n\n", flush=True)

    print("Models (train step = forward + backward + SGD; forward = eval mode):")
    print(models.headline(args.quick, args.repeats)[1], end="\n\n", flush=True)

    if "small" not in args.skip:
        print("Small sizes (resnet20 training step, float32; the course's digits, lecture demos and notebooks):")
        print(small_sizes.run(args.quick, args.repeats)[1], end="\n\n", flush=True)

    if "ops" not in args.skip:
        print("Where the main job's step goes (resnet20, 1x8x8 digits), op by op: at batch 1 a row is its fixed cost")
        print(op_profile.run(1, 8, (1, 4) if args.quick else (1, 64), depth=8 if args.quick else 20,
                             repeats=1 if args.quick else args.repeats)[1], end="\n\n", flush=True)

    if "conv" not in args.skip:
        shapes = [("8x8 4->4 3x3", (2, 4, 8, 8), (4, 4, 3, 3), 1, 1)] if args.quick else conv.CONV_SHAPES[:3]
        dtypes = ("float32",) if args.quick else ("float32", "float64")
        print("Convolution layers (batch 128):" if not args.quick else "Convolution layers:")
        print(conv.run(dtypes, 1 if args.quick else args.repeats, shapes, gemm_size=256 if args.quick else 2048)[1],
              end="\n\n", flush=True)

    if "scaling" not in args.skip:
        results, text = models.scaling(args.quick, 1 if args.quick else max(1, args.repeats // 2))
        print(text, end="\n\n", flush=True)
        if args.plot:
            print(f"scaling plot written to {models.plot_scaling(results, args.plot)}", end="\n\n", flush=True)

    if "memory" not in args.skip:
        depth, batch = (8, 8) if args.quick else (20, 128)
        torch_available = machine.torch_or_none() is not None
        peak = process.peak_memory(depth, batch, with_torch=torch_available)
        ratio = f" ({peak['ours'] / peak['torch']:.2f}x)" if peak["ours"] and peak["torch"] else ""
        print(f"Peak memory of one resnet{depth} training step at batch {batch} (growth of peak RSS): "
              f"ours {_megabytes(peak['ours'])}, torch {_megabytes(peak['torch'])}{ratio}", end="\n\n", flush=True)

    if "startup" not in args.skip:
        start = process.cold_start()

        def seconds(key):
            entry = start[key]
            return entry["error"] if "error" in entry else f"{entry['kernels_s']:.2f} s"

        print("Numba kernels of a float32 training step, first use (compile or cache load):")
        print(f"  empty cache {seconds('cold')}, warm cache {seconds('warm')}; read-only package (per-user cache): "
              f"{seconds('read_only_cold')} then {seconds('read_only_warm')}, "
              f"{start['read_only_cache_files']} cache files in the user cache, "
              f"{start['files_written_into_package']} written into the package")
    return 0
