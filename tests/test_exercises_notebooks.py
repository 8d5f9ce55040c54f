"""The exercise notebooks (notebooks/exercises/): as shipped, and with the model answers filled in.

A student's TODO cell starts with the marker line

    # TODO(exercise NAME): FUNCTION, FUNCTION, ...

and defines those functions, each raising NotImplementedError until the student writes it. Here every notebook
runs twice in one Jupyter kernel (nbclient), code cells only, with `%reset -f` between the runs:
  1. as shipped: no cell may raise, and every grading cell (`result = check(...)`) reports "not implemented yet";
  2. with each TODO cell replaced by code that assigns the model answers (resnet_np.exercises.reference):
     no cell may raise, and every grading cell reports that its exercise passed.
The Korean notebooks (notebooks/ko/exercises/) have the same code cells (tests/test_korean_notebooks.py); they run
as shipped, next to the English ones, in tests/test_exercise_release.py, which executes the copies a lecturer hands
out (the repository's code cells, answers and outputs removed): a re-run of the shipped run here, marked `mirror`
(CI runs it, README's test command leaves it out), so they are not run a third time here.
So the notebooks cannot rot: a change of the grader or of an exercise that breaks a notebook fails here. One
kernel for all of them keeps this fast (starting a kernel and importing the library cost more than the cells),
and so does drawing the figures of the shipped run without rendering them to PNG (plt.show closes them): the
run with the model answers renders every one.
"""

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from resnet_np import exercises

REPO_ROOT = Path(__file__).resolve().parent.parent
FOLDER = REPO_ROOT / "notebooks" / "exercises"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
MARKER = re.compile(r"^# TODO\(exercise (\w+)\): (.+)$")
GRADING = re.compile(r'^result = check\("(\w+)"')
CELL_TIMEOUT_SECONDS = 300
SHOW = {  # plt.show as shipped: close the figures unrendered; with the model answers: the real one
    "shipped": "import matplotlib.pyplot as _plt\n_plt._real_show = getattr(_plt, '_real_show', _plt.show)\n"
               "_plt.show = lambda *args, **kwargs: _plt.close('all')",
    "answered": "import matplotlib.pyplot as _plt\n_plt.show = getattr(_plt, '_real_show', _plt.show)",
}


def todo_cells(notebook):
    """[(cell, exercise name, [function names])] of the notebook's TODO cells."""
    found = []
    for cell in notebook.cells:
        match = MARKER.match(cell.source.splitlines()[0]) if cell.cell_type == "code" and cell.source else None
        if match:
            found.append((cell, match.group(1), [name.strip() for name in match.group(2).split(",")]))
    return found


def model_answers(name, functions):
    """The source that replaces a TODO cell: the model answers, assigned to the functions' names."""
    lines = ["# The test suite's stand-in for the TODO cell: the model answers.",
             "from resnet_np.exercises import functions as _functions, reference as _reference",
             f"_answers = dict(zip(_functions({name!r}), _reference({name!r})))"]
    return "\n".join(lines + [f"{function} = _answers[{function!r}]" for function in functions])


def grading_output(cell):
    """The text a grading cell showed (its plain-text display, and anything printed)."""
    texts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            texts.append(output.text)
        elif output.output_type in ("display_data", "execute_result"):
            texts.append(output.data.get("text/plain", ""))
    return "\n".join(texts)


def test_the_exercise_notebooks_are_found():
    assert len(NOTEBOOKS) == 9, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    stale = [index for index, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not stale, f"{path.name}: cells {stale} carry outputs; clear them (jupyter nbconvert --clear-output)"


@pytest.mark.parametrize("name", exercises.names())
def test_every_exercise_has_its_todo_cells_and_grading_cell(name):
    exercise = exercises.get(name)
    notebook = nbformat.read(FOLDER / exercise.notebook, as_version=4)
    written = [function for _, exercise_name, functions in todo_cells(notebook) if exercise_name == name
               for function in functions]
    assert sorted(written) == sorted(exercise.functions), f"{exercise.notebook}: TODO cells for {name} define {written}"
    graders = [cell.source for cell in notebook.cells if cell.cell_type == "code" and GRADING.match(cell.source)
               and GRADING.match(cell.source).group(1) == name]
    call = f'result = check("{name}", {", ".join(exercise.functions)}'
    by_hand = [call + ", by_hand=True)"] if exercise.forbidden is not None else []  # exercise 7's homework variant
    assert graders == [call + ")"] + by_hand, graders


@pytest.mark.parametrize("name", exercises.names())
def test_the_todo_cells_have_the_signatures_of_the_starter_code(name):
    """A TODO cell and `python -m resnet_np exercise template NAME` ask for the same functions, the same way."""
    exercise = exercises.get(name)
    notebook = nbformat.read(FOLDER / exercise.notebook, as_version=4)
    cells = "\n".join(cell.source for cell, exercise_name, _ in todo_cells(notebook) if exercise_name == name)
    signatures = [line for line in exercise.template.splitlines() if line.startswith("def ")]
    assert len(signatures) == len(exercise.functions)
    assert all(signature in cells.splitlines() for signature in signatures), signatures


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_a_student_notebook_shows_no_solution(path):
    notebook = nbformat.read(path, as_version=4)
    for cell, _, functions in todo_cells(notebook):
        assert cell.source.count("raise NotImplementedError") == len(functions), cell.source
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "reference(" not in code and "exercise solution" not in code
    text = "\n".join(cell.source for cell in notebook.cells)
    assert text.count("<details>") >= 2, f"{path.name}: expected two or more questions with hidden answers"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Every notebook, as shipped then with the model answers run in one kernel:
    {(name, copy): [code cells]}, copy = "shipped" or "answered"."""
    combined = nbformat.v4.new_notebook()
    combined.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    runs = [(path, copy) for path in NOTEBOOKS for copy in ("shipped", "answered")]
    for path, copy in runs:
        notebook = nbformat.read(path, as_version=4)
        combined.cells.append(nbformat.v4.new_code_cell("%reset -f"))
        combined.cells.append(nbformat.v4.new_code_cell(SHOW[copy]))
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            source = cell.source
            match = MARKER.match(source.splitlines()[0]) if source else None
            if copy == "answered" and match:
                source = model_answers(match.group(1), [name.strip() for name in match.group(2).split(",")])
            new = nbformat.v4.new_code_cell(source)
            new.metadata["origin"] = {"notebook": path.name, "copy": copy}
            combined.cells.append(new)
    environment = {"RESNET_NP_QUICK": "1", "MPLBACKEND": "Agg",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    previous = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)  # the kernel is a child process: it inherits this environment
    try:
        client = NotebookClient(combined, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(tmp_path_factory.mktemp("exercise_notebooks"))}})
        client.execute()
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    cells = {}
    for cell in combined.cells:
        origin = cell.metadata.get("origin")
        if origin:
            cells.setdefault((origin["notebook"], origin["copy"]), []).append(cell)
    return cells


def _errors(cells):
    return [f"{output.ename}: {output.evalue}" for cell in cells for output in cell.outputs
            if output.output_type == "error"]


def _grading(cells):
    return [(GRADING.match(cell.source).group(1), grading_output(cell)) for cell in cells
            if GRADING.match(cell.source)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_as_shipped_the_grading_cells_say_not_implemented_yet(executed, path):
    cells = executed[path.name, "shipped"]
    assert not _errors(cells), f"{path.name} as shipped: {_errors(cells)}"
    graded = _grading(cells)
    assert graded
    for name, text in graded:
        assert f"Exercise {name} (" in text and "): not implemented yet" in text, text
        assert "Traceback" not in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_with_the_model_answers_every_grading_cell_passes(executed, path):
    cells = executed[path.name, "answered"]
    assert not _errors(cells), f"{path.name} with the model answers: {_errors(cells)}"
    not_run = [cell.source[:60] for cell in cells if cell.source.strip() and cell.execution_count is None]
    assert not not_run, not_run
    graded = _grading(cells)
    assert graded
    for name, text in graded:
        assert re.search(rf"^Exercise {name} \(.*\): passed, all \d+ cases$", text, re.MULTILINE), text
