"""CIFAR-10 loading: genuine-format batches and archives made here (no network), and the attacks it must refuse."""

import hashlib
import io
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest

import resnet_np.data.cifar10 as cifar10_module
from resnet_np.data import (
    ForbiddenGlobalError,
    download_file,
    extract_archive,
    load_cifar10,
    load_dataset,
    restricted_loads,
    safe_extract_tar,
    verify_md5,
)
from resnet_np.errors import UserError

# ------------------------------------------------------------------------------------------- CIFAR-10


class _Python2Pickler(pickle._Pickler):
    """Writes str and bytes as Python 2 strings, like the cPickle that made the genuine CIFAR-10 files."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_python2_string(self, obj):
        data = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[str] = save_python2_string
    dispatch[bytes] = save_python2_string


def _genuine_style_pickle(obj):
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue().replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")


NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _write_cifar_folder(folder, per_batch=3, modern=False):
    """Write a small CIFAR-10 folder (per_batch images per batch); return (x_train, y_train, x_test, y_test)."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    dump = (lambda obj: pickle.dumps(obj, protocol=4)) if modern else _genuine_style_pickle
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=per_batch)]
        batches[name] = (data, labels)
        content = {"batch_label": f"{name}", "labels": labels, "data": data, "filenames": ["a.png"] * per_batch}
        if modern:
            content = {k.encode(): v for k, v in content.items()}
        (folder / name).write_bytes(dump(content))
    meta = {"num_cases_per_batch": per_batch, "label_names": NAMES, "num_vis": 3072}
    (folder / "batches.meta").write_bytes(dump(meta))
    train = [batches[f"data_batch_{i}"] for i in range(1, 6)]
    x_train = np.concatenate([d for d, _ in train]).reshape(-1, 3, 32, 32)
    y_train = np.concatenate([lab for _, lab in train])
    return x_train, y_train, batches["test_batch"][0].reshape(-1, 3, 32, 32), np.array(batches["test_batch"][1])


def _make_archive(tmp_path, name="cifar-10-python.tar.gz"):
    source = tmp_path / "source"
    expected = _write_cifar_folder(source / "cifar-10-batches-py")
    archive = tmp_path / "download" / name
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    return archive, expected


def _assert_cifar_matches(data, expected):
    x_train, y_train, x_test, y_test = expected
    assert data.x_train.shape == (15, 3, 32, 32) and data.x_test.shape == (3, 3, 32, 32)
    np.testing.assert_allclose(data.x_train, x_train / 255.0, rtol=1e-6)
    np.testing.assert_allclose(data.x_test, x_test / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(data.y_train, y_train)
    np.testing.assert_array_equal(data.y_test, y_test)
    assert data.y_train.dtype == np.int64 and data.class_names == tuple(NAMES) and data.in_channels == 3


@pytest.mark.parametrize("modern", [False, True], ids=["python2-pickles", "python3-pickles"])
def test_cifar10_from_extracted_folder(tmp_path, modern):
    expected = _write_cifar_folder(tmp_path / "cifar-10-batches-py", modern=modern)
    data = load_cifar10(tmp_path)
    _assert_cifar_matches(data, expected)
    assert data.x_train.dtype == np.float32
    _assert_cifar_matches(load_cifar10(tmp_path / "cifar-10-batches-py", dtype=np.float64), expected)
    resized = load_dataset("cifar10", data_dir=tmp_path, image_size=16, dtype=np.float64)
    assert resized.x_train.shape == (15, 3, 16, 16) and resized.x_train.dtype == np.float64
    assert resized.mean.shape == (3,)


def test_cifar10_from_archive_checks_md5_first(tmp_path):
    archive, expected = _make_archive(tmp_path)
    with pytest.raises(UserError, match="MD5 mismatch"):  # a home-made archive is not the official one
        load_cifar10(archive.parent)
    assert not (archive.parent / "cifar-10-batches-py").exists()
    _assert_cifar_matches(load_cifar10(archive.parent, md5=None), expected)
    assert (archive.parent / "cifar-10-batches-py" / "test_batch").is_file()
    assert [p.name for p in archive.parent.iterdir() if p.name.startswith(".extract")] == []

    digest = hashlib.md5(archive.read_bytes()).hexdigest()
    verify_md5(archive, digest)
    with pytest.raises(UserError, match="MD5 mismatch"):
        verify_md5(archive, "0" * 32)
    other = tmp_path / "other"
    _assert_cifar_matches(load_cifar10(extract_archive(archive, other, md5=digest)), expected)


def test_cifar10_download_flow_offline_with_a_file_url(tmp_path, monkeypatch):
    archive, expected = _make_archive(tmp_path)
    digest = hashlib.md5(archive.read_bytes()).hexdigest()
    destination = tmp_path / "downloaded" / "copy.tar.gz"
    with pytest.raises(UserError, match="MD5 mismatch"):
        download_file(archive.as_uri(), destination, expected_md5="0" * 32)
    assert not destination.parent.exists() or list(destination.parent.iterdir()) == []  # no partial file
    download_file(archive.as_uri(), destination, expected_md5=digest)
    assert destination.read_bytes() == archive.read_bytes()

    monkeypatch.setattr(cifar10_module, "CIFAR10_URL", archive.as_uri())
    data_dir = tmp_path / "fresh"
    _assert_cifar_matches(load_cifar10(data_dir, download=True, md5=digest), expected)
    assert (data_dir / "cifar-10-python.tar.gz").is_file()


class _Evil:
    def __init__(self, function, argument):
        self.function, self.argument = function, argument

    def __reduce__(self):
        return (self.function, (self.argument,))


@pytest.mark.parametrize("attack", ["os.system", "builtins.eval"])
def test_malicious_pickle_is_refused_without_running(tmp_path, attack):
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar_folder(folder)
    marker = tmp_path / "pwned"
    if attack == "os.system":
        payload = _Evil(os.system, f"echo pwned > {marker}")
    else:
        payload = _Evil(eval, f"open({str(marker)!r}, 'w').write('pwned')")
    evil_bytes = pickle.dumps({b"data": payload, b"labels": [0]}, protocol=4)
    refused = "posix.system|nt.system" if attack == "os.system" else "builtins.eval"
    with pytest.raises(ForbiddenGlobalError, match=refused):
        restricted_loads(evil_bytes)
    (folder / "data_batch_1").write_bytes(evil_bytes)
    with pytest.raises(UserError, match=f"data_batch_1.*refused to load global ({refused})"):
        load_cifar10(tmp_path)
    assert not marker.exists()
    with pytest.raises(ForbiddenGlobalError, match="_codecs.encode"):
        restricted_loads(pickle.dumps({b"data": 1}, protocol=2))  # even harmless-looking extra globals


def _replace_batch(folder, name, content):
    (folder / name).write_bytes(_genuine_style_pickle(content))


@pytest.mark.parametrize(
    "breakage, message",
    [
        ("truncated", "data_batch_2 is not a readable CIFAR-10 file"),
        ("not a dict", "data_batch_2: expected a pickled dict"),
        ("wrong shape", r"data_batch_2: expected 'data' as a uint8 array of shape \(n, 3072\)"),
        ("wrong dtype", "data_batch_2: expected 'data' as a uint8"),
        ("label range", "data_batch_2: labels must lie in 0..9"),
        ("label count", "data_batch_2: expected 'labels' as 2 integers"),
        ("missing file", "incomplete: missing data_batch_2"),
    ],
)
def test_corrupt_or_missing_cifar_files_raise_user_error(tmp_path, breakage, message):
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar_folder(folder)
    good = np.zeros((2, 3072), dtype=np.uint8)
    if breakage == "truncated":
        (folder / "data_batch_2").write_bytes((folder / "data_batch_2").read_bytes()[:100])
    elif breakage == "not a dict":
        _replace_batch(folder, "data_batch_2", [1, 2, 3])
    elif breakage == "wrong shape":
        _replace_batch(folder, "data_batch_2", {"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]})
    elif breakage == "wrong dtype":
        _replace_batch(folder, "data_batch_2", {"data": good.astype(np.float32), "labels": [0, 1]})
    elif breakage == "label range":
        _replace_batch(folder, "data_batch_2", {"data": good, "labels": [0, 10]})
    elif breakage == "label count":
        _replace_batch(folder, "data_batch_2", {"data": good, "labels": [0, 1, 2]})
    else:
        (folder / "data_batch_2").unlink()
    with pytest.raises(UserError, match=message):
        load_cifar10(tmp_path)


def test_missing_cifar_folder_says_what_and_where(tmp_path, monkeypatch):
    with pytest.raises(UserError, match=r"expected cifar-10-batches-py/ \(data_batch_1..5.*nowhere.*does not exist"):
        load_cifar10(tmp_path / "nowhere")
    with pytest.raises(UserError, match="cifar-10-python.tar.gz.*download=True"):
        load_cifar10(tmp_path)
    monkeypatch.setenv("RESNET_NP_DATA", str(tmp_path / "env"))
    with pytest.raises(UserError, match="env"):
        load_dataset("cifar10")
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(b"not a tar archive")
    with pytest.raises(UserError, match="cannot read archive"):
        load_cifar10(tmp_path, md5=None)


def _tar_with(archive, name, kind=tarfile.REGTYPE):
    with tarfile.open(archive, "w:gz") as tar:
        member = tarfile.TarInfo(name)
        member.type = kind
        if kind == tarfile.SYMTYPE:
            member.linkname = "/etc/passwd"
            tar.addfile(member)
        else:
            member.size = 5
            tar.addfile(member, io.BytesIO(b"owned"))


@pytest.mark.parametrize(
    "name, kind",
    [
        ("../escaped.txt", tarfile.REGTYPE),
        ("cifar-10-batches-py/../../escaped.txt", tarfile.REGTYPE),
        ("ABSOLUTE", tarfile.REGTYPE),
        ("cifar-10-batches-py/link", tarfile.SYMTYPE),
    ],
)
def test_unsafe_archive_members_are_refused(tmp_path, name, kind):
    archive = tmp_path / "cifar-10-python.tar.gz"
    if name == "ABSOLUTE":  # an absolute path that, if wrongly honoured, still lands inside tmp_path
        name = str(tmp_path / "escaped.txt")
    _tar_with(archive, name, kind)
    target = tmp_path / "inside" / "deeper"
    with pytest.raises(UserError, match="unsafe path|not a plain file"):
        safe_extract_tar(archive, target)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "inside" / "escaped.txt").exists()
    assert not target.exists()
    with pytest.raises(UserError):
        load_cifar10(tmp_path, md5=None)


def test_a_batch_file_far_larger_than_cifar10_is_refused_before_it_is_read(tmp_path):
    oversized = tmp_path / "data_batch_1"
    with open(oversized, "wb") as file:
        file.truncate(cifar10_module.MAX_BATCH_BYTES + 1)  # sparse: takes no disk space
    with pytest.raises(UserError, match="a CIFAR-10 batch file is about 31 MB: not a genuine CIFAR-10 file"):
        cifar10_module.read_batch(oversized)


@pytest.mark.parametrize("name", ["digits", "synthetic"])
def test_a_data_folder_for_a_dataset_that_reads_no_files_is_refused(tmp_path, name):
    with pytest.raises(UserError, match=f"--data-dir.*does not apply to the {name} dataset"):
        load_dataset(name, data_dir=str(tmp_path))
