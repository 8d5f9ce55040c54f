"""Optimisers and learning-rate schedules (same semantics as torch.optim, checked against it in the tests).

    from resnet_np.optim import SGD, MultiStepLR, paper_milestones, param_groups_without_decay
    optimizer = SGD(param_groups_without_decay(model.named_parameters(), 1e-4), lr=0.1, momentum=0.9)
    schedule = MultiStepLR(optimizer, paper_milestones(epochs))   # schedule.step() after every epoch
"""

from .adam import Adam, AdamW
from .optimizer import Optimizer, param_groups_without_decay
from .schedules import (
    SCHEDULE_NAMES,
    WARMUP_RAMPS,
    CosineLR,
    FixedLR,
    LRSchedule,
    MultiStepLR,
    WarmupLR,
    make_schedule,
    paper_milestones,
)
from .sgd import SGD

__all__ = [
    "Adam",
    "AdamW",
    "CosineLR",
    "FixedLR",
    "LRSchedule",
    "MultiStepLR",
    "Optimizer",
    "SCHEDULE_NAMES",
    "SGD",
    "WARMUP_RAMPS",
    "WarmupLR",
    "make_schedule",
    "paper_milestones",
    "param_groups_without_decay",
]
