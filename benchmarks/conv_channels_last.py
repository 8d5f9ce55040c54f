"""conv.py's products against conv_channels_last.py's at one thread, layer by layer: `python
benchmarks/conv_channels_last.py`, and in whole resnet20 training steps: `... --steps`.

ResNet-20's 3x3 layer shapes at the sizes the course runs at (16/32/64 channels on 32x32 to 2x2 planes, the
stem from 1 or 3 channels, the stride-2 layers), batches 16 to 64, float32, BLAS on one thread. Each cell is the
least CPU time of the calling thread (time.thread_time) over the repeats, of one forward or one backward (dx and
dW): on a machine other programs keep busy, they add to a call's CPU time (cache misses; on some virtual machines
whole 4 ms scheduler ticks), never take from it.

--steps times float32 resnet20 training steps at benchmarks/small_sizes.py's sizes, with the route as conv.py
chooses it and with it switched off (conv_channels_last's rules replaced by "never"), and PyTorch's step, all on one
thread, alternating step by step in one process: least and median CPU time of the calling thread.
"""

import argparse
import time

import numpy as np

from resnet_np import runtime
from resnet_np.bench import small_sizes, torch_models
from resnet_np.bench.machine import torch_or_none
from resnet_np.bench.models import _our_step, _torch_step
from resnet_np.bench.timing import format_table, interleaved_times, temporarily
from resnet_np.fast import conv, conv_channels_last
from resnet_np.functional.conv import check_conv2d_inputs
from resnet_np.models import cifar_resnet
from resnet_np.optim import SGD

# (in channels, out channels, input plane, stride): the stems, layers of 4 and 8 channels (below the rule's
# MIN_CHANNELS), then ResNet-20's three stages at 32x32, 16x16 and 8x8 inputs, and its stride-2 layers (forward
# only: their backward is conv.py's col2im route either way)
LAYERS = [(1, 16, 16, 1), (1, 16, 8, 1), (3, 16, 32, 1), (4, 4, 16, 1), (8, 8, 32, 1), (8, 8, 16, 1), (8, 8, 8, 1),
          (16, 16, 32, 1), (16, 16, 16, 1), (16, 16, 8, 1),
          (32, 32, 16, 1), (32, 32, 8, 1), (32, 32, 4, 1), (64, 64, 8, 1), (64, 64, 4, 1), (64, 64, 2, 1),
          (16, 32, 32, 2), (16, 32, 16, 2), (16, 32, 8, 2), (32, 64, 16, 2), (32, 64, 8, 2)]
BATCHES = [16, 32, 64]


def _least_us(functions, repeats):
    """The least CPU time of each function, in us, over `repeats` rounds that call them in turn (after one round
    that compiles and allocates the scratch buffers)."""
    return [min(record) * 1e6 for record in interleaved_times(functions, repeats, clock=time.thread_time)]


def _route_switched_off():
    """conv.py as before this route: conv_channels_last's forward_pays() and backward_pays() say "never" inside
    the block."""
    never = lambda geometry, w_shape: False  # noqa: E731
    return temporarily(conv_channels_last, forward_pays=never, backward_pays=never)


def measure(channels, out_channels, plane, stride, batch, repeats):
    """[forward today, forward by this route, backward today, backward by this route] in us (no backward times
    for a strided layer)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, channels, plane, plane)).astype(np.float32)
    w = rng.standard_normal((out_channels, channels, 3, 3)).astype(np.float32)
    x, w, geometry = check_conv2d_inputs(x, w, None, stride, 1)
    out_h, out_w = geometry[4:]
    dout = rng.standard_normal((batch, out_channels, out_h, out_w)).astype(np.float32)
    chunk = conv._images_per_chunk(batch, out_h * out_w, w[0].size * out_channels)

    def forward_channels_last():  # with the checks and the allocation that conv2d_forward makes too
        x_checked, w_checked, geometry = check_conv2d_inputs(x, w, None, stride, 1)
        out = np.empty((batch, out_channels, out_h, out_w), dtype=np.float32)
        return conv_channels_last.forward_into(x_checked, w_checked, geometry, chunk, out)

    def forward_today():
        with _route_switched_off():
            conv.conv2d_forward(x, w, None, stride, 1)

    if stride != 1:
        return _least_us([forward_today, forward_channels_last], repeats) + [None, None]
    with _route_switched_off():
        backward_today = conv.backward_by_convolution if conv.backward_route(geometry, w.shape) == "convolution" \
            else conv.backward_by_col2im
    return _least_us([forward_today, forward_channels_last,
                      lambda: backward_today(dout, x, w, geometry),
                      lambda: conv_channels_last.backward(dout, x, w, geometry, chunk)], repeats)


def measure_steps(channels, size, batch, repeats, torch):
    """{"on": [...], "off": [...], "torch": [...]}: CPU seconds of each step, the three alternating."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, channels, size, size)).astype(np.float32)
    labels = rng.integers(0, 10, batch)
    model = cifar_resnet(20, in_channels=channels, seed=0)
    ours = _our_step(model, x, labels, SGD(model.parameters(), lr=0.01, momentum=0.9))

    def switched_off():
        with _route_switched_off():
            ours()

    steps = {"on": ours, "off": switched_off}
    if torch is not None:
        torch.manual_seed(0)
        twin = torch_models.build(torch, 20, in_channels=channels)
        steps["torch"] = _torch_step(torch, twin, x, labels, torch.optim.SGD(twin.parameters(), lr=0.01, momentum=0.9))
    times = interleaved_times(list(steps.values()), repeats, clock=time.thread_time)  # one round warms up
    return dict(zip(steps, times, strict=True))


def layers_table(repeats):
    rows = []
    for channels, out_channels, plane, stride in LAYERS:
        for batch in BATCHES:
            fwd, fwd_cl, bwd, bwd_cl = measure(channels, out_channels, plane, stride, batch, repeats)
            backward = ["-", "-", "-"] if bwd is None else [f"{bwd:.0f}", f"{bwd_cl:.0f}", f"{bwd_cl / bwd:.2f}"]
            rows.append([f"{channels}->{out_channels} @{plane}x{plane}/{stride}", batch, f"{fwd:.0f}", f"{fwd_cl:.0f}",
                         f"{fwd_cl / fwd:.2f}"] + backward)
    return format_table(["layer (3x3, input plane/stride)", "batch", "fwd us", "fwd channels-last us", "ratio",
                         "bwd us", "bwd channels-last us", "ratio"], rows)


def steps_table(repeats):
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(1)
    rows = []
    for channels, size, batch in small_sizes.SMALL_SIZES:
        times = measure_steps(channels, size, batch, repeats, torch)
        least = {name: min(values) * 1e3 for name, values in times.items()}
        median = {name: float(np.median(values)) * 1e3 for name, values in times.items()}
        row = [f"{channels}x{size}x{size}", batch]
        for name in ("off", "on", "torch"):
            row.append(f"{least[name]:.1f} / {median[name]:.1f}" if name in times else "-")
        row.append(f"{least['on'] / least['off']:.2f}")
        row += [f"{least[name] / least['torch']:.2f}x" if "torch" in times else "-" for name in ("off", "on")]
        rows.append(row)
    return format_table(["input", "batch", "route off ms (least / median)", "route on ms", "torch ms",
                         "on/off", "off/torch", "on/torch"], rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=41)
    parser.add_argument("--steps", action="store_true", help="whole resnet20 training steps instead of layers")
    args = parser.parse_args()
    with runtime.using(backend="fast", threads=1):
        # BLAS's thread count is set when the first op runs through resnet_np.backend.ops(); the calls timed here
        # go to the engine directly, so set it now: one BLAS thread, as inside conv2d.
        runtime.apply_blas_threads()
        print(steps_table(args.repeats) if args.steps else layers_table(args.repeats))
