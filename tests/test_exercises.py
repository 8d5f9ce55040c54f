"""The exercises' contract, the model answers, the grader's robustness against bad student code, and the CLI.

    names() / functions(name) / reference(name) / check(name, *functions) -> result with .passed and a report
    python -m resnet_np exercise list | template NAME | check NAME FILE.py | solution NAME

The catalogue of wrong answers and their hints is tests/test_exercises_mistakes.py; the notebooks are
tests/test_exercises_notebooks.py.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from resnet_np import exercises
from resnet_np import functional as F
from resnet_np.cli import main
from resnet_np.exercises.basic_block import PARAMETERS, basic_block_backward, basic_block_forward, make_parameters
from resnet_np.exercises.bottleneck_cost import bottleneck_cost, summary_counts
from resnet_np.exercises.sgd import sgd_step

NAMES = ["im2col", "conv2d_loops", "conv2d", "maxpool2d", "batchnorm2d", "relu", "global_avgpool", "linear",
         "softmax_cross_entropy", "residual", "basic_block_backward", "sgd_step", "bottleneck_cost"]
REPO_ROOT = Path(__file__).resolve().parent.parent


def one_line(text):
    return " ".join(text.split())


# ---- the contract ------------------------------------------------------------------------------------------


def test_the_exercises_are_named_in_the_order_of_the_workbook():
    assert exercises.names() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_the_model_answer_is_one_function_per_name(name):
    answer = exercises.reference(name)
    assert isinstance(answer, tuple) and len(answer) == len(exercises.functions(name))
    assert all(callable(function) for function in answer)


@pytest.mark.parametrize("name", NAMES)
def test_every_model_answer_passes_its_exercise(name):
    result = exercises.check(name, *exercises.reference(name), verbose=False)
    assert result.passed, result.report
    assert result.status == "passed" and not result.hints and bool(result)
    assert result.report.startswith(f"Exercise {name} (") and ": passed, all " in result.report.splitlines()[0]


def test_the_model_answers_are_drop_in_replacements_of_the_library_ops():
    """conv2d_loops's answer runs in the library's layer in place of the op, and gives the same numbers."""
    loops_forward, loops_backward = exercises.reference("conv2d_loops")
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    dout = rng.standard_normal((2, 4, 3, 3))
    for stride, padding in (((2, 2), (1, 1)), ((2, 1), (1, 0))):  # pairs, as nn.Conv2d passes them
        out, cache = loops_forward(x, w, b, stride, padding)
        expected, expected_cache = F.conv2d_forward(x, w, b, stride, padding)
        np.testing.assert_allclose(out, expected, atol=1e-12)
        for mine, library in zip(loops_backward(dout[:, :, :, : out.shape[3]].copy(), cache),
                                 F.conv2d_backward(dout[:, :, :, : out.shape[3]].copy(), expected_cache), strict=True):
            np.testing.assert_allclose(mine, library, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_the_starter_code_grades_as_not_implemented_yet(name):
    namespace = {"np": np}
    exec(compile(exercises.template(name), f"<template {name}>", "exec"), namespace)
    result = exercises.check(name, *(namespace[function] for function in exercises.functions(name)), verbose=False)
    assert result.status == "not implemented yet" and not result.passed, result.report
    assert "not implemented yet" in result.report.splitlines()[0]
    assert "Traceback" not in result.report and "raised" not in result.report
    assert set(result.not_implemented) <= set(exercises.functions(name)) and result.not_implemented


def test_an_unknown_exercise_is_a_value_error_naming_the_exercises():
    with pytest.raises(ValueError, match="unknown exercise 'relus'.*relu, global_avgpool"):
        exercises.check("relus", F.relu_forward, F.relu_backward)


@pytest.mark.parametrize("functions, message", [
    ((F.relu_forward,), "takes 2 functions, in this order: relu_forward, relu_backward; it was given 1"),
    ((F.relu_forward, F.relu_backward, F.relu_backward), "it was given 3"),
    ((F.relu_forward, None), "relu_backward must be a function, got NoneType"),
])
def test_calling_check_wrongly_is_a_verdict_not_a_crash(functions, message):
    result = exercises.check("relu", *functions, verbose=False)
    assert not result.passed and result.status == "failed" and not result.cases
    assert message in result.report


# ---- bad student code never crashes the grader -------------------------------------------------------------


def _raises(x):
    values = np.asarray(x)
    raise ValueError(f"my shapes are wrong: {values.shape}")


def _exits(x):
    sys.exit(3)


BAD_FORWARDS = {
    "raises": (_raises, "error", "relu_forward raised ValueError: my shapes are wrong: (2, 3, 4, 5) (in _raises, "
                                 "test_exercises.py line"),
    "exits": (_exits, "error", "relu_forward raised SystemExit: 3"),
    "returns None": (lambda x: None, "failed", "relu_forward returned None; it must return a tuple of 2 (out, "
                                               "cache): did you forget `return`?"),
    "returns only out": (lambda x: np.maximum(x, 0), "failed", "relu_forward returned an ndarray; it must return a "
                                                               "tuple of 2 (out, cache)"),
    "returns three values": (lambda x: (np.maximum(x, 0), x, x), "failed", "relu_forward returned 3 values"),
    "returns a list": (lambda x: (np.maximum(x, 0).tolist(), x), "failed", "relu_forward returned out as a list; "
                                                                            "it must be a NumPy array"),
    "wrong shape": (lambda x: (np.maximum(x, 0).T, x), "failed", "out from relu_forward has shape (5, 4, 3, 2), "
                                                                 "expected (2, 3, 4, 5): the axes are reversed"),
}


@pytest.mark.parametrize("kind", list(BAD_FORWARDS))
def test_a_bad_function_gets_a_clear_verdict_for_the_case(kind):
    forward, status, message = BAD_FORWARDS[kind]
    result = exercises.check("relu", forward, F.relu_backward, verbose=False)
    assert not result.passed and result.status == "failed"
    assert result.cases[0].status == status
    assert message in one_line(result.report), result.report
    assert "Traceback" not in result.report


def test_a_block_backward_that_returns_no_dict_gets_a_verdict():
    result = exercises.check("basic_block_backward", lambda d_relu2, cache: (d_relu2, d_relu2), verbose=False)
    assert {case.status for case in result.cases} == {"failed"}
    assert "basic_block_backward returned a tuple; it must return a dict {'d_sum': ..." in result.cases[0].message


def test_float32_must_stay_float32():
    result = exercises.check("relu", lambda x: F.relu_forward(x.astype(np.float64)), F.relu_backward, verbose=False)
    float32_case = result.cases[-1]
    assert [case.status for case in result.cases] == ["passed", "passed", "passed", "failed"]
    assert "has dtype float64, expected float32" in float32_case.message


def test_a_missing_backward_still_grades_the_forward():
    def relu_backward(dout, cache):
        raise NotImplementedError

    result = exercises.check("relu", F.relu_forward, relu_backward, verbose=False)
    assert result.status == "not implemented yet" and result.not_implemented == ["relu_backward"]
    assert all(any(check.label == "out" and check.passed for check in case.checks) for case in result.cases)


def test_a_slow_case_runs_out_of_time_and_the_rest_are_skipped():
    def relu_forward(x):
        time.sleep(1.0)  # a slow loop; it ends by itself, so the test leaves no busy thread behind
        return F.relu_forward(x)

    start = time.perf_counter()
    result = exercises.check("relu", relu_forward, F.relu_backward, time_limit=0.2, verbose=False)
    assert time.perf_counter() - start < 0.9
    assert [case.status for case in result.cases] == ["timeout", "skipped", "skipped", "skipped"]
    assert "took longer than 0.2 s" in result.cases[0].message and not result.passed
    assert "goes on in the background" in one_line(result.report)


def test_grading_works_outside_the_main_thread():
    """No signals: the time limit works where Jupyter and threaded callers run the grader."""
    results = []
    worker = threading.Thread(target=lambda: results.append(
        exercises.check("linear", *exercises.reference("linear"), time_limit=5, verbose=False)))
    worker.start()
    worker.join(60)
    assert results and results[0].passed


def test_a_backward_that_modifies_its_input_is_caught_and_its_finite_differences_skipped():
    def linear_backward(dout, cache):
        grads = F.linear_backward(dout, cache)
        dout *= 2
        return grads

    result = exercises.check("linear", F.linear_forward, linear_backward, verbose=False)
    assert not result.passed
    assert "linear_backward modified its input dout in place" in one_line(result.report)
    assert not any(check.label.endswith("(finite differences)") for case in result.cases for check in case.checks)


# ---- the report ----------------------------------------------------------------------------------------------


def test_check_prints_the_report_and_returns_the_result(capsys):
    result = exercises.check("global_avgpool", *exercises.reference("global_avgpool"))
    printed = capsys.readouterr().out
    assert printed.strip() == result.report.strip() == str(result).strip()
    assert repr(result) == "<ExerciseResult global_avgpool: passed, 3/3 cases passed>"
    assert "Checked: for 3 shapes" in printed


def test_the_html_report_colours_the_verdicts():
    result = exercises.check("relu", F.relu_forward, lambda dout, cache: dout, verbose=False)
    html = result.html()
    assert html.startswith("<pre") and "#cf222e" in html and "FAIL" in html and "&lt;" not in result.report


def test_a_failing_report_says_where_and_by_how_much():
    def batchnorm2d_backward(dout, cache):
        dx, dgamma, dbeta = F.batchnorm2d_backward(dout, cache)
        return dx, dgamma, dbeta * 1.001

    result = exercises.check("batchnorm2d", F.batchnorm2d_forward, batchnorm2d_backward, verbose=False)
    text = one_line(result.report)
    assert "FAILED, 0 of 6 cases passed" in text
    assert "WRONG dbeta: 5.0e-04 against the model answer; worst at dbeta[" in text
    assert "yours is 1.001 x the correct value everywhere" in text
    assert "ok inputs unchanged, out, running_mean after the forward" in text


# ---- the model answers against the library and PyTorch -----------------------------------------------------


@pytest.mark.parametrize("stride, in_channels, training", [(1, 4, True), (2, 2, True), (1, 4, False)])
def test_the_block_exercise_is_the_library_basic_block(stride, in_channels, training):
    """basic_block_forward and the hand-written backward equal nn.BasicBlock (option A) on the reference maths."""
    from resnet_np import nn, runtime

    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, in_channels, 5, 5))
    params = make_parameters(in_channels, 4, rng)
    block = nn.BasicBlock(in_channels, 4, stride=stride, shortcut="A", dtype=np.float64)
    for layer, index in ((block.bn1, 1), (block.bn2, 2)):
        layer.weight.data[...], layer.bias.data[...] = params[f"gamma{index}"], params[f"beta{index}"]
        layer.running_mean[...], layer.running_var[...] = params[f"running_mean{index}"], params[f"running_var{index}"]
    block.conv1.weight.data[...], block.conv2.weight.data[...] = params["w1"], params["w2"]
    block.train(training)
    with runtime.using(backend="reference"):
        out, cache = basic_block_forward(x.copy(), {k: v.copy() for k, v in params.items()}, stride, training)
        np.testing.assert_allclose(block(x), out, atol=1e-12)
        dout = rng.standard_normal(out.shape)
        dx = block.backward(dout)
    grads = basic_block_backward(dout, cache)
    np.testing.assert_allclose(grads["d_x"], dx, atol=1e-12)
    modules = {"w1": block.conv1.weight, "gamma1": block.bn1.weight, "beta1": block.bn1.bias,
               "w2": block.conv2.weight, "gamma2": block.bn2.weight, "beta2": block.bn2.bias}
    for name in PARAMETERS:
        np.testing.assert_allclose(grads[f"d_{name}"], modules[name].grad, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("nesterov, weight_decay", [(False, 1e-4), (True, 5e-4), (False, 0.0)])
def test_the_sgd_answer_equals_torch_optim_sgd(nesterov, weight_decay):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3))
    parameter = torch.nn.Parameter(torch.tensor(w))
    optimizer = torch.optim.SGD([parameter], lr=0.1, momentum=0.9, weight_decay=weight_decay, nesterov=nesterov)
    velocity = np.zeros_like(w)
    for lr in (0.1, 0.1, 0.01, 0.001):
        grad = rng.standard_normal(w.shape)
        for group in optimizer.param_groups:
            group["lr"] = lr
        parameter.grad = torch.tensor(grad)
        optimizer.step()
        w, velocity = sgd_step(w, grad, velocity, lr, 0.9, weight_decay, nesterov)
        np.testing.assert_allclose(w, parameter.detach().numpy(), rtol=0, atol=1e-15)
        np.testing.assert_allclose(velocity, optimizer.state[parameter]["momentum_buffer"].numpy(), rtol=0, atol=1e-15)


@pytest.mark.parametrize("in_channels, width, size, stride", [
    (256, 64, (56, 56), 1), (64, 64, (56, 56), 1), (256, 128, (56, 56), 2), (512, 128, (7, 9), 2),
    (1024, 512, (14, 14), 2), (2048, 512, (7, 7), 1), (64, 16, (5, 4), 2), (3, 1, (1, 1), 1)])
def test_the_bottleneck_answer_is_what_the_summary_counts(in_channels, width, size, stride):
    assert bottleneck_cost(in_channels, width, size, stride) == summary_counts(in_channels, width, size, stride)


# ---- the command line ----------------------------------------------------------------------------------------


def _write(tmp_path, text, name="answer.py"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_exercise_list_names_every_exercise_and_its_functions(capsys):
    assert main(["exercise", "list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in NAMES) and "write relu_forward, relu_backward" in out


def test_exercise_template_then_check_says_not_implemented(tmp_path, capsys):
    assert main(["exercise", "template", "batchnorm2d"]) == 0
    path = _write(tmp_path, capsys.readouterr().out)
    assert main(["exercise", "check", "batchnorm2d", path]) == 1
    assert "not implemented yet" in capsys.readouterr().out


def test_exercise_check_exits_0_only_when_the_file_passes(tmp_path, capsys):
    right = _write(tmp_path, "from resnet_np.functional import linear_forward, linear_backward\n", "right.py")
    wrong = _write(tmp_path, "from resnet_np.functional import linear_forward\n\n\ndef linear_backward(dout, cache):\n"
                             "    return dout @ cache.w, dout.T @ cache.x, dout.mean(axis=0)\n", "wrong.py")
    assert main(["exercise", "check", "linear", right]) == 0
    assert ": passed, all 3 cases" in capsys.readouterr().out
    assert main(["exercise", "check", "linear", wrong, "--time-limit", "30"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "[linear-averaged]" in out


@pytest.mark.parametrize("file_text, args, message", [
    (None, ["exercise", "check", "relus", "x.py"], "unknown exercise 'relus'"),
    (None, ["exercise", "check", "relu", "missing.py"], "no such file"),
    ("def relu_forward(x)\n    return x\n", ["exercise", "check", "relu"],
     "is not valid Python: expected ':' (line 1)"),
    ("import numpy as np\n\nscale = np.ones(3)[5]\n", ["exercise", "check", "relu"],
     "raised IndexError while loading (line 3: scale = np.ones(3)[5]): index 5 is out of bounds"),
    ("def relu_forward(x):\n    return x\n", ["exercise", "check", "relu"],
     "defines no function relu_backward (exercise relu needs relu_forward, relu_backward"),
    ("def relu_forward(x):\n    return x\n\n\ndef relu_backwards(dout, cache):\n    return dout\n",
     ["exercise", "check", "relu"], "defines no function relu_backward; did you mean relu_backwards for "
                                    "relu_backward?"),
    (None, ["exercise", "template", "nope"], "unknown exercise 'nope'"),
])
def test_exercise_mistakes_of_the_user_are_one_line_and_exit_2(tmp_path, capsys, monkeypatch, file_text, args,
                                                                message):
    monkeypatch.chdir(tmp_path)
    if file_text is not None:
        args = args + [_write(tmp_path, file_text)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and message in err, err


def test_exercise_solution_prints_the_model_answer(capsys):
    assert main(["exercise", "solution", "basic_block_backward"]) == 0
    out = capsys.readouterr().out
    assert "def basic_block_backward(d_relu2, cache):" in out and "d_x = d_x_branch + d_x_shortcut" in out


def test_the_exit_status_reaches_the_shell(tmp_path):
    """`python -m resnet_np exercise check` as a student runs it: a real process, its exit status."""
    path = _write(tmp_path, "from resnet_np.functional import relu_forward\n\n\ndef relu_backward(dout, cache):\n"
                            "    return dout\n")
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                                          os.environ.get("PYTHONPATH")])))
    completed = subprocess.run([sys.executable, "-m", "resnet_np", "exercise", "check", "relu", path],
                               capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=120)
    assert completed.returncode == 1, completed.stderr
    assert "Exercise relu (ReLU forward and backward): FAILED" in completed.stdout
    assert "[relu-no-mask]" in completed.stdout
