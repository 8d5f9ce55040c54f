"""The command line: `python -m resnet_np <command>` (also installed as `resnet-np`).

Each sub-command lives in resnet_np/commands/<name>.py with two functions:
    configure(parser)  adds its arguments
    run(args) -> int   does the work and returns the exit code
Only the named command's module is imported and configured (the package, resnet_np/__init__.py, always is).
A UserError (a wrong flag value, a missing folder, a foreign file, a full disk) prints one line and exits with
status 2. SIGTERM stops a command as Ctrl-C does (exit status 143; 130 for Ctrl-C); output cut short by its
reader (`... | head`) ends quietly.
"""

import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading

from .errors import Terminated, UserError
from .runtime import keep_freed_memory
from .version import __version__

COMMANDS = {
    "train": "train a model (default: resnet20 on the built-in digits) and print the results table",
    "evaluate": "evaluate a saved checkpoint or model file on its dataset",
    "summary": "print a model's layers, output shapes, parameters and multiply-adds",
    "gradcheck": "check every op's backward against finite differences and print the table",
    "demo": "run a lecture demo (figures + numbers); `demo --list` describes them",
    "bench": "benchmark training and convolution side by side with PyTorch (if installed)",
    "exercise": ("the workbook's exercises: `exercise list`, `template NAME`, `check NAME FILE.py`, `solution NAME`; "
                 "for lecturers `release OUT`, `grade SUBMISSIONS`"),
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a wrong flag is one line (and exit status 2), not a usage dump."""

    def error(self, message):
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def _command_module(name):
    return importlib.import_module(f"resnet_np.commands.{name.replace('-', '_')}")


def build_parser(command=None):
    """The full parser; with `command`, only that sub-command's arguments are imported and added."""
    parser = _Parser(
        prog="resnet_np", description="ResNet from scratch in NumPy: train, inspect, check and demo.")
    parser.add_argument("--version", action="version", version=f"resnet_np {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text in COMMANDS.items():
        subparser = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == command:
            _command_module(name).configure(subparser)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((word for word in argv if word in COMMANDS), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    keep_freed_memory()  # faster steps: freed arrays are reused instead of page-faulted back (see that function)
    with _sigterm_as_exception():
        try:
            return int(_command_module(args.command).run(args) or 0)
        except UserError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt as interrupt:
            print("terminated" if isinstance(interrupt, Terminated) else "interrupted", file=sys.stderr)
            return 143 if isinstance(interrupt, Terminated) else 130
        except BrokenPipeError:
            _discard_standard_output()
            return 141  # as a process ended by SIGPIPE; the reader has all it wanted


def _raise_terminated(signal_number, frame):
    raise Terminated()


@contextlib.contextmanager
def _sigterm_as_exception():
    """While the command runs, SIGTERM raises Terminated (a KeyboardInterrupt): a run stops as on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _discard_standard_output():
    """Point stdout at os.devnull, so that flushing it at exit does not raise BrokenPipeError a second time."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
