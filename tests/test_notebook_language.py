"""The course notebooks call the demos without a language, so RESNET_NP_LANG picks it: a Korean notebook run with
RESNET_NP_LANG=ko shows the demos' Korean figures and readings from the very code cells the English one runs.

Two checks: no code cell passes lang= to a demo, and each figure a notebook shows comes from the demo's result
(result.figures, whose names follow the language: NAME.png or NAME.ko.png), never from a hard-coded file name; then
one short demo cell of the Korean notebook 5 is executed in a Jupyter kernel under RESNET_NP_LANG=ko.
"""

import ast
import os
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").rglob("*.ipynb"))
HANGUL = re.compile("[\uac00-\ud7a3]")


def code_of(path):
    """The notebook's code cells as one Python module (IPython's %magics and !commands left out)."""
    cells = [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    lines = [line for cell in cells for line in cell.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines))


def demo_calls(tree):
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "demos"
            and node.func.attr != "list_demos"]


def test_no_notebook_passes_a_language_to_a_demo():
    calls = {path.relative_to(REPO_ROOT): demo_calls(code_of(path)) for path in NOTEBOOKS}
    assert sum(map(len, calls.values())) >= 6, "the notebooks' demo calls were not found"
    explicit = [f"{name}: demos.{call.func.attr} line {call.lineno}" for name, found in calls.items()
                for call in found if any(keyword.arg == "lang" for keyword in call.keywords)]
    assert not explicit, f"a notebook chooses the demo's language itself, so RESNET_NP_LANG cannot: {explicit}"


def test_no_notebook_shows_a_figure_by_a_hard_coded_png_name():
    hard_coded = [f"{path.relative_to(REPO_ROOT)}: {node.value!r}" for path in NOTEBOOKS
                  for node in ast.walk(code_of(path))
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(".png")]
    assert not hard_coded, f"show the demo's result.figures instead (its names follow the language): {hard_coded}"


def test_a_korean_notebook_run_with_the_language_shows_the_korean_figure(tmp_path, monkeypatch):
    """Notebook 5's setup cell and its gradient-flow cell, as they are, under RESNET_NP_LANG=ko in quick mode."""
    monkeypatch.setenv("RESNET_NP_QUICK", "1")
    monkeypatch.setenv("RESNET_NP_LANG", "ko")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    notebook = nbformat.read(REPO_ROOT / "notebooks" / "ko" / "05_why_depth_hurts.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    setup, flow_cell = code[0], next(cell for cell in code if "demos.gradient_flow(" in cell.source)
    probe = nbformat.v4.new_code_cell("print('FIGURES', [os.path.basename(path) for path in flow.figures])")
    notebook.cells = [setup, flow_cell, probe]
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    printed = "".join(output.get("text", "") for output in flow_cell.outputs if output.output_type == "stream")
    assert HANGUL.search(printed) and "gradient flow at initialisation" not in printed.lower(), printed[:300]
    images = [output for output in flow_cell.outputs if "image/png" in output.get("data", {})]
    assert images, "the cell showed no figure"
    figures = "".join(output.get("text", "") for output in probe.outputs)
    assert "gradient_flow.ko.png" in figures and "gradient_flow.png'" not in figures, figures
