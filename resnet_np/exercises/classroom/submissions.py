"""What a class hands in: the students, their files, and the code of each file that is graded.

Two layouts, mixed freely in one SUBMISSIONS folder:

    SUBMISSIONS/Kim Minsu/01_im2col.ipynb        one folder per student (any subset of the workbook's notebooks,
    SUBMISSIONS/Kim Minsu/my_relu.py              or .py files; sub-folders are searched too)
    SUBMISSIONS/alice_01_im2col.ipynb            flat files STUDENT_NN_name.ipynb / .py: the student is the
    SUBMISSIONS/alice_05_relu_pool_linear_loss.py  name before the last "_NN_" (or the whole name without one)

Only .ipynb and .py files are graded; others are listed as ignored. Hidden files and folders, __MACOSX,
.ipynb_checkpoints and __pycache__ are skipped.

Which code is graded. From a notebook: the TODO cells (first line `# TODO(exercise NAME): ...`), and the cells
that only import or define functions and classes (helpers); never the cells that run experiments or call
check(). A cell without the marker that defines an exercise's functions counts as that exercise's TODO cell.
Each exercise is graded right after its TODO cell runs, as the notebook's grading cell would be (so the two
convolutions of notebook 02, which share their function names, are graded each with its own). From a .py file:
the whole file, run as a script except its `if __name__ == "__main__":` block; it is graded for the exercises
its name or a marker names (`relu.py`, `alice_02_conv2d.py`, `# TODO(exercise relu)`, the starter code's
`Exercise relu:`), or else for every exercise whose functions it defines itself.

This module only reads files; the student's code runs in the worker (worker.py), under the sandbox's limits.
The notebook is parsed there too: a file crafted to break a parser breaks only that student's worker.
"""

import ast
import hashlib
import json
import re
from pathlib import Path
from typing import NamedTuple

GRADED_SUFFIXES = (".ipynb", ".py")
SKIPPED_NAMES = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
MAX_FILE_BYTES = 20 * 2**20  # a notebook with its figures is well under this; a larger file is not read
FLAT_NAME = re.compile(r"^(?P<student>.+)_(?P<rest>\d\d_.+)$")  # the last "_NN_" splits student and file
MARKER = re.compile(r"^\s*# TODO\(exercise (\w+)\)")
NAMED = re.compile(r"^\s*# TODO\(exercise (\w+)\)|^\s*\"{3}Exercise (\w+):", re.MULTILINE)
NOTEBOOK_STEM = re.compile(r"(\d\d_[A-Za-z0-9_]+)$")


class SubmittedFile(NamedTuple):
    path: Path  # where it is in SUBMISSIONS
    label: str  # how reports name it: the path inside the student's folder, or the flat file's name


class Student(NamedTuple):
    name: str
    files: list  # of SubmittedFile, sorted by label
    ignored: list  # labels of files that are not graded (other suffixes, too large)


def _skipped(path):
    return path.name.startswith(".") or path.name in SKIPPED_NAMES


def _walk(folder):
    """Every file under `folder`, sorted, skipping hidden and system folders (symbolic links are not followed)."""
    for path in sorted(folder.iterdir()):
        if _skipped(path) or path.is_symlink():
            continue
        if path.is_dir():
            yield from _walk(path)
        elif path.is_file():
            yield path


def collect(folder):
    """The students of a SUBMISSIONS folder, sorted by name -> list of Student."""
    folder = Path(folder)
    files, ignored = {}, {}
    for entry in sorted(folder.iterdir()):
        if _skipped(entry) or entry.is_symlink():
            continue
        if entry.is_dir():
            name = entry.name
            ignored.setdefault(name, [])
            files.setdefault(name, [])
            for path in _walk(entry):
                _sort_file(path, path.relative_to(entry).as_posix(), files[name], ignored[name])
        elif entry.is_file():
            match = FLAT_NAME.match(Path(entry.name).stem)
            name = match.group("student") if match else Path(entry.name).stem
            _sort_file(entry, entry.name, files.setdefault(name, []), ignored.setdefault(name, []))
    return [Student(name, sorted(files[name], key=lambda file: file.label), ignored[name])
            for name in sorted(files)]


def _sort_file(path, label, graded, ignored):
    if path.suffix.lower() not in GRADED_SUFFIXES:
        ignored.append(label)
    elif path.stat().st_size > MAX_FILE_BYTES:
        ignored.append(f"{label} (larger than {MAX_FILE_BYTES // 2**20} MB)")
    else:
        graded.append(SubmittedFile(path, label))


def fingerprint(student):
    """A hash of the student's graded files (names and contents): a rerun regrades only when it changes."""
    digest = hashlib.sha256()
    for file in student.files:
        digest.update(file.label.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(file.path.read_bytes()).digest())
    return digest.hexdigest()


# What the worker runs: the steps of one file.

class Step(NamedTuple):
    cell: int  # the cell's number in the notebook, counting from 1 (0 for a .py file)
    code: str
    exercises: tuple  # the exercises this step defines (a TODO cell), () for a helper cell
    grade_after: tuple  # the exercises to grade once this step has run


def _code_of(cell):
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    # IPython magics (%matplotlib, !pip) are not Python: blank them, keeping the line numbers
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _parse(code):
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _defined(tree):
    """The names a module's top level defines by `def` or by plain assignment."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):  # relu_forward = ...; conv2d_forward, conv2d_backward = ...
            for target in node.targets:
                targets = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
                names.update(item.id for item in targets if isinstance(item, ast.Name))
    return names


def _only_definitions(tree):
    return all(isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
               or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)) for node in tree.body)


def notebook_steps(text, label, functions, notebooks):
    """(steps, problem) of a notebook's text; problem is "" or one line saying why it cannot be read.

    functions: exercise name -> the function names it asks for (in workbook order);
    notebooks: exercise name -> its notebook's file name ("02_conv2d.ipynb").
    """
    try:
        notebook = json.loads(text)
    except ValueError as error:
        return [], f"{label} is not a valid notebook (not JSON: {error})"
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return [], f"{label} is not a notebook (it has no list of cells)"
    stem = NOTEBOOK_STEM.search(Path(label).stem)
    own = {name for name, notebook_name in notebooks.items() if stem and notebook_name == stem.group(1) + ".ipynb"}
    steps, attributed = [], []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        code = _code_of(cell)
        lines = code.splitlines()
        marker = MARKER.match(lines[0]) if lines else None
        tree = _parse(code)
        if marker and marker.group(1) in functions:
            names = (marker.group(1),)
        elif tree is not None and _defined(tree) & {name for names in functions.values() for name in names}:
            names = _unmarked_exercises(_defined(tree), functions, own, attributed)
        elif tree is not None and _only_definitions(tree):
            names = ()
        else:
            continue  # an experiment, a grading cell, or code that cannot be told apart from one
        attributed += names
        steps.append(Step(number, code, names, ()))
    return _grade_after_last_step(steps), ""


def _unmarked_exercises(defined, functions, own, attributed):
    """The exercises an unmarked cell defines: those whose functions it defines, this notebook's first, one for
    each set of function names (the loop and the im2col convolution share theirs: the first not yet seen)."""
    candidates = [name for name, names in functions.items() if set(names) <= defined]
    candidates = [name for name in candidates if name in own] or candidates
    chosen, sets = [], []
    for name in sorted(candidates, key=lambda name: name in attributed):  # stable: not yet attributed first
        if set(functions[name]) not in sets:
            chosen.append(name)
            sets.append(set(functions[name]))
    return tuple(chosen)


def _grade_after_last_step(steps):
    last = {name: index for index, step in enumerate(steps) for name in step.exercises}
    return [step._replace(grade_after=tuple(name for name in step.exercises if last[name] == index))
            for index, step in enumerate(steps)]


def named_exercises(text, label, functions, notebooks):
    """The exercises a .py file names: by its file name (relu.py, alice_02_conv2d.py) or a marker in its text."""
    stem = Path(label).stem
    by_name = [name for name in sorted(functions, key=len, reverse=True) if re.search(rf"(^|_){name}$", stem)]
    if by_name:
        return (by_name[0],)
    notebook = NOTEBOOK_STEM.search(stem)
    if notebook:
        named = tuple(name for name in functions if notebooks[name] == notebook.group(1) + ".ipynb")
        if named:
            return named
    return tuple(dict.fromkeys(name for match in NAMED.finditer(text) for name in match.groups()
                               if name in functions))


def one_student(folder, name):
    """The files of one student's folder (Gradescope's /autograder/submission) as a Student called `name`."""
    graded, ignored = [], []
    for path in _walk(Path(folder)):
        _sort_file(path, path.relative_to(folder).as_posix(), graded, ignored)
    return Student(name, sorted(graded, key=lambda file: file.label), ignored)
