"""`python -m resnet_np exercise`: the workbook's exercises from the shell.

    python -m resnet_np exercise list                        # every exercise and the functions it asks for
    python -m resnet_np exercise template relu > my_relu.py  # starter code: signatures, docstrings, TODOs
    python -m resnet_np exercise check relu my_relu.py       # grade the file; exit status 0 only when it passes
    python -m resnet_np exercise solution relu               # the model answer's source (for lecturers)
    python -m resnet_np exercise release handout/            # the student's copy of the workbook (lecturers)
    python -m resnet_np exercise grade submissions/ --out grades/ --jobs 2   # grade a class (lecturers)

The file given to `check` must define the functions under their names (`exercise list` shows them); it is run as
a script would be, except that an `if __name__ == "__main__":` block is not.
"""

import inspect
import textwrap
from pathlib import Path

from ..errors import UserError
from .arguments import positive_float, positive_int


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
    _configure_classroom(actions)


def _configure_classroom(actions):
    """`release` and `grade`: for lecturers (resnet_np/exercises/classroom/)."""
    release = actions.add_parser("release", help="write the student's copy of the workbook (no answers, no "
                                                 "outputs) to a new folder, after checking nothing leaked")
    release.add_argument("out", metavar="OUT", help="the new folder")
    release.add_argument("--lang", choices=("en", "ko"), default="en", help="the workbook's language (default en)")
    grade = actions.add_parser("grade", help="grade a class's submissions: gradebook.csv, a report and a "
                                             "Gradescope results.json per student")
    grade.add_argument("submissions", metavar="SUBMISSIONS", nargs="?", default=None,
                       help="a folder per student, or files STUDENT_NN_name.ipynb/.py (default with --gradescope: "
                            "/autograder/submission)")
    grade.add_argument("--out", metavar="DIR", default=None,
                       help="where to write (default SUBMISSIONS-grades; with --gradescope /autograder/results)")
    grade.add_argument("--jobs", metavar="N", type=positive_int, default=1, help="students graded at once")
    grade.add_argument("--time-limit", metavar="S", type=positive_float, default=60.0,
                       help="seconds (wall clock and CPU) for each cell or file and each exercise (default 60)")
    grade.add_argument("--memory-limit", metavar="MB", type=positive_int, default=2048,
                       help="address space of a student's process, the grader's own share included (default 2048)")
    grade.add_argument("--scoring", choices=("per-case", "per-exercise"), default="per-case",
                       help="a point per passing case (default), or per exercise whose every case passes")
    grade.add_argument("--regrade", action="store_true", help="grade every student again, changed or not")
    grade.add_argument("--gradescope", action="store_true",
                       help="run as Gradescope's autograder: SUBMISSIONS is one student's, write OUT/results.json")


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


def _run_classroom(args):
    from ..exercises.classroom import grading, release

    if args.action == "release":
        written = release.release_workbook(args.out, lang=args.lang)
        print(f"wrote {args.out}: {', '.join(written)} (checked: no answer block, no output, no model answer)")
        return 0
    limits = grading.Limits(time=args.time_limit, memory_mb=args.memory_limit)
    if args.gradescope:
        data = grading.grade_gradescope(args.submissions or "/autograder/submission",
                                        args.out or "/autograder/results", limits=limits, scoring=args.scoring)
        print(f"score {data['score']} of {data['max_score']}: {data['extra_data']['verdict']}")
        return 0
    if args.submissions is None:
        raise UserError("exercise grade needs the SUBMISSIONS folder (or --gradescope)")
    out = args.out or str(Path(args.submissions).resolve()) + "-grades"
    summary = grading.grade_class(args.submissions, out, jobs=args.jobs, limits=limits, scoring=args.scoring,
                                  regrade=args.regrade)
    print(grading.describe(summary, out, jobs=args.jobs))
    return 0


def run(args):
    if args.action is None or args.action == "list":
        print(_listing())
        return 0
    if args.action in ("release", "grade"):
        return _run_classroom(args)
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
