"""How many cases of an exercise passed, out of how many: the one place that reads it from a check() result.

ExerciseResult has no count of its own yet; this counts its cases. When it grows one (e.g. result.passed_cases),
change case_counts and nothing else.
"""

import functools


def case_counts(result):
    """(passed cases, total cases) of an ExerciseResult."""
    cases = list(getattr(result, "cases", []))
    return sum(getattr(case, "status", None) == "passed" for case in cases), len(cases)


@functools.lru_cache(maxsize=None)
def case_total(name):
    """How many cases exercise `name` has (for an exercise that could not be graded)."""
    from .. import get

    return len(get(name).cases())
