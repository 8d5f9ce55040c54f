"""The student's copy of the workbook: the nine notebooks and their README, without answers and outputs.

    release_workbook("handout/", lang="en")      # or lang="ko": notebooks/ko/exercises/

What is removed: the folded answers of the written questions (each `<details>...</details>` block), every
cell's outputs and execution count, cell metadata, and the README's section for lecturers. The copy is built in
a temporary folder next to OUT and checked before it is renamed to OUT: no answer block, no lecturer's section,
no output, no call of `reference(` or `exercise solution`, and no function whose body is the body of a model
answer (exercises.reference, compared as syntax trees, docstrings left out: a lecturer's copy with the answers
typed in is caught). If anything leaked, nothing is written and the error names the notebook, the cell and
what leaked. The lecturer's copy stays the repository's.
"""

import ast
import inspect
import json
import os
import re
import secrets
import shutil
import textwrap
from pathlib import Path

from ...errors import UserError
from .. import names, reference

ANSWER_BLOCK = re.compile(r"\n?<details>.*?</details>\n?", re.DOTALL)
LECTURER_SECTIONS = re.compile(r"^## (For lecturers|강의자를 위해)\s*$.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
ANSWER_WORDS = ("<details", "</details>", "Answer (for the lecturer", "답 (강의자용")
FORBIDDEN_CODE = ("reference(", "exercise solution")
NOTEBOOK_METADATA = ("kernelspec", "language_info")


def workbook_folder(lang):
    """notebooks/exercises/ (lang "en") or notebooks/ko/exercises/ ("ko") of the checkout the package is in."""
    root = Path(__file__).resolve().parents[3] / "notebooks"
    folder = root / "exercises" if lang == "en" else root / lang / "exercises"
    if lang not in ("en", "ko"):
        raise UserError(f"--lang must be en or ko, got {lang!r}")
    if not folder.is_dir():
        raise UserError(f"the workbook is not here: {folder} (release runs from a checkout of the repository)")
    return folder


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def student_notebook(notebook):
    """The notebook (a dict, as json.load gives it) without answer blocks, outputs and cell metadata."""
    cells = []
    for cell in notebook["cells"]:
        text = _source(cell)
        if cell["cell_type"] == "markdown":
            text = ANSWER_BLOCK.sub("\n", text).strip("\n")
        new = {"cell_type": cell["cell_type"], "metadata": {}, "source": text.splitlines(True)}
        if "id" in cell:
            new["id"] = cell["id"]
        if cell["cell_type"] == "code":
            new.update(execution_count=None, outputs=[])
        cells.append(new)
    metadata = {key: value for key, value in notebook.get("metadata", {}).items() if key in NOTEBOOK_METADATA}
    return {"cells": cells, "metadata": metadata, "nbformat": notebook["nbformat"],
            "nbformat_minor": notebook["nbformat_minor"]}


def student_readme(text):
    return LECTURER_SECTIONS.sub("", text).rstrip("\n") + "\n"


def _body(function_node):
    """The syntax tree of a function's body without its docstring, as a comparable string."""
    body = function_node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return ast.dump(ast.Module(body=body, type_ignores=[]), annotate_fields=False)


def model_answer_bodies():
    """body (as _body gives it) -> "FUNCTION (its file)" for every function of every model answer."""
    bodies = {}
    for name in names():
        for function in reference(name):
            try:
                tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
            except (OSError, TypeError, SyntaxError):
                continue
            node = tree.body[0]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and len(node.body) > 0:
                where = Path(inspect.getsourcefile(function)).as_posix()
                where = where[where.rfind("resnet_np/"):] if "resnet_np/" in where else where
                bodies[_body(node)] = f"{function.__name__} ({where})"
    return bodies


def _code(text):
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines())


def leaks(folder):
    """What in a released folder must not be there: ["NOTEBOOK, cell N: what", ...] ([] when it is clean)."""
    found, bodies = [], model_answer_bodies()
    for path in sorted(Path(folder).iterdir()):
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
            found += [f"{path.name}: {word}" for word in ANSWER_WORDS if word in text]
            if LECTURER_SECTIONS.search(text):
                found.append(f"{path.name}: the section for lecturers")
        if path.suffix != ".ipynb":
            continue
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for number, cell in enumerate(notebook["cells"], start=1):
            where = f"{path.name}, cell {number}"
            text = _source(cell)
            found += [f"{where}: an answer block ({word})" for word in ANSWER_WORDS if word in text]
            if cell["cell_type"] != "code":
                continue
            if cell.get("outputs") or cell.get("execution_count") is not None:
                found.append(f"{where}: outputs")
            found += [f"{where}: {word}" for word in FORBIDDEN_CODE if word in text]
            try:
                tree = ast.parse(_code(text))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _body(node) in bodies:
                    found.append(f"{where}: {node.name} has the body of the model answer {bodies[_body(node)]}")
    return found


def release_workbook(out, lang="en", source=None):
    """Write the student's copy of the workbook to the new folder `out` -> the files written (names)."""
    source = Path(source) if source is not None else workbook_folder(lang)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"{out} already exists and is not an empty folder: release writes a new folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    building = out.parent / f".{out.name}.{secrets.token_hex(6)}.release"
    building.mkdir()
    try:
        written = []
        for path in sorted(source.iterdir()):
            if path.suffix == ".ipynb":
                notebook = student_notebook(json.loads(path.read_text(encoding="utf-8")))
                text = json.dumps(notebook, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
            elif path.name == "README.md":
                text = student_readme(path.read_text(encoding="utf-8"))
            else:
                continue
            (building / path.name).write_text(text, encoding="utf-8")
            written.append(path.name)
        found = leaks(building)
        if found:
            raise UserError("release stopped, nothing written: " + "; ".join(found))
        if out.exists():
            out.rmdir()
        os.rename(building, out)  # the folder appears whole or not at all
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)
    return written
