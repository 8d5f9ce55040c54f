"""The notebook pages: every notebook of both languages executed in a fresh Jupyter kernel, checked complete, its
figures written as files the page links to, and (for the student site) the workbook's folded answers left out.

Each language runs its own notebooks: the Korean ones with RESNET_NP_LANG=ko, so the same code cells draw Korean
figures and print Korean readings (resnet_np/language.py). The two languages run side by side, one kernel each.
"""

import asyncio
import base64
import importlib.util
import os
import re
import tempfile
import time
from pathlib import Path

import nbformat
import pages
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

CELL_TIMEOUT_SECONDS = 1800
# What a notebook prints when something it needs is missing; such a page is not published.
INCOMPLETE = re.compile(r"not installed|skipping", re.IGNORECASE)
# What the notebooks execute beyond the library: module -> the pip requirement the `site` extra pins
NEEDED = {"torch": "torch==2.13.0 (notebook 07 checks the library against PyTorch)"}
ANSWER = re.compile(r"<details>.*?</details>\s*", re.DOTALL)  # the workbook's folded answers
PNG_TITLE = re.compile(rb"tEXtTitle\x00([^\x00]{1,200}?\.png)")  # the file name the demos' figure() writes


def check_needs():
    """Refuse (one line) to build without a module the notebooks execute: their pages would be incomplete."""
    missing = [requirement for module, requirement in NEEDED.items() if importlib.util.find_spec(module) is None]
    if missing:
        raise SystemExit(f"error: the notebooks need {', '.join(missing)}; install what the site needs: "
                         f"pip install -e \".[site]\"")


def incomplete_output(notebook):
    """(cell number, line) of the first output line saying something was not installed or was skipped, or None."""
    for number, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            for line in str(text).splitlines():
                if INCOMPLETE.search(line):
                    return number, line.strip()
    return None


def extract_images(notebook, docs, language, page):
    """Write every PNG output of `notebook` as a file in assets/notebooks/<page>/ and show it from there.

    A file is a link the page can give to the full-size figure (and a page much lighter than inline base64). A
    figure a demo wrote keeps that file's name (its PNG Title: degradation.ko.png), behind the cell's number.
    """
    stem = page.rsplit(".", 1)[0]
    folder = docs / language / "assets" / "notebooks" / stem
    for number, cell in enumerate(notebook.cells):
        for index, output in enumerate(cell.get("outputs", [])):
            data = output.get("data", {})
            if "image/png" not in data:
                continue
            png = base64.b64decode(data["image/png"])
            titled = PNG_TITLE.search(png[:4096])
            name = f"cell{number:02d}-{index}" + (f"-{titled.group(1).decode()}" if titled else ".png")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(png)
            source = os.path.relpath(folder / name, (docs / language / page).parent).replace(os.sep, "/")
            width = output.get("metadata", {}).get("image/png", {}).get("width")
            size = f' width="{width}"' if width else ""
            output["data"] = {"text/html": f'<img src="{source}" alt="{name}"{size}>'}
            output.get("metadata", {}).pop("image/png", None)


def prepare(source, language, page, docs, no_answers, assets):
    """The notebook of `source` with its markdown links rewritten (and its answers left out, if asked)."""
    notebook = nbformat.read(pages.REPO_ROOT / source, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            if no_answers:
                cell.source = ANSWER.sub("", cell.source)
            cell.source = pages.rewrite_links(cell.source, source, language, page, assets)
    return notebook


async def execute_language(language, docs, quick, no_answers, assets, log):
    """Execute one language's notebooks in order, each in a fresh kernel -> {language/page: seconds}."""
    environment = {**os.environ, "RESNET_NP_LANG": language,
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(pages.REPO_ROOT), os.environ.get("PYTHONPATH")])),
                   "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    environment.pop("RESNET_NP_QUICK", None)
    if quick:
        environment["RESNET_NP_QUICK"] = "1"
    seconds = {}
    for page, source in pages.sources(language):
        if not page.endswith(".ipynb"):
            continue
        notebook = prepare(source, language, page, docs, no_answers, assets)
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="resnet_np_site_") as workdir:
            # The kernel talks over local sockets (IPC), not TCP: it has nothing to warn about encryption.
            manager = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(Path(workdir) / "kernel"))
            client = NotebookClient(notebook, km=manager, timeout=CELL_TIMEOUT_SECONDS,
                                    resources={"metadata": {"path": workdir}})
            try:
                await client.async_execute(env=environment)
            except CellExecutionError as error:
                raise SystemExit(f"error: {source} (RESNET_NP_LANG={language}): a cell raised\n{error}") from None
            finally:
                if manager.has_kernel:
                    await manager.shutdown_kernel()
        seconds[f"{language}/{page}"] = round(time.perf_counter() - start, 1)
        found = incomplete_output(notebook)
        if found:
            raise SystemExit(f"error: {source}, cell {found[0]} printed {found[1]!r}: the page would be incomplete; "
                             f"install what the site needs: pip install -e \".[site]\"")
        extract_images(notebook, docs, language, page)
        target = docs / language / page
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        log(f"notebook {language}/{page}: {seconds[f'{language}/{page}']:.0f} s")
    return seconds


def execute_notebooks(docs, quick, no_answers, assets, log):
    """Every notebook of both languages, the languages side by side -> {language/page: seconds}."""

    async def both():
        results = await asyncio.gather(*[execute_language(language, docs, quick, no_answers, assets, log)
                                         for language in pages.LANGUAGES])
        return {key: value for result in results for key, value in result.items()}

    return asyncio.run(both())
