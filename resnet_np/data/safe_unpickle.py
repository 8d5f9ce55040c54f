"""A restricted unpickler for the CIFAR-10 "python version" batches.

Unpickling runs code: a pickle may name any importable function (os.system, builtins.eval, ...) and call it
while loading. The genuine CIFAR-10 batches are Python 2 pickles of plain dicts of strings, lists, ints and
one numpy uint8 array, so the only globals they ever need are numpy's array reconstruction helpers. This
unpickler admits exactly those and refuses every other global before anything is called.
"""

import io
import pickle

import numpy as np

try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _reconstruct

# (module, name) written in the pickle -> the object it is allowed to mean. numpy 1.x writes
# numpy.core.multiarray, numpy 2.x numpy._core.multiarray; both mean the same function. We map the names
# ourselves instead of importing the module named in the file.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class ForbiddenGlobalError(pickle.UnpicklingError):
    """The pickle asked for a global outside the allowed list; nothing was called."""


class RestrictedUnpickler(pickle.Unpickler):
    """pickle.Unpickler that resolves only the globals in _ALLOWED_GLOBALS and refuses all others."""

    def find_class(self, module, name):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise ForbiddenGlobalError(
                f"refused to load global {module}.{name} (only numpy arrays are allowed)"
            ) from None

    def persistent_load(self, pid):
        raise ForbiddenGlobalError("refused persistent id (not used by CIFAR-10 batches)")


def restricted_loads(data):
    """Unpickle bytes with RestrictedUnpickler; Python 2 strings come back as bytes (encoding="bytes").

    Raises ForbiddenGlobalError (a pickle.UnpicklingError) for any forbidden global, before calling anything;
    corrupt data raises the usual pickle errors.
    """
    return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
