"""Grading "basic_block_backward": each named gradient against the tape, then the first step that goes wrong.

For every case the grader runs the block's forward (basic_block.basic_block_forward), gives the student's
basic_block_backward a random d_relu2 and the cache, and checks, in the order of the backward:
    1. every gradient of basic_block.GRADIENTS is there, with the right shape and dtype, and equals the tape's
    2. d_relu2 and every array of the cache are left unchanged
    3. "backprop ninja": each step is redone from the student's OWN upstream gradient (e.g. d_conv2 from the
       student's d_bn2 through bn2's backward). The first gradient that is wrong although its input was right
       is where the mistake is; everything after it only inherits it.
    4. float64: d_x and the six parameter gradients against central differences of the block's forward.
"""

from collections.abc import Mapping
from functools import partial

import numpy as np

from .. import functional as F
from .basic_block import (
    GRADIENTS,
    PARAMETERS,
    TEMPLATE,
    basic_block_backward,
    basic_block_forward,
    expected_gradients,
    make_parameters,
    record_forward,
)
from .checks import Stop, compare_arrays, with_article
from .opcase import random_upstream
from .registry import Exercise
from .runner import Case

STEPS = dict(GRADIENTS)


def _shortcut_backward(d_shortcut, cache):
    return d_shortcut if cache.shortcut_cache is None else F.zero_pad_shortcut_backward(d_shortcut,
                                                                                          cache.shortcut_cache)


# name -> (the gradients it is computed from, the step redone with the library's ops)
LOCAL_STEPS = {
    "d_sum": (("d_relu2",), lambda g, c: F.relu_backward(g["d_relu2"], c.relu2_cache)),
    "d_bn2": (("d_sum",), lambda g, c: g["d_sum"]),
    "d_shortcut": (("d_sum",), lambda g, c: g["d_sum"]),
    "d_conv2": (("d_bn2",), lambda g, c: F.batchnorm2d_backward(g["d_bn2"], c.bn2_cache)[0]),
    "d_gamma2": (("d_bn2",), lambda g, c: F.batchnorm2d_backward(g["d_bn2"], c.bn2_cache)[1]),
    "d_beta2": (("d_bn2",), lambda g, c: F.batchnorm2d_backward(g["d_bn2"], c.bn2_cache)[2]),
    "d_relu1": (("d_conv2",), lambda g, c: F.conv2d_backward(g["d_conv2"], c.conv2_cache)[0]),
    "d_w2": (("d_conv2",), lambda g, c: F.conv2d_backward(g["d_conv2"], c.conv2_cache)[1]),
    "d_bn1": (("d_relu1",), lambda g, c: F.relu_backward(g["d_relu1"], c.relu1_cache)),
    "d_conv1": (("d_bn1",), lambda g, c: F.batchnorm2d_backward(g["d_bn1"], c.bn1_cache)[0]),
    "d_gamma1": (("d_bn1",), lambda g, c: F.batchnorm2d_backward(g["d_bn1"], c.bn1_cache)[1]),
    "d_beta1": (("d_bn1",), lambda g, c: F.batchnorm2d_backward(g["d_bn1"], c.bn1_cache)[2]),
    "d_x_branch": (("d_conv1",), lambda g, c: F.conv2d_backward(g["d_conv1"], c.conv1_cache)[0]),
    "d_w1": (("d_conv1",), lambda g, c: F.conv2d_backward(g["d_conv1"], c.conv1_cache)[1]),
    "d_x_shortcut": (("d_shortcut",), lambda g, c: _shortcut_backward(g["d_shortcut"], c)),
    "d_x": (("d_x_branch", "d_x_shortcut"), lambda g, c: g["d_x_branch"] + g["d_x_shortcut"]),
}


def _structure_problem(value, expected):
    """Why value cannot be compared with expected (text), or None."""
    if value is None:
        return "missing (or None): return it in the dict"
    if not isinstance(value, np.ndarray):
        return f"{with_article(type(value).__name__)}, not a NumPy array (still `...`?)"
    if value.shape != expected.shape:
        return f"shape {value.shape}, expected {expected.shape}"
    if value.dtype != expected.dtype:
        return f"dtype {value.dtype}, expected {expected.dtype} (float32 stays float32)"
    return None


def _local(name, got, cache):
    """The step that makes `name`, redone from the student's own inputs; None if they are unusable."""
    inputs, step = LOCAL_STEPS[name]
    if any(source not in got for source in inputs):
        return None
    try:
        with np.errstate(all="ignore"):
            return step(got, cache)
    except ValueError:
        return None


def _first_wrong_step(case, got, wrong, cache):
    """The first gradient that is wrong although the gradients it is computed from are the student's own.

    Every wrong gradient that the step redone from the student's own inputs reproduces only inherits an earlier
    error: it is folded into one line of the report. Returns the first wrong step's name (or None)."""
    own = []  # wrong gradients whose own step is wrong
    for name, _ in GRADIENTS:
        if name not in wrong:
            continue
        redone = _local(name, got, cache)
        if redone is None or name not in got or not case.matches(got[name], redone, 1e-9):
            own.append((name, redone))
    first = next((name for name, redone in own if redone is not None and name in got), None)
    if first is None:
        return None
    redone = dict(own)[first]
    error, _ = compare_arrays(got[first], redone)
    inputs = " and ".join(LOCAL_STEPS[first][0])
    own_names = {name for name, _ in own}
    inherited = [name for name, _ in GRADIENTS if name in wrong and name not in own_names]
    later = "; the wrong gradients after it only inherit the error" if inherited else ""
    case.note(f"-> the first wrong step: {STEPS[first]}. From your own {inputs}, this step gives a {first} that "
              f"differs from yours by {error:.1e}{later}.")
    reason = f"wrong because an earlier step is wrong (the first: {first}); right from your own inputs"
    case.fold(inherited + [f"{name} (finite differences)" for name in inherited], reason)
    case.signature = "the first wrong step is " + STEPS[first] + "".join(
        f"; {name} is wrong too" for name, _ in GRADIENTS if name in own_names and name != first)
    return first


def _hints(case, got, expected, cache, first):
    d_relu2 = got["d_relu2"]
    if "d_sum" in got and not case.matches(got["d_sum"], expected["d_sum"]) \
            and case.matches(got["d_sum"], d_relu2 * (cache.bn2 > 0)):
        case.hint("relu2-mask-before-add", "d_sum is masked where bn2 > 0. relu2 comes AFTER the '+': its input is "
                  "sum = bn2 + shortcut, so the mask is sum > 0 (or relu2 > 0).", about="d_sum")
    if "d_bn1" in got and "d_relu1" in got and first == "d_bn1":
        later = {"conv2": cache.conv2, "bn2": cache.bn2, "sum": cache.sum, "relu2": cache.relu2}
        for name, value in later.items():
            if value.shape == cache.bn1.shape and case.matches(got["d_bn1"], got["d_relu1"] * (value > 0)):
                case.hint("relu-mask-wrong-array", f"d_bn1 is masked with {name} > 0, the output of a LATER op. "
                          "relu1's mask is where its own input is positive: bn1 > 0 (equivalently relu1 > 0, or "
                          "use F.relu_backward with cache.relu1_cache).", about="d_bn1")
                break
    for name in ("d_bn2", "d_shortcut"):
        if name in got and "d_sum" in got and case.matches(got[name], got["d_sum"] / 2):
            case.hint("residual-add-halves", f"{name} is d_sum / 2: the '+' copies its gradient to both inputs, it "
                      "does not split it.", about=name)
    if "d_x" in got and not case.matches(got["d_x"], expected["d_x"]):
        for path in ("d_x_branch", "d_x_shortcut"):
            candidates = [expected[path]] + ([got[path]] if path in got else [])
            if any(case.matches(got["d_x"], candidate) for candidate in candidates):
                case.hint("fork-not-summed", f"d_x equals {path} alone. x fed BOTH paths (the convolutions and the "
                          "shortcut), so its gradient is the sum of what comes back along each: d_x = d_x_branch + "
                          "d_x_shortcut. Without the shortcut's part, the gradient that the '+ x' carries "
                          "undiminished is lost.", about="d_x")
                break
    if cache.training:
        for upstream, name, bn_cache, gamma in (("d_bn2", "d_conv2", cache.bn2_cache, cache.gamma2),
                                                ("d_bn1", "d_conv1", cache.bn1_cache, cache.gamma1)):
            if first == name and case.matches(got[name], got[upstream] * (gamma * bn_cache.inv_std).reshape(1, -1, 1,
                                                                                                          1)):
                case.hint("bn-batch-terms", f"{name} lacks the terms through the batch mean and variance: in "
                          "training they depend on every value of the channel (exercise 4), so BatchNorm's "
                          "backward is not just gamma / sqrt(var + eps) * dout.", about=name)
    if first is not None and not case.hints:
        case.hint("first-wrong-step", f"look at {STEPS[first]}: redo it from your own "
                  f"{' and '.join(LOCAL_STEPS[first][0])}, with the op's formula (or its backward function and the "
                  "op's cache).", about=first)


def _grade(case, x_shape, out_channels, stride, training, dtype, seed):
    rng = np.random.default_rng(seed)
    case.batch = x_shape[0]
    x = rng.standard_normal(x_shape).astype(dtype)
    params = make_parameters(x_shape[1], out_channels, rng, dtype)
    tolerance = "float32" if dtype == np.float32 else "float64"

    def fresh(values):
        return {name: value.copy() for name, value in values.items()}

    out, cache = basic_block_forward(x.copy(), fresh(params), stride, training)
    d_relu2 = random_upstream(out.shape, dtype, seed)
    expected = expected_gradients(record_forward(x.copy(), fresh(params), stride, training), d_relu2.copy())

    student_d_relu2 = d_relu2.copy()
    watched = {"d_relu2": student_d_relu2}
    watched.update({f"cache.{name}": value for name, value in cache._asdict().items()
                    if isinstance(value, np.ndarray)})
    before = {name: value.copy() for name, value in watched.items()}
    result = case.call("basic_block_backward", student_d_relu2, cache)
    if not isinstance(result, Mapping):
        kind = with_article(type(result).__name__)
        raise Stop("failed", f"basic_block_backward returned {kind}; it must return a dict {{'d_sum': ..., 'd_bn2': "
                             "..., ...} of every gradient", "basic_block_backward")

    got, wrong = {"d_relu2": d_relu2}, set()
    for name, _ in GRADIENTS:
        problem = _structure_problem(result.get(name), expected[name])
        if problem:
            case.record(name, False, problem)
            wrong.add(name)
            continue
        got[name] = result[name]
        if not case.compare(name, got[name], expected[name], tolerance, against="the library's ops (a tape)"):
            wrong.add(name)
    case.unchanged("basic_block_backward", watched, before)
    first = _first_wrong_step(case, got, wrong, cache)

    if dtype == np.float64 and not case.modified:
        fd_x, fd_params = x.copy(), fresh(params)

        def loss():
            return float(np.sum(basic_block_forward(fd_x, fresh(fd_params), stride, training)[0] * d_relu2))

        for name, array in [("d_x", fd_x)] + [(f"d_{parameter}", fd_params[parameter]) for parameter in PARAMETERS]:
            if name in got:
                case.gradcheck(name, loss, array, got[name], expected[name], seed, samples=6, focus=2,
                               of="the block's forward")
    if case.failed:
        _hints(case, got, expected, cache, first)


def library_backwards():
    """{code object: name} of every backward the library defines (its functional ops, its engine, its layers,
    the tape, the model answer and its helpers): what by_hand=True forbids the student's code to call (checks.py
    counts only calls made from outside the package). im2col and col2im stay allowed."""
    import inspect
    import sys

    from . import basic_block, conv, pooling, relu, residual, tape

    found = {}

    def add(function, name):
        code = getattr(inspect.unwrap(function), "__code__", None)
        if code is not None:
            found.setdefault(code, name)

    add(basic_block.basic_block_backward, "the model answer's basic_block_backward")

    def backward_name(key):
        return key == "backward" or key.endswith("_backward") or key.endswith("_backward_loops")

    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith("resnet_np."):
            continue
        for key, value in list(vars(module).items()):
            if getattr(value, "__module__", None) != module_name:
                continue
            if inspect.isfunction(value) and backward_name(key):
                add(value, key)
            elif inspect.isclass(value):
                for attribute, member in vars(value).items():
                    if inspect.isfunction(member) and backward_name(attribute):
                        add(member, f"{key}.{attribute}")
    for module in (conv, pooling, relu, residual):
        for key, value in vars(module).items():
            if inspect.isfunction(value) and backward_name(key):
                add(value, key)
    add(basic_block._batchnorm_backward_by_hand, "the model answer's _batchnorm_backward_by_hand")
    add(basic_block._conv_backward_by_hand, "the model answer's _conv_backward_by_hand")
    add(tape.Tape.backward, "Tape.backward")
    return found


CONFIGURATIONS = [
    ((2, 4, 4, 4), 4, 1, True, np.float64, "train, identity shortcut"),
    ((2, 2, 5, 5), 4, 2, True, np.float64, "train, stride 2 and 2 -> 4 channels: option-A shortcut, odd size"),
    ((2, 4, 4, 4), 4, 1, False, np.float64, "eval, identity shortcut"),
    ((1, 2, 4, 4), 4, 2, True, np.float64, "train, batch 1, option-A shortcut"),
    ((2, 3, 4, 4), 3, 1, True, np.float32, "train, identity shortcut, float32"),
]


def cases():
    return [Case(f"{text}: x{shape} -> {channels} channels",
                 partial(_grade, x_shape=shape, out_channels=channels, stride=stride, training=training, dtype=dtype,
                         seed=90 + index))
            for index, (shape, channels, stride, training, dtype, text) in enumerate(CONFIGURATIONS)]


EXERCISES = [
    Exercise(
        name="basic_block_backward", title="a BasicBlock's backward by hand, every intermediate gradient named",
        functions=("basic_block_backward",), reference=lambda: (basic_block_backward,), cases=cases,
        checked="for 5 blocks (identity and option-A shortcuts, stride 2 with an odd size, train and eval, batch 1, "
                "float32): each of the 16 named gradients, in the order of the backward, against a tape of the "
                "library's ops; each step redone from your own upstream gradient to find the first wrong one; d_x "
                "and the parameter gradients against central differences of the block (float64, random upstream "
                "gradient); d_relu2 and the cache left unchanged; with by_hand=True, that your code calls no backward "
                "of the library.",
        notebook="07_basic_block_backward.ipynb", template=TEMPLATE, forbidden=library_backwards),
]
