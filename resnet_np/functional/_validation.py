"""Shared input checks for the ops: one clear ValueError naming the op, the argument and the shapes."""

import numpy as np


def require_ndim(op, name, array, ndim, layout):
    """Raise unless `array` has `ndim` dimensions; `layout` describes them, e.g. '(N, C, H, W)'."""
    array = np.asarray(array)
    if array.ndim != ndim:
        raise ValueError(f"{op}: {name} must be {ndim}-D {layout}, got shape {array.shape}")
    return array


def require_float(op, name, array):
    if not np.issubdtype(np.asarray(array).dtype, np.floating):
        raise ValueError(f"{op}: {name} must be a floating-point array, got dtype {np.asarray(array).dtype}")


def require_same_dtype(op, reference_name, reference, **others):
    """All arrays share the dtype of `reference` (float32 stays float32: no silent upcast)."""
    for name, array in others.items():
        if array is not None and array.dtype != reference.dtype:
            raise ValueError(
                f"{op}: {name} has dtype {array.dtype} but {reference_name} has dtype {reference.dtype}; "
                "use one dtype for all inputs"
            )


def require_shape(op, name, array, expected):
    if array.shape != tuple(expected):
        raise ValueError(f"{op}: {name} must have shape {tuple(expected)}, got {array.shape}")


def require_positive_int(op, name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{op}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def pair(op, name, value, minimum):
    """Accept an int or an (int, int) pair; return (int, int)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
        return tuple(require_positive_int(op, name, v, minimum) for v in value)
    v = require_positive_int(op, name, value, minimum)
    return (v, v)
