"""CIFAR-10 (60,000 32x32 colour images, 10 classes) from the official "python version" archive.

Where the files may be (data_dir, default $RESNET_NP_DATA/cifar10 or ~/.cache/resnet_np/cifar10):
    data_dir/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}   (extracted archive)
    data_dir/{data_batch_1..5, test_batch, batches.meta}                       (the batches themselves)
    data_dir/cifar-10-python.tar.gz                                            (extracted on first use)
download=True fetches the archive from CIFAR10_URL into data_dir first (atomically, MD5 checked).
The batches are pickles; they are read with a restricted unpickler that can only rebuild numpy arrays.
"""

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..validation import float_dtype
from .archive import download_file, safe_extract_tar, verify_md5
from .dataset import Dataset
from .safe_unpickle import ForbiddenGlobalError, restricted_loads

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE_NAME = "cifar-10-python.tar.gz"
FOLDER_NAME = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
META_FILE = "batches.meta"
ALL_FILES = TRAIN_FILES + (TEST_FILE, META_FILE)
MAX_BATCH_BYTES = 64 * 2**20  # a genuine batch file is about 31 MB; anything far larger is not one
EXPECTED = f"{FOLDER_NAME}/ (data_batch_1..5, test_batch, batches.meta) or {ARCHIVE_NAME}"


def default_data_dir():
    """$RESNET_NP_DATA/cifar10 if that variable is set, else ~/.cache/resnet_np/cifar10."""
    return Path(os.environ.get("RESNET_NP_DATA", "~/.cache/resnet_np")).expanduser() / "cifar10"


def _read_pickle(path):
    """Restricted-unpickle a file into a dict with str keys, or raise UserError naming the file."""
    size = os.path.getsize(path)
    if size > MAX_BATCH_BYTES:
        raise UserError(f"{path} is {size / 2**20:.0f} MB; a CIFAR-10 batch file is about 31 MB: not a genuine "
                        "CIFAR-10 file, refusing to load it")
    try:
        content = restricted_loads(Path(path).read_bytes())
    except ForbiddenGlobalError as error:
        raise UserError(f"{path}: {error}; this is not a genuine CIFAR-10 file, refusing to load it") from None
    except Exception as error:  # corrupt pickles fail in many ways (EOFError, ValueError, KeyError, ...)
        raise UserError(f"{path} is not a readable CIFAR-10 file (corrupt or truncated: {error!r})") from None
    if not isinstance(content, dict):
        raise UserError(f"{path}: expected a pickled dict, found {type(content).__name__}")
    return {key.decode("latin1") if isinstance(key, bytes) else key: value for key, value in content.items()}


def read_batch(path):
    """One CIFAR-10 batch file -> (images (n, 3, 32, 32) uint8, labels (n,) int64 in 0..9).

    The file holds data (n, 3072) uint8, each row the 1024 red, then green, then blue values of a 32x32
    image in row-major order, and labels, a list of n integers.
    """
    content = _read_pickle(path)
    data, labels = content.get("data"), content.get("labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        found = f"{data.dtype} array of shape {data.shape}" if isinstance(data, np.ndarray) else repr(type(data))
        raise UserError(f"{path}: expected 'data' as a uint8 array of shape (n, 3072), found {found}")
    try:
        labels = np.asarray(labels)
    except Exception:  # ragged or exotic contents
        labels = np.asarray([None])
    if labels.ndim != 1 or len(labels) != len(data) or labels.dtype.kind not in "iu":
        raise UserError(
            f"{path}: expected 'labels' as {len(data)} integers, found {labels.dtype} of shape {labels.shape}"
        )
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise UserError(f"{path}: labels must lie in 0..9, found {labels.min()}..{labels.max()}")
    return data.reshape(-1, 3, 32, 32), labels.astype(np.int64)


def read_label_names(path):
    """batches.meta -> tuple of the 10 class names ('airplane', ..., 'truck')."""
    names = _read_pickle(path).get("label_names")
    if not isinstance(names, list) or len(names) != 10 or not all(isinstance(n, (bytes, str)) for n in names):
        raise UserError(f"{path}: expected 'label_names' as a list of 10 strings, found {names!r}")
    return tuple(n.decode("utf-8") if isinstance(n, bytes) else n for n in names)


def _check_folder(folder):
    missing = [name for name in ALL_FILES if not (folder / name).is_file()]
    if missing:
        raise UserError(f"CIFAR-10 folder {folder} is incomplete: missing {', '.join(missing)}")
    return folder


def extract_archive(archive_path, data_dir, md5=CIFAR10_MD5):
    """Check the archive's MD5 (skipped when md5 is None) and extract it to data_dir/cifar-10-batches-py.

    Extraction goes to a temporary folder inside data_dir first and is moved into place only when complete.
    """
    archive_path, data_dir = Path(archive_path), Path(data_dir)
    if md5 is not None:
        verify_md5(archive_path, md5)
    data_dir.mkdir(parents=True, exist_ok=True)
    temp_dir = Path(tempfile.mkdtemp(dir=data_dir, prefix=".extract-"))
    try:
        safe_extract_tar(archive_path, temp_dir)
        extracted = temp_dir / FOLDER_NAME
        if not extracted.is_dir():
            raise UserError(f"archive {archive_path} has no {FOLDER_NAME}/ folder: not the CIFAR-10 python archive")
        _check_folder(extracted)
        target = data_dir / FOLDER_NAME
        if not target.exists():
            os.replace(extracted, target)
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
    return _check_folder(data_dir / FOLDER_NAME)


def find_cifar10_folder(data_dir=None, download=False, md5=CIFAR10_MD5):
    """Folder holding the CIFAR-10 batch files, extracting or downloading the archive when needed.

    data_dir may also be the path of the archive itself. Raises UserError saying what was expected and where.
    """
    data_dir = default_data_dir() if data_dir is None else Path(data_dir).expanduser()
    if data_dir.is_file():
        return extract_archive(data_dir, data_dir.parent, md5)
    for folder in (data_dir / FOLDER_NAME, data_dir):
        if any((folder / name).exists() for name in ALL_FILES):
            return _check_folder(folder)
    archive = data_dir / ARCHIVE_NAME
    if not archive.is_file() and download:
        download_file(CIFAR10_URL, archive, expected_md5=md5)
    if archive.is_file():
        return extract_archive(archive, data_dir, md5)
    where = "does not exist" if not data_dir.exists() else "does not contain it"
    raise UserError(
        f"CIFAR-10 not found: expected {EXPECTED} in {data_dir}, which {where} "
        f"(use download=True / --download to fetch it from {CIFAR10_URL})"
    )


def load_cifar10(data_dir=None, download=False, dtype=np.float32, md5=CIFAR10_MD5):
    """CIFAR-10 as a Dataset: x (N, 3, 32, 32) in [0, 1] of `dtype`, y (N,) int64; 50,000 train / 10,000 test.

    md5: the archive checksum to insist on before extracting (the official one by default; None skips the
        check, e.g. for a home-made archive in the same format).
    """
    dtype = float_dtype("load_cifar10", "dtype", dtype)
    folder = find_cifar10_folder(data_dir, download, md5)
    train = [read_batch(folder / name) for name in TRAIN_FILES]
    x_test, y_test = read_batch(folder / TEST_FILE)
    x_train = np.concatenate([images for images, _ in train])
    y_train = np.concatenate([labels for _, labels in train])
    x_train = x_train.astype(dtype)
    x_train /= 255
    x_test = x_test.astype(dtype)
    x_test /= 255
    return Dataset(
        name="cifar10",
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        num_classes=10,
        in_channels=3,
        class_names=read_label_names(folder / META_FILE),
    )
