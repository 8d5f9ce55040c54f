"""Moving weights between resnet_np and PyTorch state dicts.

resnet_np uses torchvision's parameter names ("conv1.weight", "layer1.0.bn1.running_mean", "fc.bias", ...),
so converting is only a change of array type. The one difference: PyTorch BatchNorm keeps a
"num_batches_tracked" counter, which resnet_np does not need (it always uses a fixed momentum); from_torch
drops it and to_torch adds it back as 0 so torch's load_state_dict(strict=True) accepts the result.

PyTorch is optional: it is imported inside these functions only, never when resnet_np is imported.
"""

from collections import OrderedDict

import numpy as np

NUM_BATCHES_TRACKED = "num_batches_tracked"
_BATCHNORM_LAST_BUFFER = "running_var"  # torch lists num_batches_tracked right after it


def _import_torch():
    try:
        import torch
    except ImportError as error:
        raise ImportError("resnet_np.torch_io needs PyTorch: pip install torch") from error
    return torch


def _as_state_dict(source, owner):
    """A torch state dict, or the state_dict() of anything that has one (a torch.nn.Module)."""
    if hasattr(source, "state_dict") and callable(source.state_dict):
        source = source.state_dict()
    if not hasattr(source, "items"):
        raise TypeError(f"{owner}: expected a state dict (name -> tensor) or a torch.nn.Module, got {type(source)}")
    return source


def from_torch(state_dict):
    """dict name -> np.ndarray from a PyTorch state dict (or module); "*.num_batches_tracked" is skipped.

    Each array is a copy on the CPU, so later changes to the torch tensors do not reach it.
    """
    torch = _import_torch()
    arrays = {}
    for name, value in _as_state_dict(state_dict, "from_torch").items():
        if name.rsplit(".", 1)[-1] == NUM_BATCHES_TRACKED:
            continue
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"from_torch: '{name}' is a {type(value).__name__}, expected a torch.Tensor")
        arrays[name] = value.detach().cpu().numpy().copy()
    return arrays


def to_torch(model):
    """OrderedDict name -> torch.Tensor from a resnet_np model (or a dict name -> np.ndarray).

    After every "<prefix>.running_var" a "<prefix>.num_batches_tracked" = tensor(0) is added, as torch's
    BatchNorm2d has it. Tensors are copies with the arrays' dtype (float32 stays float32).
    """
    torch = _import_torch()
    state = model.state_dict() if hasattr(model, "state_dict") else model
    tensors = OrderedDict()
    for name, array in state.items():
        tensors[name] = torch.from_numpy(np.array(array, copy=True))
        prefix, _, last = name.rpartition(".")
        if last == _BATCHNORM_LAST_BUFFER:
            tracked = f"{prefix}.{NUM_BATCHES_TRACKED}" if prefix else NUM_BATCHES_TRACKED
            tensors[tracked] = torch.tensor(0, dtype=torch.long)
    return tensors


def load_torch_weights(model, state_dict, strict=True):
    """Load a PyTorch state dict (or torch module) into a resnet_np model; returns the model.

    Each array is converted to the dtype of the model's own entry, so float32 torch weights go into a
    float64 model (and back) without surprise. strict is passed on to model.load_state_dict.
    """
    arrays = from_torch(state_dict)
    own = model.state_dict()
    for name, array in arrays.items():
        if name in own and array.dtype != own[name].dtype:
            arrays[name] = array.astype(own[name].dtype)
    model.load_state_dict(arrays, strict=strict)
    return model
