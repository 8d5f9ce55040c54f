"""The layers of a ResNet as modules: thin classes holding parameters; the maths lives in resnet_np.functional.

Each layer: forward(x) -> out (keeps the op's cache), backward(dout) -> dx (adds the parameter gradients into
.grad), output_shape(input_shape) and multiply_adds(input_shape) for resnet_np.summary.
All layers take a dtype (float32 default, float64 for gradient checks); an input of another dtype is an error.

The ops are called through resnet_np.backend.ops(): the reference maths or the engine, as
resnet_np.set_backend chose.

Multiply-adds (one image): conv K*C*kh*kw*out_h*out_w, linear in*out; BatchNorm, ReLU and pooling count 0
(as in the paper's FLOPs, which count only the multiply-adds of conv and fc layers).
"""

import numpy as np

from ..backend import ops
from ..functional.im2col import window_geometry
from ..validation import pair, positive_int
from .init import as_dtype, as_rng, kaiming_normal_fan_out, uniform_fan_in
from .module import Module
from .parameter import Parameter


def _require_4d_shape(module, input_shape, channels=None):
    if len(input_shape) != 4 or (channels is not None and input_shape[1] != channels):
        expected = f"(N, {channels}, H, W)" if channels is not None else "(N, C, H, W)"
        raise ValueError(f"expected input {expected}, got {tuple(input_shape)}")


def _window_output_size(op, input_shape, kernel_size, stride, padding):
    """(out_h, out_w) of a sliding window, by the very rule the ops use (functional/im2col.window_geometry)."""
    return window_geometry(op, input_shape, *kernel_size, stride, padding)[4:]


class Conv2d(Module):
    """2-D convolution, weight (out_channels, in_channels, kh, kw) with Kaiming normal (fan_out) initialisation.

    No bias by default: in a ResNet every conv is followed by BatchNorm, whose beta does the bias's job.
    x (N, in_channels, H, W) -> (N, out_channels, out_h, out_w), out_h = (H + 2*padding - kh) // stride + 1.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=False, dtype=np.float32,
                 rng=None):
        super().__init__()
        self.in_channels = positive_int("Conv2d", "in_channels", in_channels)
        self.out_channels = positive_int("Conv2d", "out_channels", out_channels)
        self.kernel_size = pair("Conv2d", "kernel_size", kernel_size)
        self.stride = pair("Conv2d", "stride", stride)
        self.padding = pair("Conv2d", "padding", padding, minimum=0)
        self.dtype = as_dtype(dtype, "Conv2d")
        rng = as_rng(rng)
        shape = (self.out_channels, self.in_channels) + self.kernel_size
        self.weight = Parameter(kaiming_normal_fan_out(shape, rng, self.dtype))
        self.bias = Parameter(np.zeros(self.out_channels, dtype=self.dtype)) if bias else None

    def extra_repr(self):
        kh, kw = self.kernel_size
        text = f"{self.in_channels}->{self.out_channels}, {kh}x{kw}"
        if self.stride != (1, 1):
            text += f", stride {self.stride[0] if self.stride[0] == self.stride[1] else self.stride}"
        if self.padding != (0, 0):
            text += f", padding {self.padding[0] if self.padding[0] == self.padding[1] else self.padding}"
        return text + (", bias" if self.bias is not None else "")

    def forward(self, x):
        x = self.check_input(x, 4, f"(N, {self.in_channels}, H, W)", self.in_channels, self.dtype)
        bias = None if self.bias is None else self.bias.data
        out, self._cache = ops().conv2d_forward(x, self.weight.data, bias, self.stride, self.padding)
        return out

    def _backward(self, dout):
        dx, dweight, dbias = ops().conv2d_backward(dout, self._cache)
        self.weight.grad += dweight
        if self.bias is not None:
            self.bias.grad += dbias
        return dx

    def output_shape(self, input_shape, trace=None):
        _require_4d_shape(self, input_shape, self.in_channels)
        out_h, out_w = _window_output_size("conv2d", input_shape, self.kernel_size, self.stride, self.padding)
        return (input_shape[0], self.out_channels, out_h, out_w)

    def multiply_adds(self, input_shape):
        _, _, out_h, out_w = self.output_shape(input_shape)
        kh, kw = self.kernel_size
        return self.out_channels * self.in_channels * kh * kw * out_h * out_w


class BatchNorm2d(Module):
    """Batch normalisation per channel: weight = gamma (init 1), bias = beta (init 0).

    Buffers running_mean (init 0) and running_var (init 1), updated in training with momentum 0.1 (PyTorch's
    convention: running = (1 - momentum) * running + momentum * batch statistic). Eval mode uses them instead.
    """

    def __init__(self, num_features, momentum=0.1, eps=1e-5, dtype=np.float32):
        super().__init__()
        self.num_features = positive_int("BatchNorm2d", "num_features", num_features)
        self.momentum, self.eps = float(momentum), float(eps)
        self.dtype = as_dtype(dtype, "BatchNorm2d")
        self.weight = Parameter(np.ones(self.num_features, dtype=self.dtype))
        self.bias = Parameter(np.zeros(self.num_features, dtype=self.dtype))
        self.register_buffer("running_mean", np.zeros(self.num_features, dtype=self.dtype))
        self.register_buffer("running_var", np.ones(self.num_features, dtype=self.dtype))

    def extra_repr(self):
        return str(self.num_features)

    def forward(self, x):
        x = self.check_input(x, 4, f"(N, {self.num_features}, H, W)", self.num_features, self.dtype)
        out, self._cache = ops().batchnorm2d_forward(x, self.weight.data, self.bias.data, self.running_mean,
                                                 self.running_var, self.training, self.momentum, self.eps)
        return out

    def _backward(self, dout):
        dx, dgamma, dbeta = ops().batchnorm2d_backward(dout, self._cache)
        self.weight.grad += dgamma
        self.bias.grad += dbeta
        return dx

    def output_shape(self, input_shape, trace=None):
        _require_4d_shape(self, input_shape, self.num_features)
        return input_shape


class ReLU(Module):
    """out = max(0, x). No parameters; use one ReLU module per place in the network (each keeps its own cache)."""

    def forward(self, x):
        out, self._cache = ops().relu_forward(x)
        return out

    def _backward(self, dout):
        return ops().relu_backward(dout, self._cache)

    def output_shape(self, input_shape, trace=None):
        return input_shape


class MaxPool2d(Module):
    """Max pooling over kernel_size windows (stride defaults to kernel_size, padding with -infinity)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = pair("MaxPool2d", "kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else pair("MaxPool2d", "stride", stride)
        self.padding = pair("MaxPool2d", "padding", padding, minimum=0)

    def extra_repr(self):
        return f"{self.kernel_size[0]}x{self.kernel_size[1]}, stride {self.stride[0]}, padding {self.padding[0]}"

    def forward(self, x):
        x = self.check_input(x, 4, "(N, C, H, W)")
        out, self._cache = ops().maxpool2d_forward(x, self.kernel_size, self.stride, self.padding)
        return out

    def _backward(self, dout):
        return ops().maxpool2d_backward(dout, self._cache)

    def output_shape(self, input_shape, trace=None):
        _require_4d_shape(self, input_shape)
        out_h, out_w = _window_output_size("maxpool2d", input_shape, self.kernel_size, self.stride, self.padding)
        return (input_shape[0], input_shape[1], out_h, out_w)


class GlobalAvgPool2d(Module):
    """(N, C, H, W) -> (N, C): the mean of each feature map (torchvision's AdaptiveAvgPool2d(1) + flatten)."""

    def forward(self, x):
        x = self.check_input(x, 4, "(N, C, H, W)")
        out, self._cache = ops().global_avgpool_forward(x)
        return out

    def _backward(self, dout):
        return ops().global_avgpool_backward(dout, self._cache)

    def output_shape(self, input_shape, trace=None):
        _require_4d_shape(self, input_shape)
        return tuple(input_shape[:2])


class Linear(Module):
    """Fully connected layer: out = x @ weight.T + bias, weight (out_features, in_features), PyTorch's default init."""

    def __init__(self, in_features, out_features, bias=True, dtype=np.float32, rng=None):
        super().__init__()
        self.in_features = positive_int("Linear", "in_features", in_features)
        self.out_features = positive_int("Linear", "out_features", out_features)
        self.dtype = as_dtype(dtype, "Linear")
        rng = as_rng(rng)
        self.weight = Parameter(uniform_fan_in((self.out_features, self.in_features), self.in_features, rng,
                                               self.dtype))
        self.bias = Parameter(uniform_fan_in((self.out_features,), self.in_features, rng, self.dtype)) if bias \
            else None

    def extra_repr(self):
        return f"{self.in_features}->{self.out_features}"

    def forward(self, x):
        x = self.check_input(x, 2, f"(N, {self.in_features})", self.in_features, self.dtype)
        bias = self.bias.data if self.bias is not None else np.zeros(self.out_features, dtype=self.dtype)
        out, self._cache = ops().linear_forward(x, self.weight.data, bias)
        return out

    def _backward(self, dout):
        dx, dweight, dbias = ops().linear_backward(dout, self._cache)
        self.weight.grad += dweight
        if self.bias is not None:
            self.bias.grad += dbias
        return dx

    def output_shape(self, input_shape, trace=None):
        if len(input_shape) != 2 or input_shape[1] != self.in_features:
            raise ValueError(f"expected input (N, {self.in_features}), got {tuple(input_shape)}")
        return (input_shape[0], self.out_features)

    def multiply_adds(self, input_shape):
        return self.in_features * self.out_features
