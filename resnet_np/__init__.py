"""resnet_np: ResNet from scratch in NumPy, every gradient written by hand and checked.

    import resnet_np as rn
    rn.functional        the maths: every op as a forward/backward pair in plain NumPy (conv, batchnorm, relu, ...)
    rn.fast              the engine: the same ops, faster (Numba kernels, a pool of threads)
    rn.nn                modules: layers, residual blocks, shortcuts
    rn.exercises         the workbook's grader: rn.exercises.check("batchnorm2d", my_forward, my_backward)
    rn.models            the paper's ResNets and their plain twins: rn.models.resnet20(), rn.models.get_model(name)
    rn.summary(model, input_shape)         layers, output shapes, parameters, multiply-adds
    rn.save(model, path) / rn.load(path)   weights and architecture in one .npz (no pickle)
    rn.set_backend("reference" | "fast")   who computes the layers' ops (default "fast")
    rn.set_num_threads(n)                  threads for the maths (default: every core, at most 8)
"""

from . import exercises, fast, functional, models, nn, runtime
from .runtime import get_backend, get_num_threads, set_backend, set_num_threads
from .serialization import load, save
from .summary import summary
from .version import __version__

__all__ = ["exercises", "fast", "functional", "get_backend", "get_num_threads", "load", "models", "nn", "runtime",
           "save", "set_backend", "set_num_threads", "summary", "__version__"]
