"""Grade a whole class: every student in a sandbox, several at once, resumable, with a progress line.

    summary = grade_class("submissions/", "grades/", jobs=2, limits=Limits(time=60, memory_mb=2048))

A rerun grades only the students not graded yet and those whose files changed (their hash differs from the
one in OUT/records/); `regrade=True` grades everyone again. Ctrl-C stops the students being graded (their
workers are killed), keeps every student graded so far, and rewrites the gradebook; the run then raises
KeyboardInterrupt. The gradebook is rewritten (atomically) after each student, so it is never half-written and
a kill at any instant leaves the gradebook of the students graded until then.
"""

import concurrent.futures
import json
import os
import shutil
import sys
import threading
import time
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from ... import atomic
from ...errors import UserError
from .. import names as exercise_names
from . import gradebook, gradescope
from .sandbox import Limits, run_student
from .submissions import Student, collect, fingerprint, one_student

NOT_GRADED = "not graded yet (the run was stopped: run the same command again to go on)"


class Summary(NamedTuple):
    students: int
    graded: int  # graded in this run
    reused: int  # graded before, files unchanged
    seconds: float
    rows: list  # the gradebook, header first
    times: dict  # student -> seconds of its grading (this run or the one that graded it)
    startup: dict  # student -> of those seconds, the time its workers took to start (importing the grader)
    caught: dict  # "time limit" / "memory limit" / "crashed" -> ["student (exercise or problem)", ...]


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _file_names(students):
    """student name -> a file name of its own (two names that differ only in characters a path cannot hold
    get a suffix)."""
    taken, chosen = set(), {}
    for student in students:
        base = name = gradebook.file_name(student.name)
        number = 1
        while name.lower() in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name.lower())
        chosen[student.name] = name
    return chosen


def _read_record(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _caught(entries):
    caught = {}
    for entry in entries:
        if entry is None:
            continue
        for name, outcome in entry["exercises"].items():
            for kind in ("time limit", "memory limit", "crashed"):
                if outcome["status"].startswith(kind):
                    caught.setdefault(kind, []).append(f"{entry['student']} ({name})")
        for problem in entry["problems"]:
            for kind in ("time limit", "memory limit", "crashed"):
                if problem.startswith(kind):
                    caught.setdefault(kind, []).append(f"{entry['student']} ({problem})")
    return caught


class _Progress:
    """One line, rewritten in place on a terminal (a line per student otherwise)."""

    def __init__(self, total, stream):
        self.total, self.stream, self.started = total, stream, time.monotonic()
        self.terminal = hasattr(stream, "isatty") and stream.isatty()

    def show(self, done, running, last=""):
        width = 24
        filled = width * done // max(self.total, 1)
        elapsed = int(time.monotonic() - self.started)
        line = (f"grading [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} students, {running} running, "
                f"{elapsed // 60}:{elapsed % 60:02d} elapsed" + (f"   {last}" if last else ""))
        if self.terminal:
            width = shutil.get_terminal_size().columns - 1
            self.stream.write("\r" + line[:width].ljust(width))
        elif last:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self):
        if self.terminal:
            self.stream.write("\n")
            self.stream.flush()


def _require_posix():
    if not all(hasattr(os, name) for name in ("killpg", "waitid", "wait4")):
        raise UserError("exercise grade runs students' code in POSIX process groups with resource limits: run it on "
                        "Linux (or in a Linux container)")


def grade_class(submissions, out, *, jobs=1, limits=None, scoring="per-case", regrade=False,
                progress=sys.stderr):
    """Grade every student of `submissions` into the folder `out` -> Summary (see the module's docstring).

    limits: a sandbox.Limits (default Limits(): 60 s, 2048 MB); scoring: "per-case" or "per-exercise".
    """
    limits = limits or Limits()
    _require_posix()
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise UserError(f"no such folder: {submissions}")
    if out.resolve().is_relative_to(submissions.resolve()):
        raise UserError(f"the output folder {out} is inside the submissions {submissions}: choose another")
    if scoring not in gradebook.SCORINGS:
        raise UserError(f"--scoring must be one of {', '.join(gradebook.SCORINGS)}, got {scoring!r}")
    students = collect(submissions)
    names = exercise_names()
    folders = {kind: out / kind for kind in ("records", "reports", "results")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
        atomic.remove_temporary_files(folder)
    atomic.remove_temporary_files(out)
    file_names = _file_names(students)
    entries, queue = {}, []
    for student in students:
        hashed = fingerprint(student)
        entry = _read_record(folders["records"] / f"{file_names[student.name]}.json")
        if not regrade and entry and entry.get("fingerprint") == hashed and entry.get("student") == student.name:
            entries[student.name] = entry
        else:
            queue.append((student, hashed))
    reused = len(entries)
    started = time.monotonic()

    def gradebook_now():
        rows = gradebook.gradebook_rows([entries.get(student.name) for student in students], names, scoring)
        missing = [student.name for student in students if student.name not in entries]
        rows += [[name, NOT_GRADED, *[""] * len(names), "", ""] for name in missing]
        gradebook.write_gradebook(out / "gradebook.csv", rows)
        return rows

    def save(student, hashed, run):
        entry = gradebook.record(student, hashed, run, _now())
        base = file_names[student.name]
        gradebook.write_reports(folders["reports"], entry, names, scoring)
        gradebook.write_json(folders["results"] / f"{base}.json", gradescope.results(entry, names, scoring))
        gradebook.write_json(folders["records"] / f"{base}.json", entry)  # last: the record means "all written"
        entries[student.name] = entry
        return entry

    for entry in entries.values():  # the scoring may have changed since: rewrite what it decides
        student_name = entry["student"]
        gradebook.write_reports(folders["reports"], entry, names, scoring)
        gradebook.write_json(folders["results"] / f"{file_names[student_name]}.json",
                             gradescope.results(entry, names, scoring))
    rows = gradebook_now()
    stop = threading.Event()
    bar = _Progress(len(students), progress)
    bar.show(reused, 0, f"{reused} graded before, files unchanged" if reused else "")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    futures = {pool.submit(run_student, student, limits, stop): (student, hashed) for student, hashed in queue}
    pending = set(futures)
    try:
        while pending:
            done, pending = concurrent.futures.wait(pending, timeout=0.5,
                                                    return_when=concurrent.futures.FIRST_COMPLETED)
            last = ""
            for future in done:
                student, hashed = futures[future]
                run = future.result()
                if not run.interrupted:
                    entry = save(student, hashed, run)
                    last = f"{student.name}: {gradebook.verdict(entry)} ({run.seconds:.1f} s)"
            if done:
                rows = gradebook_now()
            bar.show(len(entries), min(jobs, len(pending)), last)
    except KeyboardInterrupt:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        for future in futures:
            if future.done() and not future.cancelled() and future.exception() is None:
                run = future.result()
                if not run.interrupted and futures[future][0].name not in entries:
                    save(*futures[future], run)
        gradebook_now()
        bar.close()
        progress.write(f"stopped: {len(entries)} of {len(students)} students graded, kept in {out}; "
                       "run the same command again to grade the rest\n")
        raise
    pool.shutdown(wait=True)
    bar.close()
    graded = [student.name for student in students if student.name in entries]
    return Summary(len(students), len(queue), reused, time.monotonic() - started, rows,
                   {name: entries[name]["seconds"] for name in graded},
                   {name: entries[name].get("startup_seconds", 0.0) for name in graded}, _caught(entries.values()))


def grade_gradescope(submission, results, *, limits=None, scoring="per-case"):
    """Gradescope's autograder: grade the one student in `submission`, write `results`/results.json -> its dict."""
    limits = limits or Limits()
    _require_posix()
    submission, results = Path(submission), Path(results)
    if not submission.is_dir():
        raise UserError(f"no such folder: {submission} (Gradescope puts the submission in /autograder/submission)")
    results.mkdir(parents=True, exist_ok=True)
    student = one_student(submission, "submission")
    run = run_student(student, limits)
    entry = gradebook.record(student, fingerprint(student), run, _now())
    data = gradescope.results(entry, exercise_names(), scoring)
    gradebook.write_json(results / "results.json", data)
    return data


__all__ = ["Limits", "Student", "Summary", "grade_class", "grade_gradescope"]


def _width(text):
    """Columns a terminal gives the text: two for each wide character (Hangul, CJK)."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def describe(summary, out, jobs=1):
    """What `exercise grade` prints at the end: the gradebook, the times, what the limits caught."""
    header, *rows = summary.rows
    short = ["student", "verdict", *[name[:10] for name in header[2:-2]], "score", "max"]
    table = [short] + [[str(cell) for cell in row] for row in rows]
    table = [[row[0][:24], row[1][:48], *row[2:]] for row in table]
    widths = [max(_width(row[column]) for row in table) for column in range(len(short))]
    lines = ["  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in table]
    lines.append("")
    per_student = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in summary.times.items())
    graded = f"{summary.graded} graded in this run" + (f", {summary.reused} graded before (files unchanged)"
                                                         if summary.reused else "")
    lines.append(f"{summary.students} students ({graded}) in {summary.seconds:.1f} s with {jobs} job"
                 f"{'s' if jobs > 1 else ''}. Time per student: {per_student}.")
    started = [seconds for seconds in summary.startup.values() if seconds > 0]
    if started:
        average = sum(started) / len(started)
        lines.append(f"Of a student's time, starting the grading process (importing the grader) took {average:.1f} s "
                     "on average.")
    stopped = [f"Stopped by the {kind}: {', '.join(summary.caught[kind])}." for kind in ("time limit", "memory limit")
               if kind in summary.caught]
    lines += stopped or ["The limits stopped nothing."]
    if "crashed" in summary.caught:
        lines.append(f"Crashed (and the grading went on): {', '.join(summary.caught['crashed'])}.")
    lines.append(f"Written to {out}: gradebook.csv, reports/STUDENT.md and .html, results/STUDENT.json.")
    return "\n".join(lines)
