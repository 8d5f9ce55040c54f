"""Datasets and batching for resnet_np.

    load_dataset(name, ...)          -> Dataset(x_train, y_train, x_test, y_test, num_classes, ...)
    DataLoader(x, y, batch_size, ...) iterates (x_batch, y_batch), reproducibly for a seed
    RandomCropFlip(pad=4, flip=True)  the paper's augmentation, pass it as DataLoader(augment=...)
    compute_mean_std / Normalize      per-channel normalisation with training statistics

Images are always arrays of shape (N, C, H, W); labels are int64 arrays of shape (N,).
"""

from .archive import download_file, file_md5, safe_extract_tar, verify_md5
from .augment import (
    RandomCropFlip,
    crop_at,
    horizontal_flip,
    random_crop,
    random_horizontal_flip,
)
from .cifar10 import (
    CIFAR10_MD5,
    CIFAR10_URL,
    extract_archive,
    find_cifar10_folder,
    load_cifar10,
    read_batch,
    read_label_names,
)
from .dataset import Dataset
from .digits import load_digits, stratified_split_indices
from .loader import DataLoader
from .registry import DATASET_DEFAULTS, DATASET_NAMES, list_datasets, load_dataset
from .safe_unpickle import ForbiddenGlobalError, RestrictedUnpickler, restricted_loads
from .synthetic import make_synthetic
from .transforms import Normalize, compute_mean_std, resize_images

__all__ = [
    "CIFAR10_MD5",
    "CIFAR10_URL",
    "DATASET_DEFAULTS",
    "DATASET_NAMES",
    "DataLoader",
    "Dataset",
    "ForbiddenGlobalError",
    "Normalize",
    "RandomCropFlip",
    "RestrictedUnpickler",
    "compute_mean_std",
    "crop_at",
    "download_file",
    "extract_archive",
    "file_md5",
    "find_cifar10_folder",
    "horizontal_flip",
    "list_datasets",
    "load_cifar10",
    "load_dataset",
    "load_digits",
    "make_synthetic",
    "random_crop",
    "random_horizontal_flip",
    "read_batch",
    "read_label_names",
    "resize_images",
    "restricted_loads",
    "safe_extract_tar",
    "stratified_split_indices",
    "verify_md5",
]
