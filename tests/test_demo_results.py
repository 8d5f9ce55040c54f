"""The demo results file (resnet_np/demos/results.py -> docs/demo_results.md): one section per demo, each with the
command, date, machine, reading and numbers. The structure is checked, never values that depend on timing."""

import os
import re

import numpy as np
import pytest

from resnet_np import demos
from resnet_np.demos import results

DOCS_FILE = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "demo_results.md")


def check_structure(text, names):
    """Sections for exactly `names` (and their variants), in order, each complete."""
    assert text.startswith(results.TITLE + "\n")
    assert "python -m resnet_np.demos.results" in text
    keys = results.section_keys(names)
    assert re.findall(r"<!-- demo:([\w-]+) begin -->", text) == keys
    sections = results.read_sections(text)
    assert list(sections) == keys
    for name in names:
        for flag, _ in results.runs_of(name):
            body = sections[results.section_key(name, flag)]
            run = f"{name} {flag}".strip()
            assert f"\n## {run}\n" in body
            assert re.search(rf"- command: `python -m resnet_np demo {run}( --quick)?` \((quick|lecture) size", body)
            assert re.search(r"- run: \d{4}-\d\d-\d\d \d\d:\d\d UTC, \d+ s wall time", body), run
            assert re.search(r"- machine: .+, \d+ cores?, \d+ threads?, \w+ backend", body), run
            reading = body.split("```\n", 2)[1]
            assert reading.strip(), run
            assert "| number | value |" in body and body.count("\n| `") >= 1, run
    return sections


def test_flatten_keeps_scalars_and_short_lists_and_drops_curves():
    numbers = {"a": 1, "b": {"c": 0.123456, "d": [1, 2, 3], "e": list(range(50))}, "f": [{"epoch": 1}],
               "g": np.float32(2.5), "h": None, "i": [[1, 2], [3, 4]]}
    assert results.flatten(numbers) == [("a", 1), ("b.c", 0.123456), ("b.d", [1, 2, 3]), ("g", np.float32(2.5)),
                                        ("h", None), ("i", [[1, 2], [3, 4]])]
    assert results.format_value(0.123456) == "0.1235" and results.format_value([0.5, 2]) == "[0.5, 2]"
    assert results.format_value(True) == "True" and results.format_value("a|b") == "a\\|b"


def check_only_reruns_one_demo(path):
    """--only re-runs one demo and keeps the other sections of the file at `path` as they were."""
    before = results.read_sections(path.read_text(encoding="utf-8"))
    assert results.main(["--quick", "--only", "bottleneck-cost", "--out", str(path), "--threads", "1"]) == 0
    after = results.read_sections(path.read_text(encoding="utf-8"))
    assert list(after) == list(before)
    assert all(after[key] == before[key] for key in before if key != "bottleneck-cost")
    assert results.main(["--only", "no-such-demo", "--out", str(path)]) == 2


# Two demos that take a second or so: enough for what `generate` itself does (a complete section for each demo it
# runs, --only keeping the others). Each demo runs, and its claim is checked, in tests/test_demos*.py.
SOME_DEMOS = ["bn-variance", "bottleneck-cost"]


def test_quick_regeneration_of_some_demos_writes_their_sections_and_only_reruns_the_one_asked_for(tmp_path):
    path = tmp_path / "docs" / "demo_results.md"
    run = results.generate(path, quick=True, only=SOME_DEMOS, threads=1, log=None)
    assert list(run) == results.section_keys(SOME_DEMOS)
    sections = check_structure(path.read_text(encoding="utf-8"), SOME_DEMOS)
    assert all("--quick` (quick size)" in body for body in sections.values())
    check_only_reruns_one_demo(path)


# Every demo run a second time (tests/test_demos*.py run each at quick size; the test above checks `generate` on two
# of them, and test_the_docs_file_is_rendered_from_the_stored_numbers renders every demo's section): `-m slow`.
@pytest.mark.slow
def test_quick_regeneration_has_a_section_per_demo(tmp_path):
    """Every demo of DEMOS (including ones added later) and every variant gets a complete section."""
    path = tmp_path / "docs" / "demo_results.md"
    run = results.generate(path, quick=True, threads=1, log=None)
    assert list(run) == results.section_keys(demos.DEMOS)
    assert "gradient-flow--no-bn" in run and run["gradient-flow--no-bn"].numbers["batchnorm"] is False
    sections = check_structure(path.read_text(encoding="utf-8"), demos.DEMOS)
    assert all("--quick` (quick size)" in body for body in sections.values())
    assert "`final.plain20.train_error` |" in sections["degradation"]
    check_only_reruns_one_demo(path)


def test_the_docs_file_covers_every_demo_at_lecture_size():
    """docs/demo_results.md, the source of the demo numbers quoted in README.md and the notebooks, has a
    section for every demo (regenerate it with `python -m resnet_np.demos.results` after adding or changing one)."""
    with open(DOCS_FILE, encoding="utf-8") as file:
        text = file.read()
    sections = check_structure(text, demos.DEMOS)
    assert all("` (lecture size, the default)" in body and "--quick" not in body for body in sections.values())


NUMBERS_FILE = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "demo_results.json")
CLAIMS_FILE = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "ko", "claims.md")
MARKER = re.compile(r"<!-- findings: (.*?) -->", re.DOTALL)
ENTRY = re.compile(r"^(?P<section>[\w-]+) (?P<key>[\w.]+)(@(?P<model>\w+))?=(?P<verdict>\w+)$")


def lecture_findings():
    """{section key: [Finding]} computed now from the stored lecture-size numbers (docs/demo_results.json)."""
    store = results.read_store(NUMBERS_FILE)
    return {key: results.demo_findings(record["name"], record["numbers"]) for key, record in store.items()}


def test_the_docs_file_is_rendered_from_the_stored_numbers():
    """docs/demo_results.md's readings are what the current findings and words make of docs/demo_results.json: a
    change of a demo's findings or words without `python -m resnet_np.demos.results --render` fails here."""
    from resnet_np.demos.render import render

    store = results.read_store(NUMBERS_FILE)
    assert set(store) == set(results.section_keys(demos.DEMOS))
    with open(DOCS_FILE, encoding="utf-8") as file:
        sections = results.read_sections(file.read())
    for key, found in lecture_findings().items():
        reading = sections[key].split("```\n", 2)[1]
        assert reading.rstrip("\n") == render(found, "en").rstrip(), key
        for finding in found:
            if finding.verdict != "measured":
                assert f"| `{finding.key}` | {finding.verdict} |" in sections[key], (key, finding.key)


def claims_disagreements(text, found):
    """The findings markers of a claims page that do not match `found` ({section: [Finding]}): a list of entries."""
    wrong = []
    for marker in MARKER.findall(text):
        for entry in (item.strip() for item in marker.replace("\n", " ").split(",")):
            match = ENTRY.match(entry)
            matching = [finding for finding in found.get(match["section"], []) if finding.key == match["key"]
                        and (match["model"] is None or finding.evidence.get("model") == match["model"])] \
                if match else []
            if len(matching) != 1 or matching[0].verdict != match["verdict"]:
                wrong.append(entry)
    return wrong


def test_the_korean_claims_page_agrees_with_the_lecture_size_findings():
    """docs/ko/claims.md marks every verdict that rests on a demo with the findings it rests on and their
    lecture-size verdicts; each must be what the findings of the stored numbers say now."""
    with open(CLAIMS_FILE, encoding="utf-8") as file:
        text = file.read()
    found = lecture_findings()
    assert len(MARKER.findall(text)) >= 15
    assert claims_disagreements(text, found) == []
    # ... and a page that disagrees is caught: a changed verdict, a finding that does not exist, a bad entry
    for wrong in ("degradation degradation.plain_degrades=within_noise", "lesion lesion.no_such_claim=shown",
                  "gradient-flow gradient_flow.explodes@plain110=single_run", "not an entry"):
        assert claims_disagreements(f"{text}\n<!-- findings: {wrong} -->\n", found) == [wrong]
    # the page says the demos speak Korean, and uses the glossary's word for a solver
    assert "아직 영어" not in text and "RESNET_NP_LANG=ko" in text and "풀이 방법" not in text
