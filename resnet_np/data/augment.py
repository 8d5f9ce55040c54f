"""Data augmentation of the paper (He et al. 2015, Sec. 4.2): pad 4 pixels, random crop, random flip.

Every function works on a whole batch x of shape (N, C, H, W) at once (no per-pixel Python loops) and keeps
its dtype. The random versions take an np.random.Generator, so a DataLoader can make them reproducible.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..validation import positive_int


def crop_at(x, pad, top, left):
    """Zero-pad every image by `pad` pixels on each side, then cut out a window of the original size.

    x: (N, C, H, W). top, left: (N,) integers in 0..2*pad, the window's corner in the padded image.
    Returns (N, C, H, W); top = left = pad gives back x itself, top = pad + 1 shifts the content up by one.
    """
    n, _, h, w = x.shape
    top = np.broadcast_to(np.asarray(top, dtype=np.int64), (n,))
    left = np.broadcast_to(np.asarray(left, dtype=np.int64), (n,))
    if np.any(top < 0) or np.any(top > 2 * pad) or np.any(left < 0) or np.any(left > 2 * pad):
        raise ValueError(f"crop_at: offsets must lie in 0..{2 * pad} for pad={pad}")
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    # windows[i, c, a, b] is the (H, W) window with corner (a, b); pick one window per image.
    windows = sliding_window_view(padded, (h, w), axis=(2, 3))
    return np.ascontiguousarray(windows[np.arange(n), :, top, left])


def random_crop(x, pad, rng):
    """crop_at with corners drawn uniformly from 0..2*pad for every image independently."""
    n = x.shape[0]
    top = rng.integers(0, 2 * pad + 1, size=n)
    left = rng.integers(0, 2 * pad + 1, size=n)
    return crop_at(x, pad, top, left)


def horizontal_flip(x, mask):
    """Mirror left-right the images i with mask[i] True. x: (N, C, H, W); mask: (N,) bool. Returns a copy."""
    out = x.copy()
    out[mask] = x[mask][:, :, :, ::-1]
    return out


def random_horizontal_flip(x, rng, probability=0.5):
    """horizontal_flip of each image independently with the given probability."""
    return horizontal_flip(x, rng.random(x.shape[0]) < probability)


class RandomCropFlip:
    """Callable augmentation for DataLoader: augment(x_batch, rng) -> x_batch of the same shape and dtype.

    pad: pixels of zero padding before the random crop (paper: 4 on 32x32 CIFAR); 0 disables the crop.
    flip: random horizontal flip with probability 1/2 (paper: yes; for digits use flip=False, digits are
        not mirror-symmetric, which gives the crop-only augmentation).
    The zeros are added to the images as they are fed to the network: after per-channel normalisation zero
    is the mean colour, as with the paper's mean-subtracted inputs.
    """

    def __init__(self, pad=4, flip=True):
        self.pad = positive_int("RandomCropFlip", "pad", pad, minimum=0)
        self.flip = bool(flip)

    def __call__(self, x, rng):
        if self.pad > 0:
            x = random_crop(x, self.pad, rng)
        if self.flip:
            x = random_horizontal_flip(x, rng)
        return x

    def __repr__(self):
        return f"RandomCropFlip(pad={self.pad}, flip={self.flip})"
