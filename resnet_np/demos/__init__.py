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
from .bn_variance import bn_variance
from .bottleneck_cost import bottleneck_cost
from .common import DemoResult
from .degradation import degradation
from .feature_maps import feature_maps
from .gradient_flow import gradient_flow
from .loss_landscape import loss_landscape
from .shattered_gradients import shattered_gradients

_MODULES = ("gradient_flow", "degradation", "bn_variance", "shattered_gradients", "loss_landscape",
            "bottleneck_cost", "feature_maps")  # lecture order; each module defines NAME, DESCRIPTION, <module>()
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
    with using(threads=threads):
        return function(quick=quick, out_dir=out_dir, **options)


__all__ = ["DEMOS", "DemoResult", "bn_variance", "bottleneck_cost", "degradation", "feature_maps", "gradient_flow",
           "list_demos", "loss_landscape", "run_demo", "shattered_gradients"]
