"""`python -m resnet_np exercise`: the workbook's exercises from the shell.

    python -m resnet_np exercise list                        # every exercise and the functions it asks for
    python -m resnet_np exercise template relu > my_relu.py  # starter code: signatures, docstrings, TODOs
    python -m resnet_np exercise check relu my_relu.py       # grade the file; exit status 0 only when it passes
    python -m resnet_np exercise solution relu               # the model answer's source (for lecturers)

The file given to `check` must define the functions under their names (`exercise list` shows them); it is run as
a script would be, except that an `if __name__ == "__main__":` block is not.
"""

import inspect
import textwrap
from pathlib import Path

from ..errors import UserError
from .arguments import positive_float


def configure(parser):
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="every exercise, the functions it asks for and its notebook")
    template = actions.add_parser("template", help="print starter code for an exercise (redirect it to a file)")
    template.add_argument("name", metavar="NAME", help="the exercise (see `exercise list`)")
    check = actions.add_parser("check", help="grade the functions a Python file defines; exit status 0 only when "
                                             "every case passes")
    check.add_argument("name", metavar="NAME", help="the exercise (see `exercise list`)")
    check.add_argument("file", metavar="FILE.py", help="a Python file defining the exercise's functions by name")
    check.add_argument("--by-hand", action="store_true",
                       help="basic_block_backward: refuse code that calls the library's backward functions")
    check.add_argument("--time-limit", metavar="SECONDS", type=positive_float, default=None,
                       help="seconds allowed per case (default 10)")
    solution = actions.add_parser("solution", help="print the model answer's source (for lecturers)")
    solution.add_argument("name", metavar="NAME", help="the exercise (see `exercise list`)")


def _exercise(name):
    from .. import exercises

    try:
        return exercises.get(name)
    except ValueError as error:
        raise UserError(str(error)) from None


def _listing():
    from .. import exercises

    lines = ["Exercises (notebooks in notebooks/exercises/; grade a file with "
             "`python -m resnet_np exercise check NAME FILE.py`):"]
    for name in exercises.names():
        exercise = exercises.get(name)
        lines.append(f"  {name:<22} {exercise.title}")
        lines.append(textwrap.fill(f"write {', '.join(exercise.functions)}   (notebook {exercise.notebook})", 110,
                                   initial_indent=" " * 25, subsequent_indent=" " * 31))
    return "\n".join(lines)


def _template(exercise):
    return (f'"""Exercise {exercise.name}: {exercise.title}.\n\nWrite the functions below, then grade them:\n'
            f'    python -m resnet_np exercise check {exercise.name} THIS_FILE.py\n"""\n\nimport numpy as np\n\n\n'
            + exercise.template)


def _solution(exercise):
    parts = [f"# The model answer of exercise {exercise.name} ({exercise.title})."]
    for wanted, function in zip(exercise.functions, exercise.reference(), strict=True):
        source = textwrap.dedent(inspect.getsource(function))
        where = Path(inspect.getsourcefile(function)).as_posix()
        where = where[where.rfind("resnet_np/"):] if "resnet_np/" in where else where
        parts.append(f"# {wanted}: from {where}\n{source}")
    return "\n\n".join(parts)


def _load(path, exercise):
    """The student's functions, by name, from a Python file; a UserError saying what is wrong otherwise."""
    from ..exercises import load

    return load(path, exercise.name)


def run(args):
    if args.action is None or args.action == "list":
        print(_listing())
        return 0
    exercise = _exercise(args.name)
    if args.action == "template":
        print(_template(exercise), end="")
        return 0
    if args.action == "solution":
        print(_solution(exercise))
        return 0
    from .. import exercises

    functions = _load(args.file, exercise)
    options = {} if args.time_limit is None else {"time_limit": args.time_limit}
    if args.by_hand:
        options["by_hand"] = True
    result = exercises.check(exercise.name, *functions, verbose=False, **options)
    print(result.report)
    return 0 if result.passed else 1
