"""Atomic file writes: a reader sees either the old file or the complete new one, never half a file.

The recipe: write to a temporary file in the same folder, flush it to disk (fsync), then os.replace it over
the final name. os.replace is atomic when both names are on the same file system, which is why the temporary
file lives next to the target rather than in /tmp. If anything fails before the rename, the temporary file is
removed and the old file (if any) is left exactly as it was.

    with atomic_path("model.npz") as temp:
        write_something_to(temp)
    atomic_write("notes.txt", lambda file: file.write(b"hello"))
    save_npz_atomic("model.npz", {"conv1.weight": w})
"""

import contextlib
import os
import secrets
import zipfile

import numpy as np


def _create_temp_file(path):
    """Create an empty, new temporary file next to `path` and return its name.

    The name starts with a dot and ends with ".tmp" so a leftover is easy to spot. os.open with mode 0o666
    lets the user's umask decide the permissions, as for any ordinary new file (tempfile.mkstemp would
    give 0o600 to the final file).
    """
    directory, name = os.path.split(os.path.abspath(path))
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
    The folder of `path` must already exist.
    """
    path = os.fspath(path)
    temp = _create_temp_file(path)
    try:
        yield temp
        _fsync_file(temp)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temp)
        raise
    _fsync_directory(os.path.dirname(os.path.abspath(path)))


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
