"""fit(): a whole training run from a TrainConfig - build, train, write the results - or its resumption.

    from resnet_np.training import TrainConfig, fit
    result = fit(TrainConfig(model="resnet20", dataset="digits", epochs=15), out_dir="runs/digits")
    print(result.table)          # the Markdown results table (also in runs/digits/results.md)
    result.history[-1]           # {"epoch": 15, "test_error": 0.0194, ...}
    fit(resume="runs/digits")    # continue a run stopped early (stop_after=...) from its last.npz

Files in out_dir: last.npz and best.npz (checkpoints), history.csv, results.md, curves.png.
"""

import dataclasses
import os
import time
from dataclasses import dataclass, field

from ..errors import UserError
from ..runtime import using
from ..serialization import read_model_info
from .builders import (
    build_dataset,
    build_model,
    build_optimizer,
    build_schedule,
    build_train_loader,
    dataset_record,
)
from .config import TrainConfig
from .results import format_results_table, result_row, write_results
from .trainer import CHECKPOINT_KIND, LAST_CHECKPOINT, Trainer

# Settings that may differ when resuming: they do not change what the finished epochs computed.
RESUME_OVERRIDABLE = ("epochs", "data_dir", "download", "eval_batch_size")


@dataclass
class RunResult:
    """What fit() returns. table: the Markdown results table; paths: the files written, by kind."""

    config: TrainConfig
    model: object
    history: object
    table: str
    row: dict
    out_dir: str | None
    paths: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def test_accuracy(self):
        return 1.0 - self.history[-1]["test_error"]


def default_out_dir(config, root="runs"):
    """runs/<model>-<dataset>-<date>-<time>, with -2, -3, ... appended if that folder exists already."""
    base = os.path.join(root, f"{config.model}-{config.dataset}-{time.strftime('%Y%m%d-%H%M%S')}")
    candidate, number = base, 1
    while os.path.exists(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def resolve_checkpoint(path):
    """A checkpoint file as given, or <folder>/last.npz for a run folder; UserError if there is none."""
    path = os.fspath(path)
    if os.path.isdir(path):
        candidate = os.path.join(path, LAST_CHECKPOINT)
        if not os.path.isfile(candidate):
            raise UserError(f"{path}: folder has no {LAST_CHECKPOINT} to resume from")
        return candidate
    if not os.path.exists(path):
        raise UserError(f"{path}: no such checkpoint file or run folder")
    return path


def read_training_meta(path):
    """The meta record of a training checkpoint, checked to be one (UserError otherwise)."""
    info = read_model_info(path)
    meta = info.get("meta")
    if not isinstance(meta, dict) or meta.get("kind") != CHECKPOINT_KIND or "config" not in meta:
        raise UserError(f"{path}: not a resnet_np training checkpoint (a model file or another program's file?)")
    return meta


@dataclass
class ResumePoint:
    """A checkpoint to continue a run from, found and read once by read_resume_point().

    path:         the checkpoint file
    meta:         its meta record (epoch, history, config, loader state, ...)
    saved_config: the TrainConfig it was trained with
    config:       the TrainConfig to continue with: saved_config with the allowed changes applied
    """

    path: str
    meta: dict
    saved_config: TrainConfig
    config: TrainConfig

    @property
    def run_folder(self):
        """The checkpoint's folder: where the resumed run writes unless told otherwise."""
        return os.path.dirname(os.path.abspath(self.path))


def read_resume_point(path, changes=None):
    """Find the checkpoint (a file, or a run folder's last.npz), read its meta once, apply `changes` -> ResumePoint.

    changes: {setting: value} asked for the resumed run; values that are None or equal to the saved ones are
        ignored. Only the RESUME_OVERRIDABLE settings may change, and epochs not below the epochs already
        trained; anything else is a UserError naming the setting and the checkpoint.
    """
    path = resolve_checkpoint(path)
    meta = read_training_meta(path)
    saved = TrainConfig.from_dict(meta["config"], where=f"{path}: config")
    accepted = {}
    for key, value in (changes or {}).items():
        if value is None or value == getattr(saved, key):
            continue
        if key not in RESUME_OVERRIDABLE:
            raise UserError(f"cannot change {key} when resuming: the checkpoint {path} was trained with "
                            f"{key}={getattr(saved, key)!r} (given {value!r}); start a new run instead")
        accepted[key] = value
    if accepted.get("epochs") is not None and accepted["epochs"] < int(meta["epoch"]):
        raise UserError(f"cannot resume {path} with epochs={accepted['epochs']}: it has already trained "
                        f"{meta['epoch']} epochs")
    return ResumePoint(path=path, meta=meta, saved_config=saved, config=dataclasses.replace(saved, **accepted))


def fit(config=None, out_dir=None, resume=None, progress=None, log=print, stop_after=None, plot=True, threads=None):
    """Train (or resume) a run and write its results -> RunResult.

    config:     TrainConfig (default: TrainConfig(), resnet20 on digits). When resuming from a path, only its
                RESUME_OVERRIDABLE settings count, e.g. a larger `epochs` to train on.
    out_dir:    folder for checkpoints and results; default runs/<model>-<dataset>-<time>, or the checkpoint's
                folder when resuming.
    resume:     a checkpoint path, or a run folder (its last.npz), to continue from; or a ResumePoint from
                read_resume_point, which already holds the settings (then config must be None).
    stop_after: stop once this many epochs are done in total (to resume later); None trains all epochs.
    threads:    threads for the maths while training (see resnet_np.runtime); None: the library's setting.
    Raises TrainingDiverged when the loss becomes NaN/inf (results written so far stay on disk).
    """
    start = None
    if isinstance(resume, ResumePoint):
        if config is not None:
            raise ValueError("fit: resuming from a ResumePoint takes no config (give the changes to "
                             "read_resume_point)")
        start = resume
    elif resume is not None:
        changes = {} if config is None else {key: getattr(config, key) for key in RESUME_OVERRIDABLE}
        start = read_resume_point(resume, changes)
    if start is not None:
        config = start.config
        if out_dir is None:
            out_dir = start.run_folder
    config = (config or TrainConfig()).resolved()
    if out_dir is None:
        out_dir = default_out_dir(config)

    dataset = build_dataset(config)
    model = build_model(config, dataset)
    optimizer = build_optimizer(config, model)
    loader = build_train_loader(config, dataset)
    meta = {"config": config.to_dict(), "dataset": dataset_record(config, dataset)}
    trainer = Trainer(model, optimizer, loader, dataset.x_test, dataset.y_test, epochs=config.epochs,
                      out_dir=out_dir, meta=meta, progress=progress, log=log, eval_batch_size=config.eval_batch_size)
    if start is not None:
        _resume(trainer, config, start)
        if log is not None:
            log(f"resuming {start.path} after epoch {trainer.epoch} of {config.epochs}")
    else:
        trainer.schedule = build_schedule(config, optimizer)
    if log is not None and trainer.epoch == 0:
        log(f"training {config.describe()}; {model.num_parameters():,} parameters; "
            f"{len(dataset.y_train)} training / {len(dataset.y_test)} test images; writing to {out_dir}")
    try:
        with using(threads=threads):
            trainer.fit(stop_after=stop_after)
    finally:
        result = _write_results(trainer, config, dataset.name, out_dir, plot)
    return result


def _resume(trainer, config, start):
    """Load the checkpoint into the trainer; a schedule built for a different length is moved to its epoch."""
    old_epochs = start.saved_config.epochs
    if old_epochs == config.epochs:
        trainer.schedule = build_schedule(config, trainer.optimizer)
        trainer.load_checkpoint(start.path)
        return
    # More epochs than planned: load with the old schedule, then continue a schedule built for the new total.
    trainer.schedule = build_schedule(dataclasses.replace(config, epochs=old_epochs), trainer.optimizer)
    trainer.load_checkpoint(start.path)
    old_schedule = trainer.schedule
    trainer.schedule = build_schedule(config, trainer.optimizer)
    trainer.schedule.base_lrs = list(old_schedule.base_lrs)  # the optimizer's lrs are already decayed
    trainer.schedule.last_epoch = old_schedule.last_epoch - 1
    trainer.schedule.step()  # sets the lr of the coming epoch on the new schedule


def _write_results(trainer, config, dataset_name, out_dir, plot):
    """history.csv, results.md and curves.png for the epochs done so far (nothing if none is done)."""
    if not len(trainer.history):
        return RunResult(config, trainer.model, trainer.history, "", {}, out_dir)
    row = result_row(config.model, dataset_name, trainer.model.num_parameters(), trainer.history,
                     trainer.elapsed_seconds)
    title = f"{config.model} on {dataset_name}"
    paths = write_results(out_dir, trainer.history, row, title, details="Settings: " + config.describe(), plot=plot)
    paths.update({name: trainer.checkpoint_path(name) for name in ("last.npz", "best.npz")})
    return RunResult(config, trainer.model, trainer.history, format_results_table([row]), row, out_dir, paths,
                     trainer.elapsed_seconds)
