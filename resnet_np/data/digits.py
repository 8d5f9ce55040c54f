"""The handwritten digits that ship with scikit-learn: 1,797 real 8x8 grayscale images of 0..9, offline.

Pixel values 0..16 are scaled to [0, 1]. The train/test split is stratified (every digit keeps the same
share in both parts) and fixed: it depends only on `split_seed` (default 0), never on the global random state
or the training seed, so all runs are evaluated on the same 360 test images.
"""

import numpy as np

from ..validation import float_dtype, number
from .dataset import Dataset
from .transforms import resize_images


def stratified_split_indices(labels, test_fraction=0.2, seed=0):
    """Split sample indices class by class -> (train_index, test_index), both sorted int64 arrays.

    The test part gets ceil(test_fraction * N) samples (as in sklearn's train_test_split), shared among the
    classes in proportion to their sizes (largest remainders get the leftover places); within each class the
    test samples are chosen at random. Randomness: np.random.default_rng(seed) only.
    """
    labels = np.asarray(labels)
    number("stratified_split_indices", "test_fraction", test_fraction, above=0, below=1)
    classes, counts = np.unique(labels, return_counts=True)
    n_test_total = int(np.ceil(test_fraction * len(labels)))
    quotas = test_fraction * counts
    n_test = np.floor(quotas).astype(np.int64)
    leftover = n_test_total - n_test.sum()
    n_test[np.argsort(-(quotas - n_test), kind="stable")[:leftover]] += 1
    rng = np.random.default_rng(seed)
    train_parts, test_parts = [], []
    for k, n_test_k in zip(classes, n_test, strict=True):
        members = rng.permutation(np.flatnonzero(labels == k))
        test_parts.append(members[:n_test_k])
        train_parts.append(members[n_test_k:])
    return np.sort(np.concatenate(train_parts)), np.sort(np.concatenate(test_parts))


def load_digits(image_size=None, test_fraction=0.2, split_seed=0, dtype=np.float32, resize_mode="bilinear"):
    """Digits as a Dataset: x (N, 1, H, W) in [0, 1] of `dtype`, y (N,) int64; 1437 train / 360 test.

    image_size: None keeps 8x8; 16 or 32 (any size) upscales with resize_images(mode=resize_mode),
        "bilinear" (smooth, default) or "nearest" (blocky copies of the 8x8 pixels).
    """
    from sklearn.datasets import load_digits as sklearn_load_digits  # late: scikit-learn takes seconds to import

    dtype = float_dtype("load_digits", "dtype", dtype)
    bunch = sklearn_load_digits()
    images = (bunch.images.astype(np.float64) / 16.0)[:, None, :, :]
    labels = bunch.target.astype(np.int64)
    if image_size is not None and image_size != images.shape[-1]:
        images = resize_images(images, image_size, mode=resize_mode)
    train_index, test_index = stratified_split_indices(labels, test_fraction, split_seed)
    images = images.astype(dtype)
    return Dataset(
        name="digits",
        x_train=images[train_index],
        y_train=labels[train_index],
        x_test=images[test_index],
        y_test=labels[test_index],
        num_classes=10,
        in_channels=1,
        class_names=tuple(str(k) for k in range(10)),
    )
