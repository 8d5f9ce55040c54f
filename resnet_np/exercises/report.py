"""The result of grading: one CaseReport per case, an ExerciseResult for the exercise, and the report text.

    result = check("relu", relu_forward, relu_backward)
    result.passed          True only when every case passed
    result.status          "passed", "failed" or "not implemented yet"
    result.hints           the codes of the recognised mistakes, e.g. ["relu-dout-in-place"]
    print(result)          the report (check() already showed it: printed, or as HTML in Jupyter)
"""

import html
import textwrap
from typing import NamedTuple

WIDTH = 110
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


def _worst(checks, finite_differences):
    errors = [check.error for check in checks
              if check.error is not None and check.label.endswith("(finite differences)") == finite_differences]
    return max(errors) if errors else None


def _wrap(text, indent, subsequent=None):
    subsequent = indent + "    " if subsequent is None else subsequent
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=subsequent, break_on_hyphens=False,
                         break_long_words=False)


def _case_lines(case):
    head = f"  {LABELS[case.status]:<6}{case.number:>2}  {case.title}"
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
    for check in case.checks:
        if not check.passed:
            lines.append(_wrap(f"WRONG {check.label}: {check.detail}", " " * 12, " " * 18))
    right = list(dict.fromkeys(check.label for check in case.checks if check.passed))
    if right:
        lines.append(_wrap(f"ok    {', '.join(right)}", " " * 12, " " * 18))
    if case.message and case.status != "not implemented":  # the header names what is not implemented yet
        lines.append(_wrap(("-> " if case.checks else "") + case.message, " " * 12, " " * 15))
    lines += [_wrap(note, " " * 12) for note in case.notes]
    return lines


class ExerciseResult:
    """What check() returns: .passed, .status, .cases, .hints, .report (the text); print(result) shows it."""

    def __init__(self, name, title, cases, checked, problem=""):
        self.name, self.title, self.cases, self.checked = name, title, list(cases), checked
        self.problem = problem  # a problem with the call itself (wrong number of functions, ...)
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
        self.report = self._text()

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
        lines.append("")
        for case in self.cases:
            lines += _case_lines(case)
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
