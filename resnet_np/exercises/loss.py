"""Exercise "softmax_cross_entropy": the loss of a classifier and its gradient, numerically stable.

Signature as resnet_np.functional.softmax_cross_entropy, the function the trainer calls:
    softmax_cross_entropy(logits, labels) -> (loss, dlogits)
    logits (N, K) float, labels (N,) integers in [0, K); loss = mean over the batch of -log softmax(logits)_y,
    a scalar of the logits' dtype; dlogits = (softmax(logits) - onehot(labels)) / N
Stable means: subtract each row's maximum before exp (else exp(1000) overflows to inf), and compute log p as
shifted - log(sum(exp(shifted))) rather than log(softmax) (else a probability that underflows to 0 gives -inf).
"""

from functools import partial

import numpy as np

from .. import functional as F
from .patterns import scale_factor
from .registry import Exercise
from .runner import Case

TEMPLATE = '''\
def softmax_cross_entropy(logits, labels):
    """logits (N, K), labels (N,) integers -> (loss, dlogits).

    loss    = mean over the N samples of -log softmax(logits)[n, labels[n]], a number of the logits' dtype
    dlogits = dloss/dlogits, (N, K), the logits' dtype
    Stable for large logits: no overflow, no log(0).
    """
    raise NotImplementedError  # your code here
'''


def _logits(kind, rng, dtype):
    if kind == "large":
        logits = rng.standard_normal((4, 5)) * 30 + 1000
        logits[0] = [1000, 1800, 1000, 990, 1010]  # sample 0's class 0 has probability e^-800: 0 in float64
        return logits.astype(dtype), np.array([0, 1, 4, 2])
    n_samples, n_classes = {"ordinary": (5, 4), "single": (1, 3), "float32": (4, 10)}[kind]
    logits = (rng.standard_normal((n_samples, n_classes)) * 3).astype(dtype)
    return logits, rng.integers(0, n_classes, size=n_samples)


def _hints(case, kind, logits, loss, dlogits, ref_loss, ref_dlogits):
    n_samples = logits.shape[0]
    if kind == "large":
        if not (np.all(np.isfinite(dlogits)) and np.isfinite(loss)):
            if np.all(np.isfinite(dlogits)) and case.matches(dlogits, ref_dlogits):
                case.hint("softmax-log-of-probability", "your dlogits is right but the loss is infinite: "
                          "log(softmax(z)) turns a probability that underflowed to 0 (here e^-800) into -inf. "
                          "Compute log p directly: log p = shifted - log(sum(exp(shifted))), shifted = z - max(z).",
                          about="loss")
            else:
                case.hint("softmax-max", "with logits around 1000 you get inf or NaN: exp(1000) overflows. "
                          "Subtract each row's maximum first (shifted = z - z.max(axis=1, keepdims=True)): "
                          "softmax(z) = softmax(z - c) for any c, and then exp never exceeds 1.",
                          about=[label for label in ("loss", "dlogits") if any(
                              check.label == label and not check.passed for check in case.checks)][:1])
        return
    if n_samples > 1 and abs(loss - n_samples * ref_loss) <= 1e-6 * abs(n_samples * ref_loss):
        case.hint("ce-mean", f"your loss is {n_samples} (= N, the batch size) times the right one: the loss is the "
                  "MEAN over the batch of -log p_y, not the sum (and dlogits carries the same 1/N).", about="loss")
    factor = scale_factor(dlogits, ref_dlogits)
    if n_samples > 1 and factor is not None and abs(factor - n_samples) < 1e-6 * n_samples:
        case.hint("ce-mean", f"your dlogits is {n_samples} (= N) times the right one: the loss averages over the "
                  "batch, so dlogits = (softmax - onehot) / N.", about="dlogits")
    probabilities = F.softmax(np.asarray(logits, dtype=np.float64))
    if case.matches(dlogits, probabilities / n_samples) or case.matches(dlogits, probabilities):
        case.hint("ce-onehot", "your dlogits is the softmax itself (over N). That is the derivative of "
                  "log(sum of exp(z)) only; -log p_y = -z_y + log(sum of exp(z)) has a second term, -z_y, whose "
                  "derivative is -1 at the true class and 0 elsewhere.", about="dlogits")


def _grade(case, kind, dtype, seed):
    rng = np.random.default_rng(seed)
    logits, labels = _logits(kind, rng, dtype)
    tolerance = "float32" if dtype == np.float32 else "float64"
    ref_loss, ref_dlogits = F.softmax_cross_entropy(logits.copy(), labels.copy())
    student_logits, student_labels = logits.copy(), labels.copy()
    result = case.call("softmax_cross_entropy", student_logits, student_labels)
    loss, dlogits = case.expect_tuple("softmax_cross_entropy", result, ("loss", "dlogits"))
    loss = case.expect_scalar("softmax_cross_entropy", "loss", loss, dtype)
    dlogits = case.expect_array("softmax_cross_entropy", "dlogits", dlogits, logits.shape, dtype)
    case.unchanged("softmax_cross_entropy", {"logits": student_logits, "labels": student_labels},
                   {"logits": logits, "labels": labels})
    case.compare("loss", np.float64(loss), np.float64(ref_loss), tolerance)
    case.compare("dlogits", dlogits, ref_dlogits, tolerance)
    # Around 1000 the finite differences themselves lose 7 digits: there only stability is checked.
    if dtype == np.float64 and kind != "large" and not case.modified:
        fd_logits = logits.copy()
        case.gradcheck("dlogits", lambda: float(case.call("softmax_cross_entropy", fd_logits, labels)[0]),
                       fd_logits, dlogits, ref_dlogits, seed)
    if case.failed:
        _hints(case, kind, logits, loss, dlogits, float(ref_loss), ref_dlogits)


CONFIGURATIONS = [("ordinary", np.float64, "logits(5, 4), spread about 3"),
                  ("single", np.float64, "logits(1, 3): batch 1"),
                  ("large", np.float64, "logits(4, 5) around 1000, one class 800 below the best (stability)"),
                  ("float32", np.float32, "logits(4, 10), float32")]


def cases():
    return [Case(text, partial(_grade, kind=kind, dtype=dtype, seed=70 + index))
            for index, (kind, dtype, text) in enumerate(CONFIGURATIONS)]


EXERCISES = [
    Exercise(
        name="softmax_cross_entropy", title="softmax cross-entropy loss and its gradient, numerically stable",
        functions=("softmax_cross_entropy",), reference=lambda: (F.softmax_cross_entropy,), cases=cases,
        checked="for 4 batches (batch 1, logits around 1000, float32): the loss (a scalar of the logits' dtype) and "
                "dlogits against the model answer; dlogits against central differences of your loss (float64, "
                "ordinary logits); logits and labels left unchanged.",
        notebook="05_relu_pool_linear_loss.ipynb", template=TEMPLATE),
]
