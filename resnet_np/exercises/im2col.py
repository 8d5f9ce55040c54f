"""Exercise "im2col": im2col and col2im, the pair that turns a convolution into one matrix product.

The student writes, with the library's signatures (resnet_np/functional/im2col.py):
    im2col(x, kh, kw, stride=1, padding=0)               x (N, C, H, W) -> cols (C*kh*kw, N*out_h*out_w)
    col2im(cols, x_shape, kh, kw, stride=1, padding=0)   cols -> dx (N, C, H, W), overlapping windows ADDED
Graded: shapes, dtypes, values against the library's, inputs unchanged, the adjoint identity
<im2col(x), y> = <x, col2im(y)>, and col2im(y) against central differences of sum(im2col(x) * y).
"""

from functools import partial

import numpy as np

from .. import functional as F
from .checks import TOLERANCES
from .opcase import localise
from .patterns import overlap_pattern
from .registry import Exercise
from .runner import Case

FUNCTIONS = ("im2col", "col2im")

TEMPLATE = '''\
def im2col(x, kh, kw, stride=1, padding=0):
    """x (N, C, H, W) -> cols (C*kh*kw, N*out_h*out_w).

    cols[(c*kh + i)*kw + j, (n*out_h + oh)*out_w + ow] = x_padded[n, c, oh*stride + i, ow*stride + j]
    stride and padding: an int or an (h, w) pair.
    """
    stride_h, stride_w = (stride, stride) if np.isscalar(stride) else stride
    pad_h, pad_w = (padding, padding) if np.isscalar(padding) else padding
    raise NotImplementedError  # your code here


def col2im(cols, x_shape, kh, kw, stride=1, padding=0):
    """cols (C*kh*kw, N*out_h*out_w) -> dx of shape x_shape (N, C, H, W): every column entry is ADDED back
    onto the pixel it was copied from (overlapping windows add up); the padding is cut off at the end."""
    stride_h, stride_w = (stride, stride) if np.isscalar(stride) else stride
    pad_h, pad_w = (padding, padding) if np.isscalar(padding) else padding
    raise NotImplementedError  # your code here
'''

# (x shape, kh, kw, stride, padding, dtype, description)
GEOMETRIES = [
    ((2, 3, 5, 5), 3, 3, 1, 1, np.float64, "3x3, stride 1, padding 1 (windows overlap)"),
    ((1, 2, 7, 6), 3, 3, 2, 1, np.float64, "batch 1, odd non-square input, stride 2"),
    ((2, 2, 6, 5), 2, 3, (2, 1), (1, 0), np.float64, "non-square kernel, stride (2, 1), padding (1, 0)"),
    ((2, 1, 4, 4), 1, 1, 1, 0, np.float64, "1x1 kernel"),
    ((2, 3, 5, 5), 3, 3, 2, 0, np.float32, "3x3, stride 2, float32"),
]


def _row_order_variant(cols, channels, kh, kw):
    """cols with rows ordered (i, j, c) instead of (c, i, j): channels innermost."""
    return cols.reshape(channels, kh, kw, -1).transpose(1, 2, 0, 3).reshape(cols.shape)


def _row_order_reread(cols, channels, kh, kw):
    """What a col2im that reads rows as (i, j, c) adds up, as the matrix in the library's (c, i, j) order."""
    return cols.reshape(kh, kw, channels, -1).transpose(2, 0, 1, 3).reshape(cols.shape)


def _column_order_variant(cols, n_images, out_h, out_w):
    """cols with columns ordered (oh, ow, n) instead of (n, oh, ow): the image index innermost."""
    return cols.reshape(-1, n_images, out_h, out_w).transpose(0, 2, 3, 1).reshape(cols.shape)


def _grade(case, x_shape, kh, kw, stride, padding, dtype, seed):
    rng = np.random.default_rng(seed)
    case.batch = x_shape[0]
    x = rng.standard_normal(x_shape).astype(dtype)
    tolerance = "float32" if dtype == np.float32 else "float64"
    expected_cols = F.im2col(x, kh, kw, stride, padding)
    n_images, channels = x_shape[:2]
    _, _, _, _, out_h, out_w = F.window_geometry("im2col", x_shape, kh, kw, stride, padding)

    # im2col
    student_x = x.copy()
    cols = case.call("im2col", student_x, kh, kw, stride, padding)
    cols = case.expect_array("im2col", "cols", cols, expected_cols.shape, dtype)
    case.unchanged("im2col", {"x": student_x}, {"x": x})
    row_text = ("{who} in the order (i, j, c), channel last; the library's (and w.reshape(K, C*kh*kw)'s) order "
                "is (c, i, j): row = (c*kh + i)*kw + j. The weights are flattened in that order, so rows in another "
                "order pair the wrong numbers in the product.")
    row_order = []
    if not case.compare("cols", cols, expected_cols, tolerance):
        if case.recognise(cols, _row_order_variant(expected_cols, channels, kh, kw), expected_cols):
            row_order.append("cols")
        elif case.recognise(cols, _column_order_variant(expected_cols, n_images, out_h, out_w), expected_cols):
            case.hint("im2col-column-order", "your columns are ordered (oh, ow, n); they must be ordered (n, oh, "
                      "ow), column = (n*out_h + oh)*out_w + ow, so that W @ cols reshapes to (K, N, out_h, out_w).",
                      about="cols")

    # col2im, on a random matrix of the shape of cols
    y = rng.standard_normal(expected_cols.shape).astype(dtype)
    student_y = y.copy()
    expected_dx = F.col2im(y, x_shape, kh, kw, stride, padding)
    dx = case.call("col2im", student_y, x_shape, kh, kw, stride, padding)
    dx = case.expect_array("col2im", "dx", dx, x_shape, dtype)
    case.unchanged("col2im", {"cols": student_y}, {"cols": y})
    if not case.compare("dx", dx, expected_dx, tolerance):
        reread = F.col2im(_row_order_reread(y, channels, kh, kw), x_shape, kh, kw, stride, padding)
        coverage = F.col2im(np.ones_like(expected_cols, dtype=np.float64), x_shape, kh, kw, stride, padding)
        if case.recognise(dx, reread, expected_dx):
            row_order.append("dx")
        elif overlap_pattern(dx, expected_dx, coverage):
            case.hint("col2im-overwrites", "dx is right wherever a pixel lies in one window only and wrong where "
                      "windows overlap: col2im must ADD (+=) each column entry onto its pixel, not assign (=). "
                      "A pixel in several windows was copied into several columns, so its gradient is the sum "
                      "of all of them.", about="dx")
    if row_order:
        who = {("cols",): "your im2col writes the rows of cols", ("dx",): "your col2im reads the rows of cols",
               ("cols", "dx"): "your im2col writes, and your col2im reads, the rows of cols"}[tuple(row_order)]
        case.hint("im2col-row-order", row_text.format(who=who), about=row_order)

    if dtype == np.float64:
        # The adjoint identity, with the student's own pair: <im2col(x), y> = <x, col2im(y)>.
        left = float(np.sum(np.asarray(cols, np.float64) * y))
        right = float(np.sum(x * np.asarray(dx, np.float64)))
        error = abs(left - right) / max(1e-12, abs(left) + abs(right))
        correct, accepted = TOLERANCES["float64"]
        case.record("adjoint identity", error <= accepted,
                    f"<im2col(x), y> = {left:.10g} and <x, col2im(y)> = {right:.10g}: relative difference "
                    f"{error:.1e} (a correct pair: < {correct:.0e})", error)
        # col2im(y) is the gradient of sum(im2col(x) * y): central differences of the student's im2col.
        fd_x = x.copy()
        case.gradcheck("dx", lambda: float(np.sum(np.asarray(case.call("im2col", fd_x, kh, kw, stride, padding),
                                                             np.float64) * y)),
                       fd_x, dx, expected_dx, seed)
    if case.failed:
        localise(case, ("cols",), ("dx",), forward_name="im2col", backward_name="col2im")


def cases():
    return [Case(f"x{shape}, kernel {kh}x{kw}: {text}",
                 partial(_grade, x_shape=shape, kh=kh, kw=kw, stride=stride, padding=padding, dtype=dtype,
                         seed=index))
            for index, (shape, kh, kw, stride, padding, dtype, text) in enumerate(GEOMETRIES)]


EXERCISES = [
    Exercise(
        name="im2col", title="im2col and col2im", functions=FUNCTIONS,
        reference=lambda: (F.im2col, F.col2im), cases=cases,
        checked="for 5 geometries (overlapping windows, stride 2, padding, a non-square kernel, batch 1, float32): "
                "the shape, dtype and values of cols and of col2im's dx against the library's; the inputs are left "
                "unchanged; the adjoint identity <im2col(x), y> = <x, col2im(y)> and col2im(y) against central "
                "differences of sum(im2col(x) * y) (float64).",
        notebook="01_im2col.ipynb", template=TEMPLATE),
]
