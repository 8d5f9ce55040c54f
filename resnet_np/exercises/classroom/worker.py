"""The child process that runs one student's code and grades it (started by sandbox.py, never by hand).

    python -P -m resnet_np.exercises.classroom.worker MANIFEST.json

It imports the grader, then limits itself (address space, CPU time, file size, no core dump) before it runs any
student code, and reports what it does as JSON lines on a pipe of its own (the student's output goes to
stdout, which the sandbox captures): "ready"; "step" before each cell or file it runs (the sandbox restarts a
worker that dies there without that step); "step_error" when the step raised; "start" and "result" around each
exercise it grades; "finished". The sandbox gives each step and each exercise its time limit from the moment
it is announced, and reads what a dead worker was doing from the last line.
"""

import builtins
import functools
import json
import linecache
import os
import resource
import signal
import sys
import time
import traceback
from pathlib import Path

from .. import check, get, names
from .. import functions as exercise_functions
from .scores import case_counts
from .submissions import named_exercises, notebook_steps

CPU_SLACK_SECONDS = 2  # the sandbox's wall clock should stop a step first; the CPU limit is the backstop


class _Events:
    def __init__(self, descriptor):
        self.file = os.fdopen(descriptor, "w", encoding="utf-8", buffering=1)

    def __call__(self, event, **fields):
        self.file.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
        self.file.flush()


def _limit_resources(memory_bytes, file_bytes):
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (OSError), it does not kill


def _cpu_used():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _allow_cpu(seconds):
    """From now on, `seconds` more of CPU time: SIGXCPU past that (the hard limit stays where it is)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    wanted = int(_cpu_used() + seconds + CPU_SLACK_SECONDS) + 1
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (wanted, hard))


def _where(error, filename):
    """' (FILE, line N)' of the student's frame that raised, or of a syntax error."""
    if isinstance(error, SyntaxError) and error.lineno:
        return f" ({error.filename}, line {error.lineno})"
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == filename]
    return f" ({filename}, line {frames[-1].lineno})" if frames else ""


def _describe(error, filename):
    """(kind, message): kind "memory limit" for a MemoryError, else "crashed"."""
    if isinstance(error, MemoryError):
        return "memory limit", f"MemoryError{_where(error, filename)}"
    if isinstance(error, SystemExit):
        return "crashed", f"the code called sys.exit({error.code!r}){_where(error, filename)}"
    if isinstance(error, SyntaxError):
        return "crashed", f"{type(error).__name__}: {error.msg}{_where(error, filename)}"
    return "crashed", f"{type(error).__name__}: {error}{_where(error, filename)}"


def _run_step(code, filename, namespace):
    """Run one cell or file in `namespace`; returns None, or (kind, message) when it raised or exited."""
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)  # tracebacks show the line
    try:
        exec(compile(code, filename, "exec"), namespace)  # noqa: S102 -- running the student's code is the point
    except BaseException as error:  # including SystemExit and KeyboardInterrupt raised by the code
        return _describe(error, filename)
    return None


class _MemoryWatch:
    """Wraps the student's functions to notice a MemoryError (the grader reports it as an error of the case)."""

    def __init__(self):
        self.hit = False

    def wrap(self, function):
        @functools.wraps(function)
        def watched(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except MemoryError:
                self.hit = True
                raise

        return watched


def _grade(name, source, namespace, events, time_limit):
    wanted = exercise_functions(name)
    found = [namespace.get(function) for function in wanted]
    missing = [function for function, value in zip(wanted, found, strict=True) if not callable(value)]
    events("start", source=source, exercise=name)
    if missing:
        events("result", source=source, exercise=name, status="missing",
               message=f"{source} defines no {', '.join(missing)}", passed=0, total=None, report="")
        return
    watch = _MemoryWatch()
    _allow_cpu(time_limit)
    started = time.perf_counter()
    result = check(name, *(watch.wrap(function) for function in found), time_limit=time_limit + 5, verbose=False)
    passed, total = case_counts(result)
    status = "memory limit" if watch.hit else getattr(result, "status", "passed" if result.passed else "failed")
    events("result", source=source, exercise=name, status=status, passed=passed, total=total,
           report=result.report, seconds=round(time.perf_counter() - started, 3),
           message="MemoryError in the student's function" if watch.hit else "")


def _defined_here(namespace, name, filename):
    return all(getattr(getattr(namespace.get(function), "__code__", None), "co_filename", None) == filename
               for function in exercise_functions(name))


def _grade_source(label, path, manifest, events, functions, notebooks):
    """Run and grade one file of the student's: a notebook cell by cell, a .py file as a whole."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    namespace = {"__name__": "__exercise__", "__builtins__": builtins, "__file__": str(path)}
    skip = {tuple(item) for item in manifest["skip"]}
    done = {tuple(item) for item in manifest["done"]}
    events("step", source=label, cell=-1, exercises=[])  # reading and parsing the file
    if not label.lower().endswith(".ipynb"):
        if (label, 0) not in skip:  # else it stopped a worker before, and the sandbox has its verdict
            _grade_python_file(label, text, namespace, done, manifest["time_limit"], events, functions, notebooks)
        return
    steps, problem = notebook_steps(text, label, functions, notebooks)
    if problem or not any(step.exercises for step in steps):
        events("problem", source=label, message=problem or f"{label} has no TODO cell and no exercise's functions")
        return
    events("steps", source=label, exercises=[name for step in steps for name in step.grade_after])
    failed = set()
    for step in steps:
        if (label, step.cell) not in skip:
            events("step", source=label, cell=step.cell, exercises=list(step.exercises))
            _allow_cpu(manifest["time_limit"])
            failure = _run_step(step.code, f"{label}, cell {step.cell}", namespace)
            if failure:
                failed.update(step.exercises)
                events("step_error", source=label, cell=step.cell, exercises=list(step.exercises),
                       kind=failure[0], message=failure[1])
        for name in step.grade_after:
            if (label, name) not in done and name not in failed:
                _grade(name, label, namespace, events, manifest["time_limit"])


def _grade_python_file(label, text, namespace, done, time_limit, events, functions, notebooks):
    named = named_exercises(text, label, functions, notebooks)
    events("step", source=label, cell=0, exercises=list(named))
    _allow_cpu(time_limit)
    failure = _run_step(text, label, namespace)
    if failure:
        events("step_error", source=label, cell=0, exercises=list(named), kind=failure[0], message=failure[1])
        if not named:
            events("problem", source=label, message=f"{failure[0]}: {failure[1]}")
        return
    graded = named or tuple(name for name in names() if _defined_here(namespace, name, label))
    if not graded:
        events("problem", source=label, message=f"{label} defines none of the exercises' functions")
    for name in graded:
        if (label, name) not in done:
            _grade(name, label, namespace, events, time_limit)


def _die_with_the_grader(grader_pid):
    """Linux: the kernel kills this worker when the grader dies (even by SIGKILL), so none is left running."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != grader_pid:  # the grader died before the line above
        os._exit(1)


def _import_what_the_notebooks_import():
    """matplotlib's pyplot (a second or more on a busy machine): imported before the clock of the first cell runs."""
    try:
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        pass


def main(argv):
    manifest = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    _die_with_the_grader(manifest["grader_pid"])
    events = _Events(manifest["event_fd"])
    _import_what_the_notebooks_import()
    functions = {name: exercise_functions(name) for name in names()}
    notebooks = {name: get(name).notebook for name in names()}
    _limit_resources(manifest["memory_bytes"], manifest["file_bytes"])
    hard_cpu = int(_cpu_used() + manifest["cpu_budget"]) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (hard_cpu, hard_cpu))
    sys.path.append(os.getcwd())  # the student's own modules, after the grader's and the libraries'
    events("ready")
    for label, path in manifest["sources"]:
        if label not in manifest["skip_sources"]:
            _grade_source(label, path, manifest, events, functions, notebooks)
    events("finished")
    sys.stdout.flush()
    os._exit(0)  # do not run the student's atexit handlers or wait for threads it left running


if __name__ == "__main__":
    main(sys.argv)
