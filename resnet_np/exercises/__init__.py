"""Exercises: write the forward and backward passes yourself; the grader tells you what is right and what is not.

    from resnet_np import exercises
    exercises.names()                      # ['im2col', 'conv2d_loops', 'conv2d', ...]
    exercises.functions("relu")            # ('relu_forward', 'relu_backward'): what you write, in order
    result = exercises.check("relu", relu_forward, relu_backward)     # prints the report (HTML in Jupyter)
    result.passed                          # True only when every case passed
    result.case_results                    # [(case title, passed), ...]; result.cases_passed of .cases_total
    exercises.load("my_relu.py", "relu")   # a file's functions, in check()'s order (errors: one clear line)
    exercises.reference("relu")            # the model answer: the same tuple of functions (for lecturers)

The workbook is notebooks/exercises/ (one notebook per topic, TODO cells, a grading cell, questions). From the
shell: `python -m resnet_np exercise list | template NAME | check NAME FILE.py | solution NAME`.

Each exercise's functions have the signatures and the cache convention of the library's op (see
resnet_np/functional/), so a correct answer is a drop-in replacement. What the grader checks, per case: the
shape and dtype of every output (float32 stays float32); values against the model answer on several shapes
(stride 2, padding, odd and non-square sizes, batch 1, ...); gradients against the model answer and against
central differences of your own forward (float64, random upstream gradient); that no input (x, dout,
parameters) is modified in place; train and eval mode where they differ. A wrong answer gets the case, the
shapes, the worst relative error and where it sits, what a correct answer reaches, and a hint when the error
has the pattern of a classic mistake (only where the case can tell that mistake apart, never about a check that
passed); without one, a hint that says where to look (the forward, the backward, or the batch axis when only
batch 1 passes). What the student's functions print is captured per case and shown, the first lines only. A
function that raises, returns None or the wrong things, or runs past the time limit (10 s per case) gets a
verdict for that case, never a crash of the grader.
"""

import inspect

from . import (
    basic_block_grading,
    batchnorm,
    bottleneck_cost,
    conv,
    im2col,
    linear,
    loss,
    pooling,
    relu,
    residual,
    sgd,
)
from .loading import load
from .report import ExerciseResult
from .runner import DEFAULT_TIME_LIMIT, run_cases

_MODULES = (im2col, conv, pooling, batchnorm, relu, linear, loss, residual, basic_block_grading, sgd, bottleneck_cost)
_ORDER = ("im2col", "conv2d_loops", "conv2d", "maxpool2d", "batchnorm2d", "relu", "global_avgpool", "linear",
          "softmax_cross_entropy", "residual", "basic_block_backward", "sgd_step", "bottleneck_cost")
_BY_NAME = {exercise.name: exercise for module in _MODULES for exercise in module.EXERCISES}
_EXERCISES = {name: _BY_NAME[name] for name in _ORDER}  # the order of the workbook


def names():
    """The exercise names, in the order of the workbook."""
    return list(_EXERCISES)


def get(name):
    """The Exercise (name, title, functions, cases, notebook, template, ...); ValueError for an unknown name."""
    if name not in _EXERCISES:
        raise ValueError(f"unknown exercise {name!r}; the exercises are: {', '.join(_EXERCISES)}")
    return _EXERCISES[name]


def functions(name):
    """The names of the functions a student writes for this exercise, in the order check() takes them."""
    return get(name).functions


def reference(name):
    """The model answer: the tuple of functions a student supplies, in the same order."""
    return tuple(get(name).reference())


def template(name):
    """Starter code for the exercise: the signatures and docstrings, each body raising NotImplementedError."""
    return get(name).template


def _in_order(expected, given):
    """The functions in the order check() takes them, and a note when they came in another order, recognised by
    their names (check("relu", relu_backward, relu_forward))."""
    names = [getattr(function, "__name__", None) for function in given]
    if names != list(expected) and sorted(map(str, names)) == sorted(expected):
        by_name = dict(zip(names, given, strict=True))
        note = (f"the functions came in the order {', '.join(names)}; check() takes them in the order "
                f"{', '.join(expected)}, so they were graded in that order (recognised by their names)")
        return [by_name[wanted] for wanted in expected], note
    return list(given), ""


def signatures(name):
    """{function name: its expected signature, e.g. "relu_forward(x)"}, from the model answer."""
    result = {}
    for wanted, function in zip(functions(name), reference(name), strict=True):
        try:
            result[wanted] = f"{wanted}{inspect.signature(function)}"
        except (TypeError, ValueError):
            pass
    return result


def check(name, *student_functions, time_limit=DEFAULT_TIME_LIMIT, verbose=True, by_hand=False):
    """Grade the student's functions (in the order of functions(name)); returns an ExerciseResult.

    The report is printed (in Jupyter: displayed as HTML) unless verbose=False; result.passed is True only when
    every case passed. time_limit: seconds allowed per case. by_hand=True (basic_block_backward): the student's
    code must not call the library's backward functions (every gradient written out by hand).
    """
    exercise = get(name)
    expected = exercise.functions
    problem, note = "", ""
    if len(student_functions) != len(expected):
        problem = (f"check({name!r}, ...) takes {len(expected)} function{'s' if len(expected) > 1 else ''}, in "
                   f"this order: {', '.join(expected)}; it was given {len(student_functions)}")
    else:
        for wanted, given in zip(expected, student_functions, strict=True):
            if not callable(given):
                problem = f"{wanted} must be a function, got {type(given).__name__}"
                break
    if by_hand and exercise.forbidden is None:
        problem = (f"by_hand=True is for the exercises whose functions call other ops "
                   f"({', '.join(n for n in _EXERCISES if _EXERCISES[n].forbidden is not None)}), not {name}")
    if not problem:
        student_functions, note = _in_order(expected, student_functions)
    cases = [] if problem else run_cases(exercise.cases(), dict(zip(expected, student_functions, strict=True)),
                                         time_limit, signatures(name),
                                         exercise.forbidden() if by_hand else None)
    result = ExerciseResult(name, exercise.title, cases, exercise.checked, problem, note)
    if verbose:
        result.show()
    return result


__all__ = ["DEFAULT_TIME_LIMIT", "ExerciseResult", "check", "functions", "get", "load", "names", "reference",
           "signatures", "template"]
