"""Saving and loading models and training checkpoints as plain .npz files, without pickle.

A model file is an .npz archive (written atomically) holding
  "__format__"        "resnet_np-model-v1"
  "__version__"       the resnet_np version that wrote it
  "__architecture__"  JSON text, e.g. {"name": "resnet20", "num_classes": 10}: get_model(**it) rebuilds the model
  "__extra__"         JSON text, anything the caller passed as `extra` (e.g. {"test_accuracy": 0.91})
  "conv1.weight", "bn1.running_mean", ...   the state dict, with torchvision's parameter names
A checkpoint file ("resnet_np-checkpoint-v1") has the same records plus
  "__meta__"          JSON text (epoch, history, config, RNG state, ...)
  "model/<name>"      the model's state dict
  "<section>/<name>"  any other flat dict of arrays, e.g. "optimizer/step", "optimizer/momentum_buffer.3"

Every string record is a 0-d unicode array, so np.load(path, allow_pickle=False) reads the whole file:
nothing in it can run code. Problems with a file the user gave (missing, not an .npz, corrupt, foreign,
unknown architecture) raise resnet_np.errors.UserError with one line naming the file.
"""

import json
import math
import os
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np

from .atomic import save_npz_atomic
from .errors import UserError
from .models import get_model
from .nn.init import as_dtype
from .version import __version__

MODEL_FORMAT = "resnet_np-model-v1"
CHECKPOINT_FORMAT = "resnet_np-checkpoint-v1"
FORMAT_KEY = "__format__"
VERSION_KEY = "__version__"
ARCHITECTURE_KEY = "__architecture__"
EXTRA_KEY = "__extra__"
META_KEY = "__meta__"
MODEL_SECTION = "model"
MAX_DEFLATE_RATIO = 1100  # zlib's deflate shrinks data at most ~1032x: a member claiming more is crafted


def _json_record(value, what):
    try:
        return np.array(json.dumps(value, sort_keys=True, allow_nan=True))
    except (TypeError, ValueError) as error:
        raise TypeError(f"{what} must be JSON-serialisable (dicts, lists, str, numbers, bool, None): {error}") from None


def _architecture_of(model, owner):
    architecture = getattr(model, "architecture", None)
    if not isinstance(architecture, dict) or not isinstance(architecture.get("name"), str):
        raise TypeError(
            f"{owner}: the model needs an `architecture` dict with a 'name' (models from "
            f"resnet_np.models.get_model have one), got {type(model).__name__} with architecture={architecture!r}"
        )
    return architecture


def _header(file_format, architecture, owner):
    return {
        FORMAT_KEY: np.array(file_format),
        VERSION_KEY: np.array(__version__),
        ARCHITECTURE_KEY: _json_record(architecture, f"{owner}: model.architecture"),
    }


# ---- writing ---------------------------------------------------------------------------------------------


def save(model, path, extra=None):
    """Save a model (architecture + state dict) to `path` as an .npz file, atomically.

    extra: optional JSON-serialisable dict stored with it (read it back with read_model_info).
    The file name is used exactly as given (no ".npz" is appended). Returns `path`.
    """
    architecture = _architecture_of(model, "save")
    arrays = _header(MODEL_FORMAT, architecture, "save")
    arrays[EXTRA_KEY] = _json_record({} if extra is None else extra, "save: extra")
    for name, array in model.state_dict().items():
        if name.startswith("__"):
            raise ValueError(f"save: state dict name '{name}' clashes with the file's own '__...__' records")
        arrays[name] = array
    save_npz_atomic(path, arrays)
    return path


def save_checkpoint(path, model, meta=None, **sections):
    """Save a training checkpoint to `path` (.npz, atomic) that load_checkpoint reads back.

    model:    stored under "model/<name>", with its architecture, so the model can be rebuilt.
    meta:     JSON-serialisable dict (epoch, history, config, RNG state: bit_generator.state is JSON-ready).
    sections: name=dict str -> np.ndarray, e.g. optimizer=optimizer.state_dict(); stored as "<name>/<key>".
    Returns `path`.
    """
    architecture = _architecture_of(model, "save_checkpoint")
    arrays = _header(CHECKPOINT_FORMAT, architecture, "save_checkpoint")
    arrays[META_KEY] = _json_record({} if meta is None else meta, "save_checkpoint: meta")
    for section, state in {MODEL_SECTION: model.state_dict(), **sections}.items():
        if "/" in section or section.startswith("__"):
            raise ValueError(f"save_checkpoint: section name '{section}' must not contain '/' or start with '__'")
        if not isinstance(state, dict):
            raise TypeError(f"save_checkpoint: section '{section}' must be a dict str -> array, got {type(state)}")
        for name, array in state.items():
            arrays[f"{section}/{name}"] = array
    save_npz_atomic(path, arrays)
    return path


# ---- reading ---------------------------------------------------------------------------------------------


def read_npz(path, names=None):
    """Read the arrays of an .npz file into a dict, with np.load(allow_pickle=False).

    names: read only these entries (those present), e.g. the small records; None reads every array.

    Raises UserError naming the file when it is missing, not an .npz archive, corrupt, or holds a pickled
    object array (refused: unpickling can run code).
    """
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file")
    if os.path.isdir(path):
        raise UserError(f"{path}: is a folder, expected an .npz file")
    if os.path.getsize(path) == 0:
        raise UserError(f"{path}: is empty (0 bytes), expected an .npz file")
    unreadable = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error)
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError:  # neither zip nor .npy: numpy would try pickle, which allow_pickle=False refuses
        raise UserError(f"{path}: not an .npz archive (an .npz file is a zip archive of .npy arrays)") from None
    except unreadable as error:
        raise UserError(f"{path}: corrupt .npz file ({type(error).__name__}: {error})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise UserError(f"{path}: is a single .npy array, not an .npz archive")
    with archive:
        arrays = {}
        wanted = set(archive.files) if names is None else set(names)
        for name in [name for name in archive.files if name in wanted]:
            _check_declared_size(archive, name, path)
            try:
                arrays[name] = archive[name]
            except ValueError as error:
                if "allow_pickle" in str(error):
                    raise UserError(
                        f"{path}: '{name}' is a pickled object array; refused (unpickling can run code)"
                    ) from None
                raise UserError(f"{path}: corrupt .npz file ('{name}': {error})") from None
            except unreadable as error:
                raise UserError(f"{path}: corrupt .npz file ('{name}': {type(error).__name__}: {error})") from None
    return arrays


def _check_declared_size(archive, name, path):
    """Refuse an array whose header declares more data than its zip member holds, before numpy allocates it.

    An .npy header states the array's shape and dtype; numpy allocates that much and then reads. A crafted
    header ("shape (10**12,)") over a few bytes of data would ask for terabytes: compare first.
    """
    member = name + ".npy" if name + ".npy" in archive.zip.namelist() else name
    info = archive.zip.getinfo(member)
    if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size or \
            info.file_size > MAX_DEFLATE_RATIO * info.compress_size + 4096:
        raise UserError(f"{path}: '{name}' claims {info.file_size} bytes from {info.compress_size} stored: "
                        "a corrupt or crafted file")
    try:
        with archive.zip.open(member) as file:
            version = np.lib.format.read_magic(file)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(file)
            header_size = file.tell()
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise UserError(f"{path}: corrupt .npz file ('{name}': {error})") from None
    if dtype.hasobject:
        return  # refused when read: it would need pickle
    declared = math.prod(shape) * dtype.itemsize
    if declared > info.file_size - header_size:
        raise UserError(f"{path}: '{name}' declares shape {shape} of {dtype} ({declared:,} bytes) but holds "
                        f"{info.file_size - header_size:,} bytes: a corrupt or crafted file")


def _text_record(arrays, key, path):
    value = arrays.get(key)
    if value is None or value.shape != () or value.dtype.kind != "U":
        raise UserError(f"{path}: the '{key}' record is missing or not a text record")
    return str(value)


def _json_from(arrays, key, path):
    try:
        return json.loads(_text_record(arrays, key, path))
    except json.JSONDecodeError as error:
        raise UserError(f"{path}: the '{key}' record is not valid JSON ({error})") from None


def _check_format(arrays, path, accepted):
    if FORMAT_KEY not in arrays:
        raise UserError(f"{path}: not a resnet_np model or checkpoint file (no '{FORMAT_KEY}' record)")
    file_format = _text_record(arrays, FORMAT_KEY, path)
    if file_format not in accepted:
        raise UserError(
            f"{path}: file format '{file_format}' is not supported by resnet_np {__version__} "
            f"(expected {' or '.join(accepted)})"
        )
    return file_format


def _build_model(architecture, state, path, dtype):
    """get_model(**architecture), then load_state_dict(state, strict=True); problems become UserError.

    dtype (optional) replaces the architecture's "dtype"; load_state_dict casts the weights to it.
    """
    if not isinstance(architecture, dict) or not isinstance(architecture.get("name"), str):
        raise UserError(f"{path}: the '{ARCHITECTURE_KEY}' record must be a JSON object with a 'name'")
    _check_architecture_size(architecture, state, path)
    options = {key: value for key, value in architecture.items() if key != "name"}
    if dtype is not None:
        options["dtype"] = as_dtype(dtype, "load").name  # a bad dtype is the caller's ValueError, not the file's
    try:
        model = get_model(architecture["name"], **options)
    except UserError as error:  # unknown model name or option
        raise UserError(f"{path}: {error}") from None
    except (TypeError, ValueError) as error:
        raise UserError(f"{path}: cannot build the architecture it records, {architecture} ({error})") from None
    except MemoryError:
        raise UserError(f"{path}: the architecture it records, {architecture}, does not fit in memory") from None
    try:
        model.load_state_dict(state, strict=True)
    except (TypeError, ValueError) as error:
        raise UserError(f"{path}: the weights do not fit architecture '{architecture['name']}' ({error})") from None
    model.eval()
    return model


def _check_architecture_size(architecture, state, path):
    """Refuse an architecture too large for the weights stored with it, before any layer is allocated.

    In a genuine file every size of the architecture is a dimension of some stored weight (num_classes,
    in_channels, widths) or at most the number of stored arrays (depth, blocks per stage), since every layer
    stores at least one. A crafted "num_classes": 10**9 next to ordinary weights is refused here instead of
    asking for gigabytes.
    """
    dimensions = [int(size) for array in state.values() for size in np.shape(array)]
    limit = max(dimensions + [len(state)])

    def integers(value):
        if isinstance(value, (list, tuple)):
            return [number for item in value for number in integers(item)]
        return [value] if isinstance(value, int) and not isinstance(value, bool) else []

    for key, value in architecture.items():
        too_large = [number for number in integers(value) if number > limit]
        if too_large:
            raise UserError(f"{path}: the architecture's {key}={value!r} is larger than anything its weights "
                            f"hold (at most {limit}): a corrupt or crafted file")


def _section(arrays, section):
    prefix = section + "/"
    return {name[len(prefix):]: array for name, array in arrays.items() if name.startswith(prefix)}


def load(path, dtype=None):
    """Rebuild a model saved by save() (or the model of a checkpoint), in eval mode.

    dtype: None keeps the saved dtype; "float32" / "float64" (or np.float32 / np.float64) converts on load.
    Raises UserError naming the file for a missing, corrupt, foreign or incompatible file.
    """
    arrays = read_npz(path)
    file_format = _check_format(arrays, path, (MODEL_FORMAT, CHECKPOINT_FORMAT))
    architecture = _json_from(arrays, ARCHITECTURE_KEY, path)
    if file_format == CHECKPOINT_FORMAT:
        state = _section(arrays, MODEL_SECTION)
    else:
        state = {name: array for name, array in arrays.items() if not name.startswith("__")}
    return _build_model(architecture, state, path, dtype)


def read_model_info(path):
    """The records of a model or checkpoint file without building the model.

    Returns {"format": ..., "version": ..., "architecture": {...}, "extra": {...} or "meta": {...}}.
    Only these small records are read, not the weights.
    """
    arrays = read_npz(path, names=(FORMAT_KEY, VERSION_KEY, ARCHITECTURE_KEY, EXTRA_KEY, META_KEY))
    file_format = _check_format(arrays, path, (MODEL_FORMAT, CHECKPOINT_FORMAT))
    info = {
        "format": file_format,
        "version": _text_record(arrays, VERSION_KEY, path),
        "architecture": _json_from(arrays, ARCHITECTURE_KEY, path),
    }
    if file_format == MODEL_FORMAT:
        info["extra"] = _json_from(arrays, EXTRA_KEY, path) if EXTRA_KEY in arrays else {}
    else:
        info["meta"] = _json_from(arrays, META_KEY, path)
    return info


@dataclass
class Checkpoint:
    """What load_checkpoint returns: the rebuilt model, the meta dict and the other sections by name."""

    model: object
    meta: dict
    sections: dict = field(default_factory=dict)
    architecture: dict = field(default_factory=dict)
    version: str = ""


def load_checkpoint(path, model=None, dtype=None):
    """Read a checkpoint written by save_checkpoint.

    model: None rebuilds the model from the stored architecture (in eval mode); an existing model gets the
           weights loaded into it (strict=True) and keeps its mode, e.g. to resume training.
    Returns a Checkpoint: .model, .meta (dict), .sections (e.g. sections["optimizer"] -> dict of arrays).
    """
    arrays = read_npz(path)
    _check_format(arrays, path, (CHECKPOINT_FORMAT,))
    architecture = _json_from(arrays, ARCHITECTURE_KEY, path)
    meta = _json_from(arrays, META_KEY, path)
    names = {name.split("/", 1)[0] for name in arrays if "/" in name}
    sections = {name: _section(arrays, name) for name in sorted(names - {MODEL_SECTION})}
    state = _section(arrays, MODEL_SECTION)
    if model is None:
        model = _build_model(architecture, state, path, dtype)
    else:
        try:
            model.load_state_dict(state, strict=True)
        except (TypeError, ValueError) as error:
            raise UserError(f"{path}: the checkpoint's weights do not fit this model ({error})") from None
    return Checkpoint(model=model, meta=meta, sections=sections, architecture=architecture,
                      version=_text_record(arrays, VERSION_KEY, path))
