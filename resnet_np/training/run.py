"""fit(): a whole training run from a TrainConfig - build, train, write the results - or its resumption.

    from resnet_np.training import TrainConfig, fit
    result = fit(TrainConfig(model="resnet20", dataset="digits", epochs=15), out_dir="runs/digits")
    print(result.table)          # the Markdown results table (also in runs/digits/results.md)
    result.history[-1]           # {"epoch": 15, "test_error": 0.0194, ...}
    fit(resume="runs/digits")    # continue a run stopped early (stop_after=...) from its last.npz
    fit(resume="runs/digits", extend_to=30)  # train a finished run on to 30 epochs (the schedule is re-planned)

Files in out_dir: last.npz and best.npz (checkpoints), history.csv, results.md, curves.png; the folder is locked
while a run writes to it, and its files agree whatever instant a run is killed at (see run_folder.py).

Resuming continues the run exactly, so the settings that define it cannot change: everything in TrainConfig
except RESUME_OVERRIDABLE (where the data is, the evaluation batch size). What may change besides: the output
folder, the threads, stop_after. A run is trained past its planned epochs only on request (extend_to), which
re-plans the learning-rate schedule over the new total.
"""

import contextlib
import dataclasses
import os
import time
from dataclasses import dataclass, field

from ..errors import StorageError, UserError
from ..runtime import using
from ..validation import positive_int
from .builders import (
    build_dataset,
    build_model,
    build_optimizer,
    build_schedule,
    build_train_loader,
    dataset_record,
)
from .config import TrainConfig
from .results import format_results_table, result_row, write_results, write_results_file
from .run_folder import RunFolder, read_training_meta, repair
from .trainer import LAST_CHECKPOINT, Trainer

# Settings that may differ when resuming: they do not change what the run computes.
RESUME_OVERRIDABLE = ("data_dir", "download", "eval_batch_size")


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


def read_resume_point(path, changes=None, extend_to=None):
    """Find the checkpoint (a file, or a run folder's last.npz), read its meta once, apply `changes` -> ResumePoint.

    changes: {setting: value} asked for the resumed run; values that are None or equal to the saved ones are
        ignored. Only the RESUME_OVERRIDABLE settings may change; anything else is a UserError naming the
        setting and the checkpoint.
    extend_to: train on to this many epochs in total, more than the run planned; the lr schedule is then
        re-planned over the new total (see _resume). epochs in `changes` may only equal it.
    """
    path = resolve_checkpoint(path)
    meta = read_training_meta(path)
    saved = TrainConfig.from_dict(meta["config"], where=f"{path}: config")
    if extend_to is not None:
        extend_to = positive_int("resume", "extend_to", extend_to, error=UserError)
        if extend_to <= saved.epochs:
            raise UserError(f"cannot extend {path} to {extend_to} epochs: it is planned for {saved.epochs} "
                            f"({meta['epoch']} done); extending takes a larger total")
    accepted = {} if extend_to is None else {"epochs": extend_to}
    for key, value in (changes or {}).items():
        if value is None or value == getattr(saved, key) or (key == "epochs" and value == extend_to):
            continue
        if key == "epochs":
            hint = (f"to train on to {value} epochs, extend the run (train --resume --extend {value}), which "
                    f"re-plans the lr schedule over {value} epochs" if value > saved.epochs else
                    "to stop before the end, stop early instead (--stop-after N), which keeps the schedule")
            raise UserError(f"cannot change epochs when resuming: {path} is planned for {saved.epochs} epochs "
                            f"(given {value}); {hint}")
        if key not in RESUME_OVERRIDABLE:
            raise UserError(f"cannot change {key} when resuming: the checkpoint {path} was trained with "
                            f"{key}={getattr(saved, key)!r} (given {value!r}); start a new run instead")
        accepted[key] = value
    return ResumePoint(path=path, meta=meta, saved_config=saved, config=dataclasses.replace(saved, **accepted))


def fit(config=None, out_dir=None, resume=None, progress=None, log=print, stop_after=None, plot=True, threads=None,
        overwrite=False, extend_to=None):
    """Train (or resume) a run and write its results -> RunResult.

    config:     TrainConfig (default: TrainConfig(), resnet20 on digits). When resuming from a path, it must
                agree with the checkpoint's settings except the RESUME_OVERRIDABLE ones (UserError otherwise).
    out_dir:    folder for checkpoints and results; default runs/<model>-<dataset>-<time>, or the checkpoint's
                folder when resuming. Locked while the run writes: a second run into it is a UserError.
    resume:     a checkpoint path, or a run folder (its last.npz), to continue from; or a ResumePoint from
                read_resume_point, which already holds the settings (then config must be None). Before training
                on, the folder is repaired from the checkpoint (run_folder.repair).
    stop_after: stop once this many epochs are done in total (to resume later); None trains all epochs.
    threads:    threads for the maths while training (see resnet_np.runtime); None: the library's setting.
    overwrite:  a new run may replace the run out_dir holds (its files are deleted first); else UserError.
    extend_to:  when resuming from a path: train on to this many epochs (see read_resume_point).
    Raises TrainingDiverged when the loss becomes NaN/inf, StorageError when the disk refuses a write (the
    files written so far stay on disk, and agree).
    """
    start = None
    if isinstance(resume, ResumePoint):
        if config is not None or extend_to is not None:
            raise ValueError("fit: resuming from a ResumePoint takes no config or extend_to (give them to "
                             "read_resume_point)")
        start = resume
    elif resume is not None:
        changes = {} if config is None else config.to_dict()
        start = read_resume_point(resume, changes, extend_to=extend_to)
    elif extend_to is not None:
        raise UserError("extending a run needs the run to resume (resume=... / --resume)")
    if start is not None:
        config = start.config
        if out_dir is None:
            out_dir = start.run_folder
    config = (config or TrainConfig()).resolved()
    if out_dir is None:
        out_dir = default_out_dir(config)
    out_dir = os.fspath(out_dir)
    done = 0 if start is None else int(start.meta["epoch"])
    if stop_after is not None and not done < stop_after <= config.epochs:
        raise UserError(f"cannot stop after epoch {stop_after}: the run " + (
            f"has {done} epochs done already" if stop_after <= done else f"has only {config.epochs} epochs"))

    with RunFolder(out_dir) as folder:
        if folder.removed and log is not None:
            log(f"removed {len(folder.removed)} temporary file(s) that an interrupted write left in {out_dir}")
        continues_here = start is not None and _same_folder(out_dir, start.run_folder)
        if folder.holds_run() and not continues_here:
            if not overwrite:
                raise UserError(f"{out_dir} already holds a run ({LAST_CHECKPOINT}); continue it with --resume, "
                                "or pass --overwrite or another --out")
            folder.clear()
        return _train(config, out_dir, start, progress=progress, log=log, stop_after=stop_after, plot=plot,
                      threads=threads)


def _same_folder(first, second):
    try:
        return os.path.samefile(first, second)
    except OSError:
        return os.path.abspath(first) == os.path.abspath(second)


def _train(config, out_dir, start, progress, log, stop_after, plot, threads):
    """fit() inside the locked run folder: build the run, resume and repair it if asked, train, write results."""
    dataset = build_dataset(config)
    model = build_model(config, dataset)
    optimizer = build_optimizer(config, model)
    loader = build_train_loader(config, dataset)
    meta = {"config": config.to_dict(), "dataset": dataset_record(config, dataset)}

    def write_table(trainer):
        write_results_file(out_dir, _result_row(trainer, config, dataset.name), _details(config))

    trainer = Trainer(model, optimizer, loader, dataset.x_test, dataset.y_test, epochs=config.epochs,
                      out_dir=out_dir, meta=meta, progress=progress, log=log, eval_batch_size=config.eval_batch_size,
                      after_save=write_table)
    if start is not None:
        _resume(trainer, config, start, log)
        try:
            notes = repair(out_dir, start.path, start.meta)
            _write_results(trainer, config, dataset.name, out_dir, plot=False)
        except OSError as error:
            raise StorageError(trainer.storage_message(error)) from None
        if log is not None:
            for note in notes:
                log(f"repaired {out_dir}: {note}")
            log(f"resuming {start.path} after epoch {trainer.epoch} of {config.epochs}")
    else:
        trainer.schedule = build_schedule(config, optimizer)
    if log is not None and trainer.epoch == 0:
        log(f"training {config.describe()}; {model.num_parameters():,} parameters; "
            f"{len(dataset.y_train)} training / {len(dataset.y_test)} test images; writing to {out_dir}")
    try:
        with using(threads=threads):
            trainer.fit(stop_after=stop_after)
    except BaseException:
        # history.csv and results.md were written with each epoch's checkpoint; redraw the curves too, when the
        # disk allows and the interrupted epoch is not half-saved (the files must not run ahead of last.npz)
        if trainer.saved_epoch == trainer.epoch:
            with contextlib.suppress(OSError):
                _write_results(trainer, config, dataset.name, out_dir, plot)
        raise
    try:
        return _write_results(trainer, config, dataset.name, out_dir, plot)
    except OSError as error:
        raise StorageError(trainer.storage_message(error)) from None


def _resume(trainer, config, start, log):
    """Load the checkpoint into the trainer; for an extended run, move a schedule of the new length to its epoch."""
    old_epochs = start.saved_config.epochs
    if old_epochs == config.epochs:
        trainer.schedule = build_schedule(config, trainer.optimizer)
        trainer.load_checkpoint(start.path)
        return
    # Extended: load with the old schedule, then continue a schedule built for the new total.
    trainer.schedule = build_schedule(dataclasses.replace(config, epochs=old_epochs), trainer.optimizer)
    trainer.load_checkpoint(start.path)
    old_schedule = trainer.schedule
    planned_lr = old_schedule.get_lr()[0]
    trainer.schedule = build_schedule(config, trainer.optimizer)
    trainer.schedule.base_lrs = list(old_schedule.base_lrs)  # the optimizer's lrs are already decayed
    trainer.schedule.last_epoch = old_schedule.last_epoch - 1
    trainer.schedule.step()  # sets the lr of the coming epoch on the new schedule
    if log is not None:
        log(f"extending the run from {old_epochs} to {config.epochs} epochs: the {config.schedule} schedule is "
            f"re-planned over {config.epochs} epochs, so epoch {trainer.epoch + 1} trains at lr {trainer.lr:.4g} "
            f"(the {old_epochs}-epoch plan: {planned_lr:.4g})")


def _details(config):
    return "Settings: " + config.describe()


def _result_row(trainer, config, dataset_name):
    return result_row(config.model, dataset_name, trainer.model.num_parameters(), trainer.history,
                      trainer.elapsed_seconds)


def _write_results(trainer, config, dataset_name, out_dir, plot):
    """history.csv, results.md and curves.png for the epochs done so far (nothing if none is done)."""
    if not len(trainer.history):
        return RunResult(config, trainer.model, trainer.history, "", {}, out_dir)
    row = _result_row(trainer, config, dataset_name)
    title = f"{config.model} on {dataset_name}"
    paths = write_results(out_dir, trainer.history, row, title, details=_details(config), plot=plot)
    paths.update({name: trainer.checkpoint_path(name) for name in ("last.npz", "best.npz")})
    return RunResult(config, trainer.model, trainer.history, format_results_table([row]), row, out_dir, paths,
                     trainer.elapsed_seconds)
