"""The named models of the papers, and get_model / list_models.

    ImageNet (He et al. 2015, Table 1):  resnet18, resnet34, resnet50, resnet101, resnet152; plain18, plain34
    CIFAR-10 (section 4.2, Table 6):     resnet20, resnet32, resnet44, resnet56, resnet110; plain20 ... plain110
    Pre-activation (He et al. 2016):     preact_resnet20, preact_resnet32, preact_resnet44, preact_resnet56,
                                         preact_resnet110
Every constructor takes keyword options (defaults in list_models() descriptions and each docstring):
    num_classes (1000 ImageNet / 10 CIFAR), in_channels (3; 1 for grayscale), dtype ("float32"; "float64" for
    gradient checks), seed (for the initial weights), and for residual networks shortcut ("A", "B", "C") and,
    for post-activation ones, zero_init_residual; bottleneck networks also take stride_on_first (False:
    torchvision's stride on the 3x3; True: the paper's stride on the first 1x1).
get_model also knows the general constructors "cifar_resnet" and "imagenet_resnet", so that
get_model(**model.architecture) rebuilds any model.
"""

import inspect

from ..errors import UserError
from .resnet import cifar_resnet, imagenet_resnet

_NAMED = {}  # name -> constructor
_DESCRIPTIONS = {}  # name -> one line
_GENERAL = {"cifar_resnet": cifar_resnet, "imagenet_resnet": imagenet_resnet}
GENERAL_CONSTRUCTORS = tuple(_GENERAL)  # get_model accepts these too; list_models() lists only the paper's models


def _named_model(name, family, block, size, residual, description):
    """Make the constructor `name(seed=None, **options)` of one named model and register it."""
    preactivation = block.startswith("preact")
    options = {"num_classes": 1000 if family == "imagenet" else 10, "in_channels": 3, "dtype": "float32"}
    if residual:
        options["shortcut"] = "B" if family == "imagenet" else "A"
        if not preactivation:
            options["zero_init_residual"] = False
    if block.endswith("bottleneck"):
        options["stride_on_first"] = False

    def build(seed=None, **given):
        unknown = sorted(set(given) - set(options))
        if unknown:
            raise TypeError(f"{name}() got unknown option(s) {', '.join(unknown)}; it takes "
                            f"{', '.join(sorted(options))} and seed")
        resolved = {**options, **given}
        if family == "imagenet":
            model = imagenet_resnet(block, size, residual=residual, seed=seed, **resolved)
        else:
            model = cifar_resnet(size, block=block, residual=residual, seed=seed, **resolved)
        # Record the options (normalised by the general constructor, e.g. dtype as "float32"), not the seed.
        model.architecture = {"name": name, **{key: model.architecture[key] for key in options}}
        return model

    defaults = ", ".join(f"{key}={value!r}" for key, value in options.items())
    build.__name__ = build.__qualname__ = name
    build.__doc__ = f"{description}\n\nOptions (defaults): {defaults}, seed=None."
    build.options = frozenset(options) | {"seed"}
    _NAMED[name] = build
    _DESCRIPTIONS[name] = description
    return build


resnet18 = _named_model("resnet18", "imagenet", "basic", [2, 2, 2, 2], True,
                        "ResNet-18 (ImageNet, Table 1): basic blocks [2, 2, 2, 2], shortcut B, 11.7M parameters")
resnet34 = _named_model("resnet34", "imagenet", "basic", [3, 4, 6, 3], True,
                        "ResNet-34 (ImageNet, Table 1): basic blocks [3, 4, 6, 3], shortcut B, 21.8M parameters")
resnet50 = _named_model("resnet50", "imagenet", "bottleneck", [3, 4, 6, 3], True,
                        "ResNet-50 (ImageNet, Table 1): bottleneck blocks [3, 4, 6, 3], shortcut B, 25.6M parameters")
resnet101 = _named_model("resnet101", "imagenet", "bottleneck", [3, 4, 23, 3], True,
                         "ResNet-101 (ImageNet, Table 1): bottleneck blocks [3, 4, 23, 3], shortcut B, "
                         "44.5M parameters")
resnet152 = _named_model("resnet152", "imagenet", "bottleneck", [3, 8, 36, 3], True,
                         "ResNet-152 (ImageNet, Table 1): bottleneck blocks [3, 8, 36, 3], shortcut B, "
                         "60.2M parameters")
plain18 = _named_model("plain18", "imagenet", "basic", [2, 2, 2, 2], False,
                       "Plain-18 (ImageNet, Table 2): ResNet-18 without shortcuts")
plain34 = _named_model("plain34", "imagenet", "basic", [3, 4, 6, 3], False,
                       "Plain-34 (ImageNet, Table 2): ResNet-34 without shortcuts")

resnet20 = _named_model("resnet20", "cifar", "basic", 20, True,
                        "ResNet-20 (CIFAR-10, Table 6): 3 stages of 3 basic blocks, shortcut A, 0.27M parameters")
resnet32 = _named_model("resnet32", "cifar", "basic", 32, True,
                        "ResNet-32 (CIFAR-10, Table 6): 3 stages of 5 basic blocks, shortcut A, 0.46M parameters")
resnet44 = _named_model("resnet44", "cifar", "basic", 44, True,
                        "ResNet-44 (CIFAR-10, Table 6): 3 stages of 7 basic blocks, shortcut A, 0.66M parameters")
resnet56 = _named_model("resnet56", "cifar", "basic", 56, True,
                        "ResNet-56 (CIFAR-10, Table 6): 3 stages of 9 basic blocks, shortcut A, 0.85M parameters")
resnet110 = _named_model("resnet110", "cifar", "basic", 110, True,
                         "ResNet-110 (CIFAR-10, Table 6): 3 stages of 18 basic blocks, shortcut A, 1.7M parameters")
plain20 = _named_model("plain20", "cifar", "basic", 20, False,
                       "Plain-20 (CIFAR-10, Figure 6): ResNet-20 without shortcuts")
plain32 = _named_model("plain32", "cifar", "basic", 32, False,
                       "Plain-32 (CIFAR-10, Figure 6): ResNet-32 without shortcuts")
plain44 = _named_model("plain44", "cifar", "basic", 44, False,
                       "Plain-44 (CIFAR-10, Figure 6): ResNet-44 without shortcuts")
plain56 = _named_model("plain56", "cifar", "basic", 56, False,
                       "Plain-56 (CIFAR-10, Figure 6): ResNet-56 without shortcuts")
plain110 = _named_model("plain110", "cifar", "basic", 110, False,
                        "Plain-110 (CIFAR-10, Figure 6): ResNet-110 without shortcuts")
preact_resnet20 = _named_model("preact_resnet20", "cifar", "preact_basic", 20, True,
                               "Pre-activation ResNet-20 (He et al. 2016): BN-ReLU-conv blocks, final BN-ReLU")
preact_resnet32 = _named_model("preact_resnet32", "cifar", "preact_basic", 32, True,
                               "Pre-activation ResNet-32 (He et al. 2016): BN-ReLU-conv blocks, final BN-ReLU")
preact_resnet44 = _named_model("preact_resnet44", "cifar", "preact_basic", 44, True,
                               "Pre-activation ResNet-44 (He et al. 2016): BN-ReLU-conv blocks, final BN-ReLU")
preact_resnet56 = _named_model("preact_resnet56", "cifar", "preact_basic", 56, True,
                               "Pre-activation ResNet-56 (He et al. 2016): BN-ReLU-conv blocks, final BN-ReLU")
preact_resnet110 = _named_model("preact_resnet110", "cifar", "preact_basic", 110, True,
                                "Pre-activation ResNet-110 (He et al. 2016): BN-ReLU-conv blocks, final BN-ReLU")


def list_models():
    """{name: one-line description} of the named models."""
    return dict(_DESCRIPTIONS)


def _accepted_options(name):
    if name in _NAMED:
        return _NAMED[name].options
    return frozenset(inspect.signature(_GENERAL[name]).parameters)


def get_model(name, **options):
    """Build a model by name: get_model("resnet20", num_classes=10, seed=0), or get_model(**model.architecture).

    name: one of list_models(), or "cifar_resnet" / "imagenet_resnet" with their arguments.
    An unknown name or option is a UserError listing the valid ones.
    """
    if name not in _NAMED and name not in _GENERAL:
        raise UserError(f"unknown model {name!r}; valid names: {', '.join(list(_NAMED) + list(_GENERAL))}")
    unknown = sorted(set(options) - _accepted_options(name))
    if unknown:
        raise UserError(f"model {name!r} takes no option(s) {', '.join(unknown)}; valid options: "
                        f"{', '.join(sorted(_accepted_options(name)))}")
    constructor = _NAMED.get(name) or _GENERAL[name]
    return constructor(**options)
