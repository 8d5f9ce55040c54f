"""Exercise "bottleneck_cost": count a bottleneck block's parameters and multiply-adds by hand.

    bottleneck_cost(in_channels, width, input_size, stride=1) -> (parameters, multiply_adds)

for resnet_np.nn.Bottleneck(in_channels, width, stride) (torchvision's, "ResNet v1.5"): 1x1 conv to `width`
channels, 3x3 conv (carrying the stride, padding 1), 1x1 conv to 4 * width, each followed by BatchNorm (gamma
and beta per channel); no conv biases; where the shape changes (stride > 1 or in_channels != 4 * width) a
projection shortcut (1x1 conv with the stride, then BatchNorm). input_size = (H, W); multiply-adds for ONE image,
conv layers only (as the paper's FLOPs). The grader's answer is resnet_np.summary of the real module.
"""

from functools import lru_cache, partial

import numpy as np

from ..nn import Bottleneck
from ..summary import summary
from .checks import Stop, with_article
from .registry import Exercise
from .runner import Case

TEMPLATE = '''\
def bottleneck_cost(in_channels, width, input_size, stride=1):
    """-> (parameters, multiply_adds) of Bottleneck(in_channels, width, stride) on one image of input_size (H, W).

    Parameters: every conv weight and every BatchNorm's gamma and beta (no conv biases). Multiply-adds: of
    the conv layers only, each K * C * kh * kw * out_h * out_w. Both are integers.
    """
    raise NotImplementedError  # your code here
'''


def count(in_channels, width, input_size, stride=1, batchnorm=True, projection=True, bias=False,
          stride_on_first=False, floor=False, projection_at_input=False):
    """The counts, with switches for the recognised mistakes (all defaults: the right answer)."""
    height, width_px = input_size
    out_channels = 4 * width

    def out_size(size):
        return size // stride if floor else (size - 1) // stride + 1  # 3x3 padding 1 and 1x1: ceil(size / stride)

    out_h, out_w = out_size(height), out_size(width_px)
    conv1, conv2, conv3 = in_channels * width, width * width * 9, width * out_channels
    conv1_area = out_h * out_w if stride_on_first else height * width_px
    parameters = conv1 + conv2 + conv3
    multiply_adds = conv1 * conv1_area + (conv2 + conv3) * out_h * out_w
    channels = [width, width, out_channels]
    if projection and (stride != 1 or in_channels != out_channels):
        parameters += in_channels * out_channels
        multiply_adds += in_channels * out_channels * (height * width_px if projection_at_input else out_h * out_w)
        channels.append(out_channels)
    if batchnorm:
        parameters += 2 * sum(channels)
    if bias:
        parameters += sum(channels)
    return parameters, multiply_adds


def bottleneck_cost(in_channels, width, input_size, stride=1):
    """The model answer: (parameters, multiply_adds), counted layer by layer."""
    height, width_px = input_size
    out_channels = 4 * width
    out_h, out_w = (height - 1) // stride + 1, (width_px - 1) // stride + 1  # the 3x3 conv carries the stride
    parameters = (in_channels * width + 2 * width          # conv1 1x1 in -> width, bn1
                  + width * width * 3 * 3 + 2 * width      # conv2 3x3 width -> width, bn2
                  + width * out_channels + 2 * out_channels)  # conv3 1x1 width -> 4 * width, bn3
    multiply_adds = (in_channels * width * height * width_px      # conv1 at the input's size
                     + width * width * 3 * 3 * out_h * out_w      # conv2, strided
                     + width * out_channels * out_h * out_w)      # conv3
    if stride != 1 or in_channels != out_channels:  # projection shortcut: 1x1 conv with the stride, then BN
        parameters += in_channels * out_channels + 2 * out_channels
        multiply_adds += in_channels * out_channels * out_h * out_w
    return parameters, multiply_adds


HINTS = [
    ("bottleneck-batchnorm", {"batchnorm": False}, "parameters", "your parameter count leaves out BatchNorm: each "
     "BatchNorm has 2 parameters per channel (gamma and beta), and there is one after every conv, the "
     "projection's included."),
    ("bottleneck-projection", {"projection": False}, None, "your count leaves out the projection shortcut: where "
     "the block changes the shape (stride > 1 or in_channels != 4 * width) the shortcut is a 1x1 conv (with the "
     "stride) and a BatchNorm, with parameters and multiply-adds of its own."),
    ("bottleneck-bias", {"bias": True}, "parameters", "your count includes conv biases: a ResNet's convs have none "
     "(the BatchNorm after each conv has beta, which does a bias's job)."),
    ("bottleneck-stride-on-first", {"stride_on_first": True}, "multiply_adds", "your multiply-adds put the stride "
     "on the first 1x1 conv (the original paper's choice). torchvision's Bottleneck, and resnet_np's by default, "
     "put it on the 3x3 conv2 ('ResNet v1.5'): conv1 runs at the input's full size."),
    ("bottleneck-floor", {"floor": True}, "multiply_adds", "your output size rounds down (H // stride). A 3x3 conv "
     "with padding 1 and a strided 1x1 conv give (H - 1) // stride + 1 = ceil(H / stride) pixels: 7 -> 4 with "
     "stride 2."),
    ("bottleneck-projection-resolution", {"projection_at_input": True}, "multiply_adds", "your projection "
     "shortcut's multiply-adds are counted at the input's size: it has the stride, so it computes out_h * out_w "
     "outputs only."),
]


def _expect_count(case, label, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)):
        kind = with_article(type(value).__name__)
        raise Stop("failed", f"bottleneck_cost returned {label} as {kind}; it must be an integer", "bottleneck_cost")
    if isinstance(value, (float, np.floating)):
        raise Stop("failed", f"bottleneck_cost returned {label} = {value!r}, a float: a count is a whole number "
                             "(use // for divisions, and int(...))", "bottleneck_cost")
    return int(value)


@lru_cache(maxsize=None)
def summary_counts(in_channels, width, input_size, stride):
    """(parameters, multiply-adds) that resnet_np.summary finds on the real module (weights only for shapes)."""
    module = Bottleneck(in_channels, width, stride, rng=np.random.default_rng(0))
    counted = summary(module, (in_channels, *input_size), verbose=False)
    return counted.total_parameters, counted.total_multiply_adds


def _grade(case, in_channels, width, input_size, stride):
    expected = dict(zip(("parameters", "multiply_adds"), summary_counts(in_channels, width, tuple(input_size), stride),
                        strict=True))
    result = case.call("bottleneck_cost", in_channels, width, tuple(input_size), stride)
    values = case.expect_tuple("bottleneck_cost", result, ("parameters", "multiply_adds"))
    got = {label: _expect_count(case, label, value) for label, value in zip(expected, values, strict=True)}
    for label in expected:
        difference = got[label] - expected[label]
        detail = f"{got[label]:,}, the summary of the real module says {expected[label]:,}"
        if difference:
            detail += f" ({'+' if difference > 0 else ''}{difference:,}, x{got[label] / expected[label]:.4g})"
        case.record(label.replace("_", "-"), difference == 0, detail, 0.0 if difference == 0 else None)
    if got["multiply_adds"] == 2 * expected["multiply_adds"]:
        case.hint("bottleneck-flops", "your multiply-adds are twice the right number: you counted FLOPs (a multiply "
                  "and an add each). The paper's 'FLOPs' (3.8 x 10^9 for ResNet-50) are multiply-adds.",
                  about="multiply-adds")
    for code, switches, label, text in HINTS:
        candidate = dict(zip(expected, count(in_channels, width, input_size, stride, **switches), strict=True))
        labels = [label] if label else list(expected)
        matched = [name for name in labels if candidate[name] != expected[name] and got[name] == candidate[name]]
        if matched:
            case.hint(code, text, about=[name.replace("_", "-") for name in matched])


CONFIGURATIONS = [
    (256, 64, (56, 56), 1, "the paper's Figure 5: 256-d, identity shortcut"),
    (64, 64, (56, 56), 1, "ResNet-50's first block: 64 -> 256 channels, projection shortcut"),
    (256, 128, (56, 56), 2, "stride 2: 256 -> 512 channels at half the size"),
    (512, 128, (7, 9), 2, "an odd, non-square 7x9 map with stride 2"),
    (1024, 256, (14, 14), 1, "1024-d, identity shortcut"),
]


def cases():
    return [Case(f"Bottleneck({in_channels}, {width}, stride={stride}) on {in_channels}x{size[0]}x{size[1]}: {text}",
                 partial(_grade, in_channels=in_channels, width=width, input_size=size, stride=stride))
            for in_channels, width, size, stride, text in CONFIGURATIONS]


EXERCISES = [
    Exercise(
        name="bottleneck_cost", title="a bottleneck block's parameters and multiply-adds",
        functions=("bottleneck_cost",), reference=lambda: (bottleneck_cost,), cases=cases,
        checked="5 blocks (identity and projection shortcuts, stride 2, an odd non-square map): both counts must "
                "equal, exactly, what resnet_np.summary finds on the real module (parameters of every conv and "
                "BatchNorm; multiply-adds of the convs, one image).",
        notebook="09_bottleneck_cost.ipynb", template=TEMPLATE),
]
