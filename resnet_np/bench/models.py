"""Whole-model benchmarks, ours beside the same PyTorch model in one process, reported as ratios.

training_step: one SGD step (forward, softmax cross-entropy, backward, SGD with momentum and weight decay).
forward: inference only (eval mode). scaling: images/s against batch size, depth and input size.
Ours and torch alternate call by call, so a noisy neighbour slows both alike; we report medians.
"""

import numpy as np

from .. import functional as F
from ..models import cifar_resnet, imagenet_resnet
from ..optim import SGD
from . import torch_models
from .machine import torch_or_none
from .timing import format_table, interleaved_times


def _build(depth, imagenet_layers, dtype, seed=0, in_channels=3):
    if depth is not None:
        return cifar_resnet(depth, dtype=dtype, seed=seed, in_channels=in_channels)
    return imagenet_resnet("basic", imagenet_layers, num_classes=10, dtype=dtype, seed=seed, in_channels=in_channels)


def _our_step(model, x, labels, optimizer):
    def run():
        optimizer.zero_grad()
        logits = model(x)
        _, dlogits = F.softmax_cross_entropy(logits, labels)
        model.backward(dlogits)
        optimizer.step()

    return run


def _torch_step(torch, model, x, labels, optimizer):
    tx, tlabels = torch.from_numpy(x), torch.from_numpy(labels)

    def run():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(tx), tlabels).backward()
        optimizer.step()

    return run


def _our_forward(model, x):
    model.eval()
    return lambda: model(x)


def _torch_forward(torch, model, x):
    model.eval()
    tx = torch.from_numpy(x)

    def run():
        with torch.no_grad():
            model(tx)

    return run


def interleaved_medians(functions, repeats, warmup=1):
    """Median seconds of each function, calling them in turn (a, b, a, b, ...) after `warmup` rounds."""
    return [float(np.median(record)) for record in interleaved_times(functions, repeats, warmup)]


def compare(kind, depth=20, batch=128, dtype="float32", input_size=32, imagenet_layers=None, repeats=5,
            torch=None, in_channels=3):
    """Time one model, ours and (if available) torch's. kind: "train" (one SGD step) or "forward".

    Returns {"model", "kind", "batch", "input", "channels", "dtype", "ours_ms", "torch_ms", "ratio", "ours_ips",
    "torch_ips"}.
    """
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, in_channels, input_size, input_size)).astype(dtype)
    labels = rng.integers(0, 10, batch)
    model = _build(depth, imagenet_layers, dtype, in_channels=in_channels)
    if kind == "train":
        optimizer = SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
        functions = [_our_step(model, x, labels, optimizer)]
    else:
        functions = [_our_forward(model, x)]
    if torch is not None:
        torch.manual_seed(0)
        twin = torch_models.build(torch, depth, imagenet_layers, in_channels=in_channels).to(getattr(torch, dtype))
        if kind == "train":
            optimizer = torch.optim.SGD(twin.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
            functions.append(_torch_step(torch, twin, x, labels, optimizer))
        else:
            functions.append(_torch_forward(torch, twin, x))
    times = interleaved_medians(functions, repeats)
    ours, theirs = times[0], (times[1] if len(times) > 1 else None)
    name = f"resnet{depth}" if depth is not None else f"resnet{2 * sum(imagenet_layers) + 2}"
    return {
        "model": name, "kind": kind, "batch": batch, "input": input_size, "channels": in_channels, "dtype": dtype,
        "ours_ms": ours * 1e3, "torch_ms": None if theirs is None else theirs * 1e3,
        "ratio": None if theirs is None else ours / theirs,
        "ours_ips": batch / ours, "torch_ips": None if theirs is None else batch / theirs,
    }


def _number(value, digits=0, suffix=""):
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def format_rows(rows):
    header = ["model", "pass", "dtype", "batch", "input", "ours ms", "torch ms", "ours/torch", "ours img/s",
              "torch img/s"]
    return format_table(header, [
        [r["model"], "train step" if r["kind"] == "train" else "forward", r["dtype"], r["batch"],
         f"{r['input']}x{r['input']}", _number(r["ours_ms"]), _number(r["torch_ms"]), _number(r["ratio"], 2, "x"),
         _number(r["ours_ips"]), _number(r["torch_ips"])] for r in rows])


def headline(quick=False, repeats=5):
    """The goal measurements: resnet20/56 training steps (float32, float64) and resnet18 forward at 224."""
    torch = torch_or_none()
    if quick:
        configs = [dict(kind="train", depth=20, batch=16), dict(kind="forward", imagenet_layers=[2, 2, 2, 2],
                                                               depth=None, batch=1, input_size=64)]
        repeats = min(repeats, 2)
    else:
        configs = [dict(kind="train", depth=20, batch=128), dict(kind="train", depth=56, batch=128),
                   dict(kind="train", depth=20, batch=128, dtype="float64"),
                   dict(kind="forward", imagenet_layers=[2, 2, 2, 2], depth=None, batch=8, input_size=224)]
    rows = [compare(repeats=repeats, torch=torch, **config) for config in configs]
    return rows, format_rows(rows)


def scaling(quick=False, repeats=3):
    """images/s of a training step against batch size, depth and input size (float32), ours and torch's."""
    torch = torch_or_none()
    if quick:
        sweeps = {"batch": [dict(batch=b) for b in (4, 8)], "depth": [dict(depth=d, batch=4) for d in (8, 14)],
                  "input": [dict(input_size=s, batch=4) for s in (8, 16)]}
        repeats = 1
    else:
        sweeps = {"batch": [dict(batch=b) for b in (16, 32, 64, 128, 256)],
                  "depth": [dict(depth=d) for d in (20, 32, 56, 110)],
                  "input": [dict(input_size=s, batch=16) for s in (32, 64, 128, 224)]}
    results = {}
    for sweep, configs in sweeps.items():
        results[sweep] = []
        for config in configs:
            options = {"depth": 20, "batch": 128, "input_size": 32, **config}
            results[sweep].append(compare("train", repeats=repeats, torch=torch, **options))
    text = "\n\n".join(f"images/s against {sweep}:\n" + format_rows(rows) for sweep, rows in results.items())
    return results, text


def plot_scaling(results, path):
    """Three panels (batch, depth, input size), images/s ours vs torch; written atomically to `path` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    from ..atomic import atomic_path

    keys = {"batch": ("batch", "batch size (resnet20, 32x32)"), "depth": ("model", "depth (batch 128, 32x32)"),
            "input": ("input", "input size (resnet20, batch 16)")}
    figure, axes = plt.subplots(1, len(results), figsize=(4.2 * len(results), 3.6))
    for axis, (sweep, rows) in zip(np.atleast_1d(axes), results.items(), strict=True):
        key, label = keys[sweep]
        xs = [int(r[key].removeprefix("resnet")) if key == "model" else r[key] for r in rows]
        axis.plot(xs, [r["ours_ips"] for r in rows], "o-", label="resnet_np (NumPy + Numba)")
        if rows and rows[0]["torch_ips"] is not None:
            axis.plot(xs, [r["torch_ips"] for r in rows], "s--", label="PyTorch CPU")
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        # Plain numbers (16, 32, ...) at the measured points read better than 2^4 or 1.2x10^2.
        axis.set_xticks(xs, [str(x) for x in xs])
        axis.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        axis.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:g}"))
        axis.yaxis.set_minor_formatter(matplotlib.ticker.LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))
        axis.set_xlabel(label)
        axis.set_ylabel("training images / s")
        axis.grid(True, which="both", alpha=0.3)
    np.atleast_1d(axes)[0].legend()
    figure.suptitle("Training throughput, float32, one SGD step (forward + backward + update); higher is better")
    figure.tight_layout()
    with atomic_path(path) as temp:
        figure.savefig(temp, format="png", dpi=110)
    plt.close(figure)
    return path
