"""Sequential: children named "0", "1", ... (as in PyTorch); forward runs them in order, backward in reverse."""

from .module import Module


class Sequential(Module):
    """Sequential(a, b, c)(x) = c(b(a(x))); backward(dout) = a.backward(b.backward(c.backward(dout)))."""

    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: item {index} must be a Module, got {type(module).__name__}")
            setattr(self, str(index), module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        return list(self._modules.values())[index]

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def _backward(self, dout):
        # The chain rule, applied from the output back: each module turns dL/d(its output) into dL/d(its input).
        for module in reversed(list(self._modules.values())):
            dout = module.backward(dout)
        return dout

    def output_shape(self, input_shape, trace=None):
        shape = input_shape
        for module in self._modules.values():
            shape = module.infer_shape(shape, trace)
        return shape
