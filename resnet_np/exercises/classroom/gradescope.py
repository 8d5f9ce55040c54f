"""Gradescope's autograder contract: results.json, one per student.

    {"score": 42, "max_score": 60, "execution_time": 3.1, "output": "Verdict: graded. ...",
     "tests": [{"name": "im2col: im2col and col2im", "number": "1", "score": 5, "max_score": 5,
                "status": "passed", "output": "<the report check() prints>"}, ...]}

One test per exercise of the workbook. Under per-case scoring a test's max_score is the exercise's number of
cases and its score the cases that passed; under per-exercise scoring, 1 and 1 or 0. An exercise not handed in
is a test with score 0 that says so. Run as Gradescope's autograder (`exercise grade --gradescope`), the
submission folder is one student's, and the file is /autograder/results/results.json.
"""

from .. import get
from .gradebook import report_sections, score, verdict
from .scores import case_total

FIELDS = {"score": (int, float), "max_score": (int, float), "output": str, "tests": list}
TEST_FIELDS = {"name": str, "score": (int, float), "max_score": (int, float), "output": str}


def results(entry, names, scoring):
    """The results.json of one student's record, as a dict."""
    tests = []
    for number, name in enumerate(names, start=1):
        outcome = entry["exercises"].get(name)
        total = case_total(name)
        if outcome is None:
            points, most, status, text = 0, total, "failed", f"Exercise {name}: not handed in."
        else:
            text = outcome["report"] or f"Exercise {name}: {outcome['status']}"
            if outcome["message"] and outcome["message"] not in text:
                text += f"\n  {outcome['message']}"
            points, most, status = outcome["passed"], outcome["total"], outcome["status"]
            status = "passed" if status == "passed" else "failed"
        if scoring == "per-exercise":
            points, most = int(status == "passed" and outcome is not None), 1
        tests.append({"name": f"{name}: {get(name).title}", "number": str(number), "score": points,
                      "max_score": most, "status": status, "output": text})
    got, most = score(entry, names, scoring)
    _, lines, _, _ = report_sections(entry, names, scoring)
    return {"score": got, "max_score": most, "execution_time": entry["seconds"], "output": "\n".join(lines),
            "tests": tests, "extra_data": {"verdict": verdict(entry), "scoring": scoring}}


def problems(data):
    """What in a results.json dict does not have Gradescope's fields and types ([] when it is valid)."""
    found = [f"{key}: expected {kinds}" for key, kinds in FIELDS.items() if not isinstance(data.get(key), kinds)]
    for index, test in enumerate(data.get("tests") or []):
        found += [f"tests[{index}].{key}: expected {kinds}" for key, kinds in TEST_FIELDS.items()
                  if not isinstance(test.get(key), kinds)]
        if isinstance(test.get("score"), (int, float)) and isinstance(test.get("max_score"), (int, float)) \
                and not 0 <= test["score"] <= test["max_score"]:
            found.append(f"tests[{index}]: score {test['score']} outside 0..{test['max_score']}")
    if not found and abs(sum(test["score"] for test in data["tests"]) - data["score"]) > 1e-9:
        found.append("score is not the sum of the tests' scores")
    return found
