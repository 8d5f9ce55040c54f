"""Two versions of the engine and PyTorch in ONE process, alternating step by step: a before/after that a busy
host cannot tilt.

    mkdir -p /tmp/before && git archive main resnet_np | tar -x -C /tmp/before
    mv /tmp/before/resnet_np /tmp/before/resnet_np_before      # its imports are relative: it loads under this name
    python benchmarks/side_by_side.py --before /tmp/before

resnet20 training steps (float32) at the small sizes of resnet_np/bench/small_sizes.py. Two threads: wall time.
One thread: CPU time of the calling thread (time.thread_time), which other programs on the machine barely move.
"""

import argparse
import sys
import time

import numpy as np

import resnet_np as after
from resnet_np.bench import torch_models
from resnet_np.bench.machine import describe, torch_or_none
from resnet_np.bench.models import _our_step, _torch_step
from resnet_np.bench.small_sizes import SMALL_SIZES


def _steps(libraries, torch, channels, size, batch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, channels, size, size)).astype(np.float32)
    labels = rng.integers(0, 10, batch)
    steps = {}
    for name, library in libraries.items():
        model = library.models.cifar_resnet(20, in_channels=channels, seed=0)
        optimizer = library.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
        steps[name] = _our_step(model, x, labels, optimizer)
    if torch is not None:
        torch.manual_seed(0)
        twin = torch_models.build(torch, 20, in_channels=channels)
        optimizer = torch.optim.SGD(twin.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
        steps["torch"] = _torch_step(torch, twin, x, labels, optimizer)
    return steps


def measure(libraries, torch, channels, size, batch, repeats):
    """{name: (median wall ms at 2 threads, median CPU ms at 1 thread)} for every library and torch."""
    steps = _steps(libraries, torch, channels, size, batch)

    def set_threads(count):
        for library in libraries.values():
            library.set_num_threads(count)
        if torch is not None:
            torch.set_num_threads(count)

    wall, cpu = {name: [] for name in steps}, {name: [] for name in steps}
    for round_ in range(repeats + 1):  # round 0 warms up
        for threads, clock, record in ((2, time.perf_counter, wall), (1, time.thread_time, cpu)):
            set_threads(threads)
            for name, step in steps.items():
                step()  # untimed: a changed thread count restarts the pool here
                begin = clock()
                step()
                if round_:
                    record[name].append(clock() - begin)
    return {name: (float(np.median(wall[name])) * 1e3, float(np.median(cpu[name])) * 1e3) for name in steps}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="folder holding the other version as resnet_np_before")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, args.before)
    import resnet_np_before as before

    after.runtime.keep_freed_memory()
    torch = torch_or_none()
    print(describe(), f"\nload average at start: {open('/proc/loadavg').read().split()[:3]}\n", flush=True)
    libraries = {"after": after, "before": before}
    for channels, size, batch in SMALL_SIZES:
        times = measure(libraries, torch, channels, size, batch, args.repeats)
        line = f"{channels}x{size}x{size} batch {batch:3}:"
        for index, label in ((0, "2 threads, wall ms"), (1, "1 thread, CPU ms")):
            parts = [f"{name} {values[index]:.1f}" for name, values in times.items()]
            if torch is not None:
                parts += [f"{name}/torch {times[name][index] / times['torch'][index]:.2f}x" for name in libraries]
            line += f"  | {label}: " + ", ".join(parts)
        print(line, flush=True)
    print(f"\nload average at end: {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
