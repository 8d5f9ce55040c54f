"""Model constructors by name (He et al. 2015 and 2016).

    import resnet_np as rn
    model = rn.models.resnet20(seed=0)                  # or rn.models.get_model("resnet20", seed=0)
    logits = model(x);  dx = model.backward(dlogits)
    rn.models.list_models()                             # {name: description}
    rn.models.cifar_resnet(depth=8, widths=(2, 4, 8))   # any depth 6n + 2, any widths: tiny models for demos
    rn.models.imagenet_resnet("bottleneck", [3, 4, 6, 3])
    rn.models.vgg19()                                   # VGG (for comparison: the ResNet paper's Figure 3)
"""

from .resnet import CIFAR_WIDTHS, IMAGENET_WIDTHS, ResNet, cifar_resnet, imagenet_resnet
from .vgg import VGG, vgg, vgg11, vgg13, vgg16, vgg19
from .zoo import (
    GENERAL_CONSTRUCTORS,
    get_model,
    list_models,
    plain18,
    plain20,
    plain32,
    plain34,
    plain44,
    plain56,
    plain110,
    preact_resnet20,
    preact_resnet32,
    preact_resnet44,
    preact_resnet56,
    preact_resnet110,
    resnet18,
    resnet20,
    resnet32,
    resnet34,
    resnet44,
    resnet50,
    resnet56,
    resnet101,
    resnet110,
    resnet152,
)

__all__ = [
    "CIFAR_WIDTHS", "GENERAL_CONSTRUCTORS", "IMAGENET_WIDTHS", "ResNet", "cifar_resnet", "get_model",
    "imagenet_resnet", "list_models",
    "plain18", "plain20", "plain32", "plain34", "plain44", "plain56", "plain110", "preact_resnet20",
    "preact_resnet32", "preact_resnet44", "preact_resnet56", "preact_resnet110", "resnet18", "resnet20",
    "resnet32", "resnet34", "resnet44", "resnet50", "resnet56", "resnet101", "resnet110", "resnet152",
    "VGG", "vgg", "vgg11", "vgg13", "vgg16", "vgg19",
]
