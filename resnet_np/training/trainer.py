"""Trainer: the epoch loop, with evaluation, checkpoints that resume bit for bit, and a stop on a NaN loss.

One training step (He et al. 2015, Sec. 3.4: SGD on mini-batches):
    logits = model(x); loss, dlogits = softmax_cross_entropy(logits, y)
    optimizer.zero_grad(); model.backward(dlogits); optimizer.step()
After every epoch: evaluate on the test split in eval mode, record the epoch in the history, step the lr
schedule, then write "last.npz", then "best.npz" (a copy of it, when the test error is the lowest so far), then
history.csv: an order in which a kill at any instant leaves the files repairable (see run_folder.py).

Resuming exactly: a checkpoint holds the weights and BatchNorm running statistics, the optimiser state
(momentum buffers, step count), the schedule state, the data loader's (seed, epoch) - from which the loader
derives the order and augmentation of every later epoch - and the history. Nothing else is random, so
training 4 epochs straight and training 2, stopping, and resuming for 2 more give identical weights.
"""

import copy
import errno
import math
import os
import sys
import time

import numpy as np
from tqdm import tqdm  # plain tqdm, not tqdm.auto: without ipywidgets, Jupyter's warns even when it is disabled

from .. import functional as F
from ..atomic import copy_file_atomic
from ..errors import StorageError, UserError
from ..serialization import load_checkpoint, save_checkpoint
from ..validation import positive_int
from .evaluation import evaluate
from .history import History
from .results import write_text

CHECKPOINT_KIND = "resnet_np-training-v1"
LAST_CHECKPOINT = "last.npz"
BEST_CHECKPOINT = "best.npz"
HISTORY_FILE = "history.csv"


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite. Training stopped before the bad step; checkpoints on disk are untouched."""


class Trainer:
    """Trains `model` for `epochs` epochs; see the module docstring for what happens each epoch.

    model:        a resnet_np model (model(x) -> logits, backward, train/eval, state_dict, architecture)
    optimizer:    a resnet_np.optim optimiser over the model's parameters
    train_loader: a resnet_np.data.DataLoader (its get_state/set_state make resuming exact)
    x_test, y_test: the evaluation split, evaluated after every epoch
    schedule:     an lr schedule (stepped once per epoch), or None for a fixed lr
    out_dir:      folder for last.npz, best.npz and history.csv (created if needed); None writes nothing
    meta:         JSON-ready dict stored in every checkpoint (e.g. {"config": ..., "dataset": ...})
    progress:     show a tqdm bar per epoch (loss, accuracy, images/s); None = only when stderr is a terminal
    log:          callable(str) for the one-line summary of every epoch, or None for silence
    after_save:   callable(trainer) run after each epoch's files are written (fit writes results.md with it)
    A write the disk refuses (full, read-only) raises StorageError saying which checkpoint is kept.
    """

    def __init__(self, model, optimizer, train_loader, x_test, y_test, schedule=None, epochs=10, out_dir=None,
                 meta=None, progress=None, log=print, eval_batch_size=500, after_save=None):
        self.model = model
        self.optimizer = optimizer
        self.train_loader = train_loader
        self.x_test, self.y_test = x_test, y_test
        self.schedule = schedule
        self.epochs = positive_int("Trainer", "epochs", epochs)
        self.out_dir = None if out_dir is None else os.fspath(out_dir)
        self.meta = dict(meta or {})
        self.progress = sys.stderr.isatty() if progress is None else bool(progress)
        self.log = log
        self.eval_batch_size = eval_batch_size
        self.after_save = after_save
        self.epoch = 0  # epochs completed
        self.saved_epoch = None  # the epoch last.npz holds on disk, as far as this trainer knows
        self.history = History()
        self.elapsed_seconds = 0.0  # training time over all sessions of this run (resumes add up)
        if self.out_dir is not None:
            os.makedirs(self.out_dir, exist_ok=True)

    # ---- training ----------------------------------------------------------------------------------------

    @property
    def lr(self):
        """Learning rate of the first param group (the one with weight decay) for the coming epoch."""
        return float(self.optimizer.param_groups[0]["lr"])

    def train_step(self, x, y):
        """One SGD step on a batch -> (loss, number correct). Raises TrainingDiverged before a non-finite update."""
        # Overflow on the way to a NaN loss is detected below and reported once, not as a stream of warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            logits = self.model(x)
            loss, dlogits = F.softmax_cross_entropy(logits, y)
            loss = float(loss)
            if not math.isfinite(loss):
                raise TrainingDiverged(self._divergence_message(f"the training loss became {loss}"))
            self.optimizer.zero_grad()
            self.model.backward(dlogits)
            self.optimizer.step()
        return loss, int(np.sum(np.argmax(logits, axis=1) == y))

    def train_epoch(self):
        """One pass over the training loader in train mode -> (mean loss, error, images per second)."""
        self.model.train()
        loss_sum, correct, seen = 0.0, 0, 0
        start = time.perf_counter()
        batches = iter(self.train_loader)  # exactly one iter() per epoch: each call advances the loader's epoch
        with tqdm(total=len(self.train_loader), desc=f"epoch {self.epoch + 1}/{self.epochs}", unit="batch",
                  leave=False, disable=not self.progress, dynamic_ncols=True) as bar:
            for x, y in batches:
                loss, batch_correct = self.train_step(x, y)
                loss_sum += loss * len(y)
                correct += batch_correct
                seen += len(y)
                bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{100 * correct / seen:.1f}%",
                                img_s=f"{seen / (time.perf_counter() - start):.0f}", refresh=False)
                bar.update(1)
        seconds = time.perf_counter() - start
        return loss_sum / seen, 1 - correct / seen, seen / seconds

    def fit(self, stop_after=None):
        """Train until `epochs` epochs are done (or, with stop_after=k, until k epochs are done) -> History."""
        stop = self.epochs if stop_after is None else min(int(stop_after), self.epochs)
        while self.epoch < stop:
            start = time.perf_counter()
            lr = self.lr
            train_loss, train_error, images_per_second = self.train_epoch()
            with np.errstate(over="ignore", invalid="ignore"):
                test = evaluate(self.model, self.x_test, self.y_test, self.eval_batch_size)
            if not math.isfinite(test.loss):
                raise TrainingDiverged(self._divergence_message(f"the test loss became {test.loss}"))
            if not self._weights_finite():
                raise TrainingDiverged(self._divergence_message("the weights became NaN or infinite"))
            if self.schedule is not None:
                self.schedule.step()
            self.epoch += 1
            best = self.history.best()
            is_best = best is None or test.error < best["test_error"]
            seconds = time.perf_counter() - start  # training and evaluation; writing files is not counted
            self.elapsed_seconds += seconds
            self.history.append({
                "epoch": self.epoch, "lr": lr, "train_loss": train_loss, "train_error": train_error,
                "test_loss": test.loss, "test_error": test.error, "epoch_seconds": seconds,
                "images_per_second": images_per_second,
            })
            self._save_epoch(is_best)
            self._log_epoch(self.history[-1])
        self.model.eval()
        return self.history

    def _weights_finite(self):
        return all(np.isfinite(param.data).all() for _, param in self.model.named_parameters())

    def _divergence_message(self, what):
        where = f"{what} in epoch {self.epoch + 1} (lr {self.lr:g})"
        last = self.checkpoint_path(LAST_CHECKPOINT)
        if last is not None and self.epoch > 0 and os.path.exists(last):
            kept = f"the last good checkpoint {last} (epoch {self.epoch}) is kept"
        else:
            kept = "no checkpoint was written"
        return f"training stopped: {where}; {kept}. Try a smaller learning rate."

    def _log_epoch(self, record):
        if self.log is None:
            return
        self.log(f"epoch {record['epoch']:>{len(str(self.epochs))}}/{self.epochs}  lr {record['lr']:.4g}  "
                 f"train loss {record['train_loss']:.4f} error {100 * record['train_error']:5.2f}%  "
                 f"test loss {record['test_loss']:.4f} error {100 * record['test_error']:5.2f}%  "
                 f"{record['epoch_seconds']:.1f}s ({record['images_per_second']:.0f} img/s)")

    # ---- checkpoints -------------------------------------------------------------------------------------

    def checkpoint_path(self, name):
        """Path of a file in out_dir, or None when the trainer writes no files."""
        return None if self.out_dir is None else os.path.join(self.out_dir, name)

    def _save_epoch(self, is_best):
        """last.npz (the commit point), then best.npz as a copy of it when this epoch is the best, then history.csv.

        A kill between two writes leaves the later files one epoch behind last.npz, never ahead of it
        (run_folder.repair brings them level on resume).
        """
        if self.out_dir is None:
            return
        last = self.checkpoint_path(LAST_CHECKPOINT)
        try:
            self.save_checkpoint(last)
            self.saved_epoch = self.epoch
            if is_best:
                copy_file_atomic(last, self.checkpoint_path(BEST_CHECKPOINT))
            write_text(self.checkpoint_path(HISTORY_FILE), self.history.to_csv())
            if self.after_save is not None:
                self.after_save(self)
        except OSError as error:
            raise StorageError(self.storage_message(error)) from None

    def storage_message(self, error):
        """One line for a write the disk refused: which file and why, what is kept, what to do."""
        last = self.checkpoint_path(LAST_CHECKPOINT)
        what = f"cannot write {error.filename or self.out_dir} ({error.strerror or error})"
        if self.saved_epoch:
            kept = f"no data was lost: {last} (epoch {self.saved_epoch}) is complete"
        else:
            kept = "no checkpoint had been written yet"
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            size = os.path.getsize(last) if os.path.exists(last) else 0
            need = f" (at least {2 * size / 2**20:.1f} MB)" if size else ""
            advice = f"free disk space{need} and resume the run from {self.out_dir}"
        else:
            advice = f"make {self.out_dir} writable (or copy it elsewhere) and resume the run from there"
        return f"{what}; {kept}; {advice}"

    def checkpoint_meta(self):
        """The JSON part of a checkpoint: progress, history, loader state and the caller's meta."""
        best = self.history.best()
        return {
            **self.meta,
            "kind": CHECKPOINT_KIND,
            "epoch": self.epoch,
            "epochs": self.epochs,
            "history": self.history.to_list(),
            "loader": self.train_loader.get_state(),
            "elapsed_seconds": self.elapsed_seconds,
            "best_epoch": None if best is None else best["epoch"],
        }

    def save_checkpoint(self, path):
        """Write a checkpoint (.npz, atomically) from which load_checkpoint continues exactly."""
        sections = {"optimizer": self.optimizer.state_dict()}
        if self.schedule is not None:
            sections["schedule"] = self.schedule.state_dict()
        return save_checkpoint(path, self.model, meta=self.checkpoint_meta(), **sections)

    def load_checkpoint(self, path):
        """Restore weights, optimiser, schedule, loader position and history from a checkpoint -> its meta.

        The trainer must be built like the one that wrote it (same model, optimiser and schedule settings);
        a mismatch or a file that is not a training checkpoint raises UserError naming the file.
        """
        checkpoint = load_checkpoint(path, model=self.model)
        meta = checkpoint.meta
        if meta.get("kind") != CHECKPOINT_KIND:
            raise UserError(f"{path}: not a training checkpoint of resnet_np (no kind '{CHECKPOINT_KIND}')")
        try:
            self.optimizer.load_state_dict(checkpoint.sections.get("optimizer", {}))
            if self.schedule is not None:
                self.schedule.load_state_dict(checkpoint.sections.get("schedule", {}))
            self.train_loader.set_state(meta["loader"])
            self.history = History(meta["history"])
            self.epoch = int(meta["epoch"])
            self.elapsed_seconds = float(meta["elapsed_seconds"])
        except (KeyError, TypeError, ValueError) as error:
            raise UserError(f"{path}: cannot resume from this checkpoint ({type(error).__name__}: {error})") from None
        if self.epoch != len(self.history) or self.train_loader.epoch != self.epoch:
            raise UserError(f"{path}: inconsistent checkpoint (epoch {self.epoch}, {len(self.history)} history "
                            f"records, loader at epoch {self.train_loader.epoch})")
        missing = self._missing_optimizer_state()
        if missing:
            raise UserError(f"{path}: the optimizer state is incomplete ({missing} missing); resuming without it "
                            "would not continue the run exactly")
        self.saved_epoch = self.epoch
        return meta

    def _missing_optimizer_state(self):
        """The first per-parameter state array (e.g. 'momentum_buffer.3') the loaded optimizer lacks, or None.

        After at least one step, every parameter has the state arrays a step creates (momentum buffers, Adam's
        averages); which ones those are is found by one step of a copy of the optimizer, on zero gradients.
        """
        if self.optimizer.step_count == 0:
            return None
        probe = copy.deepcopy(self.optimizer)
        for group in probe.param_groups:
            for param in group["params"]:
                param.grad[...] = 0
        probe.step()
        for index, (loaded, expected) in enumerate(zip(self.optimizer.state, probe.state, strict=True)):
            for name in sorted(set(expected) - set(loaded)):
                return f"{name}.{index}"
        return None
