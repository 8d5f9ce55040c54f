"""TrainConfig: every setting of a training run, stored in its checkpoints so a run can be rebuilt and resumed.

A config is plain data (str, int, float, bool, None, small dicts), so it travels as JSON inside a checkpoint's
"__meta__" record. Settings left at None are filled in per dataset by resolved():
    digits:    the native 8x8 images (resnet20's three stages then work at 8x8, 4x4 and 2x2 pixels; upscaling
               to 16x16 measured no better and three times slower), random crop with 1 pixel of padding,
               no flip (digits are not mirror-symmetric)
    cifar10:   32x32, random crop with 4 pixels of padding and horizontal flip (the paper's augmentation)
    synthetic: 16x16, no augmentation (the generator already shifts and adds noise)
"""

import dataclasses
import json
import math
from dataclasses import dataclass, field

from resnet_np.data import DATASET_NAMES
from resnet_np.errors import UserError
from resnet_np.optim import SCHEDULE_NAMES

OPTIMIZER_NAMES = ("sgd", "adam")
DTYPE_NAMES = ("float32", "float64")

# Per-dataset defaults for the settings a TrainConfig leaves at None.
DATASET_DEFAULTS = {
    "digits": {"image_size": 8, "crop_padding": 1, "flip": False},
    "cifar10": {"image_size": 32, "crop_padding": 4, "flip": True},
    "synthetic": {"image_size": 16, "crop_padding": 0, "flip": False},
}


@dataclass
class TrainConfig:
    """Settings of one training run (defaults: resnet20 on the built-in digits, >= 97% test accuracy).

    Weight decay applies to conv and linear weights only: BatchNorm's gamma/beta and biases are exempt
    (optim.param_groups_without_decay), as decaying a BN scale only fights the normalisation it follows.
    model_options: extra keyword arguments for models.get_model (e.g. {"depth": 8} for small models).
    dataset_options: extra keyword arguments for data.load_dataset (e.g. {"n_train": 200} for synthetic).
    train_samples / test_samples: use only that many images of each split (a fixed random subset), or None.
    """

    model: str = "resnet20"
    dataset: str = "digits"
    data_dir: str | None = None
    download: bool = False
    image_size: int | None = None
    epochs: int = 15
    batch_size: int = 64
    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 1e-4
    schedule: str = "cosine"
    warmup_epochs: int = 0
    augment: bool = True
    crop_padding: int | None = None
    flip: bool | None = None
    seed: int = 0
    dtype: str = "float32"
    train_samples: int | None = None
    test_samples: int | None = None
    eval_batch_size: int = 500
    model_options: dict = field(default_factory=dict)
    dataset_options: dict = field(default_factory=dict)

    def resolved(self):
        """A validated copy with the per-dataset defaults filled in for settings left at None."""
        self.validate()
        defaults = DATASET_DEFAULTS[self.dataset]
        changes = {key: value for key, value in defaults.items() if getattr(self, key) is None}
        return dataclasses.replace(self, **changes)

    def validate(self):
        """Raise UserError (one line naming the setting) for any value out of range."""
        from resnet_np.models import GENERAL_CONSTRUCTORS, list_models  # late: the models import the whole nn package

        _choice("model", self.model, list(list_models()) + list(GENERAL_CONSTRUCTORS))
        _choice("dataset", self.dataset, DATASET_NAMES)
        _choice("optimizer", self.optimizer, OPTIMIZER_NAMES)
        _choice("schedule", self.schedule, SCHEDULE_NAMES)
        _choice("dtype", self.dtype, DTYPE_NAMES)
        for name, minimum in [("epochs", 1), ("batch_size", 1), ("warmup_epochs", 0), ("seed", 0),
                              ("eval_batch_size", 1)]:
            _integer(name, getattr(self, name), minimum)
        for name, minimum in [("image_size", 4), ("crop_padding", 0), ("train_samples", 1), ("test_samples", 1)]:
            if getattr(self, name) is not None:
                _integer(name, getattr(self, name), minimum)
        for name in ("lr", "momentum", "weight_decay"):
            _number(name, getattr(self, name))
        if self.lr == 0:
            raise UserError("lr must be > 0, got 0")
        for name in ("download", "augment"):
            if not isinstance(getattr(self, name), bool):
                raise UserError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if self.flip is not None and not isinstance(self.flip, bool):
            raise UserError(f"flip must be true, false or None, got {self.flip!r}")
        for name in ("model_options", "dataset_options"):
            options = getattr(self, name)
            if not isinstance(options, dict) or not all(isinstance(key, str) for key in options):
                raise UserError(f"{name} must be a dict with string keys, got {options!r}")
        reserved = {"num_classes", "in_channels", "dtype", "seed"} & set(self.model_options)
        if reserved:
            raise UserError(f"model_options cannot set {sorted(reserved)}: they come from the dataset and the run")
        if self.data_dir is not None and not isinstance(self.data_dir, str):
            raise UserError(f"data_dir must be a path string or None, got {self.data_dir!r}")
        return self

    def to_dict(self):
        """Plain JSON-ready dict of every setting."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    @classmethod
    def from_dict(cls, values, where="config"):
        """Rebuild a config saved with to_dict(); unknown keys raise UserError naming `where`."""
        if not isinstance(values, dict):
            raise UserError(f"{where}: expected a dict of training settings, got {type(values).__name__}")
        known = {item.name for item in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UserError(f"{where}: unknown training setting(s) {', '.join(unknown)}")
        return cls(**values)

    def describe(self):
        """One line with the settings that matter for the results, e.g. for the results file."""
        augment = "off"
        if self.augment and (self.crop_padding or self.flip):
            parts = ([f"crop pad {self.crop_padding}"] if self.crop_padding else []) + (["flip"] if self.flip else [])
            augment = " + ".join(parts)
        size = f"{self.image_size}x{self.image_size}" if self.image_size else "native size"
        plural = "" if self.epochs == 1 else "s"
        optimizer = (f"SGD momentum {self.momentum:g}" if self.optimizer == "sgd" else "Adam")
        return (f"{self.model} on {self.dataset} ({size}, {self.dtype}), {self.epochs} epoch{plural}, "
                f"batch {self.batch_size}, {optimizer}, lr {self.lr:g} ({self.schedule}"
                + (f", {self.warmup_epochs} warm-up epochs" if self.warmup_epochs else "")
                + f"), weight decay {self.weight_decay:g}, augmentation {augment}, seed {self.seed}")


def _choice(name, value, choices):
    if value not in choices:
        raise UserError(f"unknown {name} {value!r}: choose one of {', '.join(map(str, choices))}")


def _integer(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UserError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _number(name, value):
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value) or value < 0:
        raise UserError(f"{name} must be a finite number >= 0, got {value!r}")
