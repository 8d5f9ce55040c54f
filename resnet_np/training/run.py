"""fit(): a whole training run from a TrainConfig - build, train, write the results - or its resumption.

    from resnet_np.training import TrainConfig, fit
    result = fit(TrainConfig(model="resnet20", dataset="digits", epochs=15), out_dir="runs/digits")
    print(result.table)          # the Markdown results table (also in runs/digits/results.md)
    result.history[-1]           # {"epoch": 15, "test_error": 0.0194, ...}

Files in out_dir: last.npz and best.npz (checkpoints), history.csv, results.md, curves.png.
"""

import dataclasses
import os
import time
from dataclasses import dataclass, field

from resnet_np.errors import UserError
from resnet_np.serialization import read_model_info
from resnet_np.training.builders import (
    build_dataset,
    build_model,
    build_optimizer,
    build_schedule,
    build_train_loader,
    dataset_record,
)
from resnet_np.training.config import TrainConfig
from resnet_np.training.evaluation import count_parameters
from resnet_np.training.results import format_results_table, result_row, write_results
from resnet_np.training.threads import limit_threads
from resnet_np.training.trainer import CHECKPOINT_KIND, LAST_CHECKPOINT, Trainer

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


def config_for_resume(path, overrides=None):
    """The TrainConfig stored in a checkpoint, with `overrides` applied (only RESUME_OVERRIDABLE settings)."""
    meta = read_training_meta(path)
    config = TrainConfig.from_dict(meta["config"], where=f"{path}: config")
    changes = {}
    for key, value in (overrides or {}).items():
        if value is None or value == getattr(config, key):
            continue
        if key not in RESUME_OVERRIDABLE:
            raise UserError(f"cannot change {key} when resuming: the checkpoint {path} was trained with "
                            f"{key}={getattr(config, key)!r} (given {value!r}); start a new run instead")
        changes[key] = value
    if changes.get("epochs") is not None and changes["epochs"] < int(meta["epoch"]):
        raise UserError(f"cannot resume {path} with epochs={changes['epochs']}: it has already trained "
                        f"{meta['epoch']} epochs")
    return dataclasses.replace(config, **changes)


def fit(config=None, out_dir=None, resume=None, progress=None, log=print, stop_after=None, plot=True, threads=None):
    """Train (or resume) a run and write its results -> RunResult.

    config:     TrainConfig (default: TrainConfig(), resnet20 on digits); ignored when resuming, except for
                the settings in RESUME_OVERRIDABLE, e.g. a larger `epochs` to train on.
    out_dir:    folder for checkpoints and results; default runs/<model>-<dataset>-<time>, or the checkpoint's
                folder when resuming.
    resume:     a checkpoint path, or a run folder (its last.npz), to continue from.
    stop_after: stop once this many epochs are done in total (to resume later); None trains all epochs.
    threads:    at most this many BLAS/Numba threads while training (see training.threads); None: unchanged.
    Raises TrainingDiverged when the loss becomes NaN/inf (results written so far stay on disk).
    """
    if resume is not None:
        resume = resolve_checkpoint(resume)
        overrides = {} if config is None else {key: getattr(config, key) for key in RESUME_OVERRIDABLE}
        config = config_for_resume(resume, overrides)
        old_epochs = TrainConfig.from_dict(read_training_meta(resume)["config"]).epochs
        if out_dir is None:
            out_dir = os.path.dirname(os.path.abspath(resume))
    else:
        old_epochs = None
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
    if resume is not None:
        _resume(trainer, config, resume, old_epochs)
        if log is not None:
            log(f"resuming {resume} after epoch {trainer.epoch} of {config.epochs}")
    else:
        trainer.schedule = build_schedule(config, optimizer)
    if log is not None and trainer.epoch == 0:
        log(f"training {config.describe()}; {count_parameters(model):,} parameters; "
            f"{len(dataset.y_train)} training / {len(dataset.y_test)} test images; writing to {out_dir}")
    try:
        with limit_threads(threads):
            trainer.fit(stop_after=stop_after)
    finally:
        result = _write_results(trainer, config, dataset.name, out_dir, plot)
    return result


def _resume(trainer, config, path, old_epochs):
    """Load the checkpoint into the trainer; a schedule built for a different length is moved to its epoch."""
    same_length = old_epochs == config.epochs
    if same_length:
        trainer.schedule = build_schedule(config, trainer.optimizer)
        trainer.load_checkpoint(path)
        return
    # More epochs than planned: load with the old schedule, then continue a schedule built for the new total.
    trainer.schedule = build_schedule(dataclasses.replace(config, epochs=old_epochs), trainer.optimizer)
    trainer.load_checkpoint(path)
    old_schedule = trainer.schedule
    trainer.schedule = build_schedule(config, trainer.optimizer)
    trainer.schedule.base_lrs = list(old_schedule.base_lrs)  # the optimizer's lrs are already decayed
    trainer.schedule.last_epoch = old_schedule.last_epoch - 1
    trainer.schedule.step()  # sets the lr of the coming epoch on the new schedule


def _write_results(trainer, config, dataset_name, out_dir, plot):
    """history.csv, results.md and curves.png for the epochs done so far (nothing if none is done)."""
    if not len(trainer.history):
        return RunResult(config, trainer.model, trainer.history, "", {}, out_dir)
    row = result_row(config.model, dataset_name, count_parameters(trainer.model), trainer.history,
                     trainer.elapsed_seconds)
    title = f"{config.model} on {dataset_name}"
    paths = write_results(out_dir, trainer.history, row, title, details="Settings: " + config.describe(), plot=plot)
    paths.update({name: trainer.checkpoint_path(name) for name in ("last.npz", "best.npz")})
    return RunResult(config, trainer.model, trainer.history, format_results_table([row]), row, out_dir, paths,
                     trainer.elapsed_seconds)
