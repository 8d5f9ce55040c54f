"""resnet_np: ResNet from scratch in NumPy, every gradient written by hand and checked.

    import resnet_np as rn
    rn.functional   the ops as forward/backward pairs
"""

__version__ = "0.1.0"

from . import functional  # noqa: E402

__all__ = ["functional", "__version__"]
