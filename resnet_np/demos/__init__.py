"""Lecture demos: each runs an experiment, writes PNG figures and the CSV numbers behind them, and prints a
plain-language reading computed from those numbers.

    from resnet_np import demos
    result = demos.gradient_flow(quick=True, out_dir="out")    # or demos.run_demo("gradient-flow", quick=True)
    result.numbers["ratio"]["plain110"], result.figures, result.reading

    python -m resnet_np demo --list
    python -m resnet_np demo gradient-flow [--quick] [--out DIR] [--no-bn]

quick=True: small sizes, seconds (the tests use it); the default full size is what a lecture shows.
Default output folder: demo_output/<name>/. One file per demo; common.py holds what they share.
"""

import importlib
import inspect

from ..errors import UserError
from ..runtime import using
from ..validation import number, positive_int
from .bn_variance import bn_variance
from .bottleneck_cost import bottleneck_cost
from .common import DemoResult
from .degradation import degradation
from .feature_maps import feature_maps
from .gradient_flow import gradient_flow
from .layer_responses import layer_responses
from .lesion import lesion
from .loss_landscape import loss_landscape
from .shattered_gradients import shattered_gradients
from .training_dynamics import training_dynamics

_MODULES = ("gradient_flow", "training_dynamics", "degradation", "layer_responses", "lesion", "bn_variance",
            "shattered_gradients", "loss_landscape", "bottleneck_cost", "feature_maps")
# lecture order; each module defines NAME, DESCRIPTION, <module>()
DEMOS = {}  # name -> (function, one-line description)
for _module_name in _MODULES:
    # import_module, not the package attribute: `from .x import x` replaced the attribute by the function
    _module = importlib.import_module(f"{__name__}.{_module_name}")
    DEMOS[_module.NAME] = (getattr(_module, _module_name), _module.DESCRIPTION)


def list_demos():
    """{name: one-line description}, in lecture order."""
    return {name: description for name, (_, description) in DEMOS.items()}


def run_demo(name, quick=False, out_dir=None, threads=None, **options):
    """Run the demo `name` (e.g. "gradient-flow"; "gradient_flow" works too) -> DemoResult.

    threads: threads for the maths while it runs (resnet_np.runtime); None: the library's setting.
    options: the demo function's keyword arguments (seed, no_bn, data_dir, checkpoint, verbose, sizes...).
    An unknown name, or an option the demo does not take, is a UserError listing the valid ones.
    """
    key = str(name).replace("_", "-")
    if key not in DEMOS:
        raise UserError(f"unknown demo {name!r}; choose one of: {', '.join(DEMOS)}")
    function = DEMOS[key][0]
    accepted = set(inspect.signature(function).parameters) - {"quick", "out_dir"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        valid = sorted(accepted - {"verbose"})
        raise UserError(f"demo {key} does not take {', '.join(unknown)}; "
                        + (f"its options: {', '.join(valid)}" if valid else "it has no options"))
    _check_sizes(key, function, quick, options)
    with using(threads=threads):
        return function(quick=quick, out_dir=out_dir, **options)


def _check_sizes(name, function, quick, options):
    """UserError for a size (e.g. `--set depths=[20,56]`) of the wrong kind or out of range.

    Each size is judged by the demo's presets (PRESETS in its module): a list of integers there must be a
    non-empty list of integers >= 1, an integer an integer >= 1 (an index >= 0), a number a finite number >= 0
    (a momentum below 1); depths must fit the demo's CIFAR ResNets (6n + 2 for three stages of basic blocks).
    """
    owner = f"demo {name}"
    presets = getattr(importlib.import_module(function.__module__), "PRESETS", {})
    chosen = {**presets.get("quick" if quick else "full", {}), **options}
    for key, value in options.items():
        examples = [preset[key] for preset in presets.values() if preset.get(key) is not None]
        if not examples or isinstance(examples[0], (bool, str)):
            continue  # not a size (seed, data_dir, ...: their flags check them)
        if isinstance(examples[0], tuple):
            if not isinstance(value, tuple) or not value:
                example = ",".join(str(item) for item in examples[0])
                raise UserError(f"{owner}: {key} must be a non-empty list of integers such as {key}=[{example}], "
                                f"got {list(value) if isinstance(value, tuple) else value!r}")
            for item in value:
                positive_int(owner, f"each of {key}", item, error=UserError)
        elif isinstance(examples[0], int):
            positive_int(owner, key, value, minimum=0 if key.endswith("index") else 1, error=UserError)
        else:  # a momentum is a fraction: 1 or more never forgets a step
            number(owner, key, value, minimum=0, below=1 if key == "momentum" else None, error=UserError)
    widths = chosen.get("widths")
    for key in ("depth", "depths"):
        if key in options and widths:
            step = 2 * len(widths)  # basic blocks: two 3x3 convs per block, one stage per width
            for depth in options[key] if isinstance(options[key], tuple) else (options[key],):
                if depth < step + 2 or (depth - 2) % step:
                    raise UserError(f"{owner}: each depth must be {step}n + 2 for {len(widths)} stages "
                                    f"(e.g. {step + 2}, {2 * step + 2}, {3 * step + 2}), got {depth}")


__all__ = ["DEMOS", "DemoResult", "bn_variance", "bottleneck_cost", "degradation", "feature_maps", "gradient_flow",
           "layer_responses", "lesion", "list_demos", "loss_landscape", "run_demo", "shattered_gradients",
           "training_dynamics"]
