"""Deterministic image transforms: resizing and per-channel normalisation.

All functions take a batch x of shape (N, C, H, W) and keep its floating dtype (float32 in -> float32 out).
"""

import numpy as np

from ..validation import choice, pair, require_float, require_ndim

RESIZE_MODES = ("bilinear", "nearest")


def _check_batch(owner, x):
    """x as a floating-point array of shape (N, C, H, W), or a ValueError naming owner."""
    x = require_ndim(owner, "x", x, 4, "(N, C, H, W)")
    require_float(owner, "x", x)
    return x


def _linear_interpolation_matrix(in_size, out_size, dtype):
    """Matrix R of shape (out_size, in_size) such that R @ v resizes a signal v linearly.

    Pixel centres are aligned (PyTorch align_corners=False): output pixel i samples the input at
    s = (i + 0.5) * in_size / out_size - 0.5, clamped to [0, in_size - 1], mixing pixels floor(s) and
    floor(s) + 1 with weights 1 - t and t where t = s - floor(s).
    """
    source = (np.arange(out_size) + 0.5) * (in_size / out_size) - 0.5
    source = np.clip(source, 0, in_size - 1)
    left = np.floor(source).astype(np.int64)
    right = np.minimum(left + 1, in_size - 1)
    t = source - left
    matrix = np.zeros((out_size, in_size), dtype=np.float64)
    rows = np.arange(out_size)
    np.add.at(matrix, (rows, left), 1 - t)
    np.add.at(matrix, (rows, right), t)
    return matrix.astype(dtype)


def resize_images(x, size, mode="bilinear"):
    """Resize a batch (N, C, H, W) -> (N, C, size, size) (size may also be a pair (height, width)).

    mode="bilinear": linear interpolation along rows, then along columns, with aligned pixel centres; this
        matches torch.nn.functional.interpolate(mode="bilinear", align_corners=False) and gives smooth
        upscaled digits. Each direction is one small matrix product, so it is pure NumPy and exact.
    mode="nearest": output pixel i copies input pixel floor(i * H / size) (PyTorch "nearest"); an integer
        upscaling factor k repeats every pixel k times.
    No antialiasing is applied when shrinking.
    """
    x = _check_batch("resize_images", x)
    out_h, out_w = pair("resize_images", "size", size)
    choice("resize_images", "mode", mode, RESIZE_MODES)
    in_h, in_w = x.shape[2:]
    if mode == "bilinear":
        rows = _linear_interpolation_matrix(in_h, out_h, x.dtype)
        cols = _linear_interpolation_matrix(in_w, out_w, x.dtype)
        return np.ascontiguousarray(rows @ x @ cols.T)
    # mode == "nearest"
    row_index = np.floor(np.arange(out_h) * (in_h / out_h)).astype(np.int64)
    col_index = np.floor(np.arange(out_w) * (in_w / out_w)).astype(np.int64)
    return np.ascontiguousarray(x[:, :, row_index[:, None], col_index[None, :]])


def compute_mean_std(x):
    """Per-channel mean and standard deviation of a batch (N, C, H, W) -> (mean (C,), std (C,)).

    Computed in float64 over all images and pixels. Compute them on the training split only and apply them
    to every split, so that no information from the test set leaks into training.
    """
    x = _check_batch("compute_mean_std", x)
    mean = x.mean(axis=(0, 2, 3), dtype=np.float64)
    std = x.std(axis=(0, 2, 3), dtype=np.float64)
    return mean, std


class Normalize:
    """x -> (x - mean[c]) / std[c] for every channel c, keeping the dtype of x.

    mean, std: sequences of length C (usually from compute_mean_std on the training split). A channel whose
    std is 0 (constant channel) is only shifted, not divided.
    """

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        self.std = np.asarray(std, dtype=np.float64).reshape(-1)
        if self.mean.shape != self.std.shape:
            raise ValueError(f"Normalize: mean {self.mean.shape} and std {self.std.shape} differ in length")
        if np.any(self.std < 0) or not np.all(np.isfinite(self.std)):
            raise ValueError(f"Normalize: std must be finite and >= 0, got {self.std}")

    @classmethod
    def fit(cls, x_train):
        """Normalize with the per-channel statistics of x_train (N, C, H, W)."""
        return cls(*compute_mean_std(x_train))

    def __call__(self, x):
        x = _check_batch("Normalize", x)
        if x.shape[1] != self.mean.shape[0]:
            raise ValueError(
                f"Normalize: x has {x.shape[1]} channels (shape {x.shape}), statistics have {self.mean.shape[0]}"
            )
        std = np.where(self.std > 0, self.std, 1.0)
        mean = self.mean.astype(x.dtype).reshape(1, -1, 1, 1)
        scale = (1.0 / std).astype(x.dtype).reshape(1, -1, 1, 1)
        return (x - mean) * scale

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"
