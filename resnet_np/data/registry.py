"""load_dataset: one entry point for every dataset by name ("digits", "cifar10", "synthetic").

DATASET_NAMES and DATASET_DEFAULTS (image size and training augmentation per dataset) are written here only;
training.TrainConfig and the command line take them from here.
"""

import numpy as np

from ..errors import UserError
from ..validation import choice, float_dtype
from .cifar10 import load_cifar10
from .digits import load_digits
from .synthetic import make_synthetic
from .transforms import Normalize, resize_images

# What each dataset is used with unless told otherwise: image_size (height = width), and the training augmentation
# (RandomCropFlip): a random crop after crop_padding pixels of zero padding, and with flip a random mirror image.
DATASET_DEFAULTS = {
    # the native 8x8: resnet20's three stages then work at 8x8, 4x4 and 2x2 pixels (upscaling to 16x16 measured
    # no better and three times slower); no flip, as digits are not mirror-symmetric
    "digits": {"image_size": 8, "crop_padding": 1, "flip": False},
    # the paper's augmentation (He et al. 2015, Sec. 4.2)
    "cifar10": {"image_size": 32, "crop_padding": 4, "flip": True},
    # no augmentation: the generator already shifts the images and adds noise
    "synthetic": {"image_size": 16, "crop_padding": 0, "flip": False},
}
DATASET_NAMES = tuple(DATASET_DEFAULTS)
DATASETS_READ_FROM_FILES = ("cifar10",)  # the others are built in (digits ships with scikit-learn) or generated

# Extra keyword arguments each dataset accepts through load_dataset(**kw).
_OPTIONS = {
    "digits": ("test_fraction", "split_seed", "resize_mode"),
    "cifar10": ("download", "md5", "resize_mode"),
    "synthetic": ("n_train", "n_test", "num_classes", "channels", "difficulty"),
}


def check_data_source(name, data_dir=None, download=False):
    """UserError when a folder or a download is asked for a dataset that reads no files (digits, synthetic)."""
    if name in DATASETS_READ_FROM_FILES:
        return
    asked = [what for what, given in (("a data folder (--data-dir)", data_dir is not None),
                                      ("a download (--download)", bool(download))) if given]
    if asked:
        how = "ships with scikit-learn" if name == "digits" else "is generated in memory"
        raise UserError(f"{' and '.join(asked)} does not apply to the {name} dataset: it {how}; only "
                        f"{', '.join(DATASETS_READ_FROM_FILES)} is read from files")


def list_datasets():
    """Names accepted by load_dataset."""
    return list(DATASET_NAMES)


def load_dataset(name, data_dir=None, image_size=None, dtype=np.float32, seed=0, normalize=True, **kw):
    """Load a dataset by name -> Dataset (x (N, C, H, W) of `dtype`, y (N,) int64).

    name: "digits" (offline, sklearn's 8x8 digits), "cifar10" (from data_dir, see resnet_np.data.cifar10) or
        "synthetic" (generated, see resnet_np.data.synthetic).
    image_size: resize to image_size x image_size; None: DATASET_DEFAULTS[name]["image_size"] (the native size
        of digits and cifar10).
    seed: seeds the synthetic data only. The digits split is fixed by split_seed (default 0), so the
        training seed never changes the test set.
    normalize: subtract the per-channel mean and divide by the per-channel std of the training split, from
        both splits (stored in dataset.mean, dataset.std). Otherwise pixels are in [0, 1] (digits, cifar10).
    kw: digits: test_fraction=0.2, split_seed=0, resize_mode="bilinear";
        cifar10: download=False, md5=CIFAR10_MD5 (None skips the check), resize_mode="bilinear";
        synthetic: n_train, n_test, num_classes, channels, difficulty.
    """
    choice("load_dataset", "dataset", name, DATASET_NAMES, error=UserError)
    check_data_source(name, data_dir)
    unknown = sorted(set(kw) - set(_OPTIONS[name]))
    if unknown:
        raise TypeError(
            f"load_dataset({name!r}): unexpected option(s) {', '.join(unknown)}; valid: {', '.join(_OPTIONS[name])}"
        )
    dtype = float_dtype("load_dataset", "dtype", dtype)
    if image_size is None:
        image_size = DATASET_DEFAULTS[name]["image_size"]
    resize_mode = kw.pop("resize_mode", "bilinear")
    if name == "digits":
        dataset = load_digits(image_size=image_size, dtype=dtype, resize_mode=resize_mode, **kw)
    elif name == "cifar10":
        dataset = load_cifar10(data_dir=data_dir, dtype=dtype, **kw)
        if (image_size, image_size) != dataset.image_size:
            dataset.x_train = resize_images(dataset.x_train, image_size, mode=resize_mode)
            dataset.x_test = resize_images(dataset.x_test, image_size, mode=resize_mode)
    else:
        dataset = make_synthetic(image_size=image_size, seed=seed, dtype=dtype, **kw)
    if normalize:
        normalizer = Normalize.fit(dataset.x_train)
        dataset.x_train = normalizer(dataset.x_train)
        dataset.x_test = normalizer(dataset.x_test)
        dataset.mean, dataset.std = normalizer.mean, normalizer.std
    return dataset
