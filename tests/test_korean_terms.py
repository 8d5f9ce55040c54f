"""The Korean course keeps the glossary's term decisions (docs/ko/glossary.md, section '표기 결정').

That table has one row per decision: the term the course uses (`쓰는 표기`, each in backticks) and the ones it does
not (`쓰지 않는 표기`). Here: every chosen term is used in the Korean text (notebooks/ko, docs/ko, README.ko.md) and
no rejected one is. Two rejected words are also ordinary Korean and get a rule instead of a plain search:
    가지    rejected for the residual branch, kept where it counts kinds (두 가지, 세 가지 설계, 여러 가지) and
            inside other words (가지고, 마찬가지, 가지 않습니다);
    단계    kept for a step (훈련 한 단계, 1단계), rejected next to the marks of a network stage (layer1-4,
            conv2_x-conv5_x, 'stage', the stem, a resolution).
"""

import re
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = REPO_ROOT / "docs" / "ko" / "glossary.md"
KOREAN_FILES = sorted((REPO_ROOT / "notebooks" / "ko").rglob("*.ipynb")) + sorted(
    (REPO_ROOT / "notebooks" / "ko").rglob("*.md")) + sorted(
    path for path in (REPO_ROOT / "docs" / "ko").glob("*.md") if path != GLOSSARY) + [REPO_ROOT / "README.ko.md"]

COUNTING_WORDS = "한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|여러|몇|몇몇|온갖|갖은"
GAJI_AS_NOUN = re.compile(r"(?<![가-힣])가지(?!고|면|지|게|세요| 않)")  # not 가지고, 마찬가지, 가지 않다, ...
KIND = re.compile(rf"(?:{COUNTING_WORDS})\s+$")
STAGE_MARKS = re.compile(r"stage|layer[1-4]|conv[2-5]_x|스템|해상도")


def korean_text(path):
    if path.suffix == ".ipynb":
        cells = nbformat.read(path, as_version=4).cells
        return "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def decisions():
    """[(english, chosen terms, rejected terms)] from the glossary's '표기 결정' table."""
    section = GLOSSARY.read_text(encoding="utf-8").split("## 표기 결정", 1)[1]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("영어", "---"):
            rows.append((cells[0], re.findall(r"`([^`]+)`", cells[1]), re.findall(r"`([^`]+)`", cells[2])))
    return rows


def gaji_as_branch(text):
    """Each 가지 that does not count kinds, with its surroundings."""
    return [text[max(0, match.start() - 20):match.end() + 20] for match in GAJI_AS_NOUN.finditer(text)
            if not KIND.search(text[max(0, match.start() - 6):match.start()])]


def danggye_as_stage(text):
    return [text[max(0, match.start() - 30):match.end() + 30] for match in re.finditer("단계", text)
            if STAGE_MARKS.search(text[max(0, match.start() - 30):match.end() + 30])]


SPECIAL = {"가지": gaji_as_branch}


@pytest.fixture(scope="module")
def texts():
    return {str(path.relative_to(REPO_ROOT)): korean_text(path) for path in KOREAN_FILES}


def test_the_glossary_has_its_decisions():
    rows = {english: (chosen, rejected) for english, chosen, rejected in decisions()}
    assert rows["residual branch"] == (["잔차 경로"], ["잔차 가지", "가지"])
    assert rows["stage"][0] == ["스테이지"] and rows["solver"] == (["최적화 기법"], ["풀이 방법"])
    assert len(rows) >= 8


@pytest.mark.parametrize(("english", "chosen", "rejected"), decisions(), ids=[row[0] for row in decisions()])
def test_chosen_terms_are_used_and_rejected_ones_are_not(texts, english, chosen, rejected):
    for term in chosen:
        assert any(term in " ".join(text.split()) for text in texts.values()), (
            f"{english}: '{term}' is used nowhere in the Korean text")
    found = []
    for term in rejected:
        for name, text in texts.items():
            flowing = " ".join(text.split())  # a term may be broken across two lines
            hits = SPECIAL[term](text) if term in SPECIAL else [
                flowing[max(0, index - 20):index + len(term) + 20] for index in _find_all(flowing, term)]
            found += [f"{name}: '{term}' in ...{hit!r}..." for hit in hits]
    assert not found, f"{english}: rejected terms in the Korean text:\n" + "\n".join(found)


def test_no_network_stage_is_called_danggye(texts):
    found = [f"{name}: ...{hit!r}..." for name, text in texts.items() for hit in danggye_as_stage(text)]
    assert not found, "단계 is a step; a network stage is 스테이지:\n" + "\n".join(found)


def test_the_rules_tell_the_meanings_apart():
    """The special rules on sentences of both kinds, so that a rule that stopped catching anything fails here."""
    assert gaji_as_branch("가지는 순서만 다를 뿐 같은 일을 합니다") and gaji_as_branch("잔차 가지(residual branch)")
    assert gaji_as_branch("어떤 가지도 건드리지 않는 항")
    for kind in ("두 가지 지름길", "세 가지 설계", "여러 가지 모양", "단서 두\n가지를", "가지고 있습니다",
                 "마찬가지입니다", "어디로도 가지 않습니다", "고윳값 -1을 가지면"):
        assert not gaji_as_branch(kind), kind
    assert danggye_as_stage("CIFAR용 망의 마지막 단계(stage, 8×8 맵)") and danggye_as_stage("`layer2`부터 각 단계의")
    for step in ("SGD 한 단계", "**1단계, 매개변수.**", "훈련 단계를 0번, 5번", "몇 번째 단계에서 실수했는지"):
        assert not danggye_as_stage(step), step


def _find_all(text, term):
    index = text.find(term)
    while index != -1:
        yield index
        index = text.find(term, index + 1)
