"""Module: the base class of every layer, block and model (PyTorch's nn.Module contract, with a hand-written backward).

A module
  - holds Parameters, buffers (arrays that are state but not trained, e.g. BatchNorm's running statistics) and child
    modules. Assigning an attribute registers it, in order: `self.conv1 = Conv2d(...)` registers the child "conv1",
    so names come out exactly as PyTorch's: "layer1.0.conv1.weight". Buffers: `self.register_buffer(name, array)`.
  - runs its forward with `module(x)`. The forward keeps in `self._cache` what the backward will need.
  - runs its backward with `module.backward(dout) -> dx`, dout = dL/d(output), dx = dL/d(input). The backward
    uses the cache of the LAST forward, ADDS each parameter's gradient into `parameter.grad` (like PyTorch; clear
    them with zero_grad()), and frees the cache: at depth 110 the caches are most of the memory.

Subclasses write the maths, `forward(x)` and `_backward(dout)`; the bookkeeping common to all is done here, once,
by the two methods that callers use:
  module(x)             (__call__) runs forward, prefixes a bad-input ValueError with the module's name (e.g.
                        "layer2.0.conv1 (Conv2d 16->32, 3x3, stride 2): ..."), then calls the forward hooks.
  module.backward(dout) 1. refuses a backward without a forward, or a second backward for one forward,
                        2. checks dout has the shape and dtype of the forward's output,
                        3. calls the backward hooks hook(module, grad_output), grad_output = dout,
                        4. runs the subclass's _backward(dout), then frees the cache.
Always run a forward as module(x) (not module.forward(x)): __call__ is what records that a backward may follow.
In eval mode the forward still keeps its cache, so dL/dx can be computed in eval mode too.

Hooks (for demos, e.g. the norm of dL/d(block output) for every block):
    handle = block.register_backward_hook(lambda module, grad_output: norms.append(np.linalg.norm(grad_output)))
    ...; handle.remove()
"""

import weakref

import numpy as np

from .parameter import Parameter
from .state import load_state_dict, state_dict


class LayerInputError(ValueError):
    """A ValueError whose message already starts with the module's name (so enclosing modules do not re-prefix)."""


class HookHandle:
    """Returned by register_*_hook; handle.remove() unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = HookHandle._next_id
        HookHandle._next_id += 1

    def remove(self):
        self._hooks.pop(self.id, None)


# Attributes every forward and backward sets (never a parameter, buffer or child): __setattr__ skips the registries.
_BOOKKEEPING = frozenset({"_cache", "_awaiting_backward", "_backward_done", "_forward_output"})


class Module:
    """Base class: parameters, buffers and children registered by attribute assignment; forward and backward."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "backward" in cls.__dict__:  # a subclass's backward would skip the bookkeeping of Module.backward
            raise TypeError(f"{cls.__name__}: write the backward maths in _backward(self, dout), not backward(); "
                            "Module.backward checks dout, runs the hooks, calls _backward and frees the cache")

    def __init__(self):
        # object.__setattr__: these bookkeeping attributes must not go through our own __setattr__
        for name, value in (("_parameters", {}), ("_buffers", {}), ("_modules", {}), ("_forward_hooks", {}),
                            ("_backward_hooks", {}), ("_parent", None), ("_name_in_parent", "")):
            object.__setattr__(self, name, value)
        self.training = True
        self._cache = None
        self._awaiting_backward = False  # True between a forward and its backward
        self._backward_done = False  # True after a backward, until the next forward
        self._forward_output = None  # (shape, dtype) of the last forward's output: what dout must match

    # ------------------------------------------------------------------------------------------------------------
    # Registration
    # ------------------------------------------------------------------------------------------------------------

    def __setattr__(self, name, value):
        if name in _BOOKKEEPING:  # set several times per call of every layer: skip the registry look-ups
            object.__setattr__(self, name, value)
            return
        registries = self.__dict__.get("_parameters"), self.__dict__.get("_modules"), self.__dict__.get("_buffers")
        if registries[0] is None:
            if isinstance(value, (Parameter, Module)):
                raise RuntimeError(f"{type(self).__name__}: call super().__init__() before assigning {name!r}")
            object.__setattr__(self, name, value)
            return
        parameters, modules, buffers = registries
        registering = isinstance(value, (Parameter, Module))
        if not registering and name not in parameters and name not in modules and name not in buffers:
            object.__setattr__(self, name, value)  # an ordinary attribute (the common case: self._cache = ...)
            return
        if name in buffers and not registering:
            if not isinstance(value, np.ndarray):
                raise TypeError(f"{type(self).__name__}: buffer {name!r} must be a NumPy array, got "
                                f"{type(value).__name__}")
            buffers[name] = value
        else:
            # Re-assigning a name keeps its place in the order; assigning something else unregisters it.
            for registry, kind in ((parameters, Parameter), (modules, Module), (buffers, None)):
                if name in registry and (kind is None or not isinstance(value, kind)):
                    del registry[name]
            if isinstance(value, Parameter):
                parameters[name] = value
            elif isinstance(value, Module):
                modules[name] = value
                object.__setattr__(value, "_parent", weakref.ref(self))
                object.__setattr__(value, "_name_in_parent", name)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name, array):
        """Register a state array that is not trained (saved in state_dict, e.g. BatchNorm's running_mean)."""
        if not isinstance(array, np.ndarray):
            raise TypeError(f"{type(self).__name__}.register_buffer: {name!r} must be a NumPy array, "
                            f"got {type(array).__name__}")
        self._buffers[name] = array
        object.__setattr__(self, name, array)

    # ------------------------------------------------------------------------------------------------------------
    # Names and traversal (the order is registration order, depth first, as in PyTorch)
    # ------------------------------------------------------------------------------------------------------------

    def full_name(self):
        """Dotted name from the outermost module, e.g. "layer2.0.conv1"; "" for the outermost module itself."""
        parts, module = [], self
        while module._parent is not None:
            parent = module._parent()
            if parent is None or parent._modules.get(module._name_in_parent) is not module:
                break  # the parent is gone, or the child was replaced there
            parts.append(module._name_in_parent)
            module = parent
        return ".".join(reversed(parts))

    def extra_repr(self):
        """A short description of the configuration, e.g. "16->32, 3x3, stride 2"; overridden by layers."""
        return ""

    def describe(self):
        """Name and kind, as used in error messages: "layer2.0.conv1 (Conv2d 16->32, 3x3, stride 2)"."""
        extra = self.extra_repr()
        kind = f"{type(self).__name__} {extra}" if extra else type(self).__name__
        name = self.full_name()
        return f"{name} ({kind})" if name else kind

    def named_children(self):
        return list(self._modules.items())

    def children(self):
        return list(self._modules.values())

    def named_modules(self, prefix=""):
        """[(dotted_name, module)] for this module ("" ) and every descendant, depth first, each once."""
        result, seen = [], set()

        def visit(module, name):
            if id(module) in seen:
                return
            seen.add(id(module))
            result.append((name, module))
            for child_name, child in module._modules.items():
                visit(child, f"{name}.{child_name}" if name else child_name)

        visit(self, prefix)
        return result

    def modules(self):
        return [module for _, module in self.named_modules()]

    def named_parameters(self):
        """[(dotted_name, Parameter)], e.g. ("layer1.0.conv1.weight", ...); a shared Parameter is listed once."""
        result, seen = [], set()
        for module_name, module in self.named_modules():
            for name, parameter in module._parameters.items():
                if id(parameter) not in seen:
                    seen.add(id(parameter))
                    result.append((f"{module_name}.{name}" if module_name else name, parameter))
        return result

    def parameters(self):
        return [parameter for _, parameter in self.named_parameters()]

    def named_buffers(self):
        """[(dotted_name, array)], e.g. ("bn1.running_mean", array)."""
        return [(f"{module_name}.{name}" if module_name else name, array)
                for module_name, module in self.named_modules() for name, array in module._buffers.items()]

    def num_parameters(self):
        """Total number of trainable values."""
        return int(sum(parameter.data.size for parameter in self.parameters()))

    # ------------------------------------------------------------------------------------------------------------
    # Modes, gradients, state
    # ------------------------------------------------------------------------------------------------------------

    def train(self, mode=True):
        """Training mode for this module and all descendants (BatchNorm uses batch statistics). Returns self."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode (BatchNorm uses its running statistics). Returns self."""
        return self.train(False)

    def zero_grad(self):
        for parameter in self.parameters():
            parameter.zero_grad()

    def state_dict(self):
        """{dotted_name: copy of the array} for every parameter and buffer, in PyTorch's order."""
        return state_dict(self)

    def load_state_dict(self, state, strict=True):
        """Copy arrays into the parameters and buffers (cast to their dtype). See resnet_np/nn/state.py.

        Every problem (missing keys, unexpected keys, shape mismatches) is reported at once in one ValueError.
        strict=False: missing and unexpected keys are returned instead, IncompatibleKeys(missing_keys,
        unexpected_keys); shape mismatches still raise. Keys ending in "num_batches_tracked" are ignored.
        """
        return load_state_dict(self, state, strict)

    # ------------------------------------------------------------------------------------------------------------
    # Forward, backward, hooks
    # ------------------------------------------------------------------------------------------------------------

    def forward(self, x):
        """Override: the forward maths; keep in self._cache what _backward will need."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def _backward(self, dout):
        """Override: the backward maths, dL/d(output) -> dL/d(input); add parameter gradients into .grad."""
        raise NotImplementedError(f"{type(self).__name__} must implement _backward(dout)")

    def backward(self, dout):
        """dout = dL/d(output of the last forward) -> dL/d(input); parameter gradients are added into .grad."""
        dout = self._check_backward_allowed(dout)
        if self._backward_hooks:
            for hook in list(self._backward_hooks.values()):
                hook(self, dout)
        dx = self._backward(dout)
        self._cache = None  # free the memory: the cache served its one backward
        self._awaiting_backward = False
        self._backward_done = True
        return dx

    def __call__(self, x):
        self._awaiting_backward = False
        try:
            out = self.forward(x)
        except LayerInputError:
            raise
        except ValueError as error:
            raise LayerInputError(f"{self.describe()}: {error}") from error
        self._forward_output = (np.shape(out), getattr(out, "dtype", None))
        self._awaiting_backward, self._backward_done = True, False
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                hook(self, out)
        return out

    def _check_backward_allowed(self, dout):
        if not self._awaiting_backward:
            if self._backward_done:
                reason = ("backward called twice for one forward: the first backward used (and freed) the cache; "
                          "run the forward again")
            else:
                reason = "backward called before any forward: run module(x) first"
            raise RuntimeError(f"{self.describe()}: {reason}")
        dout = np.asarray(dout)
        shape, dtype = self._forward_output
        if dout.shape != shape or dout.dtype != dtype:
            raise LayerInputError(f"{self.describe()}: backward expects dout of shape {shape} and dtype {dtype} "
                                  f"(those of the forward output), got shape {dout.shape} and dtype {dout.dtype}")
        return dout

    def check_input(self, x, ndim, layout, channels=None, dtype=None):
        """Return x as an array, or raise LayerInputError naming this module, the expected and the given shape.

        layout: the expected shape in words, e.g. "(N, 16, H, W)"; channels: required size of axis 1;
        dtype: required dtype (the module's: no silent casts between float32 and float64).
        """
        x = np.asarray(x)
        if x.ndim != ndim or (channels is not None and x.shape[1] != channels):
            raise LayerInputError(f"{self.describe()}: expected input {layout}, got {x.shape}")
        if dtype is not None and x.dtype != dtype:
            raise LayerInputError(f"{self.describe()}: expected {np.dtype(dtype).name} input (the dtype of its "
                                  f"parameters), got {x.dtype}; convert with x.astype(np.{np.dtype(dtype).name})")
        return x

    def register_forward_hook(self, hook):
        """hook(module, output) runs after every forward of this module. Returns a handle with .remove()."""
        handle = HookHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_backward_hook(self, hook):
        """hook(module, grad_output) runs at the start of every backward, grad_output = dL/d(module output)."""
        handle = HookHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------------------------------------------------
    # Shapes without computing (used by resnet_np.summary)
    # ------------------------------------------------------------------------------------------------------------

    def infer_shape(self, input_shape, trace=None):
        """The output shape for an input of shape input_shape, found without computing anything.

        trace: optional recorder (see resnet_np.summary) told trace.begin(module, input_shape) -> token and
        trace.end(token, output_shape) for this module and, through output_shape, every descendant.
        """
        input_shape = tuple(int(size) for size in input_shape)
        token = trace.begin(self, input_shape) if trace is not None else None
        try:
            output_shape = tuple(self.output_shape(input_shape, trace))
        except LayerInputError:
            raise
        except ValueError as error:
            raise LayerInputError(f"{self.describe()}: {error}") from error
        if trace is not None:
            trace.end(token, output_shape)
        return output_shape

    def output_shape(self, input_shape, trace=None):
        """Override: leaves compute it; containers chain child.infer_shape(shape, trace) as their forward does."""
        raise NotImplementedError(f"{type(self).__name__} does not implement output_shape")

    def multiply_adds(self, input_shape):
        """Multiply-adds of this module's own computation for ONE image (children not included). Default 0."""
        return 0

    def __repr__(self):
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, child in self._modules.items():
            child_lines = repr(child).split("\n")
            lines.append(f"  ({name}): " + "\n  ".join(child_lines))
        if len(lines) == 1:
            return lines[0] + ")"
        return "\n".join(lines) + "\n)"
