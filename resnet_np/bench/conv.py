"""Convolution benchmark: conv2d forward and forward+backward, ours vs torch.nn.functional.conv2d.

Shapes: the three 3x3 layers of CIFAR ResNet-20 at batch 128 and the ResNet-18 stem (7x7/2 on 224x224, batch 8).
GFLOP/s counts 2 * multiply-adds: forward = 1 GEMM, forward+backward = 3 GEMMs (out, dW, dX).
"""

import numpy as np

from ..backend import ops
from ..functional import conv_output_size
from .machine import torch_or_none
from .timing import first_call_time, format_table, median_time

# name, x shape, w shape, stride, padding
CONV_SHAPES = [
    ("32x32 16->16 3x3", (128, 16, 32, 32), (16, 16, 3, 3), 1, 1),
    ("16x16 32->32 3x3", (128, 32, 16, 16), (32, 32, 3, 3), 1, 1),
    ("8x8 64->64 3x3", (128, 64, 8, 8), (64, 64, 3, 3), 1, 1),
    ("stem 224 3->64 7x7/2", (8, 3, 224, 224), (64, 3, 7, 7), 2, 3),
]
# The 3x3 layers of ResNet-20 on the main job's 8x8 digits, batch 64: the last takes the dense-matrix route of
# fast/conv_dense.py, the strided ones the small-plane im2col of fast/im2col_kernels.py.
DIGIT_SHAPES = [
    ("digits 8x8 16->16", (64, 16, 8, 8), (16, 16, 3, 3), 1, 1),
    ("digits 8x8->4x4 16->32 /2", (64, 16, 8, 8), (32, 16, 3, 3), 2, 1),
    ("digits 4x4 32->32", (64, 32, 4, 4), (32, 32, 3, 3), 1, 1),
    ("digits 4x4->2x2 32->64 /2", (64, 32, 4, 4), (64, 32, 3, 3), 2, 1),
    ("digits 2x2 64->64", (64, 64, 2, 2), (64, 64, 3, 3), 1, 1),
]


def multiply_adds(x_shape, w_shape, stride, padding):
    n, _, h, w = x_shape
    k, c, kh, kw = w_shape
    out_h = conv_output_size(h, kh, stride, padding)
    out_w = conv_output_size(w, kw, stride, padding)
    return n * k * c * kh * kw * out_h * out_w


def _ours(x, w, stride, padding, backward):
    def run():
        out, cache = ops().conv2d_forward(x, w, None, stride, padding)
        if backward:
            ops().conv2d_backward(out, cache)

    return run


def _theirs(torch, x, w, stride, padding, backward):
    tx = torch.from_numpy(x).requires_grad_(backward)
    tw = torch.from_numpy(w).requires_grad_(backward)

    def run():
        if backward:
            out = torch.nn.functional.conv2d(tx, tw, None, stride, padding)
            out.backward(out.detach())
        else:
            with torch.no_grad():
                torch.nn.functional.conv2d(tx, tw, None, stride, padding)

    return run


def compile_times():
    """First call of each kernel signature in this process: JIT compile, or loading Numba's on-disk cache."""
    x32 = np.ones((1, 1, 4, 4), np.float32)
    x64 = np.ones((1, 1, 4, 4), np.float64)
    total = 0.0
    for x in (x32, x64):
        total += first_call_time(lambda x=x: ops().col2im(ops().im2col(x, 3, 3, 1, 1), x.shape, 3, 3, 1, 1))
    return total


def gemm_rate(dtype, size=2048, repeats=3):
    """GFLOP/s of one size^3 matrix product on every thread the benchmark uses: the machine's limit to compare with.

    Inside the benchmark BLAS is held to one thread per call (resnet_np's own pool does the threading); this
    measurement lifts that limit to get_num_threads() threads for its own duration."""
    from threadpoolctl import threadpool_limits

    from ..runtime import get_num_threads

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((size, size)).astype(dtype), rng.standard_normal((size, size)).astype(dtype)
    with threadpool_limits(limits=get_num_threads(), user_api="blas"):
        seconds = min(median_time(lambda: a @ b, 1) for _ in range(repeats))
    return 2 * size**3 / seconds / 1e9


def run(dtypes=("float32", "float64"), repeats=5, shapes=None, gemm_size=2048):
    """Time every shape and dtype; returns (rows, table text)."""
    torch = torch_or_none()
    first_call = compile_times()
    rows = []
    for dtype in dtypes:
        for name, x_shape, w_shape, stride, padding in shapes or CONV_SHAPES:
            rng = np.random.default_rng(0)
            x = rng.standard_normal(x_shape).astype(dtype)
            w = (rng.standard_normal(w_shape) * 0.1).astype(dtype)
            flops = 2 * multiply_adds(x_shape, w_shape, stride, padding)
            for backward, gemms in ((False, 1), (True, 3)):
                ours = median_time(_ours(x, w, stride, padding, backward), repeats)
                theirs = median_time(_theirs(torch, x, w, stride, padding, backward), repeats) if torch else None
                rows.append({
                    "layer": name, "dtype": dtype, "pass": "fwd+bwd" if backward else "fwd",
                    "ours_ms": ours * 1e3, "torch_ms": theirs * 1e3 if theirs else None,
                    "ratio": ours / theirs if theirs else None, "gflops": gemms * flops / ours / 1e9,
                })
    # The limits are measured last: a multi-threaded BLAS product leaves its threads spinning for a while, which
    # slowed the layer timed right after it (32x32x16 forward: 12-14 ms instead of 7.5).
    limits = {dtype: gemm_rate(dtype, gemm_size) for dtype in dtypes}
    for row in rows:
        row["gemm_share"] = row["gflops"] / limits[row["dtype"]]
    header = ["layer", "dtype", "pass", "ours ms", "torch ms", "ours/torch", "ours GFLOP/s", "of GEMM limit"]
    table = format_table(header, [
        [r["layer"], r["dtype"], r["pass"], f"{r['ours_ms']:.1f}",
         "-" if r["torch_ms"] is None else f"{r['torch_ms']:.1f}",
         "-" if r["ratio"] is None else f"{r['ratio']:.2f}x", f"{r['gflops']:.0f}", f"{r['gemm_share']:.0%}"]
        for r in rows])
    table += "\n\nGEMM limit: " + ", ".join(f"{dtype} {rate:.0f} GFLOP/s" for dtype, rate in limits.items())
    table += f" ({gemm_size}^3 product on the same threads)"
    table += f"\nfirst call of the im2col/col2im kernels (compile or cache load): {first_call:.2f} s"
    return rows, table
