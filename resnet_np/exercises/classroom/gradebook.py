"""What grading a class writes: each student's record, the gradebook, and each student's report.

    OUT/gradebook.csv                 one row per student: verdict, passed/total cases per exercise, score
    OUT/reports/STUDENT.md, .html     the student's report: the grader's text for each exercise, the problems
    OUT/results/STUDENT.json          Gradescope's results.json for the student (gradescope.py)
    OUT/records/STUDENT.json          what was graded, from which files (their hash): a rerun skips them

Scoring (--scoring): "per-case" (default), a point for each case that passes, so the maximum is the number of
cases of all the workbook's exercises; "per-exercise", a point for each exercise whose every case passes. An
exercise not handed in scores 0 and its gradebook cell is empty. Every file is written atomically.
"""

import csv
import html
import io
import json
import re
from pathlib import Path

from ...atomic import atomic_write
from .scores import case_total

SCORINGS = ("per-case", "per-exercise")
TROUBLE = ("time limit", "memory limit", "crashed", "missing")
OUTPUT_LINES = 40  # lines of the student's output shown in the report


def file_name(student):
    """A file name for the student: the name itself (spaces and Hangul kept), minus what a path cannot hold."""
    name = re.sub(r"[\x00-\x1f/\\:*?\"<>|]", "_", student).strip().lstrip(".")
    return name or "_"


def record(student, fingerprint, run, graded_at):
    """The JSON-ready record of one graded student (sandbox.StudentRun -> dict)."""
    exercises = {}
    for (source, name), outcome in run.outcomes.items():
        best = exercises.get(name)
        if best is None or (outcome["passed"], outcome["status"] == "passed") > (best["passed"],
                                                                                 best["status"] == "passed"):
            exercises[name] = dict(outcome, source=source)
    return {"student": student.name, "fingerprint": fingerprint, "files": [file.label for file in student.files],
            "ignored": list(student.ignored), "problems": list(run.problems), "notes": list(run.notes),
            "exercises": exercises, "output": run.output, "output_dropped": run.output_dropped,
            "seconds": round(run.seconds, 2), "startup_seconds": round(run.startup_seconds, 2),
            "workers": run.workers, "graded_at": graded_at}


def verdict(entry):
    """One line for the gradebook: "graded", "not implemented yet", "no submission", or what went wrong."""
    if not entry["files"]:
        return "no submission" + (f" (ignored: {', '.join(entry['ignored'])})" if entry["ignored"] else "")
    troubles = [f"{outcome['status']}: {name}" + (f" ({outcome['message']})" if outcome["status"] == "crashed" else "")
                for name, outcome in entry["exercises"].items() if outcome["status"].startswith(TROUBLE)]
    troubles += entry["problems"]
    if troubles:
        return "; ".join(troubles)
    statuses = {outcome["status"] for outcome in entry["exercises"].values()}
    if not statuses:
        return "nothing to grade"
    return "not implemented yet" if statuses == {"not implemented yet"} else "graded"


def score(entry, names, scoring):
    """(score, max_score) of a record under the scoring."""
    if scoring == "per-exercise":
        passed = sum(outcome["status"] == "passed" for outcome in entry["exercises"].values())
        return passed, len(names)
    return (sum(outcome["passed"] for outcome in entry["exercises"].values()),
            sum(case_total(name) for name in names))


def gradebook_rows(entries, names, scoring):
    rows = [["student", "verdict", *names, "score", "max_score"]]
    for entry in entries:
        if entry is None:
            continue
        cells = [f"{entry['exercises'][name]['passed']}/{entry['exercises'][name]['total']}"
                 if name in entry["exercises"] else "" for name in names]
        rows.append([entry["student"], verdict(entry), *cells, *score(entry, names, scoring)])
    return rows


def write_gradebook(path, rows):
    """gradebook.csv, UTF-8 with a byte-order mark (so that spreadsheets show Hangul), written atomically."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    atomic_write(path, lambda file: file.write(text.getvalue().encode("utf-8-sig")))


def write_json(path, data):
    atomic_write(path, lambda file: file.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")))


def _fence(text):
    """A Markdown code fence longer than any run of backticks in `text` (a student's output cannot close it)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _output_excerpt(entry):
    lines = entry["output"].splitlines()
    shown = "\n".join(lines[:OUTPUT_LINES])
    more = []
    if len(lines) > OUTPUT_LINES:
        more.append(f"{len(lines) - OUTPUT_LINES} more lines not shown")
    if entry["output_dropped"]:
        more.append(f"{entry['output_dropped']} more bytes not kept")
    return shown, (f"({'; '.join(more)})" if more else "")


def report_sections(entry, names, scoring):
    """The report as (title, paragraphs, [(heading, preformatted text)]) for the Markdown and HTML writers."""
    got, most = score(entry, names, scoring)
    title = f"{entry['student']}: {got} of {most} points ({scoring} scoring)"
    lines = [f"Verdict: {verdict(entry)}.",
             f"Graded {entry['graded_at']} in {entry['seconds']:.1f} s. Files: "
             + (", ".join(entry["files"]) or "none") + "."]
    if entry["ignored"]:
        lines.append("Not graded (not a notebook or a .py file, or too large): " + ", ".join(entry["ignored"]) + ".")
    lines += [f"Problem: {problem}" for problem in entry["problems"]]
    lines += [f"Note: {note}" for note in entry["notes"]]
    table = [("exercise", "cases passed", "result", "from")]
    blocks = []
    for name in names:
        outcome = entry["exercises"].get(name)
        if outcome is None:
            table.append((name, f"0/{case_total(name)}", "not handed in", ""))
            continue
        table.append((name, f"{outcome['passed']}/{outcome['total']}", outcome["status"], outcome["source"]))
        text = outcome["report"] or f"Exercise {name}: {outcome['status']}"
        if outcome["message"] and outcome["message"] not in text:
            text += f"\n  {outcome['message']}"
        blocks.append((f"{name} (from {outcome['source']})", text))
    shown, more = _output_excerpt(entry)
    if shown:
        blocks.append(("What the student's code printed" + (f" {more}" if more else ""), shown))
    return title, lines, table, blocks


def markdown_report(entry, names, scoring):
    title, lines, table, blocks = report_sections(entry, names, scoring)
    out = [f"# {title}", ""] + [line + "  " for line in lines] + [""]
    cell = lambda text: str(text).replace("|", "\\|")  # noqa: E731
    out.append("| " + " | ".join(table[0]) + " |")
    out.append("|" + " --- |" * len(table[0]))
    out += ["| " + " | ".join(cell(value) for value in row) + " |" for row in table[1:]]
    for heading, text in blocks:
        fence = _fence(text)
        out += ["", f"## {heading}", "", fence + "text", text, fence]
    return "\n".join(out) + "\n"


def html_report(entry, names, scoring):
    title, lines, table, blocks = report_sections(entry, names, scoring)
    escape = html.escape
    out = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8">', f"<title>{escape(title)}</title>",
           "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{white-space:pre-wrap;"
           "background:#f6f8fa;padding:1em}td,th{padding:.2em .8em;text-align:left}</style></head><body>",
           f"<h1>{escape(title)}</h1>"]
    out += [f"<p>{escape(line)}</p>" for line in lines]
    out.append("<table><tr>" + "".join(f"<th>{escape(value)}</th>" for value in table[0]) + "</tr>")
    out += ["<tr>" + "".join(f"<td>{escape(str(value))}</td>" for value in row) + "</tr>" for row in table[1:]]
    out.append("</table>")
    for heading, text in blocks:
        out += [f"<h2>{escape(heading)}</h2>", f"<pre>{escape(text)}</pre>"]
    return "\n".join(out + ["</body></html>"]) + "\n"


def write_reports(folder, entry, names, scoring):
    base = Path(folder) / file_name(entry["student"])
    markdown, page = markdown_report(entry, names, scoring), html_report(entry, names, scoring)
    atomic_write(str(base) + ".md", lambda file: file.write(markdown.encode("utf-8")))
    atomic_write(str(base) + ".html", lambda file: file.write(page.encode("utf-8")))
