"""Exercises: write the forward and backward passes yourself; the grader tells you what is right and what is not.

    from resnet_np import exercises
    exercises.names()                      # ['im2col', 'conv2d_loops', 'conv2d', ...]
    exercises.functions("relu")            # ('relu_forward', 'relu_backward'): what you write, in order
    result = exercises.check("relu", relu_forward, relu_backward)     # prints the report (HTML in Jupyter)
    result.passed                          # True only when every case passed
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
has the pattern of a classic mistake. A function that raises, returns None or the wrong things, or runs past
the time limit (10 s per case) gets a verdict for that case, never a crash of the grader.
"""

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


def check(name, *student_functions, time_limit=DEFAULT_TIME_LIMIT, verbose=True):
    """Grade the student's functions (in the order of functions(name)); returns an ExerciseResult.

    The report is printed (in Jupyter: displayed as HTML) unless verbose=False; result.passed is True only when
    every case passed. time_limit: seconds allowed per case.
    """
    exercise = get(name)
    expected = exercise.functions
    problem = ""
    if len(student_functions) != len(expected):
        problem = (f"check({name!r}, ...) takes {len(expected)} function{'s' if len(expected) > 1 else ''}, in "
                   f"this order: {', '.join(expected)}; it was given {len(student_functions)}")
    else:
        for wanted, given in zip(expected, student_functions, strict=True):
            if not callable(given):
                problem = f"{wanted} must be a function, got {type(given).__name__}"
                break
    cases = [] if problem else run_cases(exercise.cases(), dict(zip(expected, student_functions, strict=True)),
                                         time_limit)
    result = ExerciseResult(name, exercise.title, cases, exercise.checked, problem)
    if verbose:
        result.show()
    return result


__all__ = ["DEFAULT_TIME_LIMIT", "ExerciseResult", "check", "functions", "get", "names", "reference", "template"]
