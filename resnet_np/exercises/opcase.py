"""Grading one case of a forward/backward pair, the way every op exercise is graded.

    out, cache = forward(*args)          called positionally, exactly as the library's layers call the op
    grads      = backward(dout, cache)   dout random (seeded), of out's shape and dtype

Checked, in this order (the report lists them so):
    1. the forward returns (out, cache); out has the model answer's shape and dtype (float32 stays float32)
    2. the forward left its inputs unchanged (except state it updates by design: BatchNorm's running statistics,
       which are compared with the model answer's instead)
    3. out against the model answer
    4. the backward returns one array per gradient, each of the right shape and dtype; it left dout unchanged
    5. each gradient against the model answer's
    6. float64 only: each gradient against central differences of the student's OWN forward (so a report can
       tell "your backward does not match your forward" from "your forward is wrong")
Then, if anything failed, the exercise's hint function looks for the pattern of a classic mistake, and
localise() says which half is wrong (a fallback: the report shows it only when no hint names the mistake).
"""

from types import SimpleNamespace
from typing import Callable, NamedTuple

import numpy as np


class Op(NamedTuple):
    forward: str  # the student's function names
    backward: str
    reference_forward: Callable
    reference_backward: Callable


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def random_upstream(shape, dtype, seed):
    """The upstream gradient dout of a case: standard normal, seeded, in the dtype of the output."""
    return np.random.default_rng((seed, 314159)).standard_normal(shape).astype(dtype)


def grade_op(case, op, args, grads, state=(), seed=0, finite_differences=True, hints=None):
    """Grade one case (see the module docstring); returns the view the hints saw (for exercises that go on).

    args: [(name, value)], passed positionally to the forward; arrays, and options (ints, pairs, None, bools).
    grads: [(label, input name)] in the order the backward returns them. One entry: the backward returns one
        array, not a tuple. Input name None: that output is not checked (conv's db when there is no bias).
    state: names of arrays the forward updates in place by design (BatchNorm's running_mean, running_var).
    hints: hints(case, view), called when a check failed; view holds args, out, dout, grads and the model
        answer's ref_out, ref_grads, ref_state.
    """
    names = [name for name, _ in args]
    values = [value for _, value in args]
    if np.ndim(values[0]) >= 2:  # a batch (N, ...): the report can tell "only batch 1 passes"
        case.batch = np.shape(values[0])[0]
    arrays = [name for name, value in args if isinstance(value, np.ndarray)]
    dtype = np.asarray(values[0]).dtype
    tolerance = "float32" if dtype == np.float32 else "float64"

    # The model answer, on copies.
    ref_args = [_copy(value) for value in values]
    ref_out, ref_cache = op.reference_forward(*ref_args)
    ref_state = {name: ref_args[names.index(name)] for name in state}
    dout = random_upstream(np.shape(ref_out), dtype, seed)
    ref_grads = op.reference_backward(dout.copy(), ref_cache)
    if len(grads) == 1:
        ref_grads = (ref_grads,)
    ref_grads = dict(zip([label for label, _ in grads], ref_grads, strict=True))
    view = SimpleNamespace(args=dict(args), out=None, dout=dout, grads={}, state={}, ref_out=ref_out,
                           ref_grads=ref_grads, ref_state=ref_state, dtype=dtype)

    # 1-3: the student's forward.
    student_args = [_copy(value) for value in values]
    inputs = {name: student_args[names.index(name)] for name in arrays if name not in state}
    before = {name: array.copy() for name, array in inputs.items()}
    result = case.call(op.forward, *student_args)
    out, cache = case.expect_tuple(op.forward, result, ("out", "cache"))
    out = case.expect_array(op.forward, "out", out, np.shape(ref_out), ref_out.dtype)
    view.out = out
    case.unchanged(op.forward, inputs, before)
    case.compare("out", out, ref_out, tolerance)
    for name in state:
        view.state[name] = student_args[names.index(name)]
        case.compare(f"{name} after the forward", view.state[name], ref_state[name], tolerance, array=name)

    # 4-5: the student's backward.
    student_dout = dout.copy()
    watched = {"dout": student_dout, **inputs}
    before = {name: array.copy() for name, array in watched.items()}
    result = case.call(op.backward, student_dout, cache)
    labels = tuple(label for label, _ in grads)
    returned = (result,) if len(grads) == 1 else case.expect_tuple(op.backward, result, labels)
    for (label, source), value in zip(grads, returned, strict=True):
        if source is not None:
            reference = ref_grads[label]
            view.grads[label] = case.expect_array(op.backward, label, value, reference.shape, reference.dtype)
    case.unchanged(op.backward, watched, before)
    for label, got in view.grads.items():
        case.compare(label, got, ref_grads[label], tolerance)

    # 6: central differences of the student's own forward (float64 only: float32 rounding would hide bugs).
    if finite_differences and dtype == np.float64 and not case.modified:
        fd_args = [_copy(value) for value in values]

        def loss():
            call_args = [_copy(value) if name in state else value
                         for name, value in zip(names, fd_args, strict=True)]
            output = case.call(op.forward, *call_args)[0]
            return float(np.sum(np.asarray(output, dtype=np.float64) * dout))

        for label, source in grads:
            if source is not None:
                case.gradcheck(label, loss, fd_args[names.index(source)], view.grads[label], ref_grads[label],
                               seed)

    if hints is not None and case.failed:
        hints(case, view)
    if case.failed:
        localise(case, ("out",), [label for label, source in grads if source is not None])
    return view


def localise(case, forward_labels, gradient_labels, forward_name="forward", backward_name="backward"):
    """The hints that say which half is wrong, from the checks alone (they hold for any op).

    forward-is-wrong: an output is wrong, and every gradient agrees with central differences of the student's
        own forward while some gradient differs from the model answer's: the backward is the derivative of the
        forward the student wrote, so the forward is what is wrong.
    backward-is-wrong: every output is right, and a gradient disagrees with central differences of it.
    forward_name, backward_name: what the two halves are called ("im2col" and "col2im" in exercise 1).
    """
    verdicts = {check.label: check.passed for check in case.checks}
    forward = [verdicts[label] for label in forward_labels if label in verdicts]
    against_model = [verdicts[label] for label in gradient_labels if label in verdicts]
    by_differences = [verdicts[f"{label} (finite differences)"] for label in gradient_labels
                      if f"{label} (finite differences)" in verdicts]
    if not forward or not by_differences:
        return
    outputs = ", ".join(label for label in forward_labels if label in verdicts)
    if not all(forward) and all(by_differences) and not all(against_model):
        case.hint("forward-is-wrong", f"your gradients agree with central differences of your own {forward_name} "
                  "(the ok '(finite differences)' lines) but not with the model answer: your "
                  f"{backward_name} is the exact derivative of the {forward_name} you wrote, so the "
                  f"{forward_name} is what is wrong (see {outputs}). Fix it first, then make the {backward_name} "
                  "follow it again.", about=[label for label in forward_labels if label in verdicts])
    elif all(forward) and not all(by_differences):
        wrong = [label for label in gradient_labels if verdicts.get(f"{label} (finite differences)") is False]
        agree = "disagrees" if len(wrong) == 1 else "disagree"
        case.hint("backward-is-wrong", f"your {forward_name} is right ({outputs} ok), and your {', '.join(wrong)} "
                  f"{agree} with central differences of it: the mistake is in the {backward_name}.",
                  about=[f"{label} (finite differences)" for label in wrong])
