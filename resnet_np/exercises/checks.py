"""What one grading case can do with a student's functions: call them safely, check what they return, compare.

A case is a function `run(case)` that receives a CaseRun and uses it:
    result = case.call("relu_forward", x)                  student code, errors turned into a verdict
    out, cache = case.expect_tuple("relu_forward", result, ("out", "cache"))
    out = case.expect_array("relu_forward", "out", out, shape, dtype)
    case.compare("out", out, expected)                     one Check: relative error and where it is worst
    case.unchanged("relu_forward", {"x": x}, before)       the in-place check
    case.gradcheck("dx", loss, x, dx)                      central differences of the student's own forward
    case.hint("relu-dout-in-place", "...", about=("dx",))  a named hint for a recognised mistake, about checks
    case.recognise(got, candidate, reference)              got is the candidate, and the case can tell it apart

A structural problem (the function raised, returned None, the wrong number of arrays, a wrong shape or dtype)
ends the case at once with a Stop: later checks would only repeat it. A wrong value is a failed Check and the
case goes on, so that the report shows everything that is wrong and the hints see all of it.
"""

import inspect
import os
import sys
import traceback
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .patterns import describe_pattern, shape_advice

# A correct answer reaches the first number; the grader accepts anything below the second.
TOLERANCES = {
    "float64": (1e-10, 1e-9),      # against the model answer, float64 (rounding of a different order of sums)
    "float32": (1e-6, 1e-5),       # against the model answer computed in float32
    "finite differences": (1e-8, 1e-7),  # against central differences (eps 1e-6) of the student's own forward
}
FD_EPS = 1e-6
FD_SAMPLES = 12  # random entries of each array checked by finite differences (all of them if the array is smaller)
FD_FOCUS = 3  # and as many of the largest true gradients, and of the worst disagreements with the model answer

_GRADER_FOLDER = str(Path(__file__).resolve().parent)
_PACKAGE_FOLDER = str(Path(__file__).resolve().parent.parent) + os.sep


class Stop(Exception):
    """Ends a case with a verdict: status is "failed", "error" (the student's code raised) or "not implemented"."""

    def __init__(self, status, message, function=None):
        super().__init__(message)
        self.status, self.message, self.function = status, message, function


class Check(NamedTuple):
    label: str  # e.g. "dx", "out", "x unchanged"
    passed: bool
    detail: str  # one line: the error, against what, where
    error: float = None  # relative error (None for yes/no checks)


def _where(error):
    """The student's line that raised: the last frame outside the grader, as 'file, line N: code'."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not frame.filename.startswith(_GRADER_FOLDER)]
    if not frames:
        return ""
    frame = frames[-1]
    code = f": {frame.line.strip()}" if frame.line else ""
    return f" (in {frame.name}, {Path(frame.filename).name} line {frame.lineno}{code})"


def with_article(noun):
    """'a list', 'an ndarray'."""
    spoken_with_a_vowel = noun[:1].lower() in "aeiou" or noun.startswith("nd")  # "an ndarray"
    return f"{'an' if spoken_with_a_vowel else 'a'} {noun}"


def format_index(label, index):
    return f"{label}[{', '.join(str(int(i)) for i in index)}]" if index else label


def _value(number):
    return f"{number:.6g}" if np.isfinite(number) else str(number)


def compare_arrays(got, expected):
    """(relative error, index of the worst entry): max|got - expected| / max(|got| + |expected|), as gradcheck's.

    A NaN or infinity where the answer is finite counts as an infinite error, located at that entry.
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.size == 0:
        return 0.0, ()
    with np.errstate(invalid="ignore", over="ignore"):
        difference = np.abs(got - expected)
        both_nan = np.isnan(got) & np.isnan(expected)
        difference = np.where(both_nan, 0.0, np.where(np.isnan(difference), np.inf, difference))
        index = np.unravel_index(int(np.argmax(difference)), got.shape) if got.ndim else ()
        worst = float(difference[index])
        if not np.isfinite(worst):
            return float("inf"), index
        scale = float(np.max(np.abs(got) + np.abs(expected)))
    return worst / max(1e-12, scale), index


class CaseRun:
    """The context of one case: the student's functions, and the checks and hints recorded so far."""

    def __init__(self, functions, signatures=None, forbidden=None):
        self.functions = functions  # name -> callable, in the exercise's order
        self.forbidden = forbidden or {}  # code object -> name: functions the student's code must not call
        self.called = {}  # the forbidden functions it called, in order
        self.signatures = signatures or {}  # name -> the expected signature, e.g. "relu_forward(x)"
        self.checks = []
        self.hints = {}  # code -> text, in the order they were found
        self.hint_about = {}  # code -> the labels of the checks the hint speaks about
        self.batch = None  # the batch size of the case (N), when it has one
        self.folded = {}  # label -> why it is wrong (one line: "an earlier step is wrong"); see report.py
        self.signature = None  # what makes this failure the same as another case's (the report says it once)
        self.notes = []  # lines shown under the case (e.g. the first wrong step of a chain)
        self.modified = []  # (function, input name) of every in-place change found; finite differences are then off

    # -- calling the student's code ---------------------------------------------------------------------------

    def call(self, name, *args):
        """function(*args), with NumPy's warnings silenced; any exception becomes a Stop naming the function."""
        try:
            with np.errstate(all="ignore"):
                if not self.forbidden:
                    return self.functions[name](*args)
                sys.setprofile(self._watch)  # this thread only
                try:
                    return self.functions[name](*args)
                finally:
                    sys.setprofile(None)
        except NotImplementedError:
            raise Stop("not implemented", f"{name} is not implemented yet (it raises NotImplementedError)",
                       name) from None
        except (Exception, SystemExit) as error:
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            text = f"{name} raised {type(error).__name__}{': ' + message if message else ''}{_where(error)}"
            if isinstance(error, TypeError):
                text += self._signature_advice(name, args)
            raise Stop("error", text, name) from None

    def _signature_advice(self, name, args):
        """When the call itself did not fit the student's function: the signature the grader calls it with."""
        expected = self.signatures.get(name)
        try:
            inspect.signature(self.functions[name]).bind(*args)
            return ""  # the call fitted: the TypeError came from inside the function
        except TypeError:
            pass
        except ValueError:  # no signature to inspect (a builtin)
            return ""
        try:
            yours = f"{name}{inspect.signature(self.functions[name])}"
        except (TypeError, ValueError):
            yours = name
        called = f"{len(args)} argument{'s' if len(args) != 1 else ''}"
        return (f". The grader calls it as the library does, with {called}: the signature must be {expected}"
                f" (yours is {yours})") if expected else ""

    def _watch(self, frame, event, arg):
        # Only a call from the student's code counts: the library's own functions may call each other.
        if event == "call" and frame.f_code in self.forbidden and frame.f_back is not None \
                and not frame.f_back.f_code.co_filename.startswith(_PACKAGE_FOLDER):
            self.called.setdefault(self.forbidden[frame.f_code], None)

    # -- what came back ----------------------------------------------------------------------------------------

    def expect_tuple(self, name, value, labels):
        """value must be a tuple (or list) of len(labels) items, e.g. ("out", "cache")."""
        wanted = f"a tuple of {len(labels)} ({', '.join(labels)})"
        if value is None:
            raise Stop("failed", f"{name} returned None; it must return {wanted}: did you forget `return`?", name)
        if not isinstance(value, (tuple, list)):
            raise Stop("failed", f"{name} returned {with_article(type(value).__name__)}; it must return {wanted}", name)
        if len(value) != len(labels):
            raise Stop("failed", f"{name} returned {len(value)} values; it must return {wanted}", name)
        return tuple(value)

    def expect_array(self, name, label, value, shape, dtype):
        """value must be a NumPy array of this shape and dtype; returns it."""
        what = f"{name} returned {label} as"
        if value is None:
            raise Stop("failed", f"{what} None; it must be an array of shape {shape}: did you forget `return`?",
                       name)
        if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], np.ndarray):
            raise Stop("failed", f"{what} a tuple holding one array; return the array itself", name)
        if not isinstance(value, np.ndarray):
            kind = with_article(type(value).__name__)
            raise Stop("failed", f"{what} {kind}; it must be a NumPy array of shape {shape}", name)
        if value.shape != tuple(shape):
            advice = shape_advice(value.shape, tuple(shape))
            raise Stop("failed", f"{label} from {name} has shape {value.shape}, expected {tuple(shape)}"
                                 f"{': ' + advice if advice else ''}", name)
        if value.dtype != np.dtype(dtype):
            raise Stop("failed", f"{label} from {name} has dtype {value.dtype}, expected {np.dtype(dtype)} (the "
                                 f"dtype of the inputs): float32 must stay float32; look for an array made without "
                                 f"dtype=... (np.zeros(shape) is float64) or a float64 constant array", name)
        return value

    def expect_scalar(self, name, label, value, dtype=None):
        """A real number (a Python float or a 0-d NumPy value; with dtype, a NumPy value must have it)."""
        if value is None:
            raise Stop("failed", f"{name} returned {label} as None; it must be a number", name)
        if isinstance(value, np.ndarray) and value.shape != ():
            raise Stop("failed", f"{name} returned {label} with shape {value.shape}; it must be a single number "
                                 "(did you forget to average over the batch?)", name)
        if isinstance(value, bool) or not isinstance(value, (float, int, np.floating, np.integer, np.ndarray)):
            kind = with_article(type(value).__name__)
            raise Stop("failed", f"{name} returned {label} as {kind}; it must be a number", name)
        if dtype is not None and isinstance(value, (np.floating, np.ndarray)) and value.dtype != np.dtype(dtype):
            raise Stop("failed", f"{label} from {name} has dtype {value.dtype}, expected {np.dtype(dtype)}: "
                                 "float32 logits give a float32 loss", name)
        return float(value)

    # -- checks ------------------------------------------------------------------------------------------------

    def record(self, label, passed, detail, error=None):
        self.checks.append(Check(label, bool(passed), detail, error))
        return bool(passed)

    def compare(self, label, got, expected, tolerance="float64", against="the model answer", array=None):
        """One Check: relative error of got against expected, with where the worst entry is if it fails.

        array: the name to index in the report (default: label), e.g. "velocity" for the label "velocity after
        step 3", so that the worst entry reads velocity[2, 1].
        """
        correct, accepted = TOLERANCES[tolerance]
        error, index = compare_arrays(got, expected)
        passed = error <= accepted
        detail = f"{error:.1e} against {against} (a correct answer: < {max(correct, 1e-16):.0e})"
        if not passed:
            got_value = float(np.asarray(got, dtype=np.float64)[index])
            expected_value = float(np.asarray(expected, dtype=np.float64)[index])
            detail = (f"{error:.1e} against {against}; worst at {format_index(array or label, index)}: got "
                      f"{_value(got_value)}, expected {_value(expected_value)} (a correct answer: < {correct:.0e})")
            pattern = describe_pattern(got, expected)
            if pattern:
                detail += f"; {pattern}"
        return self.record(label, passed, detail, error)

    def matches(self, got, candidate, tolerance=1e-6):
        """Does got equal candidate (a recognised wrong answer) to within tolerance? Shapes must agree."""
        if got is None or candidate is None or np.shape(got) != np.shape(candidate):
            return False
        error, _ = compare_arrays(got, candidate)
        return error < tolerance

    def unchanged(self, function, arrays, before):
        """The in-place check: each of arrays (name -> array) still equals its copy in before. One Check each."""
        all_unchanged = True
        for name, array in arrays.items():
            if array is None:
                continue
            same = np.array_equal(array, before[name], equal_nan=True)
            if same:
                continue
            all_unchanged = False
            self.modified.append((function, name))
            difference = np.atleast_1d(array != before[name])
            index = np.unravel_index(int(np.argmax(difference)), np.shape(array)) if np.ndim(array) else ()
            self.record(f"{name} unchanged", False,
                        f"{function} modified its input {name} in place: at {format_index(name, index)} it was "
                        f"{_value(float(before[name][index]))}, afterwards {_value(float(array[index]))}. Work "
                        "on a copy (or build a new array): the caller still needs its arrays")
        if all_unchanged and arrays:
            self.record("inputs unchanged", True, f"{function} left {', '.join(arrays)} as they were")
        return all_unchanged

    def gradcheck(self, label, loss, array, analytic, reference=None, seed=0, samples=FD_SAMPLES, focus=FD_FOCUS,
                  of="your forward"):
        """Compare analytic (the student's gradient of loss with respect to array) with central differences.

        loss() evaluates the scalar loss through the student's forward, reading `array`, which is perturbed in
        place and restored. Checked: `samples` random entries, the largest entries of the true gradient, and the
        entries where analytic differs most from `reference` (the model answer's gradient), so a wrong entry is
        found even when it is rare.
        """
        flat = array.reshape(-1)
        if not np.shares_memory(flat, array):
            raise ValueError("gradcheck needs a contiguous array")
        size = flat.size
        rng = np.random.default_rng((seed, size))
        chosen = set(rng.choice(size, size=min(samples, size), replace=False).tolist())
        if reference is not None:
            scale = np.abs(np.asarray(reference, dtype=np.float64)).reshape(-1)
            chosen |= set(np.argsort(-scale)[:focus].tolist())
            with np.errstate(invalid="ignore"):
                difference = np.nan_to_num(np.abs(np.asarray(analytic, np.float64) - reference).reshape(-1), nan=1e300)
            chosen |= set(np.argsort(-difference)[:focus].tolist())
        indices = np.array(sorted(chosen))
        numeric = np.empty(len(indices))
        for position, i in enumerate(indices):
            original = flat[i]
            flat[i] = original + FD_EPS
            plus = loss()
            flat[i] = original - FD_EPS
            minus = loss()
            flat[i] = original
            numeric[position] = (plus - minus) / (2 * FD_EPS)
        got = np.asarray(analytic, dtype=np.float64).reshape(-1)[indices]
        correct, accepted = TOLERANCES["finite differences"]
        with np.errstate(invalid="ignore", over="ignore"):
            difference = np.abs(got - numeric)
            difference = np.where(np.isfinite(difference), difference, np.inf)  # NaN or inf on either side
            finite = np.isfinite(difference)
            scale = max(1e-12, float(np.max(np.abs(got[finite]) + np.abs(numeric[finite]), initial=0.0)),
                        float(np.max(np.abs(np.nan_to_num(analytic, nan=0.0, posinf=0.0, neginf=0.0)))))
        error = float(np.max(difference)) / scale
        checked = "all" if len(indices) == size else f"{len(indices)} of {size}"
        detail = (f"{error:.1e} against central differences of {of} ({checked} entries, eps {FD_EPS:g}; "
                  f"a correct answer: < {correct:.0e})")
        if error > accepted:
            worst = int(np.argmax(difference))
            index = np.unravel_index(int(indices[worst]), array.shape)
            detail += (f"; worst at {format_index(label, index)}: yours {_value(got[worst])}, numerical "
                       f"{_value(numeric[worst])}")
        return self.record(f"{label} (finite differences)", error <= accepted, detail, error)

    def recognise(self, got, candidate, reference, tolerance=1e-6):
        """got equals candidate (a recognised wrong answer) AND this case can tell the candidate from the right
        answer (a flipped 1x1 kernel is the kernel itself: there a flip cannot be recognised)."""
        return self.matches(got, candidate, tolerance) and not self.matches(candidate, reference, tolerance)

    def hint(self, code, text, about=()):
        """Record a hint about the checks labelled `about`. It is dropped when one of those checks passed (the
        report's ok line would contradict it) or none of them failed: a hint never disagrees with a verdict."""
        about = (about,) if isinstance(about, str) else tuple(about)
        for label in about:
            matching = [check for check in self.checks if check.label == label
                        or check.label.startswith(label + " after ")]
            if any(check.passed for check in matching if check.label == label) or \
                    not any(not check.passed for check in matching):
                return False
        self.hints.setdefault(code, text)
        self.hint_about.setdefault(code, about)
        return True

    def fold(self, labels, reason):
        """Report the failed checks labelled `labels` as one line with this reason, not one detail each."""
        for label in labels:
            self.folded[label] = reason

    def note(self, text):
        self.notes.append(text)

    @property
    def failed(self):
        return any(not check.passed for check in self.checks)
