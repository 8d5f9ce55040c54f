"""Optimisers and lr schedules: step-for-step equality with torch.optim, convergence, dtype, checkpoints, errors."""

import numpy as np
import pytest

from resnet_np.nn.parameter import Parameter
from resnet_np.optim import (
    SGD,
    Adam,
    AdamW,
    CosineLR,
    FixedLR,
    MultiStepLR,
    WarmupLR,
    make_schedule,
    paper_milestones,
    param_groups_without_decay,
)

# A small ResNet-like set of parameters with torchvision names: a conv weight, BN gamma/beta, an fc layer.
SHAPES = {"conv1.weight": (4, 3, 3, 3), "bn1.weight": (4,), "bn1.bias": (4,), "fc.weight": (5, 4), "fc.bias": (5,)}


def make_named_params(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [(name, Parameter(rng.standard_normal(shape).astype(dtype))) for name, shape in SHAPES.items()]


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-300)))


def random_grads(steps, seed=1, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [{name: rng.standard_normal(shape).astype(dtype) for name, shape in SHAPES.items()} for _ in range(steps)]


def run_steps(optimizer, named, grads, schedule=None):
    for step_grads in grads:
        for name, param in named:
            param.grad[...] = step_grads[name]
        optimizer.step()
        if schedule is not None:
            schedule.step()


# ---- equality with PyTorch ---------------------------------------------------------------------------------

SGD_CASES = [
    dict(momentum=0.0, weight_decay=0.0),
    dict(momentum=0.0, weight_decay=1e-2),
    dict(momentum=0.9, weight_decay=0.0),
    dict(momentum=0.9, weight_decay=1e-2),
    dict(momentum=0.9, weight_decay=1e-2, nesterov=True),
]
ADAM_CASES = [
    ("Adam", dict()),
    ("Adam", dict(betas=(0.8, 0.99), eps=1e-6, weight_decay=1e-2)),
    ("Adam", dict(weight_decay=1e-2, decoupled_weight_decay=True)),
    ("AdamW", dict(weight_decay=5e-2)),
]


def compare_with_torch(torch, build_ours, build_torch, no_decay_groups, weight_decay, steps=10):
    """Run both optimisers for `steps` steps on the same random gradients; lr is cut by 10 half-way."""
    named = make_named_params()
    initial = {name: param.data.copy() for name, param in named}
    tensors = {name: torch.tensor(param.data.copy(), requires_grad=True) for name, param in named}
    if no_decay_groups:
        groups = param_groups_without_decay(named, weight_decay)
        ours = build_ours(groups)
        theirs = build_torch([{"params": [tensors[name] for name in group["param_names"]],
                               "weight_decay": group["weight_decay"]} for group in groups])
    else:
        ours = build_ours([param for _, param in named])
        theirs = build_torch(list(tensors.values()))
    for step, step_grads in enumerate(random_grads(steps)):
        if step == steps // 2:  # as a schedule would
            for group_ours, group_theirs in zip(ours.param_groups, theirs.param_groups, strict=True):
                group_ours["lr"] *= 0.1
                group_theirs["lr"] *= 0.1
        for name, param in named:
            param.grad[...] = step_grads[name]
            tensors[name].grad = torch.tensor(step_grads[name])
        ours.step()
        theirs.step()
    for name, param in named:
        assert relative_error(param.data, initial[name]) > 1e-3, f"{name} barely moved: the test would be void"
        assert relative_error(param.data, tensors[name].detach().numpy()) < 1e-12, name


@pytest.mark.torch
@pytest.mark.parametrize("no_decay_groups", [False, True])
@pytest.mark.parametrize("case", SGD_CASES)
def test_sgd_matches_torch(case, no_decay_groups):
    torch = pytest.importorskip("torch")
    wd = case["weight_decay"]
    compare_with_torch(torch, lambda params: SGD(params, lr=0.1, **case),
                       lambda params: torch.optim.SGD(params, lr=0.1, **case), no_decay_groups, wd)


@pytest.mark.torch
@pytest.mark.parametrize("no_decay_groups", [False, True])
@pytest.mark.parametrize("kind, case", ADAM_CASES)
def test_adam_matches_torch(kind, case, no_decay_groups):
    torch = pytest.importorskip("torch")
    ours_class, torch_class = {"Adam": (Adam, torch.optim.Adam), "AdamW": (AdamW, torch.optim.AdamW)}[kind]
    compare_with_torch(torch, lambda params: ours_class(params, lr=0.01, **case),
                       lambda params: torch_class(params, lr=0.01, **case), no_decay_groups,
                       case.get("weight_decay", 0.0))


# ---- without PyTorch ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("build, steps, tolerance", [
    (lambda params: SGD(params, lr=0.1, momentum=0.9, weight_decay=0.0), 500, 1e-8),
    (lambda params: SGD(params, lr=0.1, momentum=0.9, weight_decay=0.0, nesterov=True), 500, 1e-8),
    (lambda params: Adam(params, lr=0.05), 1000, 1e-3),
])
def test_converges_on_a_quadratic(build, steps, tolerance):
    # f(w) = 0.5 * sum(curvature * (w - target)^2), gradient curvature * (w - target), minimum at target.
    rng = np.random.default_rng(0)
    curvature, target = rng.uniform(0.5, 2.0, size=6), rng.standard_normal(6)
    param = Parameter(np.zeros(6))
    optimizer = build([param])
    for _ in range(steps):
        optimizer.zero_grad()
        param.grad += curvature * (param.data - target)
        optimizer.step()
    assert np.max(np.abs(param.data - target)) < tolerance


@pytest.mark.parametrize("build", [
    lambda params: SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-2, nesterov=True),
    lambda params: Adam(params, lr=0.01, weight_decay=1e-2),
    lambda params: AdamW(params, lr=0.01),
])
def test_float32_stays_float32(build):
    named = make_named_params(dtype=np.float32)
    arrays = [param.data for _, param in named]
    optimizer = build([param for _, param in named])
    optimizer.param_groups[0]["lr"] = np.float64(0.05)  # a NumPy float64 lr must not promote either
    run_steps(optimizer, named, random_grads(3, dtype=np.float32))
    for (_, param), array in zip(named, arrays, strict=True):
        assert param.data is array, "the update must be in place: models hold references to .data"
        assert param.data.dtype == np.float32
    for state in optimizer.state:
        assert state and all(buffer.dtype == np.float32 for buffer in state.values())


def test_no_decay_group_leaves_biases_and_bn_alone():
    named = make_named_params()
    before = {name: param.data.copy() for name, param in named}
    groups = param_groups_without_decay(named, 0.1)
    assert [group["weight_decay"] for group in groups] == [0.1, 0.0]
    assert groups[0]["param_names"] == ["conv1.weight", "fc.weight"]
    assert groups[1]["param_names"] == ["bn1.weight", "bn1.bias", "fc.bias"]
    optimizer = SGD(groups, lr=0.5, momentum=0.0)
    optimizer.zero_grad()
    optimizer.step()  # zero gradients: only weight decay acts, w = w * (1 - lr * wd)
    for name, param in named:
        factor = 1.0 if param.data.ndim <= 1 else 1 - 0.5 * 0.1
        np.testing.assert_allclose(param.data, before[name] * factor, rtol=1e-15)


def test_zero_grad_clears_every_group():
    named = make_named_params()
    optimizer = SGD(param_groups_without_decay(named, 1e-4), lr=0.1)
    for _, param in named:
        param.grad[...] = 1.0
    optimizer.zero_grad()
    assert all(not param.grad.any() for _, param in named)


# ---- checkpoints -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("build", [
    lambda params: SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-2, nesterov=True),
    lambda params: Adam(params, lr=0.01, weight_decay=1e-2),
])
def test_resume_from_npz_equals_uninterrupted_run(build, tmp_path):
    grads = random_grads(10)

    def build_run():
        named = make_named_params()
        optimizer = build(param_groups_without_decay(named, 1e-2))
        return named, optimizer, WarmupLR(optimizer, 2, after=MultiStepLR(optimizer, [4, 7]))

    named, optimizer, schedule = build_run()
    run_steps(optimizer, named, grads, schedule)
    expected = {name: param.data.copy() for name, param in named}

    named, optimizer, schedule = build_run()
    run_steps(optimizer, named, grads[:5], schedule)
    np.savez(tmp_path / "optim.npz", **optimizer.state_dict())
    np.savez(tmp_path / "schedule.npz", **schedule.state_dict())
    np.savez(tmp_path / "params.npz", **{name: param.data for name, param in named})

    named, optimizer, schedule = build_run()  # fresh objects, as after a restart
    with np.load(tmp_path / "params.npz", allow_pickle=False) as saved:
        for name, param in named:
            param.data[...] = saved[name]
    with np.load(tmp_path / "optim.npz", allow_pickle=False) as saved:
        optimizer.load_state_dict(saved)
    with np.load(tmp_path / "schedule.npz", allow_pickle=False) as saved:
        schedule.load_state_dict(saved)
    assert optimizer.step_count == 5 and schedule.last_epoch == 5
    run_steps(optimizer, named, grads[5:], schedule)
    for name, param in named:
        np.testing.assert_array_equal(param.data, expected[name], err_msg=name)


def test_state_dict_restores_hyperparameters_and_holds_only_arrays():
    named = make_named_params()
    optimizer = SGD([param for _, param in named], lr=0.1, momentum=0.9)
    run_steps(optimizer, named, random_grads(2))
    optimizer.param_groups[0]["lr"] = 0.01
    state = optimizer.state_dict()
    assert all(isinstance(value, np.ndarray) and value.dtype != object for value in state.values())
    fresh = SGD([param for _, param in named], lr=0.1, momentum=0.9)
    fresh.load_state_dict(state)
    assert fresh.param_groups[0]["lr"] == 0.01 and fresh.step_count == 2
    for ours, theirs in zip(fresh.state, optimizer.state, strict=True):
        np.testing.assert_array_equal(ours["momentum_buffer"], theirs["momentum_buffer"])
        assert ours["momentum_buffer"] is not theirs["momentum_buffer"]


def sgd_state(named, steps=2):
    optimizer = SGD([param for _, param in named], lr=0.1)
    run_steps(optimizer, named, random_grads(steps))
    return optimizer.state_dict()


@pytest.mark.parametrize("corrupt, message", [
    (lambda sd: sd.pop("momentum_buffer.1"), None),  # a missing buffer is a zero buffer: allowed
    (lambda sd: sd.pop("step"), "missing key 'step'"),
    (lambda sd: sd.update({"momentum_buffer.2": np.zeros(3)}), "shape"),
    (lambda sd: sd.update({"param_shape.0": np.array([4, 3, 3, 2])}), "shape"),
    (lambda sd: sd.update({"velocity.0": np.zeros(3)}), "unexpected key 'velocity.0'"),
    (lambda sd: sd.update({"momentum_buffer.9": np.zeros(3)}), "unexpected key"),
    (lambda sd: sd.update({"optimizer": np.array("Adam")}), "saved by a Adam optimizer"),
    (lambda sd: sd.update({"group.0.lr": np.array(-1.0)}), "lr must be a finite number >= 0"),
    (lambda sd: sd.update({"step": np.array(1.5)}), "'step' must be a 0-d integer"),
])
def test_load_state_dict_rejects_mismatches_without_changing_anything(corrupt, message):
    named = make_named_params()
    state = sgd_state(named)
    corrupt(state)
    optimizer = SGD([param for _, param in named], lr=0.3)
    if message is None:
        optimizer.load_state_dict(state)
        assert "momentum_buffer" not in optimizer.state[1] and optimizer.step_count == 2
        return
    with pytest.raises(ValueError, match=message):
        optimizer.load_state_dict(state)
    assert optimizer.step_count == 0 and optimizer.param_groups[0]["lr"] == 0.3
    assert all(not state for state in optimizer.state)


def test_load_state_dict_rejects_other_parameter_counts_and_groups():
    named = make_named_params()
    state = sgd_state(named)
    with pytest.raises(ValueError, match="has 4 parameters, the state has 5"):
        SGD([param for _, param in named[:4]], lr=0.1).load_state_dict(state)
    with pytest.raises(ValueError, match="expected 2 param groups, the state has 1"):
        SGD(param_groups_without_decay(named, 1e-4), lr=0.1).load_state_dict(state)


# ---- bad arguments -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("build, error, message", [
    (lambda ps: SGD(ps, lr=-0.1), ValueError, "SGD: lr must be a finite number >= 0"),
    (lambda ps: SGD(ps, lr=float("nan")), ValueError, "lr must be"),
    (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), ValueError, "momentum must be"),
    (lambda ps: SGD(ps, lr=0.1, weight_decay=-1.0), ValueError, "weight_decay must be"),
    (lambda ps: SGD(ps, lr=0.1, momentum=0.0, nesterov=True), ValueError, "nesterov=True needs momentum"),
    (lambda ps: SGD([{"params": ps, "lr": -1.0}], lr=0.1), ValueError, r"SGD \(param group 0\): lr must be"),
    (lambda ps: SGD([{"params": ps, "weight_deacy": 0.0}], lr=0.1), ValueError, "unknown key"),
    (lambda ps: SGD(ps + ps[:1], lr=0.1), ValueError, "more than once"),
    (lambda ps: SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda ps: SGD([p.data for p in ps], lr=0.1), TypeError, "got ndarray"),
    (lambda ps: Adam(ps, lr=-1e-3), ValueError, "Adam: lr must be"),
    (lambda ps: Adam(ps, betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be"),
    (lambda ps: Adam(ps, eps=-1e-8), ValueError, "eps must be"),
])
def test_bad_arguments(build, error, message):
    params = [param for _, param in make_named_params()]
    with pytest.raises(error, match=message):
        build(params)


def test_step_rejects_a_gradient_of_the_wrong_shape():
    named = make_named_params()
    optimizer = SGD(named, lr=0.1)  # (name, Parameter) pairs are accepted and named in errors
    named[3][1].grad = np.zeros((4, 5))
    with pytest.raises(ValueError, match=r"parameter 3 \(fc.weight\) has grad shape \(4, 5\)"):
        optimizer.step()


# ---- schedules ---------------------------------------------------------------------------------------------

def lr_trace(schedule, optimizer, epochs):
    """lr of every group at epochs 0..epochs, read from the optimizer the way a training loop sees them."""
    trace = [[group["lr"] for group in optimizer.param_groups]]
    for _ in range(epochs):
        schedule.step()
        trace.append([group["lr"] for group in optimizer.param_groups])
    return np.array(trace)


def two_group_optimizers(torch):
    named = make_named_params()
    ours = SGD([{"params": [p for _, p in named[:2]]}, {"params": [p for _, p in named[2:]], "lr": 0.05}], lr=0.1)
    tensors = [torch.zeros(1, requires_grad=True) for _ in range(2)]
    theirs = torch.optim.SGD([{"params": [tensors[0]]}, {"params": [tensors[1]], "lr": 0.05}], lr=0.1)
    return ours, theirs


@pytest.mark.torch
@pytest.mark.parametrize("build_ours, build_theirs", [
    (lambda o: MultiStepLR(o, paper_milestones(12)),
     lambda t, o: [t.optim.lr_scheduler.MultiStepLR(o, [6, 9], gamma=0.1)]),
    (lambda o: MultiStepLR(o, [2, 2, 7], gamma=0.5),
     lambda t, o: [t.optim.lr_scheduler.MultiStepLR(o, [2, 2, 7], gamma=0.5)]),
    (lambda o: CosineLR(o, 12, min_lr=1e-3),
     lambda t, o: [t.optim.lr_scheduler.CosineAnnealingLR(o, T_max=12, eta_min=1e-3)]),
    (lambda o: WarmupLR(o, 3, start_factor=0.2, after=MultiStepLR(o, [6, 9])),
     lambda t, o: [t.optim.lr_scheduler.LinearLR(o, start_factor=0.2, total_iters=3),
                   t.optim.lr_scheduler.MultiStepLR(o, [6, 9])]),
    (lambda o: WarmupLR(o, 1, start_factor=0.1, ramp="constant", after=MultiStepLR(o, [6, 9])),
     lambda t, o: [t.optim.lr_scheduler.ConstantLR(o, factor=0.1, total_iters=1),
                   t.optim.lr_scheduler.MultiStepLR(o, [6, 9])]),
])
def test_schedules_match_torch(build_ours, build_theirs):
    torch = pytest.importorskip("torch")
    ours, theirs = two_group_optimizers(torch)
    schedule = build_ours(ours)
    torch_schedules = build_theirs(torch, theirs)
    expected = [[group["lr"] for group in theirs.param_groups]]
    for _ in range(12):
        theirs.step()
        for torch_schedule in torch_schedules:  # torch's schedules chain by multiplying
            torch_schedule.step()
        expected.append([group["lr"] for group in theirs.param_groups])
    trace = lr_trace(schedule, ours, 12)
    assert len(np.unique(trace[:, 0])) >= 3, "the lr must actually change for the test to mean anything"
    np.testing.assert_allclose(trace, np.array(expected), rtol=1e-12, atol=0)
    np.testing.assert_allclose(schedule.get_lr(), expected[-1], rtol=1e-12)


def test_paper_milestones_and_warmup_without_after():
    assert paper_milestones(160) == [80, 120]
    assert paper_milestones(64000) == [32000, 48000]  # the paper's 32k and 48k of 64k iterations
    named = make_named_params()
    optimizer = SGD(named, lr=0.1)
    trace = lr_trace(WarmupLR(optimizer, 4, start_factor=0.0), optimizer, 6)[:, 0]
    np.testing.assert_allclose(trace, [0.0, 0.025, 0.05, 0.075, 0.1, 0.1, 0.1], rtol=1e-15)
    assert set(lr_trace(FixedLR(optimizer), optimizer, 3)[:, 0]) == {0.1}


@pytest.mark.parametrize("name, warmup_epochs, expected_class", [
    ("multistep", 0, MultiStepLR), ("cosine", 0, CosineLR), ("constant", 0, FixedLR), ("cosine", 2, WarmupLR),
])
def test_make_schedule(name, warmup_epochs, expected_class):
    optimizer = SGD(make_named_params(), lr=0.1)
    schedule = make_schedule(optimizer, name, epochs=8, warmup_epochs=warmup_epochs)
    assert type(schedule) is expected_class
    assert schedule.lr_at(8)[0] <= 0.1
    if name == "multistep":
        assert schedule.milestones == [4, 6]


@pytest.mark.parametrize("build", [
    lambda o: CosineLR(o, 10, min_lr=1e-3),
    lambda o: WarmupLR(o, 2, ramp="linear", after=MultiStepLR(o, [5, 8])),
])
def test_schedule_resume_continues_exactly(build):
    optimizer = SGD(make_named_params(), lr=0.1)
    expected = lr_trace(build(optimizer), optimizer, 10)
    optimizer = SGD(make_named_params(), lr=0.1)
    schedule = build(optimizer)
    lr_trace(schedule, optimizer, 4)
    state = schedule.state_dict()
    assert all(isinstance(value, np.ndarray) and value.dtype != object for value in state.values())
    optimizer = SGD(make_named_params(), lr=0.1)
    schedule = build(optimizer)
    schedule.load_state_dict(state)
    resumed = lr_trace(schedule, optimizer, 6)
    np.testing.assert_array_equal(resumed, expected[4:])


@pytest.mark.parametrize("build, message", [
    (lambda o: MultiStepLR(o, [3, 1]), "non-decreasing"),
    (lambda o: MultiStepLR(o, [-1]), "milestone must be an integer >= 0"),
    (lambda o: CosineLR(o, 0), "total_epochs must be an integer >= 1"),
    (lambda o: WarmupLR(o, 2, ramp="cubic"), "unknown ramp 'cubic'"),
    (lambda o: WarmupLR(o, 2, after=FixedLR(SGD(make_named_params(), lr=0.1))), "same optimizer"),
    (lambda o: make_schedule(o, "step", 10), "unknown schedule 'step'"),
    (lambda o: paper_milestones(0), "epochs must be an integer >= 1"),
])
def test_schedule_bad_arguments(build, message):
    with pytest.raises(ValueError, match=message):
        build(SGD(make_named_params(), lr=0.1))


def test_schedule_load_rejects_a_different_schedule():
    optimizer = SGD(make_named_params(), lr=0.1)
    state = MultiStepLR(optimizer, [5, 8]).state_dict()
    with pytest.raises(ValueError, match=r"'milestones' of the saved schedule is \[5, 8\]"):
        MultiStepLR(optimizer, [4, 8]).load_state_dict(state)
    with pytest.raises(ValueError, match="saved by MultiStepLR, not CosineLR"):
        CosineLR(optimizer, 10).load_state_dict(state)
    two_groups = SGD(param_groups_without_decay(make_named_params(), 1e-4), lr=0.1)
    with pytest.raises(ValueError, match="expected 2 param groups, the state has 1"):
        MultiStepLR(two_groups, [5, 8]).load_state_dict(state)
