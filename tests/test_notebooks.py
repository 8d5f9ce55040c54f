"""The study notebooks: each one runs top to bottom without an error, and is stored without outputs.

Every notebooks/*.ipynb is found automatically, and so is its Korean mirror in notebooks/ko/. A Korean notebook's
code cells are the English one's, character for character (tests/test_korean_notebooks.py checks that on every
run), so executing it again proves nothing the English run has not: that re-run carries the `mirror` marker, which
README's test command leaves out and CI runs (`pytest -m mirror`, in .ci/run). Each notebook runs in a fresh
Jupyter kernel (nbclient) in quick mode
(RESNET_NP_QUICK=1, read by each notebook's first code cell: smaller sizes, fewer repeats), with a temporary
working directory so that any file a notebook writes lands there. Committed notebooks carry no outputs, so they can
never show results of an older version of the code.
"""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb")) + sorted((REPO_ROOT / "notebooks" / "ko").glob("*.ipynb"))
IDS = [str(path.relative_to(REPO_ROOT / "notebooks")) for path in NOTEBOOKS]
# The Korean re-runs: the same code as the English notebooks (see the module docstring).
RUNS = [pytest.param(path, id=name, marks=[pytest.mark.mirror] if name.startswith("ko/") else [])
        for path, name in zip(NOTEBOOKS, IDS, strict=True)]
CELL_TIMEOUT_SECONDS = 300


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_the_notebooks_are_found():
    assert NOTEBOOKS, f"no notebooks found in {REPO_ROOT / 'notebooks'}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    stale = [index for index, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not stale, (f"{path.name}: cells {stale} carry outputs or execution counts; clear them with "
                       f"`jupyter nbconvert --clear-output --inplace {path.relative_to(REPO_ROOT)}`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_a_quick_mode(path):
    """The test run relies on it to stay short: the first code cell reads RESNET_NP_QUICK."""
    first_code_cell = code_cells(nbformat.read(path, as_version=4))[0]
    assert "RESNET_NP_QUICK" in first_code_cell.source, f"{path.name}: the first code cell must read RESNET_NP_QUICK"


@pytest.mark.parametrize("path", RUNS)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    # The kernel is a child process: it inherits this environment.
    monkeypatch.setenv("RESNET_NP_QUICK", "1")
    # Import resnet_np from this checkout even if it is not installed (the kernel starts in tmp_path).
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, at the first failing cell

    errors = [output for cell in code_cells(notebook) for output in cell.outputs if output.output_type == "error"]
    assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}" if errors else ""
    not_run = [index for index, cell in enumerate(notebook.cells)
               if cell.cell_type == "code" and cell.source.strip() and cell.execution_count is None]
    assert not not_run, f"{path.name}: cells {not_run} were not executed"
