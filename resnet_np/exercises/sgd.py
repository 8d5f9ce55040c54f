"""Exercise "sgd_step": one step of SGD with momentum and weight decay, equal to torch.optim.SGD's.

    sgd_step(w, dw, velocity, lr, momentum=0.9, weight_decay=1e-4, nesterov=False) -> (new_w, new_velocity)

for one parameter, as a pure function: w, dw and velocity are left unchanged, the new arrays returned. velocity
starts as zeros and is PyTorch's momentum_buffer. torch.optim.SGD (dampening 0) does, in this order:
    d = dw + weight_decay * w                    the gradient of the L2 penalty (weight_decay / 2) * |w|^2
    velocity = momentum * velocity + d           (skipped when momentum is 0)
    d = d + momentum * velocity  if nesterov  else  velocity
    w = w - lr * d
The grader runs several steps (a learning rate that changes between steps, too) against resnet_np.optim.SGD,
which the project's tests check step for step against torch.optim.SGD.
"""

from functools import partial

import numpy as np

from ..nn.parameter import Parameter
from ..optim import SGD
from .checks import compare_arrays
from .registry import Exercise
from .runner import Case

TEMPLATE = '''\
def sgd_step(w, dw, velocity, lr, momentum=0.9, weight_decay=1e-4, nesterov=False):
    """One step of torch.optim.SGD for one parameter -> (new_w, new_velocity).

    w, dw, velocity: arrays of one shape (velocity starts as zeros: PyTorch's momentum_buffer). Leave the
    inputs unchanged: return new arrays. With momentum 0, return velocity as it is.
    """
    raise NotImplementedError  # your code here
'''


def sgd_step(w, dw, velocity, lr, momentum=0.9, weight_decay=1e-4, nesterov=False):
    """The model answer: torch.optim.SGD's step (dampening 0) for one parameter, as a pure function."""
    direction = dw + weight_decay * w if weight_decay else dw
    if momentum:
        velocity = momentum * velocity + direction
        direction = direction + momentum * velocity if nesterov else velocity
    return w - lr * direction, velocity


# Recognised wrong steps: (hint code, text, step)
def _lr_in_velocity(w, dw, v, lr, momentum, weight_decay, nesterov):
    v = momentum * v - lr * (dw + weight_decay * w)
    return w + v, v


def _no_weight_decay(w, dw, v, lr, momentum, weight_decay, nesterov):
    return sgd_step(w, dw, v, lr, momentum, 0.0, nesterov)


def _decay_outside_velocity(w, dw, v, lr, momentum, weight_decay, nesterov):
    new_w, v = sgd_step(w, dw, v, lr, momentum, 0.0, nesterov)
    return new_w - lr * weight_decay * w, v


def _dampened(w, dw, v, lr, momentum, weight_decay, nesterov):
    v = momentum * v + (1 - momentum) * (dw + weight_decay * w)
    return w - lr * v, v


def _nesterov_ignored(w, dw, v, lr, momentum, weight_decay, nesterov):
    return sgd_step(w, dw, v, lr, momentum, weight_decay, False)


VARIANTS = [
    ("sgd-lr-in-velocity", "your velocity holds the learning rate (v = momentum * v - lr * d; w = w + v, CS231n's "
     "convention). PyTorch keeps lr out of it: v = momentum * v + d; w = w - lr * v. With a constant lr the two "
     "give the same w, but when a schedule changes lr, yours still moves with the old one, and your velocity is "
     "not PyTorch's momentum_buffer.", _lr_in_velocity),
    ("sgd-weight-decay-missing", "your step leaves out the weight decay: d = dw + weight_decay * w (the gradient "
     "of the L2 penalty) goes into the velocity.", _no_weight_decay),
    ("sgd-weight-decay-outside", "your weight decay is applied to w directly (w -= lr * weight_decay * w) instead "
     "of being added to the gradient before the momentum (d = dw + weight_decay * w). That is 'decoupled' decay "
     "(AdamW's); torch.optim.SGD puts it into the velocity.", _decay_outside_velocity),
    ("sgd-dampening", "your velocity averages (v = momentum * v + (1 - momentum) * d): that is dampening = "
     "momentum. torch.optim.SGD's default dampening is 0: v = momentum * v + d.", _dampened),
    ("sgd-nesterov-ignored", "with nesterov=True your step is plain momentum. Nesterov's step uses d + momentum * "
     "v (the new velocity) instead of v.", _nesterov_ignored),
]


def _reference_run(w0, grads, lrs, momentum, weight_decay, nesterov):
    """[(w, momentum_buffer)] after each step of resnet_np.optim.SGD (step for step torch.optim.SGD's)."""
    parameter = Parameter(w0.copy())
    optimizer = SGD([parameter], lr=lrs[0], momentum=momentum, weight_decay=weight_decay, nesterov=nesterov)
    states = []
    for grad, lr in zip(grads, lrs, strict=True):
        optimizer.param_groups[0]["lr"] = lr
        parameter.grad[...] = grad
        optimizer.step()
        buffer = optimizer.state[0].get("momentum_buffer")
        states.append((parameter.data.copy(), None if buffer is None else buffer.copy()))
    return states


def _simulate(step, w0, grads, lrs, momentum, weight_decay, nesterov):
    w, v, states = w0.astype(np.float64), np.zeros(w0.shape), []
    for grad, lr in zip(grads, lrs, strict=True):
        w, v = step(w, grad.astype(np.float64), v, lr, momentum, weight_decay, nesterov)
        states.append((w, v))
    return states


def _all_match(case, got, candidate):
    return all(case.matches(mine, theirs) for mine, theirs in zip(got, candidate, strict=True))


def _grade(case, shape, lrs, momentum, weight_decay, nesterov, dtype, seed):
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(shape).astype(dtype)
    grads = [rng.standard_normal(shape).astype(dtype) for _ in lrs]
    tolerance = "float32" if dtype == np.float32 else "float64"
    expected = _reference_run(w0, grads, lrs, momentum, weight_decay, nesterov)

    w, velocity, history = w0.copy(), np.zeros_like(w0), []
    for number, (grad, lr) in enumerate(zip(grads, lrs, strict=True), start=1):
        inputs = {"w": w, "dw": grad.copy(), "velocity": velocity}
        before = {name: np.copy(value) for name, value in inputs.items()}
        result = case.call("sgd_step", inputs["w"], inputs["dw"], inputs["velocity"], lr, momentum, weight_decay,
                           nesterov)
        new_w, new_velocity = case.expect_tuple("sgd_step", result, ("new_w", "new_velocity"))
        new_w = case.expect_array("sgd_step", f"new_w (step {number})", new_w, shape, dtype)
        if momentum:
            new_velocity = case.expect_array("sgd_step", f"new_velocity (step {number})", new_velocity, shape, dtype)
        if not all(np.array_equal(np.asarray(inputs[name]), before[name]) for name in inputs):
            case.unchanged(f"sgd_step (step {number})", inputs, before)
            break
        history.append((new_w, new_velocity))
        w, velocity = new_w, new_velocity
    else:
        case.record("inputs unchanged", True, f"sgd_step left w, dw and velocity as they were, in all {len(lrs)} steps")

    if not history:
        return
    # One check per array: the first step where it goes wrong, or the last step when none does.
    for index, label in ((0, "w"), (1, "velocity")):
        if index == 1 and not momentum:
            continue
        steps = [(number, got[index], want[index]) for number, (got, want)
                 in enumerate(zip(history, expected, strict=False), start=1)]
        wrong = [step for step in steps if compare_arrays(step[1], step[2])[0] > 1e-9]
        number, got, want = wrong[0] if wrong else steps[-1]
        case.compare(f"{label} after step {number}", got, want, tolerance, against="torch.optim.SGD's", array=label)

    if case.failed and len(history) == len(lrs):
        for code, text, step in VARIANTS:
            if code == "sgd-nesterov-ignored" and not nesterov:
                continue
            variant = _simulate(step, w0, grads, lrs, momentum, weight_decay, nesterov)
            index = 1 if code == "sgd-lr-in-velocity" and momentum else 0  # that mistake shows in the velocity
            if _all_match(case, [state[index] for state in history], [state[index] for state in variant]):
                case.hint(code, text, about="velocity" if index == 1 else "w")
                break


CONFIGURATIONS = [
    ((4, 3), [0.1] * 5, 0.9, 1e-4, False, np.float64, "the paper's settings: lr 0.1, momentum 0.9, weight decay "
                                                      "1e-4"),
    ((6,), [0.1, 0.1, 0.01, 0.01, 0.001], 0.9, 5e-4, False, np.float64, "a schedule: lr 0.1, 0.1, 0.01, 0.01, "
                                                                       "0.001"),
    ((3, 2), [0.05] * 4, 0.0, 1e-3, False, np.float64, "momentum 0 (plain SGD), weight decay 1e-3"),
    ((5,), [0.1] * 4, 0.9, 1e-4, True, np.float64, "Nesterov momentum"),
    ((2, 3, 3, 3), [0.05] * 3, 0.9, 0.0, False, np.float32, "no weight decay, float32"),
]


def cases():
    return [Case(f"w{shape}, {len(lrs)} steps: {text}",
                 partial(_grade, shape=shape, lrs=lrs, momentum=momentum, weight_decay=weight_decay,
                         nesterov=nesterov, dtype=dtype, seed=100 + index))
            for index, (shape, lrs, momentum, weight_decay, nesterov, dtype, text) in enumerate(CONFIGURATIONS)]


EXERCISES = [
    Exercise(
        name="sgd_step", title="an SGD step with momentum and weight decay, as torch.optim.SGD",
        functions=("sgd_step",), reference=lambda: (sgd_step,), cases=cases,
        checked="5 runs of 3 to 5 steps (the paper's settings, a learning rate that changes between steps, momentum "
                "0, Nesterov, float32): w and the velocity after every step against torch.optim.SGD's (through "
                "resnet_np.optim.SGD, equal to it step for step); shapes and dtypes; w, dw and velocity left "
                "unchanged.",
        notebook="08_sgd_step.ipynb", template=TEMPLATE),
]
