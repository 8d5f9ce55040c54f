"""Where splitting a value-wise op over two threads pays: `python benchmarks/value_ops_threads.py`.

ReLU and BatchNorm (training forward, and backward) on (N, 16, 32, 32) float32 tensors of 0.25 to 8 MiB, each
run three ways, alternating call by call in one process: on one thread; on two threads with chunks of at least
`--small` values (the rule before chunks.MIN_VALUES_PER_CHUNK was raised); on two threads with chunks of at least
chunks.MIN_VALUES_PER_CHUNK (the rule now). Median wall time of each call, in us. On a 2-core virtual machine a
sleeping helper thread takes tens of microseconds to wake, and the caller as long again when it must wait for the
helper: a chunk must hold a few hundred microseconds of work before a second thread repays that.
"""

import argparse

import numpy as np

from resnet_np import runtime
from resnet_np.backend import ops
from resnet_np.bench.machine import describe, threads_for_both
from resnet_np.bench.timing import format_table, interleaved_times, temporarily
from resnet_np.fast import chunks

BATCHES = [4, 8, 16, 32, 64, 128]  # (N, 16, 32, 32) float32: 0.25 to 8 MiB


def _ops_of(x, dout):
    """The four calls timed: name -> function."""
    channels = x.shape[1]
    gamma, beta = np.ones(channels, x.dtype), np.zeros(channels, x.dtype)
    running_mean, running_var = np.zeros(channels, x.dtype), np.ones(channels, x.dtype)
    _, relu_cache = ops().relu_forward(x)
    _, batchnorm_cache = ops().batchnorm2d_forward(x, gamma, beta, running_mean, running_var, training=True)
    return {
        "relu forward": lambda: ops().relu_forward(x),
        "relu backward": lambda: ops().relu_backward(dout, relu_cache),
        "batchnorm forward": lambda: ops().batchnorm2d_forward(x, gamma, beta, running_mean, running_var,
                                                               training=True),
        "batchnorm backward": lambda: ops().batchnorm2d_backward(dout, batchnorm_cache),
    }


def _with_chunks_of(min_values, function):
    """function, run with chunks of at least `min_values` values."""

    def run():
        with temporarily(chunks, MIN_VALUES_PER_CHUNK=min_values):
            function()

    return run


def run(repeats, small):
    """The table: one row per size and op. (The thread count changes between blocks, never inside one: a change
    restarts the pool's helper threads.)"""
    rng = np.random.default_rng(0)
    now = chunks.MIN_VALUES_PER_CHUNK
    rows = []
    for batch in BATCHES:
        x = rng.standard_normal((batch, 16, 32, 32)).astype(np.float32)
        dout = rng.standard_normal(x.shape).astype(np.float32)
        timed = _ops_of(x, dout)
        for name, function in timed.items():
            with threads_for_both(1):
                [one_thread] = interleaved_times([function], repeats)
            with threads_for_both(2):
                two_threads = interleaved_times([_with_chunks_of(small, function), _with_chunks_of(now, function)],
                                                repeats)
            medians = [np.median(times) * 1e6 for times in [one_thread] + two_threads]
            rows.append([f"{x.nbytes / 2**20:g}", name] + [f"{value:.0f}" for value in medians])
    header = ["MiB", "op", "1 thread", f"2 threads, chunks >= {small} values", f"2 threads, chunks >= {now} values"]
    return format_table(header, rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=41)
    parser.add_argument("--small", type=int, default=1 << 17, help="the smaller chunk minimum to compare with")
    args = parser.parse_args()
    with runtime.using(backend="fast"):
        print(describe(), end="\n\n")
        print(run(args.repeats, args.small))
