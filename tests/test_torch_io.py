"""Weights between resnet_np and PyTorch: exact conversion, and the same logits from both libraries.

The PyTorch networks below are written the way torchvision writes its ResNet (torchvision itself is not
needed): if our parameter names, shapes or layer order differed, load_state_dict(strict=True) or the logits
would tell.
"""

import sys

import numpy as np
import pytest

from resnet_np.models import get_model

# (name, options): the CIFAR net of the paper (option A), a projection-shortcut CIFAR net, ImageNet-style nets.
ARCHITECTURES = {
    "resnet20": ("resnet20", {}),
    "cifar_B": ("cifar_resnet", {"depth": 8, "widths": [2, 4, 8], "in_channels": 1, "num_classes": 7,
                                 "shortcut": "B"}),
    "imagenet_basic": ("imagenet_resnet", {"block": "basic", "layers": [1, 1], "widths": [4, 8], "num_classes": 5}),
    "imagenet_bottleneck": ("imagenet_resnet", {"block": "bottleneck", "layers": [2, 1], "widths": [2, 4],
                                                "num_classes": 3}),
}


def randomise_arrays(state, seed, make):
    """Random values for every entry (positive for running_var), built by make(name, values)."""
    rng = np.random.default_rng(seed)
    result = {}
    for name, array in state.items():
        if name.endswith("num_batches_tracked"):
            continue
        values = rng.standard_normal(tuple(array.shape))
        if name.endswith("running_var"):
            values = 0.5 + np.abs(values)
        result[name] = make(name, values)
    return result


def our_model(key, dtype="float64", seed=0):
    name, options = ARCHITECTURES[key]
    model = get_model(name, dtype=dtype, **options)
    state = model.state_dict()
    model.load_state_dict(randomise_arrays(state, seed, lambda name, values: values.astype(state[name].dtype)))
    return model.eval()


def input_for(model, seed=1):
    size = 8 if model.architecture["name"] != "imagenet_resnet" else 16
    channels = model.architecture.get("in_channels", 3)
    return np.random.default_rng(seed).standard_normal((2, channels, size, size))


# ---- a torchvision-style ResNet in PyTorch ---------------------------------------------------------------


def torch_resnet(torch, model):
    """The PyTorch twin of one of our post-activation ResNets, from its architecture dict (float64, eval)."""
    nn = torch.nn
    architecture = dict(model.architecture)
    if architecture["name"] == "resnet20":
        architecture.update(block="basic", layers=[3, 3, 3], widths=[16, 32, 64], stem="cifar")
    elif architecture["name"] == "cifar_resnet":
        n = (architecture["depth"] - 2) // (2 * len(architecture["widths"]))
        architecture.update(layers=[n] * len(architecture["widths"]), stem="cifar")
    else:
        architecture["stem"] = "imagenet"

    def zero_pad_shortcut(out_channels, stride):
        def shortcut(x):
            x = x[:, :, ::stride, ::stride]
            return nn.functional.pad(x, (0, 0, 0, 0, 0, out_channels - x.shape[1]))
        return shortcut

    def make_shortcut(option, in_channels, out_channels, stride):
        if option == "A":
            changes = stride != 1 or in_channels != out_channels
            return (zero_pad_shortcut(out_channels, stride) if changes else None), None
        projection = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                                   nn.BatchNorm2d(out_channels))
        return None, projection

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, in_channels, width, stride, option):
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels, width, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(width)
            self.downsample = None
            self.pad, projection = make_shortcut(option, in_channels, width, stride)
            if projection is not None and (stride != 1 or in_channels != width):
                self.downsample = projection

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            identity = self.downsample(x) if self.downsample is not None else (self.pad(x) if self.pad else x)
            return self.relu(out + identity)

    class Bottleneck(nn.Module):
        expansion = 4

        def __init__(self, in_channels, width, stride, option):
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)  # stride on the 3x3, as torchvision
            self.bn2 = nn.BatchNorm2d(width)
            self.conv3 = nn.Conv2d(width, width * 4, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(width * 4)
            self.relu = nn.ReLU()
            self.downsample = None
            self.pad, projection = make_shortcut(option, in_channels, width * 4, stride)
            if projection is not None and (stride != 1 or in_channels != width * 4):
                self.downsample = projection

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            identity = self.downsample(x) if self.downsample is not None else (self.pad(x) if self.pad else x)
            return self.relu(out + identity)

    class ResNet(nn.Module):
        def __init__(self, block, layers, widths, stem, num_classes, in_channels, shortcut):
            super().__init__()
            block_class = {"basic": BasicBlock, "bottleneck": Bottleneck}[block]
            if stem == "imagenet":
                self.conv1 = nn.Conv2d(in_channels, widths[0], 7, 2, 3, bias=False)
            else:
                self.conv1 = nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(widths[0])
            self.relu = nn.ReLU()
            self.maxpool = nn.MaxPool2d(3, 2, 1) if stem == "imagenet" else nn.Identity()
            channels = widths[0]
            for index, (n_blocks, width) in enumerate(zip(layers, widths, strict=True)):
                blocks = []
                for block_index in range(n_blocks):
                    stride = 2 if index > 0 and block_index == 0 else 1
                    blocks.append(block_class(channels, width, stride, shortcut))
                    channels = width * block_class.expansion
                setattr(self, f"layer{index + 1}", nn.Sequential(*blocks))
            self.n_stages = len(layers)
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(channels, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            for index in range(self.n_stages):
                x = getattr(self, f"layer{index + 1}")(x)
            return self.fc(torch.flatten(self.avgpool(x), 1))

    net = ResNet(architecture["block"], architecture["layers"], architecture["widths"], stem=architecture["stem"],
                 num_classes=architecture["num_classes"], in_channels=architecture["in_channels"],
                 shortcut=architecture["shortcut"])
    return net.double().eval()


def torch_logits(torch, net, x):
    with torch.no_grad():
        return net(torch.from_numpy(x)).numpy()


# ---- tests -----------------------------------------------------------------------------------------------


def test_missing_torch_gives_a_clear_import_error(monkeypatch):
    from resnet_np import torch_io

    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match=r"resnet_np.torch_io needs PyTorch: pip install torch"):
        torch_io.from_torch({})
    with pytest.raises(ImportError, match="pip install torch"):
        torch_io.to_torch(our_model("cifar_B"))


def test_importing_resnet_np_does_not_import_torch():
    import subprocess

    code = "import sys, resnet_np, resnet_np.torch_io, resnet_np.serialization; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_numpy_torch_numpy_round_trip_is_exact(dtype):
    torch = pytest.importorskip("torch")
    from resnet_np.torch_io import from_torch, to_torch

    model = our_model("cifar_B", dtype=dtype)
    state = model.state_dict()
    tensors = to_torch(model)
    expected_keys = []
    for name in state:
        expected_keys.append(name)
        if name.endswith(".running_var"):
            expected_keys.append(name[: -len("running_var")] + "num_batches_tracked")
    assert list(tensors) == expected_keys
    for name, tensor in tensors.items():
        if name.endswith("num_batches_tracked"):
            assert tensor.dtype == torch.long and tensor.item() == 0
        else:
            assert tensor.dtype == getattr(torch, dtype), name
    arrays = from_torch(tensors)
    assert list(arrays) == list(state)
    for name, array in arrays.items():
        assert array.dtype == state[name].dtype, name
        np.testing.assert_array_equal(array, state[name], err_msg=name)


def test_conversions_copy_the_data():
    torch = pytest.importorskip("torch")
    from resnet_np.torch_io import from_torch, to_torch

    model = our_model("cifar_B")
    tensors = to_torch(model)
    tensors["conv1.weight"].add_(1.0)
    np.testing.assert_array_equal(to_torch(model)["conv1.weight"].numpy(), model.state_dict()["conv1.weight"])
    source = {"w": torch.ones(3, dtype=torch.float64)}
    arrays = from_torch(source)
    source["w"].add_(1.0)
    np.testing.assert_array_equal(arrays["w"], np.ones(3))


@pytest.mark.parametrize("key", list(ARCHITECTURES))
def test_torch_model_loads_our_weights_and_gives_the_same_logits(key):
    torch = pytest.importorskip("torch")
    from resnet_np.torch_io import to_torch

    model = our_model(key)
    net = torch_resnet(torch, model)
    tensors = to_torch(model)
    assert list(tensors) == list(net.state_dict())  # same names, same order as torchvision's layout
    net.load_state_dict(tensors, strict=True)
    x = input_for(model)
    ours = model(x)
    theirs = torch_logits(torch, net, x)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("key", list(ARCHITECTURES))
def test_our_model_loads_torch_weights_and_gives_the_same_logits(key):
    torch = pytest.importorskip("torch")
    from resnet_np.torch_io import load_torch_weights

    model = our_model(key, seed=0)
    net = torch_resnet(torch, model)
    net.load_state_dict(randomise_arrays(net.state_dict(), seed=3, make=lambda name, values: torch.from_numpy(values)),
                        strict=False)  # every entry but num_batches_tracked
    assert load_torch_weights(model, net) is model  # a torch module is accepted as well as its state dict
    x = input_for(model)
    np.testing.assert_allclose(model(x), torch_logits(torch, net, x), rtol=1e-10, atol=1e-12)


def test_float32_torch_weights_go_into_a_float64_model_as_float64():
    torch = pytest.importorskip("torch")
    from resnet_np.torch_io import load_torch_weights, to_torch

    source = our_model("cifar_B", dtype="float32", seed=4)
    tensors = to_torch(source)
    target = our_model("cifar_B", dtype="float64", seed=5)
    load_torch_weights(target, tensors)
    for name, array in target.state_dict().items():
        assert array.dtype == np.float64, name
        np.testing.assert_array_equal(array, source.state_dict()[name].astype(np.float64))
    assert tensors["fc.weight"].dtype == torch.float32


def test_load_torch_weights_reports_missing_and_unexpected_keys():
    torch = pytest.importorskip("torch")
    from resnet_np.torch_io import load_torch_weights, to_torch

    model = our_model("cifar_B")
    tensors = to_torch(model)
    del tensors["fc.bias"]
    tensors["head.weight"] = torch.zeros(2)
    with pytest.raises(ValueError, match=r"fc\.bias") as info:
        load_torch_weights(model, tensors)
    assert "head.weight" in str(info.value)


def test_from_torch_refuses_non_tensors():
    pytest.importorskip("torch")
    from resnet_np.torch_io import from_torch

    with pytest.raises(TypeError, match="'w' is a ndarray"):
        from_torch({"w": np.zeros(2)})
