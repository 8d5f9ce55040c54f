"""notebooks/ko/ mirrors every notebook in Korean: the same cells in the same order, the code character for character.

Only the markdown is translated, so a Korean reader runs exactly the code an English reader runs, and a change
to a code cell of one notebook that is not made in its mirror fails here. That makes executing a Korean course
notebook a re-run of its English twin: tests/test_notebooks.py marks those runs `mirror`, left out of README's
test command and run by CI (`pytest -m mirror`). The Korean workbook notebooks run as shipped, as a lecturer
hands them out, in tests/test_exercise_release.py (also a `mirror` run).
"""

import re
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ENGLISH = REPO_ROOT / "notebooks"
KOREAN = ENGLISH / "ko"
ENGLISH_NOTEBOOKS = sorted(ENGLISH.glob("*.ipynb")) + sorted((ENGLISH / "exercises").glob("*.ipynb"))
PAIRS = [(path, KOREAN / path.relative_to(ENGLISH)) for path in ENGLISH_NOTEBOOKS]
IDS = [str(path.relative_to(ENGLISH)) for path in ENGLISH_NOTEBOOKS]
HANGUL = re.compile("[\uac00-\ud7a3]")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_every_notebook_has_a_korean_mirror_and_no_more():
    korean = sorted(KOREAN.glob("*.ipynb")) + sorted((KOREAN / "exercises").glob("*.ipynb"))
    assert [ko for _, ko in PAIRS] == korean, "notebooks/ko/ must hold exactly the notebooks of notebooks/"
    for readme in ("README.md", "exercises/README.md"):
        assert (KOREAN / readme).is_file(), f"notebooks/ko/{readme} is missing"


@pytest.mark.parametrize(("english", "korean"), PAIRS, ids=IDS)
def test_same_cells_same_code(english, korean):
    english_cells = nbformat.read(english, as_version=4).cells
    korean_cells = nbformat.read(korean, as_version=4).cells
    assert [cell.cell_type for cell in korean_cells] == [cell.cell_type for cell in english_cells], (
        f"{korean.name}: the Korean notebook's cells differ in number or kind from the English one's")
    for index, (en, ko) in enumerate(zip(english_cells, korean_cells, strict=True)):
        if en.cell_type == "code":
            assert ko.source == en.source, f"{korean.name}: code cell {index} differs from the English notebook's"
            assert not ko.outputs and ko.execution_count is None, f"{korean.name}: cell {index} carries outputs"


@pytest.mark.parametrize(("english", "korean"), PAIRS, ids=IDS)
def test_the_markdown_is_translated(english, korean):
    """Every markdown cell with words in it is in Korean (formulas and code inside it stay as they are)."""
    korean_cells = nbformat.read(korean, as_version=4).cells
    untranslated = [index for index, cell in enumerate(korean_cells)
                    if cell.cell_type == "markdown" and re.search(r"[A-Za-z]{3,}", cell.source)
                    and not HANGUL.search(cell.source)]
    assert not untranslated, f"{korean.name}: markdown cells {untranslated} have no Korean in them"


def _relative_links(text):
    return [link.split("#")[0] for link in LINK.findall(text)
            if not re.match(r"[a-z]+:", link) and not link.startswith("#") and link.split("#")[0]]


@pytest.mark.parametrize("path", ENGLISH_NOTEBOOKS + [korean for _, korean in PAIRS], ids=IDS + [
    f"ko/{name}" for name in IDS])
def test_relative_links_lead_somewhere(path):
    text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown")
    broken = [link for link in _relative_links(text) if not (path.parent / link).exists()]
    assert not broken, f"{path.relative_to(REPO_ROOT)}: links to missing files {broken}"


@pytest.mark.parametrize("readme", ["README.md", "exercises/README.md"])
def test_the_korean_readmes_are_translated_and_their_links_lead_somewhere(readme):
    text = (KOREAN / readme).read_text(encoding="utf-8")
    assert len(HANGUL.findall(text)) > 200, f"notebooks/ko/{readme} is not in Korean"
    broken = [link for link in _relative_links(text) if not ((KOREAN / readme).parent / link).exists()]
    assert not broken, f"notebooks/ko/{readme}: links to missing files {broken}"
