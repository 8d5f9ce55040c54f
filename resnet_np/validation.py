"""Argument checks, in one place: each raises one clear error naming who asked, the argument, and what was expected.

    positive_int("Conv2d", "in_channels", 16)           -> 16
    pair("maxpool2d", "stride", 2, minimum=1)           -> (2, 2)
    number("SGD", "momentum", 0.9, minimum=0, below=1)  -> 0.9
    require_ndim("conv2d", "x", x, 4, "(N, C, H, W)")   -> x as an array

The ops, the layers, the optimisers, the trainer and the command line all use these. `error` chooses the
exception class: ValueError for the library (a programming mistake), UserError where a person typed the value.
"""

import math

import numpy as np


def _is_integer(value):
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def _is_real_number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))


def positive_int(owner, name, value, minimum=1, maximum=None, error=ValueError):
    """value as an int, if it is an integer in [minimum, maximum]; else `error` naming owner and name."""
    if not _is_integer(value) or value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise error(f"{owner}: {name} must be an integer {bounds}, got {value!r}")
    return int(value)


def pair(owner, name, value, minimum=1):
    """An int or an (int, int) pair, each >= minimum -> (int, int). Kernel sizes, strides, paddings."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{owner}: {name} must be an integer or a pair of integers, got {value!r}")
        return tuple(positive_int(owner, name, item, minimum) for item in value)
    item = positive_int(owner, name, value, minimum)
    return (item, item)


def number(owner, name, value, minimum=None, below=None, maximum=None, above=None, error=ValueError):
    """value as a float, if it is a finite real number with minimum <= value (< below) (<= maximum) (> above)."""
    valid = _is_real_number(value) and math.isfinite(value)
    valid = valid and (minimum is None or value >= minimum) and (below is None or value < below)
    valid = valid and (maximum is None or value <= maximum) and (above is None or value > above)
    if not valid:
        bounds = [f"> {above:g}" if above is not None else "",
                  f">= {minimum:g}" if minimum is not None else "",
                  f"< {below:g}" if below is not None else "",
                  f"<= {maximum:g}" if maximum is not None else ""]
        expected = " and ".join(bound for bound in bounds if bound)
        raise error(f"{owner}: {name} must be a finite number{' ' + expected if expected else ''}, got {value!r}")
    return float(value)


def float_dtype(owner, name, dtype, error=ValueError):
    """np.dtype(dtype), if it is a floating-point type ("float32", np.float64, ...)."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or not np.issubdtype(resolved, np.floating):
        shown = repr(dtype) if resolved is None else resolved.name
        raise error(f"{owner}: {name} must be a floating-point type (e.g. float32), got {shown}")
    return resolved


def choice(owner, name, value, choices, error=ValueError):
    """value, if it is one of `choices`."""
    if value not in choices:
        raise error(f"{owner}: unknown {name} {value!r}; choose one of {', '.join(map(str, choices))}")
    return value


# ------------------------------------------------------------------------------------------------------------------
# Arrays
# ------------------------------------------------------------------------------------------------------------------


def require_ndim(owner, name, array, ndim, layout):
    """`array` as an ndarray, if it has `ndim` dimensions; `layout` describes them, e.g. '(N, C, H, W)'."""
    array = np.asarray(array)
    if array.ndim != ndim:
        raise ValueError(f"{owner}: {name} must be {ndim}-D {layout}, got shape {array.shape}")
    return array


def require_float(owner, name, array):
    if not np.issubdtype(np.asarray(array).dtype, np.floating):
        raise ValueError(f"{owner}: {name} must be a floating-point array, got dtype {np.asarray(array).dtype}")


def require_same_dtype(owner, reference_name, reference, **others):
    """All arrays share the dtype of `reference` (float32 stays float32: no silent upcast)."""
    for name, array in others.items():
        if array is not None and array.dtype != reference.dtype:
            raise ValueError(
                f"{owner}: {name} has dtype {array.dtype} but {reference_name} has dtype {reference.dtype}; "
                "use one dtype for all inputs"
            )


def require_shape(owner, name, array, expected):
    if np.shape(array) != tuple(expected):
        raise ValueError(f"{owner}: {name} must have shape {tuple(expected)}, got {np.shape(array)}")
