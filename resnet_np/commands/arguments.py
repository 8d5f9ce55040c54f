"""The argument types of the command line, in one place: each turns the typed text into a value or says, in one
line, what it expected (argparse prints it as `error: argument --lr: must be ...`)."""

import argparse
import json

from .. import runtime


def _integer(text, minimum, maximum=None):
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise argparse.ArgumentTypeError(f"must be an integer {bounds}, got {text!r}")
    return value


def _float(text, minimum, strict, below=None):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    valid = (value > minimum if strict else value >= minimum) and value != float("inf")
    valid = valid and (below is None or value < below)
    if not valid:
        bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
        bound += f" and < {below:g}" if below is not None else ""
        raise argparse.ArgumentTypeError(f"must be a finite number {bound}, got {text!r}")
    return value


def positive_int(text):
    return _integer(text, 1)


def natural_int(text):
    return _integer(text, 0)


def thread_count(text):
    return _integer(text, 1, runtime.MAX_THREADS)


def positive_float(text):
    return _float(text, 0.0, strict=True)


def non_negative_float(text):
    return _float(text, 0.0, strict=False)


def fraction_below_one(text):
    """A number in [0, 1), e.g. SGD's momentum."""
    return _float(text, 0.0, strict=False, below=1.0)


def key_value(text):
    """'depth=8' -> ('depth', 8); the value is read as JSON (numbers, lists, true/false), else kept as text."""
    key, separator, value = text.partition("=")
    if not separator or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    return key.strip(), parsed


def add_threads_argument(parser, what="the maths"):
    """--threads N (default: the library's setting, every core up to 8, or RESNET_NP_NUM_THREADS)."""
    parser.add_argument("--threads", metavar="N", type=thread_count, default=None,
                        help=f"CPU threads for {what} (default {runtime.get_num_threads()}: every core of this "
                             f"machine up to {runtime.MAX_DEFAULT_THREADS}, or RESNET_NP_NUM_THREADS)")
