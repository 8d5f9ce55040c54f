"""Model files and checkpoints: exact round trips, atomic writes, and clear refusals of bad or unsafe files."""

import json
import os

import numpy as np
import pytest

import resnet_np
from resnet_np.atomic import atomic_path, atomic_write, save_npz_atomic
from resnet_np.errors import UserError
from resnet_np.models import get_model
from resnet_np.serialization import load, load_checkpoint, read_model_info, read_npz, save, save_checkpoint

# A tiny CIFAR-style net with non-default options, to check they all survive a round trip.
TINY = {"name": "cifar_resnet", "depth": 8, "widths": [2, 4, 8], "num_classes": 7, "in_channels": 1, "shortcut": "B"}


def make_model(name="resnet20", dtype=np.float64, seed=0, **kwargs):
    model = get_model(name, **kwargs, dtype=dtype)
    randomise(model, seed)
    return model


def randomise(model, seed):
    """Give every parameter and buffer random values so a lost or swapped array changes the logits."""
    rng = np.random.default_rng(seed)
    state = {}
    for name, array in model.state_dict().items():
        values = rng.standard_normal(array.shape)
        if name.endswith("running_var"):
            values = 0.5 + np.abs(values)
        state[name] = values.astype(array.dtype)
    model.load_state_dict(state, strict=True)


def logits_of(model, in_channels=3, size=8, seed=1, dtype=np.float64):
    model.eval()
    x = np.random.default_rng(seed).standard_normal((2, in_channels, size, size)).astype(dtype)
    return model(x)


def folder_listing(folder):
    return sorted(os.listdir(folder))


# ---- atomic writes ---------------------------------------------------------------------------------------


def test_atomic_write_replaces_the_file_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("old")
    atomic_write(target, lambda file: file.write("new"), mode="w")
    assert target.read_text() == "new"
    assert folder_listing(tmp_path) == ["notes.txt"]


def test_atomic_write_failure_keeps_the_old_file_and_removes_the_temp_file(tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"old contents")

    def write_half_then_fail(file):
        file.write(b"half of the new")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(target, write_half_then_fail)
    assert target.read_bytes() == b"old contents"
    assert folder_listing(tmp_path) == ["model.npz"]


def test_atomic_path_failure_creates_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(tmp_path / "new.bin") as temp:
            with open(temp, "wb") as file:
                file.write(b"partial")
            raise KeyboardInterrupt
    assert folder_listing(tmp_path) == []


def test_atomic_path_temp_file_is_in_the_target_folder(tmp_path):
    with atomic_path(tmp_path / "out.bin") as temp:
        assert os.path.dirname(temp) == str(tmp_path)
        assert os.path.exists(temp)
        with open(temp, "wb") as file:
            file.write(b"data")
    assert (tmp_path / "out.bin").read_bytes() == b"data"


def test_save_npz_atomic_keeps_the_name_and_reads_back_without_pickle(tmp_path):
    target = tmp_path / "arrays.bin"  # np.savez(filename) would have written arrays.bin.npz
    arrays = {"model/conv1.weight": np.arange(6.0).reshape(2, 3), "file": np.int64(3), "text": np.array("héllo")}
    save_npz_atomic(target, arrays)
    assert folder_listing(tmp_path) == ["arrays.bin"]
    with np.load(target, allow_pickle=False) as archive:
        assert archive.files == list(arrays)
        for name, array in arrays.items():
            assert archive[name].dtype == np.asarray(array).dtype
            np.testing.assert_array_equal(archive[name], array)


def test_save_npz_atomic_refuses_object_arrays(tmp_path):
    with pytest.raises(ValueError, match="'bad' is an object array"):
        save_npz_atomic(tmp_path / "x.npz", {"good": np.zeros(2), "bad": np.array([{"a": 1}], dtype=object)})
    assert folder_listing(tmp_path) == []


# ---- model round trip ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", [dict(name="resnet20"), TINY], ids=["resnet20", "tiny"])
def test_save_load_round_trip_gives_identical_logits(tmp_path, dtype, kwargs):
    kwargs = dict(kwargs)
    model = make_model(kwargs.pop("name"), dtype=dtype, **kwargs)
    in_channels = model.architecture.get("in_channels", 3)
    path = tmp_path / "model.npz"
    save(model, path)
    loaded = load(path)
    assert loaded.architecture == model.architecture
    assert not loaded.training
    original, reloaded = model.state_dict(), loaded.state_dict()
    assert list(reloaded) == list(original)
    for name in original:
        assert reloaded[name].dtype == original[name].dtype == dtype, name
        np.testing.assert_array_equal(reloaded[name], original[name], err_msg=name)
    before = logits_of(model, in_channels, dtype=dtype)
    after = logits_of(loaded, in_channels, dtype=dtype)
    assert after.dtype == dtype
    np.testing.assert_array_equal(after, before)


def test_architecture_kwargs_are_preserved(tmp_path):
    model = make_model(**TINY)
    save(model, tmp_path / "tiny.npz")
    loaded = load(tmp_path / "tiny.npz")
    for key, value in TINY.items():
        assert loaded.architecture[key] == value
    assert loaded.state_dict()["fc.weight"].shape[0] == TINY["num_classes"]
    assert loaded.state_dict()["conv1.weight"].shape[1] == TINY["in_channels"]


def test_file_on_disk_is_plain_npz_with_records(tmp_path):
    model = make_model(**TINY)
    path = tmp_path / "model.npz"
    save(model, path, extra={"test_accuracy": 0.5, "epochs": 3})
    with np.load(path, allow_pickle=False) as archive:
        files = set(archive.files)
        assert str(archive["__format__"]) == "resnet_np-model-v1"
        assert str(archive["__version__"]) == resnet_np.__version__
        assert json.loads(str(archive["__architecture__"])) == model.architecture
        np.testing.assert_array_equal(archive["conv1.weight"], model.state_dict()["conv1.weight"])
    assert files == set(model.state_dict()) | {"__format__", "__version__", "__architecture__", "__extra__"}
    info = read_model_info(path)
    assert info["extra"] == {"test_accuracy": 0.5, "epochs": 3}
    assert info["architecture"] == model.architecture


def test_load_converts_dtype_on_request(tmp_path):
    model = make_model(**TINY, dtype=np.float32)
    save(model, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz", dtype=np.float64)
    for name, array in loaded.state_dict().items():
        assert array.dtype == np.float64, name
        np.testing.assert_array_equal(array, model.state_dict()[name].astype(np.float64))


def test_failed_save_keeps_the_previous_model_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    old = make_model(**TINY, seed=0)
    save(old, path)
    new = make_model(**TINY, seed=1)
    calls = []

    def write_some_then_fail(file, array, **kwargs):
        calls.append(1)
        if len(calls) > 3:
            raise OSError("no space left on device")
        original_write_array(file, array, **kwargs)

    original_write_array = np.lib.format.write_array
    monkeypatch.setattr(np.lib.format, "write_array", write_some_then_fail)
    with pytest.raises(OSError, match="no space"):
        save(new, path)
    monkeypatch.undo()
    assert folder_listing(tmp_path) == ["model.npz"]
    np.testing.assert_array_equal(logits_of(load(path), 1), logits_of(old, 1))


def test_save_refuses_a_model_without_architecture(tmp_path):
    class NoArchitecture:
        def state_dict(self):
            return {"w": np.zeros(2)}

    with pytest.raises(TypeError, match="architecture"):
        save(NoArchitecture(), tmp_path / "x.npz")
    assert folder_listing(tmp_path) == []


# ---- checkpoints -----------------------------------------------------------------------------------------


def test_checkpoint_round_trip(tmp_path):
    from resnet_np.optim import SGD

    model = make_model(**TINY)
    optimizer = SGD(model.named_parameters(), lr=0.1, momentum=0.9)
    for param in model.parameters():
        param.grad[...] = 1.0
    optimizer.step()
    generator = np.random.default_rng(5)
    generator.standard_normal(3)
    meta = {"epoch": 4, "history": {"loss": [2.3, 1.9]}, "rng": generator.bit_generator.state}
    path = tmp_path / "checkpoint.npz"
    save_checkpoint(path, model, meta=meta, optimizer=optimizer.state_dict())

    checkpoint = load_checkpoint(path)
    assert checkpoint.meta == json.loads(json.dumps(meta))
    assert checkpoint.architecture == model.architecture
    assert checkpoint.version == resnet_np.__version__
    assert set(checkpoint.sections) == {"optimizer"}
    saved_state = optimizer.state_dict()
    assert set(checkpoint.sections["optimizer"]) == set(saved_state)
    for name, array in saved_state.items():
        assert checkpoint.sections["optimizer"][name].dtype == array.dtype, name
        np.testing.assert_array_equal(checkpoint.sections["optimizer"][name], array)
    np.testing.assert_array_equal(logits_of(checkpoint.model, 1), logits_of(model, 1))

    resumed = np.random.default_rng()
    resumed.bit_generator.state = checkpoint.meta["rng"]
    np.testing.assert_array_equal(resumed.standard_normal(4), generator.standard_normal(4))

    fresh_optimizer = SGD(checkpoint.model.named_parameters(), lr=0.5, momentum=0.0)
    fresh_optimizer.load_state_dict(checkpoint.sections["optimizer"])
    assert fresh_optimizer.param_groups[0]["lr"] == 0.1


def test_load_checkpoint_into_an_existing_model_and_load_accepts_checkpoints(tmp_path):
    model = make_model(**TINY, seed=0)
    save_checkpoint(tmp_path / "c.npz", model, meta={"epoch": 1})
    target = make_model(**TINY, seed=9)
    target.train()
    result = load_checkpoint(tmp_path / "c.npz", model=target)
    assert result.model is target and target.training
    np.testing.assert_array_equal(logits_of(target, 1), logits_of(model, 1))
    np.testing.assert_array_equal(logits_of(load(tmp_path / "c.npz"), 1), logits_of(model, 1))


def test_load_checkpoint_refuses_a_model_file(tmp_path):
    save(make_model(**TINY), tmp_path / "m.npz")
    with pytest.raises(UserError, match="resnet_np-model-v1"):
        load_checkpoint(tmp_path / "m.npz")


# ---- bad files -------------------------------------------------------------------------------------------


def assert_user_error(path, *fragments):
    with pytest.raises(UserError) as info:
        load(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message


def test_missing_file_and_folder(tmp_path):
    assert_user_error(tmp_path / "nothing.npz", "no such file")
    assert_user_error(tmp_path, "folder")


def test_not_an_npz_file(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("just some text, not a zip archive\n" * 10)
    assert_user_error(text, "not an .npz")
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    assert_user_error(single, ".npy")


def test_foreign_npz_without_records(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.zeros(3))
    assert_user_error(path, "not a resnet_np", "__format__")


def test_unsupported_format_version(tmp_path):
    path = tmp_path / "future.npz"
    save_npz_atomic(path, {"__format__": np.array("resnet_np-model-v9"), "__architecture__": np.array("{}")})
    assert_user_error(path, "resnet_np-model-v9", "not supported")


@pytest.mark.parametrize("cut", ["truncated", "flipped"])
def test_corrupt_file(tmp_path, cut):
    path = tmp_path / "model.npz"
    save_npz_atomic(path, {"__format__": np.array("resnet_np-model-v1"), "weights": np.arange(4000.0)})
    data = bytearray(path.read_bytes())
    if cut == "truncated":
        data = data[: len(data) // 2]
    else:
        middle = len(data) // 2
        data[middle : middle + 16] = bytes(16)
    path.write_bytes(bytes(data))
    assert_user_error(path)


class _RunsCodeWhenUnpickled:
    """Unpickling this object calls open(marker, "w"): a harmless stand-in for arbitrary code."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickled_object_array_is_refused_not_executed(tmp_path):
    marker = tmp_path / "code_ran"
    path = tmp_path / "evil.npz"
    evil = np.empty(1, dtype=object)
    evil[0] = _RunsCodeWhenUnpickled(str(marker))
    np.savez(path, __format__=np.array("resnet_np-model-v1"), payload=evil)
    assert_user_error(path, "pickle")
    with pytest.raises(UserError, match="pickle"):
        read_npz(path)
    assert not marker.exists()


def test_unknown_architecture_name(tmp_path):
    model = make_model(**TINY)
    path = tmp_path / "m.npz"
    save(model, path)
    arrays = read_npz(path)
    arrays["__architecture__"] = np.array(json.dumps({"name": "resnet9000"}))
    save_npz_atomic(path, arrays)
    assert_user_error(path, "unknown model 'resnet9000'", "resnet20")


def test_architecture_record_that_is_not_json(tmp_path):
    path = tmp_path / "m.npz"
    save_npz_atomic(path, {"__format__": np.array("resnet_np-model-v1"), "__architecture__": np.array("{oops")})
    assert_user_error(path, "__architecture__", "JSON")


def test_weights_that_do_not_fit_the_architecture(tmp_path):
    model = make_model(**TINY)
    path = tmp_path / "m.npz"
    save(model, path)
    arrays = read_npz(path)
    del arrays["fc.bias"]
    save_npz_atomic(path, arrays)
    assert_user_error(path, "do not fit", "fc.bias")



def test_extra_that_is_not_json_is_refused_before_writing(tmp_path):
    with pytest.raises(TypeError, match="extra must be JSON-serialisable"):
        save(make_model(**TINY), tmp_path / "m.npz", extra={"array": np.zeros(2)})
    assert folder_listing(tmp_path) == []


def test_load_refuses_an_unsupported_dtype(tmp_path):
    save(make_model(**TINY), tmp_path / "m.npz")
    with pytest.raises(ValueError, match="float16"):
        load(tmp_path / "m.npz", dtype="float16")


def test_read_npz_can_read_only_some_entries(tmp_path):
    path = tmp_path / "m.npz"
    evil = np.empty(1, dtype=object)
    np.savez(path, small=np.arange(3), payload=evil)  # the pickled entry is never touched
    assert set(read_npz(path, names=["small", "absent"])) == {"small"}
    with pytest.raises(UserError, match="'payload' is a pickled object array"):
        read_npz(path)
