"""Patterns of a wrong answer that hold for every exercise: what a student's array is, compared with the right one.

    describe_pattern(got, expected)   "it is -1 x the correct values", "all zeros", "the right numbers in the
                                      wrong places", "only 3 of 200 entries are wrong", ...
    scale_factor(got, expected)       c when got = c * expected (to 1e-6), else None
    errors_only_where(got, expected, mask)   every wrong entry lies where mask is True (and some entry is wrong)
    overlap_pattern(got, expected, coverage) the overwritten-windows pattern, where the case can show it
    shape_advice(got_shape, expected_shape)  "the axes look swapped", ...

The exercises use these to name the classic mistakes (a missing 1/N, overlapping windows overwritten instead
of added, ...); describe_pattern is added to every failed comparison.
"""

from fractions import Fraction

import numpy as np

CLOSE = 1e-6  # relative error under which two arrays count as "the same" when recognising a pattern


def _as_float(array):
    return np.asarray(array, dtype=np.float64)


def scale_factor(got, expected):
    """c such that got == c * expected to 1e-6 (relative), if there is one and expected is not zero; else None."""
    got, expected = _as_float(got), _as_float(expected)
    if got.shape != expected.shape or not (np.all(np.isfinite(got)) and np.all(np.isfinite(expected))):
        return None
    norm = float(np.sum(expected * expected))
    if norm == 0.0:
        return None
    factor = float(np.sum(got * expected)) / norm
    residual = np.max(np.abs(got - factor * expected))
    if residual > CLOSE * max(1e-300, float(np.max(np.abs(got)) + abs(factor) * float(np.max(np.abs(expected))))):
        return None
    return factor


def _factor_text(factor):
    """0.5 -> '1/2', 8.0 -> '8', 0.125 -> '1/8', 1.001 -> '1.001'."""
    fraction = Fraction(factor).limit_denominator(64)
    if fraction.denominator > 1 and abs(float(fraction) - factor) < 1e-9 * max(1.0, abs(factor)):
        return f"{fraction.numerator}/{fraction.denominator}"
    if abs(factor - round(factor)) < 1e-9 * max(1.0, abs(factor)):
        return str(int(round(factor)))
    return f"{factor:.4g}"


def errors_only_where(got, expected, mask, tolerance=CLOSE):
    """True when some entry is wrong and every wrong entry lies where mask is True."""
    got, expected = _as_float(got), _as_float(expected)
    if got.shape != expected.shape:
        return False
    scale = max(1e-300, float(np.max(np.abs(expected))))
    with np.errstate(invalid="ignore"):
        wrong = ~(np.abs(got - expected) <= tolerance * scale)
    return bool(wrong.any()) and not bool((wrong & ~np.asarray(mask, dtype=bool)).any())


def overlap_pattern(got, expected, coverage):
    """The pattern of overlapping windows overwritten instead of added, where this case can show it: the case has
    entries in one window and entries in several (coverage: in how many windows each entry lies, or wins, for max
    pooling), every wrong entry lies in several, and so the entries of one window are right. Where every entry
    lies in several windows (3x3, stride 1, padding 1), any wrong dx would fit: no pattern there."""
    coverage = np.asarray(coverage)
    once, more = coverage == 1, coverage > 1
    return bool(once.any() and more.any() and errors_only_where(got, expected, more))


def describe_pattern(got, expected):
    """A short phrase describing how got differs from expected, or "" when no simple pattern fits."""
    got, expected = _as_float(got), _as_float(expected)
    if got.shape != expected.shape or got.size == 0:
        return ""
    if not np.all(np.isfinite(got)):
        bad = int(np.sum(~np.isfinite(got)))
        return ("it is NaN or infinite" if got.size == 1 else f"{bad} of {got.size} entries are NaN or infinite") \
            + " (an overflow, or 0/0?)"
    if not np.any(got) and np.any(expected):
        return "yours is all zeros"
    factor = scale_factor(got, expected)
    if factor is not None:
        if abs(factor + 1) < 1e-9:
            return "yours is the correct value with the sign flipped"
        return f"yours is {_factor_text(factor)} x the correct value everywhere"
    scale = float(np.max(np.abs(expected))) or 1.0
    wrong = np.abs(got - expected) > CLOSE * scale
    if got.size > 4 and np.allclose(np.sort(got.ravel()), np.sort(expected.ravel()), rtol=0, atol=CLOSE * scale):
        return "yours holds the right numbers, but in the wrong places (an ordering or a reshape?)"
    if 0 < wrong.sum() <= got.size // 4:
        return f"only {int(wrong.sum())} of {got.size} entries are wrong"
    return ""


def shape_advice(got, expected):
    """A reason for a shape mismatch when one is recognisable, else ""."""
    got, expected = tuple(got), tuple(expected)
    if len(got) == len(expected) and sorted(got) == sorted(expected):
        if got == expected[::-1]:
            return "the axes are reversed (a missing or extra transpose?)"
        return "the same sizes in another order (axes swapped?)"
    if len(got) == len(expected) - 1 and got == expected[1:]:
        return "the first axis is missing (the batch?)"
    if int(np.prod(got)) == int(np.prod(expected)):
        return f"the right number of values ({int(np.prod(got))}), arranged differently: check the reshape"
    if len(got) == len(expected):
        larger = [g > e for g, e in zip(got, expected, strict=True)]
        smaller = [g < e for g, e in zip(got, expected, strict=True)]
        if any(larger) and not any(smaller) and len(got) == 4:
            return "larger than expected: is the padding still on (crop it off at the end)?"
    return ""
