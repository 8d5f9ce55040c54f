"""Running the cases of an exercise, each under a time limit, so that no student code can crash or hang the grader.

Each case runs in a worker thread; the grader waits for it at most `time_limit` seconds (join with a timeout).
No signals are used, so this works the same in a script, in a thread and in Jupyter. Python cannot stop a
thread from outside: a case that runs over its time is reported as "took longer than N s" and the remaining
cases are skipped, but a runaway loop keeps running in the background until it ends (in Jupyter: restart the
kernel if it stays busy; from the command line the process exits and ends it). What a case prints is captured
(capture.py) and shown under it in the report, the first lines only.

forbidden: {code object: "name"} of functions the student's code must not call (the "by hand" variant of an
exercise); a call is seen by a profile hook while the student's function runs (checks.CaseRun.call), and fails
the case's "written by hand" check.
"""

import threading
from typing import Callable, NamedTuple

from .capture import Capture, Output
from .checks import CaseRun, Stop
from .report import CaseReport

DEFAULT_TIME_LIMIT = 10.0  # seconds per case; the model answers need well under 0.5 s


class Case(NamedTuple):
    title: str
    run: Callable  # run(case: CaseRun) -> None


def _run_one(case, functions, time_limit, signatures, capture, forbidden):
    """(status, message, function, CaseRun, timed_out, output) of one case."""
    context = CaseRun(functions, signatures, forbidden)
    outcome, output = {}, Output()

    def target():
        capture.route(threading.get_ident(), output)
        try:
            case.run(context)
            outcome["status"] = "failed" if context.failed else "passed"
        except Stop as stop:
            outcome.update(status=stop.status, message=stop.message, function=stop.function)
        except BaseException as error:  # a grader bug, or a student object that broke a comparison
            outcome.update(status="error", message=f"the grader could not finish this case: "
                                                   f"{type(error).__name__}: {error}")
        finally:
            capture.unroute(threading.get_ident())  # even a case that ran out of time, once it ends

    worker = threading.Thread(target=target, name="resnet_np-exercise-case", daemon=True)
    worker.start()
    worker.join(time_limit)
    output.finish()
    if worker.is_alive():
        message = (f"took longer than {time_limit:g} s, so the grader stopped waiting (an endless loop, or a very "
                   "slow one?). Python cannot stop it: it goes on in the background until it ends (in Jupyter, "
                   "restart the kernel if it stays busy)")
        return "timeout", message, None, context, True, output
    status = outcome["status"]
    called = context.called
    if forbidden:
        if called:
            context.record("written by hand", False, f"by_hand=True: your code calls {', '.join(called)} from the "
                           "library; in this variant every gradient is written out by hand (im2col and col2im may "
                           "be called, no op's backward)")
        else:
            context.record("written by hand", True, "no backward of the library called")
        if status == "passed" and called:
            status = "failed"
    return status, outcome.get("message", ""), outcome.get("function"), context, False, output


def run_cases(cases, functions, time_limit=DEFAULT_TIME_LIMIT, signatures=None, forbidden=None):
    """Run every case; returns a list of CaseReport. After a timeout the remaining cases are skipped."""
    reports = []
    timed_out = False
    with Capture() as capture:
        for number, case in enumerate(cases, start=1):
            if timed_out:
                reports.append(CaseReport(number, case.title, "skipped", [], "an earlier case ran out of time", {},
                                          []))
                continue
            status, message, function, context, timed_out, output = _run_one(case, functions, time_limit,
                                                                             signatures, capture, forbidden)
            capture.keep = capture.keep or timed_out
            checks, hints = list(context.checks), dict(context.hints)
            if status in ("error", "timeout", "not implemented"):
                hints = {}  # the case did not finish: hints from half a case would mislead
            reports.append(CaseReport(number, case.title, status, checks, message, hints, list(context.notes),
                                      function, batch=context.batch, folded=dict(context.folded),
                                      signature=context.signature, output=output,
                                      hint_about={code: context.hint_about.get(code, ()) for code in hints}))
    return reports
