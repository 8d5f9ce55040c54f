"""Learning-rate schedules: multi-step (the paper's), cosine, and constant or linear warm-up.

Same usage as torch.optim.lr_scheduler: call step() once per epoch, after that epoch's optimizer steps.

    optimizer = SGD(param_groups_without_decay(model.named_parameters(), 1e-4), lr=0.1)
    schedule = MultiStepLR(optimizer, paper_milestones(epochs), gamma=0.1)
    for epoch in range(epochs):
        for x, y in batches: ...; optimizer.step()
        schedule.step()

Building a schedule sets the lr of epoch 0 in every optimizer.param_groups[i]["lr"]; after the k-th step()
the groups hold the lr of epoch k (schedule.last_epoch == k). Every schedule computes lr_at(epoch) in closed
form from its base lrs (the groups' lrs when it was built), so a run resumed from state_dict() continues
exactly. To schedule per iteration instead, call step() after every optimizer step and give the lengths
(milestones, total, warm-up) in iterations.

Paper (CIFAR-10, Sec. 4.2): lr 0.1, divided by 10 at 32k and 48k of 64k iterations, i.e. at 50% and 75% of
training -> MultiStepLR(optimizer, paper_milestones(epochs)). For ResNet-110 the paper warms up at lr 0.01
until the training error is below 80% (about 400 iterations), then goes back to 0.1. Here warm-up lasts a
fixed number of epochs instead: WarmupLR(optimizer, 1, start_factor=0.1, ramp="constant", after=multistep)
holds 0.1 * 0.1 = 0.01 for the first epoch (391 iterations at batch 128 on CIFAR-10, close to the paper's 400).
"""

import bisect
import math

import numpy as np

from ..validation import choice, number, positive_int
from .optimizer import Optimizer

SCHEDULE_NAMES = ("multistep", "cosine", "constant")
WARMUP_RAMPS = ("linear", "constant")


def paper_milestones(epochs):
    """Epochs at which the paper divides the lr by 10: [int(0.5 * epochs), int(0.75 * epochs)].

    (32k and 48k of 64k iterations.) For very short runs the milestones can be 0 or repeat: paper_milestones(2)
    is [1, 1], so the lr drops by 100 after the first epoch, as MultiStepLR counts a repeated milestone twice.
    """
    positive_int("paper_milestones", "epochs", epochs)
    return [int(0.5 * epochs), int(0.75 * epochs)]


class LRSchedule:
    """Base class: sets each param group's lr to lr_at(last_epoch). Subclasses define _lr(base_lr, epoch)."""

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{self._name}: expected a resnet_np.optim optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lrs = [float(group["lr"]) for group in optimizer.param_groups]
        self.last_epoch = 0
        self._apply()

    @property
    def _name(self):
        return type(self).__name__

    def _lr(self, base_lr, epoch):
        raise NotImplementedError

    def lr_at(self, epoch):
        """Learning rate of every param group at `epoch` (0-based), as a list of floats."""
        return [float(self._lr(base_lr, epoch)) for base_lr in self.base_lrs]

    def get_lr(self):
        """Learning rates of the current epoch (self.last_epoch), one per param group."""
        return self.lr_at(self.last_epoch)

    def step(self):
        """Advance one epoch and write the new lr into the optimizer's param groups."""
        self.last_epoch += 1
        self._apply()

    def _apply(self):
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr

    def _config(self):
        """Hyper-parameters as arrays; saved in state_dict and checked (not overwritten) on load."""
        return {}

    # ---- checkpointing -------------------------------------------------------------------------------------

    def state_dict(self):
        """Flat dict str -> np.ndarray: "schedule" (class name), "last_epoch", "base_lr.<g>", hyper-parameters."""
        state = {"schedule": np.array(self._name), "last_epoch": np.array(self.last_epoch, dtype=np.int64),
                 "num_groups": np.array(len(self.base_lrs), dtype=np.int64)}
        for g, base_lr in enumerate(self.base_lrs):
            state[f"base_lr.{g}"] = np.array(base_lr, dtype=np.float64)
        state.update(self._config())
        return state

    def load_state_dict(self, state_dict):
        """Restore last_epoch and base lrs and set the optimizer's lrs to those of that epoch.

        Build the same schedule (same class, milestones, totals, ...) before loading: its hyper-parameters
        are compared with the saved ones and a difference raises ValueError, as do missing or extra keys.
        """
        saved = {str(key): np.asarray(state_dict[key]) for key in state_dict}
        self._check_state(saved, f"{self._name}.load_state_dict")
        self._set_state(saved)
        self._apply()

    def _check_state(self, saved, owner):
        expected = set(self.state_dict())
        missing, unexpected = sorted(expected - set(saved)), sorted(set(saved) - expected)
        if "schedule" in saved and str(saved["schedule"]) != self._name:
            raise ValueError(f"{owner}: the state was saved by {saved['schedule']}, not {self._name}")
        if "num_groups" in saved and int(saved["num_groups"]) != len(self.base_lrs):
            raise ValueError(
                f"{owner}: expected {len(self.base_lrs)} param groups, the state has {int(saved['num_groups'])}"
            )
        if missing or unexpected:
            raise ValueError(f"{owner}: missing keys {missing}, unexpected keys {unexpected}")
        last_epoch = saved["last_epoch"]
        if last_epoch.shape != () or not np.issubdtype(last_epoch.dtype, np.integer) or last_epoch < 0:
            raise ValueError(f"{owner}: 'last_epoch' must be a 0-d integer array >= 0, got {last_epoch!r}")
        for g in range(len(self.base_lrs)):
            base_lr = saved[f"base_lr.{g}"]
            if base_lr.shape != ():
                raise ValueError(f"{owner}: 'base_lr.{g}' must be a 0-d array, got shape {base_lr.shape}")
            number(owner, f"base_lr.{g}", float(base_lr), minimum=0)
        for key, value in self._config().items():
            if not np.array_equal(saved[key], value):
                raise ValueError(
                    f"{owner}: '{key}' of the saved schedule is {saved[key].tolist()}, this schedule has "
                    f"{value.tolist()}; build the same schedule before loading"
                )

    def _set_state(self, saved):
        self.last_epoch = int(saved["last_epoch"])
        self.base_lrs = [float(saved[f"base_lr.{g}"]) for g in range(len(self.base_lrs))]


class FixedLR(LRSchedule):
    """lr = base_lr at every epoch (no decay). Unlike torch's ConstantLR, which is a warm-up factor."""

    def _lr(self, base_lr, epoch):
        return base_lr


class MultiStepLR(LRSchedule):
    """lr = base_lr * gamma^k, k = how many milestones are <= epoch (as torch.optim.lr_scheduler.MultiStepLR).

    milestones: non-decreasing epochs >= 0; a repeated milestone counts twice. Paper: paper_milestones(epochs),
    gamma 0.1.
    """

    def __init__(self, optimizer, milestones, gamma=0.1):
        milestones = list(milestones)
        for milestone in milestones:
            positive_int(self._name, "each milestone", milestone, minimum=0)
        if milestones != sorted(milestones):
            raise ValueError(f"{self._name}: milestones must be non-decreasing, got {milestones}")
        number(self._name, "gamma", gamma, minimum=0)
        self.milestones = [int(milestone) for milestone in milestones]
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def _lr(self, base_lr, epoch):
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch)

    def _config(self):
        return {"milestones": np.array(self.milestones, dtype=np.int64), "gamma": np.array(self.gamma)}


class CosineLR(LRSchedule):
    """lr = min_lr + (base_lr - min_lr) * (1 + cos(pi * epoch / total_epochs)) / 2, then min_lr after the end.

    Up to total_epochs equal to torch.optim.lr_scheduler.CosineAnnealingLR(T_max=total_epochs, eta_min=min_lr)
    (torch's cosine rises again after T_max; this one stays at min_lr).
    """

    def __init__(self, optimizer, total_epochs, min_lr=0.0):
        positive_int(self._name, "total_epochs", total_epochs)
        number(self._name, "min_lr", min_lr, minimum=0)
        self.total_epochs = int(total_epochs)
        self.min_lr = float(min_lr)
        super().__init__(optimizer)

    def _lr(self, base_lr, epoch):
        progress = min(epoch, self.total_epochs) / self.total_epochs
        return self.min_lr + (base_lr - self.min_lr) * (1 + math.cos(math.pi * progress)) / 2

    def _config(self):
        return {"total_epochs": np.array(self.total_epochs, dtype=np.int64), "min_lr": np.array(self.min_lr)}


class WarmupLR(LRSchedule):
    """Warm-up for the first warmup_epochs, then the schedule `after` (or the base lr if after is None).

    For epoch < warmup_epochs:
      ramp="linear":   lr = base_lr * (start_factor + (1 - start_factor) * epoch / warmup_epochs)
                       (rises from start_factor * base_lr towards base_lr, like torch's LinearLR)
      ramp="constant": lr = base_lr * start_factor
    For epoch >= warmup_epochs: lr = after.lr_at(epoch) -- `after` keeps counting from epoch 0, so the paper's
    milestones stay at 50% and 75% of the whole run. Build `after` on the same optimizer first, then wrap it,
    and call step() and state_dict() on the WarmupLR only.
    Paper's ResNet-110 warm-up: WarmupLR(optimizer, 1, start_factor=0.1, ramp="constant", after=MultiStepLR(...)).
    """

    def __init__(self, optimizer, warmup_epochs, start_factor=0.1, ramp="linear", after=None):
        positive_int(self._name, "warmup_epochs", warmup_epochs, minimum=0)
        number(self._name, "start_factor", start_factor, minimum=0)
        choice(self._name, "ramp", ramp, WARMUP_RAMPS)
        if after is not None and not (isinstance(after, LRSchedule) and after.optimizer is optimizer):
            raise ValueError(f"{self._name}: after must be a schedule built on the same optimizer, got {after!r}")
        self.warmup_epochs = int(warmup_epochs)
        self.start_factor = float(start_factor)
        self.ramp = ramp
        self.after = after
        super().__init__(optimizer)
        if after is not None:
            self.base_lrs = list(after.base_lrs)
            self._apply()

    def _lr(self, base_lr, epoch):
        if epoch < self.warmup_epochs:
            if self.ramp == "constant":
                return base_lr * self.start_factor
            return base_lr * (self.start_factor + (1 - self.start_factor) * epoch / self.warmup_epochs)
        return base_lr if self.after is None else self.after._lr(base_lr, epoch)

    def step(self):
        super().step()
        if self.after is not None:
            self.after.last_epoch = self.last_epoch

    def _config(self):
        return {"warmup_epochs": np.array(self.warmup_epochs, dtype=np.int64),
                "start_factor": np.array(self.start_factor), "ramp": np.array(self.ramp)}

    def state_dict(self):
        """As LRSchedule.state_dict, plus the wrapped schedule's state under "after.<key>"."""
        state = super().state_dict()
        if self.after is not None:
            state.update({f"after.{key}": value for key, value in self.after.state_dict().items()})
        return state

    def _check_state(self, saved, owner):
        super()._check_state(saved, owner)
        if self.after is not None:
            inner = {key[len("after."):]: value for key, value in saved.items() if key.startswith("after.")}
            self.after._check_state(inner, owner + " (after)")

    def _set_state(self, saved):
        super()._set_state(saved)
        if self.after is not None:
            self.after._set_state({key[len("after."):]: value for key, value in saved.items()
                                   if key.startswith("after.")})


def make_schedule(optimizer, name, epochs, gamma=0.1, min_lr=0.0, warmup_epochs=0, warmup_start_factor=0.1,
                  warmup_ramp="linear"):
    """Build a schedule by name, for a training run of `epochs` epochs (for the command line and Trainer).

    name: "multistep" (MultiStepLR at paper_milestones(epochs)), "cosine" (CosineLR over epochs) or
    "constant" (FixedLR). warmup_epochs > 0 wraps it in WarmupLR(warmup_start_factor, warmup_ramp).
    """
    choice("make_schedule", "schedule", name, SCHEDULE_NAMES)
    positive_int("make_schedule", "epochs", epochs)
    if name == "multistep":
        schedule = MultiStepLR(optimizer, paper_milestones(epochs), gamma=gamma)
    elif name == "cosine":
        schedule = CosineLR(optimizer, epochs, min_lr=min_lr)
    else:
        schedule = FixedLR(optimizer)
    if warmup_epochs:
        schedule = WarmupLR(optimizer, warmup_epochs, start_factor=warmup_start_factor, ramp=warmup_ramp,
                            after=schedule)
    return schedule
