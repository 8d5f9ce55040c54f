"""The study notebooks: each one runs top to bottom without an error, and is stored without outputs.

Every notebooks/*.ipynb is found automatically, and so is its Korean mirror in notebooks/ko/. A Korean notebook's
code cells are the English one's, character for character (tests/test_korean_notebooks.py checks that on every
run), so executing it again proves nothing the English run has not: that re-run carries the `mirror` marker, which
README's test command leaves out and CI runs (`pytest -m mirror`, in .ci/run). Each notebook runs in a fresh
Jupyter kernel (nbclient) in quick mode (RESNET_NP_QUICK=1, read by each notebook's first code cell: smaller
sizes, fewer repeats), with a temporary working directory of its own so that any file a notebook writes lands
there. Two kernels run at once (each its own process and notebook): starting one and importing the library take
seconds of one core, and the cells of these small sizes mostly run on one, while the other core would wait. And
the runs start as soon as the session is collected (conftest.py), in the background: the rest of the suite runs on
one thread, so they use the core it leaves idle.
Committed notebooks carry no outputs, so they can never show results of an older version of the code.
"""

import asyncio
import os
import tempfile
import threading
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


PARALLEL_KERNELS = 2


async def _execute(paths, folder, environment):
    """{path: (the executed notebook, the exception its run raised, or None)}, PARALLEL_KERNELS notebooks at once,
    each in a fresh kernel started with `environment`, in a working folder of its own under `folder`."""
    gate = asyncio.Semaphore(PARALLEL_KERNELS)

    async def execute(path):
        notebook = nbformat.read(path, as_version=4)
        working_folder = Path(tempfile.mkdtemp(prefix=f"{path.stem}-", dir=folder))
        client = NotebookClient(notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3",
                                resources={"metadata": {"path": str(working_folder)}})
        async with gate:
            try:
                await client.async_execute(env=environment)
            except Exception as error:  # CellExecutionError (the cell and its traceback), a timeout, a dead kernel
                return notebook, error
        return notebook, None

    return dict(zip(paths, await asyncio.gather(*(execute(path) for path in paths)), strict=True))


class BackgroundRuns:
    """The selected notebooks' runs, in a thread of their own: conftest.py starts them as soon as the session
    knows which it selected, so that they use the second core while the rest of the suite runs on one thread
    (conftest.py's _single_threaded); the first notebook test waits for them. stop() cancels what is still
    running (a session stopped early by -x) and shuts its kernels down."""

    running = None  # the session's BackgroundRuns, once started

    def __init__(self, paths):
        self._folder = tempfile.TemporaryDirectory(prefix="resnet_np-notebooks-")
        # Quick mode, and resnet_np from this checkout even if it is not installed (each kernel starts in a
        # temporary folder); the kernels get this environment, the test process's own is left as it is.
        environment = dict(os.environ, RESNET_NP_QUICK="1", PYTHONPATH=os.pathsep.join(
            filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
        self._loop = asyncio.new_event_loop()
        self._task = self._loop.create_task(_execute(paths, self._folder.name, environment))
        self._thread = threading.Thread(target=self._run, name="notebook runs", daemon=True)
        self._thread.start()

    def _run(self):
        try:
            self._loop.run_until_complete(self._task)
        except asyncio.CancelledError:  # stop() cancelled the runs: their kernels are shut down
            pass

    @classmethod
    def start(cls, items):
        """Start the runs of the notebooks whose test_notebook_runs_top_to_bottom is among the session's items."""
        cls.running = cls([item.callspec.params["path"] for item in items
                           if getattr(item, "originalname", None) == "test_notebook_runs_top_to_bottom"])

    def results(self):
        self._thread.join()
        return self._task.result()

    def stop(self):
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join()
        self._loop.close()
        self._folder.cleanup()
        BackgroundRuns.running = None  # a later session in this process starts its own


@pytest.fixture(scope="module")
def executed(request):
    """The notebooks whose runs this session selected, each executed top to bottom in a fresh kernel."""
    if BackgroundRuns.running is None:  # not started by conftest.py (a plugin that collects differently, say)
        BackgroundRuns.start(request.session.items)
    return BackgroundRuns.running.results()


@pytest.mark.parametrize("path", RUNS)
def test_notebook_runs_top_to_bottom(path, executed):
    notebook, error = executed[path]
    if error is not None:
        raise error  # the first failing cell, with its traceback

    errors = [output for cell in code_cells(notebook) for output in cell.outputs if output.output_type == "error"]
    assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}" if errors else ""
    not_run = [index for index, cell in enumerate(notebook.cells)
               if cell.cell_type == "code" and cell.source.strip() and cell.execution_count is None]
    assert not not_run, f"{path.name}: cells {not_run} were not executed"
