"""resnet_np: ResNet from scratch in NumPy, every gradient written by hand and checked.

    import resnet_np as rn
    rn.functional        the ops as forward/backward pairs (conv, batchnorm, relu, pooling, linear, loss, residual)
    rn.nn                modules: layers, residual blocks, shortcuts
    rn.models            the paper's ResNets and their plain twins: rn.models.resnet20(), rn.models.get_model(name)
    rn.summary(model, input_shape)         layers, output shapes, parameters, multiply-adds
    rn.save(model, path) / rn.load(path)   weights and architecture in one .npz (no pickle)
    rn.set_num_threads(n)                  spread conv, BatchNorm, ReLU and max pool over n threads (default 1)
"""

__version__ = "0.1.0"

from . import functional, models, nn  # noqa: E402
from .functional.parallel import get_num_threads, set_num_threads  # noqa: E402
from .serialization import load, save  # noqa: E402
from .summary import summary  # noqa: E402

__all__ = ["functional", "get_num_threads", "load", "models", "nn", "save", "set_num_threads", "summary",
           "__version__"]
