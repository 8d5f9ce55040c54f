"""TrainConfig: every setting of a training run, stored in its checkpoints so a run can be rebuilt and resumed.

A config is plain data (str, int, float, bool, None, small dicts), so it travels as JSON inside a checkpoint's
"__meta__" record. Settings left at None (image_size, crop_padding, flip) are filled in per dataset by resolved(),
from resnet_np.data.DATASET_DEFAULTS (see resnet_np/data/registry.py for why each dataset gets what).
"""

import dataclasses
import json
from dataclasses import dataclass, field

from ..data import DATASET_DEFAULTS, DATASET_NAMES
from ..data.registry import check_data_source
from ..errors import UserError
from ..models import GENERAL_CONSTRUCTORS, list_models
from ..optim import SCHEDULE_NAMES
from ..validation import choice, number, positive_int

OPTIMIZER_NAMES = ("sgd", "adam")
DTYPE_NAMES = ("float32", "float64")


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
        config = self.validate()
        defaults = DATASET_DEFAULTS[config.dataset]
        changes = {key: value for key, value in defaults.items() if getattr(config, key) is None}
        return dataclasses.replace(config, **changes)

    def validate(self):
        """A checked copy, numbers as plain int and float (ready for JSON); UserError naming a setting out of range."""
        owner = "TrainConfig"
        choice(owner, "model", self.model, list(list_models()) + list(GENERAL_CONSTRUCTORS), error=UserError)
        choice(owner, "dataset", self.dataset, DATASET_NAMES, error=UserError)
        choice(owner, "optimizer", self.optimizer, OPTIMIZER_NAMES, error=UserError)
        choice(owner, "schedule", self.schedule, SCHEDULE_NAMES, error=UserError)
        choice(owner, "dtype", self.dtype, DTYPE_NAMES, error=UserError)
        checked = {}
        for name, minimum in [("epochs", 1), ("batch_size", 1), ("warmup_epochs", 0), ("seed", 0),
                              ("eval_batch_size", 1)]:
            checked[name] = positive_int(owner, name, getattr(self, name), minimum, error=UserError)
        for name, minimum in [("image_size", 4), ("crop_padding", 0), ("train_samples", 1), ("test_samples", 1)]:
            if getattr(self, name) is not None:
                checked[name] = positive_int(owner, name, getattr(self, name), minimum, error=UserError)
        checked["lr"] = number(owner, "lr", self.lr, above=0, error=UserError)
        checked["momentum"] = number(owner, "momentum", self.momentum, minimum=0, below=1, error=UserError)
        checked["weight_decay"] = number(owner, "weight_decay", self.weight_decay, minimum=0, error=UserError)
        if checked["warmup_epochs"] >= checked["epochs"]:
            raise UserError(f"{owner}: warmup_epochs ({checked['warmup_epochs']}) must be fewer than the epochs of "
                            f"the run ({checked['epochs']}): the warm-up would never reach the full lr")
        for name in ("download", "augment"):
            if not isinstance(getattr(self, name), bool):
                raise UserError(f"{owner}: {name} must be true or false, got {getattr(self, name)!r}")
        if self.flip is not None and not isinstance(self.flip, bool):
            raise UserError(f"{owner}: flip must be true, false or None, got {self.flip!r}")
        for name in ("model_options", "dataset_options"):
            options = getattr(self, name)
            if not isinstance(options, dict) or not all(isinstance(key, str) for key in options):
                raise UserError(f"{owner}: {name} must be a dict with string keys, got {options!r}")
        reserved = {"num_classes", "in_channels", "dtype", "seed"} & set(self.model_options)
        if reserved:
            raise UserError(f"{owner}: model_options cannot set {sorted(reserved)}: they come from the dataset "
                            "and the run")
        if self.data_dir is not None and not isinstance(self.data_dir, str):
            raise UserError(f"{owner}: data_dir must be a path string or None, got {self.data_dir!r}")
        check_data_source(self.dataset, self.data_dir, self.download)
        return dataclasses.replace(self, **checked)

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

