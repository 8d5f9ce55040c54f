"""What a student's functions print while a case runs: captured per case, so a debug print cannot flood the report.

While cases run, sys.stdout and sys.stderr are a router: what a case's worker thread writes goes to that case's
Output (the first SHOWN lines kept, the rest only counted, so 1.3 million lines cost no memory); every other
thread writes through to the original stream. A case that runs out of time keeps running in the background: the
router then stays in place, so that its prints are still swallowed instead of flooding the terminal.
"""

import sys
import threading

SHOWN = 20  # lines of a case's output kept for the report
LINE_LENGTH = 200  # characters kept of each line


class Output:
    """The first SHOWN lines a case printed, and how many lines it printed in all."""

    def __init__(self):
        self.lines = []
        self.count = 0  # complete lines, plus an unfinished last one
        self._partial = ""

    def write(self, text):
        text = str(text)
        if not text:
            return 0
        pieces = (self._partial + text).split("\n")
        self._partial = pieces.pop()
        for line in pieces:
            self.count += 1
            if len(self.lines) < SHOWN:
                self.lines.append(line[:LINE_LENGTH] + (" ..." if len(line) > LINE_LENGTH else ""))
        if len(self._partial) > 10 * LINE_LENGTH:  # an endless line without a newline: keep the start only
            self._partial = self._partial[: LINE_LENGTH + 4]
        return len(text)

    def finish(self):
        if self._partial:
            self.write("\n")

    @property
    def total(self):
        return self.count + (1 if self._partial else 0)


class _Router:
    def __init__(self, original):
        self.original = original
        self.targets = {}  # thread ident -> Output

    def write(self, text):
        target = self.targets.get(threading.get_ident())
        return target.write(text) if target is not None else self.original.write(text)

    def flush(self):
        if threading.get_ident() not in self.targets:
            self.original.flush()

    def __getattr__(self, name):  # encoding, isatty, fileno, ...: those of the original stream
        return getattr(self.original, name)


class Capture:
    """with Capture() as capture: ... capture.route(thread_ident, output) sends that thread's prints to output."""

    def __enter__(self):
        self.stdout, self.stderr = _Router(sys.stdout), _Router(sys.stderr)
        sys.stdout, sys.stderr = self.stdout, self.stderr
        self.keep = False
        return self

    def route(self, ident, output):
        self.stdout.targets[ident] = self.stderr.targets[ident] = output

    def unroute(self, ident):
        self.stdout.targets.pop(ident, None)
        self.stderr.targets.pop(ident, None)

    def __exit__(self, *exc):
        if not self.keep:  # a runaway case still running: leave the router, so it keeps swallowing its prints
            if sys.stdout is self.stdout:
                sys.stdout = self.stdout.original
            if sys.stderr is self.stderr:
                sys.stderr = self.stderr.original
        return False
