"""What an exercise is: its name, the functions a student writes, the model answer, the cases, the starter code."""

from typing import Callable, NamedTuple


class Exercise(NamedTuple):
    name: str  # short and stable: "conv2d", "batchnorm2d", ...
    title: str  # one line: "BatchNorm2d forward and backward (train and eval)"
    functions: tuple  # the names of the functions a student supplies, in order
    reference: Callable  # () -> tuple of the model-answer functions, in the same order
    cases: Callable  # () -> list of runner.Case
    checked: str  # what the grader checks, in a sentence or two (shown under the report)
    notebook: str  # the workbook notebook, in notebooks/exercises/
    template: str  # starter code: the signatures, docstrings and `raise NotImplementedError`
    forbidden: Callable = None  # by_hand=True: () -> {code object: name} of the functions the student may not call
