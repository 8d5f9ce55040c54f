"""Weight initialisation, as torchvision's ResNet does it.

Conv weights: Kaiming normal, "fan_out" mode, for ReLU networks (He et al. 2015, "Delving deep into rectifiers"):
    w ~ Normal(0, std),  std = sqrt(2 / fan_out),  fan_out = out_channels * kh * kw
Linear weight and bias: PyTorch's nn.Linear default,
    uniform(-1/sqrt(in_features), 1/sqrt(in_features))
BatchNorm: gamma = 1, beta = 0; running_mean = 0, running_var = 1.

Values are drawn in float64 and then cast, so a seed gives the same weights (up to rounding) in float32 and float64.
"""

import numpy as np

SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_dtype(dtype, owner="model"):
    """np.dtype for "float32"/"float64" (or the NumPy types); anything else is a ValueError."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as error:
        raise ValueError(f"{owner}: dtype must be float32 or float64, got {dtype!r}") from error
    if resolved not in SUPPORTED_DTYPES:
        raise ValueError(f"{owner}: dtype must be float32 or float64, got {resolved.name}")
    return resolved


def as_rng(rng):
    """A np.random.Generator: rng itself, or a fresh unseeded one for None."""
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    return rng


def kaiming_normal_fan_out(shape, rng, dtype):
    """Conv weight of shape (out_channels, in_channels, kh, kw): Normal(0, sqrt(2 / (out_channels * kh * kw)))."""
    out_channels, _, kh, kw = shape
    std = np.sqrt(2.0 / (out_channels * kh * kw))
    return (rng.standard_normal(shape) * std).astype(dtype)


def uniform_fan_in(shape, fan_in, rng, dtype):
    """Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)): PyTorch's default for nn.Linear weight and bias."""
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(dtype)
