"""The result of grading: one CaseReport per case, an ExerciseResult for the exercise, and the report text.

    result = check("relu", relu_forward, relu_backward)
    result.passed          True only when every case passed
    result.status          "passed", "failed" or "not implemented yet"
    result.hints           the codes of the recognised mistakes, e.g. ["relu-dout-in-place"]
    result.cases           one CaseReport per case: .number, .title, .status, .passed, .checks, .hints, .output
    result.case_results    [(title, passed), ...] in case order; result.cases_passed, result.cases_total
    print(result)          the report (check() already showed it: printed, or as HTML in Jupyter)

Rules of the report (tests/test_exercises_report.py holds each):
- a hint never contradicts an ok line: it names the checks it speaks about, and is dropped if one passed;
- the hints that only localise a mistake (GENERIC: "your forward is what is wrong", "only batch 1 passes", ...)
  appear only when no hint names the mistake itself;
- a failed check that only inherits an earlier error is one line (CaseRun.fold), and a case that fails the same
  way as an earlier one (CaseRun.signature) is one line;
- what the student's code printed is shown under its case, the first OUTPUT_LINES lines of the report only,
  the rest counted.
"""

import html
import textwrap
from typing import NamedTuple

WIDTH = 110
OUTPUT_LINES = 20  # printed lines of the student's code shown in a report, in all
GENERIC = ("forward-is-wrong", "backward-is-wrong", "batch-axis-order", "first-wrong-step")
LABELS = {"passed": "ok", "failed": "FAIL", "error": "ERROR", "timeout": "TIME", "not implemented": "TODO",
          "skipped": "skip"}


class CaseReport(NamedTuple):
    number: int
    title: str  # what the case is: shapes, stride, mode, dtype
    status: str  # "passed", "failed", "error", "timeout", "not implemented" or "skipped"
    checks: list  # of checks.Check
    message: str  # the verdict of a case that stopped early ("" otherwise)
    hints: dict  # code -> text
    notes: list
    function: str = None  # the function a stop was about
    batch: int = None  # N of the case, when it has a batch
    folded: dict = None  # label -> reason: failed checks shown as one line (an earlier step is wrong)
    signature: str = None  # the same signature in two failed cases: the second is reported in one line
    output: object = None  # capture.Output: what the student's code printed during the case
    hint_about: dict = None  # hint code -> the labels of the checks it speaks about

    @property
    def passed(self):
        return self.status == "passed"


def _worst(checks, finite_differences):
    errors = [check.error for check in checks
              if check.error is not None and check.label.endswith("(finite differences)") == finite_differences]
    return max(errors) if errors else None


def _wrap(text, indent, subsequent=None):
    subsequent = indent + "    " if subsequent is None else subsequent
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=subsequent, break_on_hyphens=False,
                         break_long_words=False)


def _output_lines(case, budget):
    """The lines the student's code printed in this case, within the report's budget; (lines, budget left)."""
    output = case.output
    if output is None or output.total == 0:
        return [], budget
    total = output.total
    noun = f"{total} line{'s' if total != 1 else ''}"
    if budget <= 0:
        return [_wrap(f"your code printed {noun} here (not shown: the report shows the first {OUTPUT_LINES})",
                      " " * 12)], budget
    shown = output.lines[:budget]
    head = f"your code printed {noun}" + (f"; the first {len(shown)}:" if len(shown) < total else ":")
    lines = [" " * 12 + head] + [" " * 12 + "| " + line for line in shown]
    if len(shown) < total:
        lines.append(" " * 12 + f"| ... and {total - len(shown)} more")
    return lines, budget - len(shown)


def _case_lines(case, same_as=None):
    head = f"  {LABELS[case.status]:<6}{case.number:>2}  {case.title}"
    if same_as is not None:
        return [_wrap(f"{head}   (wrong the same way as case {same_as}: {case.signature})", "", " " * 12)]
    if case.status == "passed":
        worst, worst_fd = _worst(case.checks, False), _worst(case.checks, True)
        parts = []
        if worst is not None:
            parts.append(f"worst error {worst:.1e}")
        if worst_fd is not None:
            parts.append(f"finite differences {worst_fd:.1e}")
        return [_wrap(head + (f"   ({', '.join(parts)})" if parts else ""), "", " " * 12)]
    if case.status == "skipped":
        return [_wrap(head + "   (not run: " + case.message + ")", "", " " * 12)]
    lines = [_wrap(head, "", " " * 12)]
    folded = case.folded or {}
    suffix = " (finite differences)"
    failed = {check.label for check in case.checks if not check.passed}
    # A gradient already shown wrong against the model answer: its finite-difference check is one line for all.
    echoes = [check for check in case.checks if not check.passed and check.label.endswith(suffix)
              and check.label[:-len(suffix)] in failed and check.label not in folded]
    for check in case.checks:
        if not check.passed and check.label not in folded and check not in echoes:
            lines.append(_wrap(f"WRONG {check.label}: {check.detail}", " " * 12, " " * 18))
    if echoes:
        worst = max((check.error for check in echoes if check.error is not None), default=None)
        size = f" (worst {worst:.1e})" if worst is not None else ""
        names = ", ".join(check.label[:-len(suffix)] for check in echoes)
        of = echoes[0].detail.partition("against central differences of ")[2].partition(" (")[0] or "the forward"
        lines.append(_wrap(f"WRONG {names}{suffix}: wrong against central differences of {of} too{size}",
                           " " * 12, " " * 18))
    for reason in dict.fromkeys(folded.values()):
        labels = list(dict.fromkeys(check.label for check in case.checks
                                    if not check.passed and folded.get(check.label) == reason))
        by_differences = [label for label in labels if label.endswith(suffix) and label[:-len(suffix)] in labels]
        labels = [label for label in labels if label not in by_differences]
        also = " (and their finite differences)" if by_differences else ""
        if labels:
            lines.append(_wrap(f"WRONG {', '.join(labels)}{also}: {reason}", " " * 12, " " * 18))
    right = list(dict.fromkeys(check.label for check in case.checks if check.passed))
    if right:
        lines.append(_wrap(f"ok    {', '.join(right)}", " " * 12, " " * 18))
    if case.message and case.status != "not implemented":  # the header names what is not implemented yet
        lines.append(_wrap(("-> " if case.checks else "") + case.message, " " * 12, " " * 15))
    lines += [_wrap(note, " " * 12) for note in case.notes]
    return lines


class ExerciseResult:
    """What check() returns: .passed, .status, .cases, .hints, .report (the text); print(result) shows it."""

    def __init__(self, name, title, cases, checked, problem="", note=""):
        self.name, self.title, self.cases, self.checked = name, title, list(cases), checked
        self.problem = problem  # a problem with the call itself (wrong number of functions, ...)
        self.note = note  # something check() did about the call (functions given in another order)
        statuses = {case.status for case in self.cases}
        self.passed = not problem and bool(self.cases) and statuses == {"passed"}
        if self.passed:
            self.status = "passed"
        elif not problem and "not implemented" in statuses and statuses <= {"passed", "not implemented",
                                                                            "skipped"}:
            self.status = "not implemented yet"
        else:
            self.status = "failed"
        self.hints = []
        self._hint_texts = {}
        for case in self.cases:
            for code, text in case.hints.items():
                if code not in self._hint_texts:
                    self.hints.append(code)
                    self._hint_texts[code] = (text, [])
                self._hint_texts[code][1].append(case.number)
        batch = _batch_hint(self.cases)
        if batch:
            self.hints.append("batch-axis-order")
            self._hint_texts["batch-axis-order"] = batch
        if any(code not in GENERIC for code in self.hints):  # a hint names the mistake: no need to localise it
            self.hints = [code for code in self.hints if code not in GENERIC]
            for case in self.cases:
                for code in GENERIC:
                    case.hints.pop(code, None)
        self.report = self._text()

    @property
    def case_results(self):
        """[(title, passed)] of every case, in order (for a gradebook)."""
        return [(case.title, case.passed) for case in self.cases]

    @property
    def cases_passed(self):
        return sum(case.passed for case in self.cases)

    @property
    def cases_total(self):
        return len(self.cases)

    @property
    def not_implemented(self):
        """The functions that still raise NotImplementedError."""
        return sorted({case.function for case in self.cases if case.status == "not implemented" and case.function})

    def _header(self):
        counted = sum(case.status == "passed" for case in self.cases)
        if self.problem:
            return f"Exercise {self.name} ({self.title}): FAILED: {self.problem}"
        if self.status == "passed":
            return f"Exercise {self.name} ({self.title}): passed, all {len(self.cases)} cases"
        if self.status == "not implemented yet":
            missing = self.not_implemented
            return (f"Exercise {self.name} ({self.title}): not implemented yet\n  {', '.join(missing)} still "
                    f"raise{'s' if len(missing) == 1 else ''} NotImplementedError: write "
                    f"{'it' if len(missing) == 1 else 'them'}, then grade again")
        return f"Exercise {self.name} ({self.title}): FAILED, {counted} of {len(self.cases)} cases passed"

    def _text(self):
        lines = [self._header()]
        if self.problem:
            return "\n".join(lines)
        if self.note:
            lines.append(_wrap("Note: " + self.note, "  "))
        lines.append("")
        budget, seen = OUTPUT_LINES, {}
        for case in self.cases:
            same_as = seen.get(case.signature) if case.signature and case.status == "failed" else None
            lines += _case_lines(case, same_as)
            if case.signature and case.status == "failed":
                seen.setdefault(case.signature, case.number)
            printed, budget = _output_lines(case, budget)
            lines += printed
        if self.hints:
            lines += ["", "Hints:"]
            for code in self.hints:
                text, numbers = self._hint_texts[code]
                where = "case" + ("s " if len(numbers) > 1 else " ") + ", ".join(map(str, numbers))
                lines.append(_wrap(f"- [{code}] ({where}) {text}", "  "))
        if self.checked:
            lines += ["", _wrap("Checked: " + self.checked, "")]
        return "\n".join(lines)

    def __str__(self):
        return self.report

    def __repr__(self):
        counted = sum(case.status == "passed" for case in self.cases)
        return f"<ExerciseResult {self.name}: {self.status}, {counted}/{len(self.cases)} cases passed>"

    def __bool__(self):
        return self.passed

    def html(self):
        """The report as HTML (what Jupyter shows): the text, with the verdicts coloured."""
        colours = {"ok": "#1a7f37", "FAIL": "#cf222e", "WRONG": "#cf222e", "ERROR": "#cf222e", "TIME": "#bc4c00",
                   "TODO": "#6e7781", "skip": "#6e7781"}
        rows = []
        for line in self.report.splitlines():
            escaped = html.escape(line)
            stripped = escaped.lstrip()
            word = stripped.split(" ", 1)[0] if stripped else ""
            if word in colours:
                start = len(escaped) - len(stripped)
                escaped = (escaped[:start] + f'<b style="color:{colours[word]}">{word}</b>'
                           + stripped[len(word):])
            rows.append(escaped)
        colour = {"passed": "#1a7f37", "failed": "#cf222e"}.get(self.status, "#6e7781")
        rows[0] = f'<b style="color:{colour}">{rows[0]}</b>'
        return '<pre style="white-space:pre-wrap">' + "\n".join(rows) + "</pre>"

    def show(self):
        """Print the report, or display it as HTML inside Jupyter."""
        if _in_jupyter():
            from IPython.display import display

            display(_ReportView(self))
        else:
            print(self.report)


def _batch_hint(cases):
    """(text, case numbers) when every batch-1 case passed and every larger batch failed; else None."""
    ones = [case for case in cases if case.batch == 1]
    larger = [case for case in cases if case.batch is not None and case.batch > 1]
    if not ones or not larger or not all(case.passed for case in ones):
        return None
    if not all(case.status == "failed" for case in larger):
        return None
    numbers = [case.number for case in ones]
    which = f"case{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"
    text = (f"only the batch-1 {which} pass{'' if len(numbers) > 1 else 'es'}: your mistake disappears when N "
            "= 1. Look at how the batch axis and the channel axis are ordered in your reshapes and transposes (a "
            "reshape where a transpose is needed gives the right numbers only when N = 1).")
    return text, numbers


class _ReportView:
    """What Jupyter displays for a report: HTML, with the plain text as the fallback."""

    def __init__(self, result):
        self.result = result

    def _repr_html_(self):
        return self.result.html()

    def __repr__(self):
        return self.result.report


def _in_jupyter():
    import sys

    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")
