"""Run one student's code in a child process with limits, and read what it did.

The child (worker.py) runs in a fresh temporary folder holding only copies of this student's files, with
standard input closed, a small environment (of the lecturer's variables only PATH, the locale and resnet_np's;
one BLAS thread), in a process group of its own. It limits itself before it runs student code: address space
(RLIMIT_AS), CPU seconds (RLIMIT_CPU), the size of any file it writes (RLIMIT_FSIZE), no core dumps. This side
gives each step (a cell, a file) and each exercise a wall-clock limit from the moment the worker announces it,
kills the whole process group when it runs over, captures the output (the first OUTPUT_LIMIT bytes; the rest is
counted), and kills the group again when the worker ends, so nothing the student started is left running (a
process that leaves the group with setsid() escapes this: see README's trust model). When the worker dies, the
step or exercise it was in gets the verdict ("time limit", "memory limit", "crashed: ..."), and a new worker
goes on with the rest, skipping that step.
"""

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

from .scores import case_total

OUTPUT_LIMIT = 64 * 1024  # bytes of the student's output kept for the report
STARTUP_SECONDS = 60.0  # for the worker to import the grader (seconds on a busy machine), before any student code
MAX_WORKERS_PER_STUDENT = 40  # restarts after a dead worker; each one skips what killed the previous one
EVENT_LINE_LIMIT = 8 * 2**20
PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "NUMBA_DISABLE_JIT", "RESNET_NP_BACKEND")  # nothing else of the user's


class Limits(NamedTuple):
    time: float = 60.0  # seconds of wall clock (and of CPU) for each step and each exercise
    memory_mb: int = 2048  # address space of the whole worker, the grader's own ~0.5 GB included
    file_mb: int = 64  # the largest file the student's code may write


class StudentRun(NamedTuple):
    outcomes: dict  # (source, exercise) -> {status, passed, total, report, message, seconds}
    problems: list  # one line each: what could not be graded at all, and why
    notes: list  # cells that raised outside a TODO cell, restarts
    output: str  # the first OUTPUT_LIMIT bytes of the student's output
    output_dropped: int  # bytes not kept
    seconds: float
    interrupted: bool
    workers: int = 0  # worker processes started (one more after each death)
    startup_seconds: float = 0.0  # of `seconds`, spent starting workers (importing the grader), before any student code


class _Output:
    def __init__(self):
        self.kept, self.dropped = bytearray(), 0

    def add(self, data):
        room = OUTPUT_LIMIT - len(self.kept)
        self.kept += data[:max(room, 0)]
        self.dropped += max(len(data) - max(room, 0), 0)


def _project_root():
    import resnet_np

    return str(Path(resnet_np.__file__).resolve().parent.parent)


def _environment(root, work):
    environment = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    environment.update({
        "HOME": str(work), "TMPDIR": str(root / "tmp"), "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [_project_root(), os.environ.get("PYTHONPATH")])),
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(root / "matplotlib"), "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1",
    })
    environment.setdefault("PATH", "/usr/bin:/bin")
    return environment


def _copy_in(student, work):
    """Copy the student's graded files into `work` -> [(label, file name in work)]."""
    sources, taken = [], set()
    for file in student.files:
        name = Path(file.label).name
        stem, suffix, number = Path(name).stem, Path(name).suffix, 1
        while name.lower() in taken:  # two files of one name in different sub-folders
            number += 1
            name = f"{stem}_{number}{suffix}"
        taken.add(name.lower())
        shutil.copyfile(file.path, work / name)
        sources.append((file.label, name))
    return sources


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _verdict(timed_out, status, rusage, limits, cpu_budget):
    """(verdict, detail) of a worker that died: "time limit", "memory limit" or "crashed", and why."""
    if timed_out:
        return "time limit", f"over {limits.time:g} s"
    cpu = rusage.ru_utime + rusage.ru_stime
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number == signal.SIGXCPU or (number == signal.SIGKILL and cpu >= cpu_budget - 1):
            return "time limit", f"over {limits.time:g} s of CPU"
        if rusage.ru_maxrss * 1024 >= 0.8 * limits.memory_mb * 2**20:
            return "memory limit", f"over {limits.memory_mb} MB"
        return "crashed", f"the process was killed by {_signal_name(number)}"
    return "crashed", f"the code ended the process (exit status {os.waitstatus_to_exitcode(status)}, os._exit?)"


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _run_worker(root, work, manifest, limits, stop, output):
    """Start one worker and follow it to its end -> (events, timed_out, status, rusage, interrupted, startup)."""
    read_end, write_end = os.pipe()
    manifest = dict(manifest, event_fd=write_end, grader_pid=os.getpid())
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    command = [sys.executable, "-P", "-m", "resnet_np.exercises.classroom.worker", str(root / "manifest.json")]
    try:
        process = subprocess.Popen(command, cwd=work, env=_environment(root, work), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(write_end,),
                                   start_new_session=True)
    finally:
        os.close(write_end)
    events, pending = [], bytearray()
    selector = selectors.DefaultSelector()
    selector.register(process.stdout.fileno(), selectors.EVENT_READ, "output")
    selector.register(read_end, selectors.EVENT_READ, "events")
    spawned = time.monotonic()
    deadline = spawned + STARTUP_SECONDS
    timed_out = interrupted = False
    startup = None

    def read(ready):
        nonlocal pending
        for key, _ in ready:
            data = os.read(key.fd, 65536)
            if not data:
                selector.unregister(key.fd)
            elif key.data == "output":
                output.add(data)
            else:
                pending += data
                *lines, rest = bytes(pending).split(b"\n")
                pending = bytearray(rest if len(rest) < EVENT_LINE_LIMIT else b"")
                for line in lines:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(event, dict):
                        events.append(event)
        return bool(ready)

    try:
        while True:
            if stop.is_set():
                interrupted = True
                break
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                break
            count = len(events)
            if selector.get_map():
                read(selector.select(min(0.2, deadline - now)))
            else:
                time.sleep(min(0.05, deadline - now))
            if len(events) > count:
                deadline = time.monotonic() + limits.time
                if startup is None and any(event.get("event") == "ready" for event in events):
                    startup = time.monotonic() - spawned
            if os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                break
        _kill_group(process.pid)  # the worker, if it runs on, and whatever it started
        _, status, rusage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        end = time.monotonic() + 0.5  # what is still in the pipes (unless an escaped process holds them open)
        while selector.get_map() and time.monotonic() < end:
            if not read(selector.select(0.05)):
                break
    finally:
        selector.close()
        os.close(read_end)
        process.stdout.close()
    return events, timed_out, status, rusage, interrupted, startup or 0.0


def run_student(student, limits=None, stop=None):
    """Grade one student's files in worker processes (limits: a Limits, default Limits()) -> StudentRun."""
    limits = limits or Limits()
    stop = stop or threading.Event()
    started = time.monotonic()
    outcomes, problems, notes, output = {}, [], [], _Output()
    root = Path(tempfile.mkdtemp(prefix="resnet_np-grade-"))
    interrupted = False
    workers, startup_seconds = 0, 0.0
    try:
        work = root / "work"
        for folder in (work, root / "tmp", root / "matplotlib"):
            folder.mkdir()
        sources = _copy_in(student, work)
        if not sources:
            return StudentRun({}, [], [], "", 0, 0.0, False)
        cpu_budget = limits.time * 200
        manifest = {"sources": sources, "skip": [], "done": [], "skip_sources": [], "time_limit": limits.time,
                    "memory_bytes": limits.memory_mb * 2**20, "file_bytes": limits.file_mb * 2**20,
                    "cpu_budget": cpu_budget}
        for _ in range(MAX_WORKERS_PER_STUDENT):
            events, timed_out, status, rusage, interrupted, startup = _run_worker(root, work, manifest, limits, stop,
                                                                                 output)
            workers += 1
            startup_seconds += startup
            _read_events(events, outcomes, problems, notes, manifest)
            if interrupted or any(event["event"] == "finished" for event in events):
                break
            verdict = _verdict(timed_out, status, rusage, limits, cpu_budget)
            if not _blame(events, verdict, outcomes, problems, manifest):
                problems.append(f"{verdict[0]}: {verdict[1]} (before any of the student's code ran)")
                break
            if not _anything_left(events, sources, outcomes, manifest):
                break
        else:
            problems.append(f"gave up after {MAX_WORKERS_PER_STUDENT} workers died")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return StudentRun(outcomes, problems, notes, output.kept.decode("utf-8", "replace"), output.dropped,
                      time.monotonic() - started, interrupted, workers, startup_seconds)


def _read_events(events, outcomes, problems, notes, manifest):
    for event in events:
        kind, source = event.get("event"), event.get("source")
        if kind == "result":
            total = event.get("total") or case_total(event["exercise"])
            outcomes[source, event["exercise"]] = {
                "status": event["status"], "passed": event.get("passed") or 0, "total": total,
                "report": event.get("report", ""), "message": event.get("message", ""),
                "seconds": event.get("seconds")}
            manifest["done"].append([source, event["exercise"]])
        elif kind == "step_error":
            message = f"{event['kind']}: {event['message']}"
            for name in event.get("exercises", []):
                _set_verdict(outcomes, source, name, event["kind"], event["message"])
            if not event.get("exercises"):
                notes.append(f"{source}, cell {event['cell']} raised {event['message']}" if event["cell"]
                             else message)
        elif kind == "problem":
            problems.append(event["message"])


def _set_verdict(outcomes, source, name, verdict, message=""):
    outcomes[source, name] = {"status": verdict, "passed": 0, "total": case_total(name), "report": "",
                              "message": message, "seconds": None}


def _blame(events, verdict, outcomes, problems, manifest):
    """Give the verdict to what the dead worker was doing; False when it had not started on student code."""
    last = next((event for event in reversed(events) if event.get("event") in ("step", "start", "ready")), None)
    if last is None or last["event"] == "ready":
        return False
    kind, detail = verdict

    def why(doing):
        return f"{doing} ({detail})" if kind != "crashed" else f"{detail}, {doing}"

    source = last["source"]
    if last["event"] == "start":
        _set_verdict(outcomes, source, last["exercise"], kind, why("while grading it"))
        manifest["done"].append([source, last["exercise"]])
        return True
    cell = last["cell"]
    if cell == -1:
        problems.append(f"{kind}: {why(f'while reading {source}')}")
        manifest["skip_sources"].append(source)
        return True
    where = source if cell == 0 else f"{source}, cell {cell}"
    for name in last.get("exercises", []):
        _set_verdict(outcomes, source, name, kind, why(f"while running {where}"))
        manifest["done"].append([source, name])
    if not last.get("exercises"):
        problems.append(f"{kind}: {why(f'while running {where}')}")
    manifest["skip"].append([source, cell])
    return True


def _anything_left(events, sources, outcomes, manifest):
    """Whether a new worker would have anything to grade: a later file, or an exercise of this notebook that has
    no verdict yet (the worker lists a notebook's exercises once it has read it)."""
    last = next(event for event in reversed(events) if event.get("event") in ("step", "start"))
    labels = [label for label, _ in sources]
    later = labels[labels.index(last["source"]) + 1:]
    if any(label not in manifest["skip_sources"] for label in later):
        return True
    listed = next((event["exercises"] for event in events
                   if event.get("event") == "steps" and event.get("source") == last["source"]), [])
    return any((last["source"], name) not in outcomes for name in listed)
