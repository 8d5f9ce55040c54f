"""Dataset: the small named structure every loader in resnet_np.data returns."""

from dataclasses import dataclass

import numpy as np


@dataclass
class Dataset:
    """A train/test split of images ready for a ResNet.

    x_train: (N_train, C, H, W) floating point; y_train: (N_train,) int64 class indices in 0..num_classes-1.
    x_test:  (N_test, C, H, W), same dtype as x_train; y_test: (N_test,) int64.
    mean, std: per-channel (C,) float64 statistics of the training split that were used to normalise both
        splits (x = (x_raw - mean) / std), or None when the images are not normalised.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    in_channels: int
    class_names: tuple
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    @property
    def image_size(self):
        """(H, W) of every image."""
        return tuple(self.x_train.shape[2:])

    def __repr__(self):
        return (
            f"Dataset(name={self.name!r}, train={self.x_train.shape}, test={self.x_test.shape}, "
            f"dtype={self.x_train.dtype}, num_classes={self.num_classes})"
        )
