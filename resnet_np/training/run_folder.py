"""The run folder: one writer at a time, and files that tell one story whatever instant a run dies at.

    with RunFolder("runs/digits") as folder:   # creates and locks the folder, removes leftovers of killed writes
        ...                                    # a second run into it meanwhile: UserError naming this one

Files: last.npz, best.npz, history.csv, results.md, curves.png (RUN_FILES) and the lock, .run.lock.

Why they always agree. Every file is replaced atomically (resnet_np.atomic): each is its old or its new version,
never half of one. After every epoch the trainer writes, in this order:
  1. last.npz     the commit point: weights, optimiser and schedule state and the whole history, so once it
                  is replaced the epoch is done, whatever happens next;
  2. best.npz     a byte-for-byte copy of last.npz, when this epoch has the lowest test error so far;
  3. history.csv, results.md   derived from last.npz's history;
and curves.png at the end of each session. So a kill leaves the later files behind last.npz, never ahead of it:
best.npz then holds the previous best epoch, history.csv and results.md the previous epoch. A resume calls
repair() before training on, which brings them level with last.npz (and copies last.npz and best.npz into a new
folder for `--resume A --out B`); until then, best_checkpoint() finds the checkpoint of the best epoch for
readers such as `evaluate RUN`.

The lock is an OS lock (flock) on .run.lock, held while the run writes: the kernel releases it when the process
ends, however it ends, so a killed run never blocks the folder. The file itself stays, naming the last holder.
"""

import contextlib
import json
import os
import socket
import sys
import time

from ..atomic import copy_file_atomic, remove_temporary_files
from ..errors import StorageError, UserError
from ..serialization import read_model_info
from .results import CURVES_FILE, RESULTS_FILE
from .trainer import BEST_CHECKPOINT, CHECKPOINT_KIND, HISTORY_FILE, LAST_CHECKPOINT

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

LOCK_FILE = ".run.lock"
RUN_FILES = (LAST_CHECKPOINT, BEST_CHECKPOINT, HISTORY_FILE, RESULTS_FILE, CURVES_FILE)


def read_training_meta(path):
    """The meta record of a training checkpoint, checked to be one (UserError otherwise)."""
    info = read_model_info(path)
    meta = info.get("meta")
    if not isinstance(meta, dict) or meta.get("kind") != CHECKPOINT_KIND or "config" not in meta:
        raise UserError(f"{path}: not a resnet_np training checkpoint (a model file or another program's file?)")
    return meta


# ---- the lock ----------------------------------------------------------------------------------------------


class RunFolder:
    """A run's output folder, locked against a second writer while the `with` block runs.

    Entering creates the folder if needed, takes the lock (UserError naming the holder if another run has
    it) and removes the temporary files that killed writes left (their names: self.removed).
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        self.removed = []
        self._descriptor = None

    def __enter__(self):
        self._descriptor = self._open_lock_file()
        if not _try_lock(self._descriptor):
            holder = _describe_holder(self._descriptor)
            os.close(self._descriptor)
            self._descriptor = None
            raise UserError(f"{self.path} is in use by another run ({holder}); wait for it to end, or choose "
                            "another output folder")
        try:
            _write_holder(self._descriptor)
            self.removed = remove_temporary_files(self.path)
        except BaseException as error:
            self.__exit__(None, None, None)
            if isinstance(error, OSError):
                raise StorageError(f"cannot write to the run folder {self.path}: {error.strerror or error}") from None
            raise
        return self

    def __exit__(self, *exc_info):
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing the file releases the lock
            self._descriptor = None

    def _open_lock_file(self):
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise UserError(f"cannot use {self.path} as the run folder: it is a file")
        try:
            os.makedirs(self.path, exist_ok=True)
            return os.open(os.path.join(self.path, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o666)
        except (FileExistsError, NotADirectoryError):
            raise UserError(f"cannot create the run folder {self.path}: a part of that path is a file") from None
        except OSError as error:
            raise StorageError(f"cannot write to the run folder {self.path}: {error.strerror or error}") from None

    def holds_run(self):
        """True when the folder holds a run's checkpoint already."""
        return os.path.exists(os.path.join(self.path, LAST_CHECKPOINT))

    def clear(self):
        """Delete the files of the run the folder holds (for a new run with overwrite=True) -> names deleted."""
        deleted = []
        for name in RUN_FILES:
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(self.path, name))
                deleted.append(name)
        return deleted


def _try_lock(descriptor):
    """Take the exclusive lock without waiting -> True, or False if another process holds it."""
    try:
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            import msvcrt

            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
    except (BlockingIOError, PermissionError):
        return False
    return True


def _write_holder(descriptor):
    """Record who holds the lock (process, machine, start time, command), for the message of a refused run."""
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
              "command": " ".join([os.path.basename(sys.executable), *sys.argv])[:300]}
    os.ftruncate(descriptor, 0)
    os.lseek(descriptor, 0, os.SEEK_SET)
    os.write(descriptor, json.dumps(holder).encode("utf-8"))


def _describe_holder(descriptor):
    try:
        os.lseek(descriptor, 0, os.SEEK_SET)
        holder = json.loads(os.read(descriptor, 4096).decode("utf-8"))
        return f"pid {holder['pid']} on {holder['host']}, started {holder['started']}: {holder['command']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "its details are not recorded yet"


# ---- consistency -------------------------------------------------------------------------------------------


def _meta_or_none(path):
    """The training meta of a checkpoint, or None when it is missing or unreadable (then it is replaced)."""
    if not os.path.isfile(path):
        return None
    try:
        return read_training_meta(path)
    except UserError:
        return None


def _holds_epoch(path, epoch, meta):
    """True when the checkpoint at `path` is epoch `epoch` of the run whose latest checkpoint has `meta`.

    Same run: its history equals the first `epoch` records of meta's (timings included, so another run with
    the same settings does not pass for this one).
    """
    found = _meta_or_none(path)
    return found is not None and found.get("epoch") == epoch and found.get("history") == meta["history"][:epoch]


def _same_file(first, second):
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def best_checkpoint(folder):
    """The checkpoint holding a run folder's best epoch -> (path, note); note is None, or says what is amiss.

    Normally best.npz. When a kill left best.npz behind last.npz (see the module docstring), last.npz holds the
    best epoch itself; if the best epoch's checkpoint is lost, last.npz is returned with a note saying so.
    """
    last, best = os.path.join(folder, LAST_CHECKPOINT), os.path.join(folder, BEST_CHECKPOINT)
    if not os.path.isfile(last):
        if os.path.isfile(best):
            return best, None
        raise UserError(f"{folder}: folder has no {BEST_CHECKPOINT} or {LAST_CHECKPOINT}")
    meta = read_training_meta(last)
    wanted = meta.get("best_epoch")
    if _holds_epoch(best, wanted, meta):
        return best, None
    state = "is stale" if os.path.isfile(best) else "is missing"
    if wanted == meta.get("epoch"):
        return last, f"{BEST_CHECKPOINT} {state}; {LAST_CHECKPOINT} holds the best epoch ({wanted}), using it"
    return last, (f"{BEST_CHECKPOINT} {state} and the checkpoint of the best epoch ({wanted}) is lost; using "
                  f"{LAST_CHECKPOINT} (epoch {meta.get('epoch')}) instead")


def repair(folder, checkpoint, meta):
    """Make last.npz and best.npz of `folder` those of the run that `checkpoint` (with its `meta`) continues.

    last.npz becomes the checkpoint (copied when it is elsewhere: a resume into another folder); best.npz the
    checkpoint of meta's best epoch, found in the folder, next to `checkpoint`, or `checkpoint` itself.
    history.csv and results.md are the caller's to rewrite (from the history it loaded).
    Returns one line per file repaired, or per problem that could not be repaired.
    """
    notes = []
    last = os.path.join(folder, LAST_CHECKPOINT)
    if not _same_file(checkpoint, last):
        copy_file_atomic(checkpoint, last)
        notes.append(f"{LAST_CHECKPOINT} copied from {checkpoint}")
    wanted = meta.get("best_epoch")
    best = os.path.join(folder, BEST_CHECKPOINT)
    if wanted is None or _holds_epoch(best, wanted, meta):
        return notes
    candidates = [os.path.join(os.path.dirname(os.path.abspath(checkpoint)), BEST_CHECKPOINT), checkpoint]
    for candidate in candidates:
        if not _same_file(candidate, best) and _holds_epoch(candidate, wanted, meta):
            copy_file_atomic(candidate, best)
            notes.append(f"{BEST_CHECKPOINT} (epoch {wanted}) restored from {candidate}")
            return notes
    notes.append(f"the checkpoint of the best epoch ({wanted}) was not found; {BEST_CHECKPOINT} will be "
                 "written again when an epoch does better")
    return notes
