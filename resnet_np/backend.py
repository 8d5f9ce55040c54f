"""The one switch between the two implementations of every op: the layers call ops(), never a backend directly.

    from resnet_np.backend import ops
    out, cache = ops().conv2d_forward(x, w, b, stride, padding)

ops() is resnet_np.functional (the readable NumPy maths) when the backend is "reference", resnet_np.fast (the
engine) when it is "fast"; choose with resnet_np.set_backend(...) or RESNET_NP_BACKEND (see runtime.py).
"""

from . import fast, functional, runtime

_IMPLEMENTATIONS = {"reference": functional, "fast": fast}


def ops():
    """The module whose ops the layers call now: resnet_np.functional or resnet_np.fast."""
    if not runtime.blas_is_configured():
        runtime.apply_blas_threads()
    return _IMPLEMENTATIONS[runtime.get_backend()]
