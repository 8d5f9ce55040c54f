"""What a demo concluded, as records: one Finding per conclusion, computed once from the measured numbers.

A demo's reading is made of findings, never of free text: each demo has a pure function findings(numbers) next to
its experiment (no printing, no language), and resnet_np/demos/render.py turns the findings into sentences, one
template per (key, verdict) and language. So a sentence can say only what its finding's test decided, and both
languages say the same things with the same numbers.

    Finding("shattered.shallow_smooth", "single_run", {"depth": 8, "plain": 0.93, "residual": 0.97},
            "lag-1 autocorrelation >= 0.8 in both nets at the shallowest depth")

The verdicts (a small fixed set):
    shown         the effect is there: over several seeds their ranges separate it, or a deterministic
                  measurement (a count, an average over many random networks) passes its threshold
    not_shown     the test failed: the effect was not there (or not by the margin the words would need)
    reversed      the opposite of the claim was measured (over seeds: the ranges separate the other way)
    within_noise  over several seeds the ranges overlap: no winner either way
    single_run    one run (one seed) went the claimed way by the margin: the words say "in this run", never
                  "as in the paper"
    measured      no conclusion: a line that reports numbers as measured (the setup, a row of a table)
"""

from dataclasses import dataclass

import numpy as np

VERDICTS = ("shown", "not_shown", "reversed", "within_noise", "single_run", "measured")

# One meaning of "explodes" (and "vanishes") in the whole project: a gradient that changes by a factor of 100 or
# more (two orders of magnitude) from one end of the network to the other. A factor 10 is easy to see on the
# demos' log axes but is within what a healthy network shows between its first and last blocks; 100 is not.
EXPLODES_FACTOR = 100.0
# "grows" / "stays within" use one order of magnitude: the smallest change the log-scale figures show clearly.
ORDER_OF_MAGNITUDE = 10.0


@dataclass(frozen=True)
class Finding:
    """One conclusion of a demo.

    key: names the claim ("shattered.shallow_smooth"); with verdict it picks the sentence's template.
    verdict: one of VERDICTS.
    evidence: {placeholder: value}: the numbers (and model names) the sentence quotes.
    criterion: the test in words ("lag-1 autocorrelation >= 0.8 in both nets"), listed in docs/demo_results.md.
    """

    key: str
    verdict: str
    evidence: dict
    criterion: str

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"finding {self.key}: verdict {self.verdict!r} is not one of {', '.join(VERDICTS)}")


def measured(key, **evidence):
    """A Finding that only reports numbers (no conclusion)."""
    return Finding(key, "measured", evidence, "none: the numbers as measured")


def threshold(passed):
    """shown if a deterministic test passed, else not_shown."""
    return "shown" if passed else "not_shown"


def compare_over_seeds(low, high, margin=0.0):
    """Is `high` above `low`? low, high: the per-seed values of two quantities (the same seeds, in order).

    With two or more seeds a difference is claimed only when the ranges over the seeds separate it and the mean
    difference exceeds `margin`:
        shown         every seed of high above every seed of low, mean(high) - mean(low) > margin
        reversed      every seed of high below every seed of low, mean(low) - mean(high) > margin
        within_noise  otherwise (the ranges overlap, or the difference is within the margin)
    With one seed nothing separates an effect from luck:
        single_run    high - low > margin in this one run
        not_shown     otherwise
    """
    low, high = [float(value) for value in low], [float(value) for value in high]
    if len(low) != len(high) or not low:
        raise ValueError(f"compare_over_seeds: {len(low)} and {len(high)} values; need the same number, >= 1")
    difference = float(np.mean(high) - np.mean(low))
    if len(low) == 1:
        return "single_run" if difference > margin else "not_shown"
    if min(high) > max(low) and difference > margin:
        return "shown"
    if max(high) < min(low) and -difference > margin:
        return "reversed"
    return "within_noise"


def points(values):
    """Per-seed differences as one piece of evidence: "+59.2, +51.7, +59.9"."""
    return ", ".join(f"{value:+.1f}" for value in values)
