"""The ResNet network: a stem, stages of residual blocks, global average pooling and a fully connected layer.

Two families (He et al. 2015):
  ImageNet (section 3.4, Table 1): stem conv1 7x7/2 (64 filters) -> bn1 -> relu -> maxpool 3x3/2;
      four stages layer1..layer4 of widths 64, 128, 256, 512 (x4 output channels for bottleneck blocks);
      shortcut option B by default.  -> imagenet_resnet(block, layers)
  CIFAR-10 (section 4.2): stem conv1 3x3 (16 filters) -> bn1 -> relu; three stages layer1..layer3 of n blocks
      each with 16, 32, 64 filters, depth = 6n + 2; shortcut option A by default.  -> cifar_resnet(depth)
In both, the first block of every stage after the first halves the feature map (stride 2) and the network ends
with avgpool (global average pooling) -> fc. Pre-activation blocks (He et al. 2016) have no bn1/relu in the CIFAR
stem (each block starts with BN-ReLU) and add final_bn -> final_relu before the pooling.

Parameter names are torchvision's: conv1.weight, bn1.running_mean, layer2.0.downsample.0.weight, fc.bias, ...

model.architecture is a JSON-serialisable dict such that resnet_np.models.get_model(**model.architecture)
rebuilds the same architecture (with fresh weights).

Intermediate results for demos: model.named_blocks() lists ("layer1.0", block), ... in forward order. Use hooks
to look inside without changing the model, e.g. the norm of dL/d(block output) for every block:
    norms = {}
    for name, block in model.named_blocks():
        block.register_backward_hook(lambda module, grad, name=name: norms.__setitem__(name, np.linalg.norm(grad)))
    model.backward(dlogits)
"""

import numpy as np

from ..nn import BLOCKS, BatchNorm2d, Conv2d, GlobalAvgPool2d, Linear, MaxPool2d, Module, ReLU, Sequential
from ..nn.init import as_dtype
from ..nn.shortcuts import check_shortcut_option
from ..validation import choice, positive_int

IMAGENET_WIDTHS = (64, 128, 256, 512)
CIFAR_WIDTHS = (16, 32, 64)
STEMS = ("imagenet", "cifar")


def _block_name(block):
    """Accept a block name ("basic", ...) or one of the block classes; return the name."""
    for name, block_class in BLOCKS.items():
        if block == name or block is block_class:
            return name
    raise ValueError(f"block must be one of {', '.join(BLOCKS)}, got {block!r}")


class ResNet(Module):
    """A residual network (or, with residual=False, its plain twin).

    block: "basic", "bottleneck", "preact_basic" or "preact_bottleneck"; layers: blocks per stage, e.g. [3, 4, 6, 3];
    widths: the width of each stage (a bottleneck outputs 4x its width); stem: "imagenet" or "cifar".
    The options after widths are keyword-only: ResNet("basic", [3, 3, 3], CIFAR_WIDTHS, stem="cifar", num_classes=10).
    x (N, in_channels, H, W) -> logits (N, num_classes).
    """

    def __init__(self, block, layers, widths, *, stem="imagenet", num_classes=1000, in_channels=3, shortcut="B",
                 residual=True, zero_init_residual=False, stride_on_first=False, dtype=np.float32, seed=None):
        super().__init__()
        block = _block_name(block)
        block_class = BLOCKS[block]
        layers = [positive_int("ResNet", "blocks per stage", n) for n in layers]
        widths = [positive_int("ResNet", "width", width) for width in widths]
        if not layers or len(layers) != len(widths):
            raise ValueError(f"ResNet: need one width per stage, got layers {layers} and widths {widths}")
        choice("ResNet", "stem", stem, STEMS)
        num_classes = positive_int("ResNet", "num_classes", num_classes)
        in_channels = positive_int("ResNet", "in_channels", in_channels)
        check_shortcut_option(shortcut, "ResNet")
        if zero_init_residual and not residual:
            raise ValueError("ResNet: zero_init_residual needs residual=True (a plain block would output zeros)")
        if stride_on_first and block_class.expansion == 1:
            raise ValueError(f"ResNet: stride_on_first applies to bottleneck blocks only, not {block!r}")
        self.dtype = dtype = as_dtype(dtype, "ResNet")
        self.preactivation = block.startswith("preact")
        self.default_input_size = 224 if stem == "imagenet" else 32
        rng = np.random.default_rng(seed)

        if stem == "imagenet":
            self.conv1 = Conv2d(in_channels, widths[0], 7, stride=2, padding=3, dtype=dtype, rng=rng)
        else:
            self.conv1 = Conv2d(in_channels, widths[0], 3, padding=1, dtype=dtype, rng=rng)
        if stem == "imagenet" or not self.preactivation:  # a pre-activation block starts with its own BN-ReLU
            self.bn1 = BatchNorm2d(widths[0], dtype=dtype)
            self.relu = ReLU()
        if stem == "imagenet":
            self.maxpool = MaxPool2d(3, stride=2, padding=1)

        block_options = {"shortcut": shortcut, "residual": residual, "dtype": dtype, "rng": rng}
        if block_class.expansion > 1:
            block_options["stride_on_first"] = stride_on_first
        channels = widths[0]
        self.stage_names = []
        for index, (n_blocks, width) in enumerate(zip(layers, widths, strict=True)):
            stride = 1 if index == 0 else 2  # every stage after the first starts by halving the feature map
            blocks = []
            for block_index in range(n_blocks):
                blocks.append(block_class(channels, width, stride if block_index == 0 else 1, **block_options))
                channels = width * block_class.expansion
            name = f"layer{index + 1}"
            setattr(self, name, Sequential(*blocks))
            self.stage_names.append(name)

        if self.preactivation:
            self.final_bn = BatchNorm2d(channels, dtype=dtype)
            self.final_relu = ReLU()
        self.avgpool = GlobalAvgPool2d()
        self.fc = Linear(channels, num_classes, dtype=dtype, rng=rng)
        if zero_init_residual:
            for _, residual_block in self.named_blocks():
                residual_block.zero_init_residual()
        self.architecture = {}  # filled in by the constructor functions below

    def stem_layers(self):
        return [getattr(self, name) for name in ("conv1", "bn1", "relu", "maxpool") if name in self._modules]

    def head_layers(self):
        return [getattr(self, name) for name in ("final_bn", "final_relu", "avgpool", "fc") if name in self._modules]

    def stages(self):
        return [getattr(self, name) for name in self.stage_names]

    def named_blocks(self):
        """[("layer1.0", block), ("layer1.1", block), ...]: every residual block, in forward order."""
        return [(f"{name}.{index}", block) for name, stage in zip(self.stage_names, self.stages(), strict=True)
                for index, block in enumerate(stage)]

    def extra_repr(self):
        return self.architecture.get("name", "")

    def forward(self, x):
        for layer in self.stem_layers():
            x = layer(x)
        for stage in self.stages():
            x = stage(x)
        for layer in self.head_layers():
            x = layer(x)
        return x

    def _backward(self, dlogits):
        """dlogits = dL/dlogits (N, num_classes) -> dL/dx (N, in_channels, H, W); fills every parameter's .grad."""
        dout = dlogits
        for layer in reversed(self.head_layers()):
            dout = layer.backward(dout)
        for stage in reversed(self.stages()):
            dout = stage.backward(dout)
        for layer in reversed(self.stem_layers()):
            dout = layer.backward(dout)
        return dout

    def output_shape(self, input_shape, trace=None):
        shape = input_shape
        for layer in self.stem_layers() + self.stages() + self.head_layers():
            shape = layer.infer_shape(shape, trace)
        return shape


def imagenet_resnet(block, layers, widths=None, *, num_classes=1000, in_channels=3, shortcut="B",
                    residual=True, zero_init_residual=False, stride_on_first=False, dtype="float32", seed=None):
    """An ImageNet-style ResNet (7x7/2 stem + max pool, then one stage per entry of layers).

    e.g. imagenet_resnet("bottleneck", [3, 4, 6, 3]) is ResNet-50; widths=(8, 16, 32, 64) makes a small one.
    widths default to the first len(layers) of 64, 128, 256, 512.
    """
    if widths is None:
        widths = IMAGENET_WIDTHS[:len(layers)]
    model = ResNet(block, layers, widths, stem="imagenet", num_classes=num_classes, in_channels=in_channels,
                   shortcut=shortcut, residual=residual, zero_init_residual=zero_init_residual,
                   stride_on_first=stride_on_first, dtype=dtype, seed=seed)
    model.architecture = {
        "name": "imagenet_resnet", "block": _block_name(block), "layers": [int(n) for n in layers],
        "widths": [int(w) for w in widths], "num_classes": int(num_classes), "in_channels": int(in_channels),
        "shortcut": shortcut, "residual": bool(residual), "zero_init_residual": bool(zero_init_residual),
        "stride_on_first": bool(stride_on_first), "dtype": model.dtype.name,
    }
    return model


def cifar_resnet(depth=20, widths=CIFAR_WIDTHS, *, block="basic", num_classes=10, in_channels=3, shortcut="A",
                 residual=True, zero_init_residual=False, stride_on_first=False, dtype="float32", seed=None):
    """A CIFAR-style ResNet (3x3 stem, no max pool), n blocks per stage.

    depth counts the weighted layers: conv1 + (layers per block) * n * stages + fc, i.e. 6n + 2 for basic blocks on
    three stages (20, 32, 44, 56, 110), 9n + 2 for bottleneck blocks (e.g. 164). widths: one per stage, e.g.
    (2, 4, 8) for a tiny network that trains in seconds.
    """
    block = _block_name(block)
    convs_per_block = 2 if BLOCKS[block].expansion == 1 else 3
    n_stages = len(widths)
    step = convs_per_block * n_stages
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < step + 2 \
            or (depth - 2) % step != 0:
        raise ValueError(f"cifar_resnet: depth must be {step}n + 2 with n >= 1 for {n_stages} stages of {block!r} "
                         f"blocks (e.g. {step + 2}, {2 * step + 2}, {3 * step + 2}), got {depth!r}")
    n = (depth - 2) // step
    model = ResNet(block, [n] * n_stages, widths, stem="cifar", num_classes=num_classes, in_channels=in_channels,
                   shortcut=shortcut, residual=residual, zero_init_residual=zero_init_residual,
                   stride_on_first=stride_on_first, dtype=dtype, seed=seed)
    model.architecture = {
        "name": "cifar_resnet", "depth": int(depth), "widths": [int(w) for w in widths], "block": block,
        "num_classes": int(num_classes), "in_channels": int(in_channels), "shortcut": shortcut,
        "residual": bool(residual), "zero_init_residual": bool(zero_init_residual),
        "stride_on_first": bool(stride_on_first), "dtype": model.dtype.name,
    }
    return model
