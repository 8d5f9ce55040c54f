"""state_dict / load_state_dict: a module's parameters and buffers as a flat {dotted_name: np.ndarray} dict.

The names are PyTorch's ("layer1.0.bn1.running_mean"), so a PyTorch state_dict converted to NumPy arrays
({k: v.numpy() for k, v in torch_model.state_dict().items()}) loads directly. PyTorch's BatchNorm also stores
"num_batches_tracked" (only used when momentum=None); such entries are accepted and ignored.
"""

from typing import NamedTuple

import numpy as np

IGNORED_SUFFIX = "num_batches_tracked"


class IncompatibleKeys(NamedTuple):
    missing_keys: list
    unexpected_keys: list


def _targets(module):
    """{dotted_name: (array to write into, is_parameter)}, parameters and buffers of each module in order."""
    targets = {}
    for module_name, submodule in module.named_modules():
        prefix = f"{module_name}." if module_name else ""
        for name, parameter in submodule._parameters.items():
            targets.setdefault(prefix + name, parameter.data)
        for name, array in submodule._buffers.items():
            targets.setdefault(prefix + name, array)
    return targets


def state_dict(module):
    """{dotted_name: a copy of the array}: parameters then buffers of each module, depth first (PyTorch's order)."""
    return {name: array.copy() for name, array in _targets(module).items()}


def _is_ignored(key):
    return key == IGNORED_SUFFIX or key.endswith("." + IGNORED_SUFFIX)


def load_state_dict(module, state, strict=True):
    """Copy state[name] into each parameter and buffer, in place, cast to that array's dtype.

    All problems are collected first and reported together in one ValueError, so a user fixes them in one go:
    shape mismatches always; missing and unexpected keys only when strict. Nothing is written if anything is
    reported. Returns IncompatibleKeys(missing_keys, unexpected_keys).
    """
    if not hasattr(state, "keys"):
        raise TypeError(f"load_state_dict: expected a dict of arrays, got {type(state).__name__}")
    targets = _targets(module)
    given = {str(key): state[key] for key in state.keys()}
    missing = [name for name in targets if name not in given]
    unexpected = [key for key in given if key not in targets and not _is_ignored(key)]
    values, mismatched = {}, []
    for name, target in targets.items():
        if name not in given:
            continue
        value = np.asarray(given[name])
        if value.shape != target.shape:
            mismatched.append(f"{name}: expected shape {target.shape}, got {value.shape}")
        elif not (np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer)):
            mismatched.append(f"{name}: expected numbers, got dtype {value.dtype}")
        else:
            values[name] = value

    problems = []
    if mismatched:
        problems.append(f"{len(mismatched)} shape mismatch(es): " + "; ".join(mismatched))
    if strict and missing:
        problems.append(f"{len(missing)} missing key(s): " + ", ".join(missing))
    if strict and unexpected:
        problems.append(f"{len(unexpected)} unexpected key(s): " + ", ".join(unexpected))
    if problems:
        raise ValueError(f"load_state_dict into {type(module).__name__}: " + " | ".join(problems))

    for name, value in values.items():
        targets[name][...] = value.astype(targets[name].dtype, copy=False)
    return IncompatibleKeys(missing, unexpected)
