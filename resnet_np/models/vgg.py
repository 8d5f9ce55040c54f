"""VGG (Simonyan & Zisserman 2014, "Very Deep Convolutional Networks"): the network ResNet's paper starts from.

Figure 3 of the ResNet paper puts VGG-19 (19.6 billion FLOPs) beside a 34-layer plain net and ResNet-34 (3.6
billion). VGG is stacks of 3x3 convolutions (padding 1, with a bias and a ReLU each) separated by 2x2 max pools,
then a head of three fully connected layers on the flattened 512x7x7 map:

    configuration A (VGG-11)  64 M 128 M 256 256 M 512 512 M 512 512 M
    configuration B (VGG-13)  64 64 M 128 128 M 256 256 M 512 512 M 512 512 M
    configuration D (VGG-16)  64 64 M 128 128 M 256 256 256 M 512 512 512 M 512 512 512 M
    configuration E (VGG-19)  64 64 M 128 128 M 256 256 256 256 M 512 512 512 512 M 512 512 512 512 M
    head "flatten"            Flatten -> fc 25088->4096 -> ReLU -> fc 4096->4096 -> ReLU -> fc 4096->classes
    head "gap"                GlobalAvgPool2d -> fc 512->classes  (ResNet's head, for comparison)

    import resnet_np as rn
    rn.summary(rn.models.vgg19(), (3, 224, 224))      # 143,667,240 parameters, 19.6 x 10^9 multiply-adds
    rn.models.vgg(19, widths=(4, 8, 8, 16, 16), input_size=32, classifier_width=32)   # a tiny one for tests

Not included: dropout (it has no parameters and no multiply-adds; the library has no dropout layer). With
batch_norm=True every conv is followed by BatchNorm2d (torchvision's vgg19_bn). Parameter names follow
torchvision: features.0.weight, classifier.0.weight, ... (indices count the ReLU and pool modules too, but not the
dropouts torchvision has in its classifier, so the classifier's indices differ from torchvision's).
"""

import numpy as np

from ..nn import BatchNorm2d, Conv2d, GlobalAvgPool2d, Linear, MaxPool2d, Module, ReLU, Sequential
from ..nn.init import as_dtype
from ..validation import choice, positive_int

CONFIGURATIONS = {  # depth -> convolutions per stage (the paper's Table 1, configurations A, B, D, E)
    11: (1, 1, 2, 2, 2),
    13: (2, 2, 2, 2, 2),
    16: (2, 2, 3, 3, 3),
    19: (2, 2, 4, 4, 4),
}
VGG_WIDTHS = (64, 128, 256, 512, 512)
HEADS = ("flatten", "gap")


class Flatten(Module):
    """(N, C, H, W) -> (N, C*H*W); the backward reshapes the gradient back. No parameters, no multiply-adds."""

    def forward(self, x):
        x = self.check_input(x, 4, "(N, C, H, W)")
        self._cache = x.shape
        return x.reshape(x.shape[0], -1)

    def _backward(self, dout):
        return dout.reshape(self._cache)

    def output_shape(self, input_shape, trace=None):
        if len(input_shape) != 4:
            raise ValueError(f"expected input (N, C, H, W), got {tuple(input_shape)}")
        n, c, h, w = input_shape
        return (n, c * h * w)


class VGG(Module):
    """features (3x3 convs and max pools) -> classifier. x (N, in_channels, input_size, input_size) -> logits."""

    def __init__(self, depth=19, widths=VGG_WIDTHS, *, num_classes=1000, in_channels=3, input_size=224,
                 classifier_width=4096, head="flatten", batch_norm=False, dtype=np.float32, seed=None):
        super().__init__()
        if depth not in CONFIGURATIONS:
            raise ValueError(f"VGG: depth must be one of {', '.join(map(str, CONFIGURATIONS))}, got {depth!r}")
        widths = [positive_int("VGG", "width", width) for width in widths]
        if len(widths) != 5:
            raise ValueError(f"VGG: need 5 widths (one per stage), got {widths}")
        choice("VGG", "head", head, HEADS)
        num_classes = positive_int("VGG", "num_classes", num_classes)
        in_channels = positive_int("VGG", "in_channels", in_channels)
        input_size = positive_int("VGG", "input_size", input_size)
        if input_size % 32:
            raise ValueError(f"VGG: input_size must be a multiple of 32 (five 2x2 pools), got {input_size}")
        self.dtype = dtype = as_dtype(dtype, "VGG")
        self.default_input_size = input_size
        rng = np.random.default_rng(seed)

        layers, channels = [], in_channels
        for n_convs, width in zip(CONFIGURATIONS[depth], widths, strict=True):
            for _ in range(n_convs):
                layers.append(Conv2d(channels, width, 3, padding=1, bias=True, dtype=dtype, rng=rng))
                if batch_norm:
                    layers.append(BatchNorm2d(width, dtype=dtype))
                layers.append(ReLU())
                channels = width
            layers.append(MaxPool2d(2, stride=2))
        self.features = Sequential(*layers)

        if head == "flatten":
            side = input_size // 32
            hidden = positive_int("VGG", "classifier_width", classifier_width)
            self.classifier = Sequential(
                Flatten(),
                Linear(channels * side * side, hidden, dtype=dtype, rng=rng), ReLU(),
                Linear(hidden, hidden, dtype=dtype, rng=rng), ReLU(),
                Linear(hidden, num_classes, dtype=dtype, rng=rng))
        else:
            self.classifier = Sequential(GlobalAvgPool2d(), Linear(channels, num_classes, dtype=dtype, rng=rng))
        self.architecture = {
            "name": "vgg", "depth": int(depth), "widths": [int(w) for w in widths], "num_classes": num_classes,
            "in_channels": in_channels, "input_size": input_size, "classifier_width": int(classifier_width),
            "head": head, "batch_norm": bool(batch_norm), "dtype": self.dtype.name,
        }

    def extra_repr(self):
        return f"VGG-{self.architecture['depth']}"

    def forward(self, x):
        return self.classifier(self.features(x))

    def _backward(self, dlogits):
        return self.features.backward(self.classifier.backward(dlogits))

    def output_shape(self, input_shape, trace=None):
        shape = self.features.infer_shape(input_shape, trace)
        return self.classifier.infer_shape(shape, trace)


def vgg(depth=19, widths=VGG_WIDTHS, *, num_classes=1000, in_channels=3, input_size=224, classifier_width=4096,
        head="flatten", batch_norm=False, dtype="float32", seed=None):
    """A VGG network of depth 11, 13, 16 or 19 (configurations A, B, D, E); see the module docstring."""
    return VGG(depth, widths, num_classes=num_classes, in_channels=in_channels, input_size=input_size,
               classifier_width=classifier_width, head=head, batch_norm=batch_norm, dtype=dtype, seed=seed)


def vgg11(seed=None, **options):
    """VGG-11 (configuration A): 132.9M parameters, 7.6 x 10^9 multiply-adds at 224x224."""
    return vgg(11, seed=seed, **options)


def vgg13(seed=None, **options):
    """VGG-13 (configuration B): 133.0M parameters, 11.3 x 10^9 multiply-adds at 224x224."""
    return vgg(13, seed=seed, **options)


def vgg16(seed=None, **options):
    """VGG-16 (configuration D): 138.4M parameters, 15.5 x 10^9 multiply-adds at 224x224."""
    return vgg(16, seed=seed, **options)


def vgg19(seed=None, **options):
    """VGG-19 (configuration E): 143.7M parameters, 19.6 x 10^9 multiply-adds at 224x224 (ResNet paper, Fig. 3)."""
    return vgg(19, seed=seed, **options)
