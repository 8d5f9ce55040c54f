"""load_dataset: one entry point for every dataset by name ("digits", "cifar10", "synthetic")."""

import numpy as np

from resnet_np.data.cifar10 import load_cifar10
from resnet_np.data.dataset import check_float_dtype
from resnet_np.data.digits import load_digits
from resnet_np.data.synthetic import make_synthetic
from resnet_np.data.transforms import Normalize, resize_images
from resnet_np.errors import UserError

DATASET_NAMES = ("digits", "cifar10", "synthetic")

# Extra keyword arguments each dataset accepts through load_dataset(**kw).
_OPTIONS = {
    "digits": ("test_fraction", "split_seed", "resize_mode"),
    "cifar10": ("download", "md5", "resize_mode"),
    "synthetic": ("n_train", "n_test", "num_classes", "channels", "difficulty"),
}


def list_datasets():
    """Names accepted by load_dataset."""
    return list(DATASET_NAMES)


def load_dataset(name, data_dir=None, image_size=None, dtype=np.float32, seed=0, normalize=True, **kw):
    """Load a dataset by name -> Dataset (x (N, C, H, W) of `dtype`, y (N,) int64).

    name: "digits" (offline, sklearn's 8x8 digits), "cifar10" (from data_dir, see resnet_np.data.cifar10) or
        "synthetic" (generated, see resnet_np.data.synthetic).
    image_size: resize to image_size x image_size (digits: default 8; cifar10: default 32; synthetic: 16).
    seed: seeds the synthetic data only. The digits split is fixed by split_seed (default 0), so the
        training seed never changes the test set.
    normalize: subtract the per-channel mean and divide by the per-channel std of the training split, from
        both splits (stored in dataset.mean, dataset.std). Otherwise pixels are in [0, 1] (digits, cifar10).
    kw: digits: test_fraction=0.2, split_seed=0, resize_mode="bilinear";
        cifar10: download=False, md5=CIFAR10_MD5 (None skips the check), resize_mode="bilinear";
        synthetic: n_train, n_test, num_classes, channels, difficulty.
    """
    if name not in DATASET_NAMES:
        raise UserError(f"unknown dataset {name!r}: valid names are {', '.join(DATASET_NAMES)}")
    unknown = sorted(set(kw) - set(_OPTIONS[name]))
    if unknown:
        raise TypeError(
            f"load_dataset({name!r}): unexpected option(s) {', '.join(unknown)}; valid: {', '.join(_OPTIONS[name])}"
        )
    dtype = check_float_dtype(dtype, "load_dataset")
    resize_mode = kw.pop("resize_mode", "bilinear")
    if name == "digits":
        dataset = load_digits(image_size=image_size, dtype=dtype, resize_mode=resize_mode, **kw)
    elif name == "cifar10":
        dataset = load_cifar10(data_dir=data_dir, dtype=dtype, **kw)
        if image_size is not None and image_size != 32:
            dataset.x_train = resize_images(dataset.x_train, image_size, mode=resize_mode)
            dataset.x_test = resize_images(dataset.x_test, image_size, mode=resize_mode)
    else:
        size = 16 if image_size is None else image_size
        dataset = make_synthetic(image_size=size, seed=seed, dtype=dtype, **kw)
    if normalize:
        normalizer = Normalize.fit(dataset.x_train)
        dataset.x_train = normalizer(dataset.x_train)
        dataset.x_test = normalizer(dataset.x_test)
        dataset.mean, dataset.std = normalizer.mean, normalizer.std
    return dataset
