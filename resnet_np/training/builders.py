"""Turn a TrainConfig into the pieces of a run: dataset, model, optimiser, schedule and data loader.

Each builder depends only on the config, so building twice from the same config gives identical objects:
that is what lets a checkpoint (which stores the config) rebuild and resume its run exactly.
"""

import numpy as np

from ..data import DataLoader, RandomCropFlip, load_dataset
from ..errors import UserError
from ..models import get_model
from ..optim import SGD, Adam, make_schedule, param_groups_without_decay

SUBSET_SEED = 0  # the train/test subsets never depend on the training seed


def build_dataset(config):
    """Load the config's dataset (normalised with training statistics), optionally cut to a fixed subset."""
    try:
        dataset = load_dataset(config.dataset, data_dir=config.data_dir, image_size=config.image_size,
                               dtype=np.dtype(config.dtype), seed=config.seed, **_download(config),
                               **config.dataset_options)
    except (TypeError, ValueError) as error:
        raise UserError(f"cannot load dataset {config.dataset!r}: {error}") from None
    for split in ("train", "test"):
        count = getattr(config, f"{split}_samples")
        images, labels = getattr(dataset, f"x_{split}"), getattr(dataset, f"y_{split}")
        if count is not None and count > len(labels):
            noun = "training" if split == "train" else "test"
            raise UserError(f"{split}_samples={count} is more than the {len(labels)} {noun} images of "
                            f"{config.dataset}; give at most {len(labels)}, or leave it out for all of them")
        if count is not None:
            images, labels = _subset(images, labels, count)
            setattr(dataset, f"x_{split}", images)
            setattr(dataset, f"y_{split}", labels)
    return dataset


def _download(config):
    return {"download": True} if config.dataset == "cifar10" and config.download else {}


def _subset(x, y, count):
    """The first `count` images of a fixed random permutation (in their original order), or all of them."""
    if count == len(y):
        return x, y
    index = np.sort(np.random.default_rng(SUBSET_SEED).permutation(len(y))[:count])
    return x[index], y[index]


def build_model(config, dataset):
    """models.get_model(config.model, ...) sized for the dataset, initialised from config.seed."""
    try:
        return get_model(config.model, num_classes=dataset.num_classes, in_channels=dataset.in_channels,
                         dtype=config.dtype, seed=config.seed, **config.model_options)
    except (TypeError, ValueError) as error:
        raise UserError(f"cannot build model {config.model!r} with options {config.model_options}: {error}") from None


def build_optimizer(config, model):
    """SGD (default) or Adam; weight decay on conv/linear weights only, BatchNorm parameters and biases exempt."""
    groups = param_groups_without_decay(model.named_parameters(), config.weight_decay)
    if config.optimizer == "adam":
        return Adam(groups, lr=config.lr)
    return SGD(groups, lr=config.lr, momentum=config.momentum)


def build_schedule(config, optimizer):
    """The config's lr schedule (stepped once per epoch) over config.epochs epochs."""
    return make_schedule(optimizer, config.schedule, config.epochs, warmup_epochs=config.warmup_epochs)


def build_augmentation(config):
    """RandomCropFlip for the config, or None when augmentation is off or would do nothing."""
    if not config.augment or not (config.crop_padding or config.flip):
        return None
    return RandomCropFlip(pad=config.crop_padding or 0, flip=bool(config.flip))


def build_train_loader(config, dataset):
    """Shuffled, augmented batches of the training split; epoch e's order and augmentation depend on (seed, e)."""
    return DataLoader(dataset.x_train, dataset.y_train, config.batch_size, shuffle=True, seed=config.seed,
                      augment=build_augmentation(config))


def dataset_record(config, dataset):
    """What a checkpoint records about its data, so `evaluate` can rebuild the same test set."""
    return {
        "name": dataset.name,
        "data_dir": config.data_dir,
        "image_size": list(dataset.image_size),
        "num_classes": int(dataset.num_classes),
        "in_channels": int(dataset.in_channels),
        "train_samples": int(len(dataset.y_train)),
        "test_samples": int(len(dataset.y_test)),
        "mean": None if dataset.mean is None else [float(value) for value in dataset.mean],
        "std": None if dataset.std is None else [float(value) for value in dataset.std],
    }
