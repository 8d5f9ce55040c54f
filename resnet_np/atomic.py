"""Atomic file writes: a reader sees either the old file or the complete new one, never half a file.

The recipe: write to a temporary file in the same folder, flush it to disk (fsync), then os.replace it over
the final name. os.replace is atomic when both names are on the same file system, which is why the temporary
file lives next to the target rather than in /tmp. If anything fails before the rename, the temporary file is
removed and the old file (if any) is left exactly as it was.

    with atomic_path("model.npz") as temp:
        write_something_to(temp)
    atomic_write("notes.txt", lambda file: file.write(b"hello"))
    save_npz_atomic("model.npz", {"conv1.weight": w})

A write that fails raises an OSError naming the target file (not the temporary one). A process killed in the
middle of a write (SIGKILL, power loss) can leave a temporary file ".<name>.<12 hex digits>.tmp" behind;
remove_temporary_files(folder) removes such leftovers (resnet_np.training does so when a run starts or resumes).
"""

import contextlib
import errno
import os
import re
import secrets
import shutil
import zipfile

import numpy as np

TEMPORARY_NAME = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")  # what _create_temp_file makes
_write_hook = None  # tests only: see set_write_hook


def set_write_hook(hook):
    """For fault-injection tests: call hook(stage, path) at each write point; returns the previous hook.

    stage "written": the temporary file is complete and on disk, the target not yet replaced;
    stage "replaced": the target now holds the new content. A hook that raises, or ends the process
    (os._exit), stops the write there, as a kill at that instant would. None removes the hook.
    """
    global _write_hook
    previous, _write_hook = _write_hook, hook
    return previous


def remove_temporary_files(directory):
    """Delete the temporary files that killed atomic writes left in `directory` -> the names removed.

    Only call it while no other process writes into `directory` (e.g. while holding a lock on it).
    """
    removed = []
    for name in sorted(os.listdir(directory)):
        if TEMPORARY_NAME.match(name) and os.path.isfile(os.path.join(directory, name)):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(directory, name))
                removed.append(name)
    return removed


def _create_temp_file(path):
    """Create an empty, new temporary file next to `path` and return its name.

    The name starts with a dot and ends with ".tmp" so a leftover is easy to spot. os.open with mode 0o666
    lets the user's umask decide the permissions, as for any ordinary new file (tempfile.mkstemp would
    give 0o600 to the final file).
    """
    directory, name = os.path.split(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, f"cannot write {path}: no such folder {directory}", path)
    while True:
        temp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # astronomically unlikely; just pick another name
            continue
        os.close(descriptor)
        return temp


def _fsync_file(path):
    with open(path, "rb+") as file:
        os.fsync(file.fileno())


def _fsync_directory(directory):
    """Make the rename itself durable (POSIX only; Windows cannot open a folder for fsync)."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError:  # some file systems refuse fsync on a folder; the data itself is already on disk
        pass
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def atomic_path(path):
    """Context manager yielding a temporary path in the folder of `path`; on success it replaces `path`.

    Write the complete file to the yielded path inside the `with` block. On leaving the block normally the
    temporary file is fsynced and renamed to `path` (os.replace). If the block raises (including
    KeyboardInterrupt), the temporary file is deleted, `path` is untouched and the exception propagates.
    The folder of `path` must already exist. An OSError about the temporary file (disk full, no permission)
    is raised again naming `path`, the file the caller asked for.
    """
    path = os.fspath(path)
    temp = _create_temp_file(path)
    try:
        yield temp
        _fsync_file(temp)
        _call_hook("written", path)
        os.replace(temp, path)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temp)
        if isinstance(error, OSError) and error.filename in (temp, None) and error.errno is not None:
            raise OSError(error.errno, error.strerror or os.strerror(error.errno), path) from None
        raise
    _fsync_directory(os.path.dirname(os.path.abspath(path)))
    _call_hook("replaced", path)


def _call_hook(stage, path):
    if _write_hook is not None:
        _write_hook(stage, path)


def atomic_write(path, write_fn, mode="wb"):
    """Open a temporary file (in `mode`, "wb" or "w"), call write_fn(file), then atomically replace `path`.

    Returns whatever write_fn returns. If write_fn raises, `path` is left as it was and no temp file remains.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', got {mode!r}")
    with atomic_path(path) as temp:
        with open(temp, mode) as file:
            result = write_fn(file)
    return result


def copy_file_atomic(source, path):
    """Copy the file `source` to `path` atomically (a reader of `path` sees the old file or the whole copy)."""
    with open(source, "rb") as original:
        atomic_write(path, lambda file: shutil.copyfileobj(original, file, 2**20))
    return path


def save_npz_atomic(path, arrays, compressed=False):
    """Write a dict name -> array to `path` as an .npz archive, atomically; np.load reads it back.

    An .npz is a zip archive holding one "<name>.npy" file per array; we write it with zipfile and
    np.lib.format.write_array (what np.savez does inside), so `path` is used exactly as given (np.savez on a
    file name would append ".npz") and any string is a valid name. Object arrays are refused with ValueError:
    they would need pickle, and resnet_np reads its files with np.load(..., allow_pickle=False).
    """
    checked = {}
    for name, value in arrays.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"save_npz_atomic: array names must be non-empty strings, got {name!r}")
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise ValueError(
                f"save_npz_atomic: '{name}' is an object array (dtype {array.dtype}); it would need pickle, "
                "which resnet_np never uses for files. Store numbers, strings or JSON text instead."
            )
        checked[name] = array
    compression = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED

    def write_archive(file):
        with zipfile.ZipFile(file, "w", compression=compression, allowZip64=True) as archive:
            for name, array in checked.items():
                with archive.open(name + ".npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)

    atomic_write(path, write_archive)
