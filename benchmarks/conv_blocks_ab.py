"""The conv chunks of fast/conv_channels_last.py a block of images at a time (issue 25's fifth round) against the
whole chunk at once (before), beside PyTorch, in one process:
`python benchmarks/conv_blocks_ab.py [--threads N] [--repeats R] [--layers]`.

resnet20 training steps (float32) at the small sizes; each round times our step, PyTorch's step, and our step with
every chunk taken as one block (bench.small_sizes.before_and_after). With --layers, the chunk kernels alone
instead: each 3x3 layer shape of the small sizes, one chunk as conv.py cuts it, on the calling thread, blocks
against the whole chunk (least time of many alternating repeats).
"""

import argparse
import math

import numpy as np

from resnet_np import runtime
from resnet_np.bench import small_sizes
from resnet_np.bench.machine import describe, threads_for_both, torch_or_none
from resnet_np.bench.timing import format_table, interleaved_times, temporarily
from resnet_np.fast import channels_last_kernels, conv_channels_last
from resnet_np.fast.blas import numpy_gemm

# (label, images in one chunk, input channels, plane, output channels, stride): ResNet-20's 3x3 layers at the
# small sizes, with the chunk sizes conv.py gives them (4096 output positions, or the whole small batch).
LAYERS = [
    ("32x32, 16 -> 16", 4, 16, 32, 16, 1),
    ("16x16, 16 -> 16", 16, 16, 16, 16, 1),
    ("16x16, 32 -> 32", 16, 32, 16, 32, 1),
    ("8x8, 16 -> 16", 64, 16, 8, 16, 1),
    ("8x8, 32 -> 32", 64, 32, 8, 32, 1),
    ("8x8, 64 -> 64", 64, 64, 8, 64, 1),
    ("32x32 -> 16x16, 16 -> 32", 8, 16, 32, 32, 2),
    ("16x16 -> 8x8, 32 -> 64", 16, 32, 16, 64, 2),
]


def whole_chunks():
    """The engine before this round: one block per chunk."""
    return temporarily(conv_channels_last, images_per_block=lambda positions, columns: math.inf)


def _chunk_calls(n_images, channels, plane, out_channels, stride, block):
    """(forward, backward) of one chunk through the compiled kernels, with scratch buffers for `block` images."""
    rng = np.random.default_rng(0)
    out_plane = (plane - 1) // stride + 1
    x = rng.standard_normal((n_images, channels, plane, plane)).astype(np.float32)
    dout = rng.standard_normal((n_images, out_channels, out_plane, out_plane)).astype(np.float32)
    weights = rng.standard_normal((9 * channels, out_channels)).astype(np.float32)
    rotated = rng.standard_normal((9 * out_channels, channels)).astype(np.float32)
    out, dx = np.empty_like(dout), np.empty_like(x)
    g_share = np.empty((9 * out_channels, channels), np.float32)
    blas = numpy_gemm(np.float32)
    forward_scratch = (np.empty((block, plane + 2, plane + 2, channels), np.float32),
                       np.empty((block * out_plane ** 2, 9 * channels), np.float32),
                       np.empty((block * out_plane ** 2, out_channels), np.float32))
    backward_scratch = (np.empty((block, plane + 2, plane + 2, out_channels), np.float32),
                        np.empty((block * plane ** 2, 9 * out_channels), np.float32),
                        np.empty((block * plane ** 2, channels), np.float32))

    def forward():
        channels_last_kernels.forward_chunk_kernel(x, weights, 3, 3, stride, stride, *blas, *forward_scratch, out)

    def backward():
        channels_last_kernels.backward_chunk_kernel(dout, x, rotated, 3, 3, *blas, *backward_scratch, g_share, dx)

    return forward, backward


def layer_rows(repeats):
    rows = []
    for label, n_images, channels, plane, out_channels, stride in LAYERS:
        out_plane = (plane - 1) // stride + 1
        forward_block = channels_last_kernels.images_per_block(out_plane ** 2, 9 * channels)
        backward_block = channels_last_kernels.images_per_block(plane ** 2, 9 * out_channels)
        blocks_forward, _ = _chunk_calls(n_images, channels, plane, out_channels, stride, forward_block)
        _, blocks_backward = _chunk_calls(n_images, channels, plane, out_channels, stride, backward_block)
        whole_forward, whole_backward = _chunk_calls(n_images, channels, plane, out_channels, stride, n_images)
        row = [label, n_images, forward_block]
        for now, before in ((blocks_forward, whole_forward), (blocks_backward, whole_backward)):
            if stride != 1 and now is blocks_backward:
                row += ["-", "-"]  # a strided layer's backward is conv.py's col2im route
                continue
            now_times, before_times = (np.array(times) for times in interleaved_times([now, before], repeats))
            row += [f"{before_times.min() * 1e6:.0f} -> {now_times.min() * 1e6:.0f}",
                    f"{now_times.min() / before_times.min():.3f}"]
        rows.append(row)
    return format_table(["layer", "images in the chunk", "images per block (forward)", "forward us", "ratio",
                         "backward us", "ratio"], rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=None, help="threads for both libraries (default: every core)")
    parser.add_argument("--layers", action="store_true", help="time the chunk kernels alone, one thread")
    args = parser.parse_args()
    if args.layers:
        with runtime.using(threads=1):
            runtime.apply_blas_threads()
            print(describe(), end="\n\n")
            print(layer_rows(max(args.repeats, 101)))
        raise SystemExit(0)
    torch = torch_or_none()
    if torch is None:
        raise SystemExit("this comparison needs PyTorch: pip install torch==2.13.0")
    with threads_for_both(args.threads):
        print(describe(), end="\n\n")
        rows = [small_sizes.before_and_after(torch, *size, whole_chunks, args.repeats)
                for size in small_sizes.SMALL_SIZES]
    print(format_table(small_sizes.BEFORE_AND_AFTER_HEADER, rows))
