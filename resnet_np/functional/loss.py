"""Softmax and the cross-entropy loss for classification.

softmax(z)_k = exp(z_k - max(z)) / sum_j exp(z_j - max(z))   (subtracting the max changes nothing mathematically
                                                             but keeps exp from overflowing for large logits)
loss = mean over the batch of -log softmax(z)_y               (y: the true class of each sample)
dloss/dz = (softmax(z) - onehot(y)) / N
"""

from typing import NamedTuple

import numpy as np

from ..validation import require_float, require_ndim


def softmax(logits):
    """logits (N, K) -> probabilities (N, K), each row summing to 1."""
    logits = require_ndim("softmax", "logits", logits, 2, "(N, num_classes)")
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class SoftmaxCrossEntropyCache(NamedTuple):
    probabilities: np.ndarray  # softmax(logits), (N, K)
    labels: np.ndarray


def softmax_cross_entropy_forward(logits, labels):
    """logits (N, K), integer labels (N,) -> (loss: scalar of the logits' dtype, cache).

    Non-finite logits give a NaN loss (and a NaN gradient), never a silently finite number.
    """
    logits = require_ndim("softmax_cross_entropy", "logits", logits, 2, "(N, num_classes)")
    require_float("softmax_cross_entropy", "logits", logits)
    n_samples, n_classes = logits.shape
    if n_samples == 0:
        raise ValueError("softmax_cross_entropy: logits must hold at least one sample, got shape (0, K)")
    labels = check_labels(labels, n_samples, n_classes)
    if not np.isfinite(logits).all():
        return logits.dtype.type(np.nan), SoftmaxCrossEntropyCache(np.full_like(logits, np.nan), labels)

    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n_samples), labels].mean()
    return logits.dtype.type(loss), SoftmaxCrossEntropyCache(np.exp(log_probs), labels)


def softmax_cross_entropy_backward(dloss, cache):
    """dloss (a scalar, 1.0 when this loss is the objective) -> dlogits (N, K) = dloss * (p - onehot(y)) / N."""
    probabilities, labels = cache
    n_samples = len(labels)
    dlogits = probabilities.copy()
    dlogits[np.arange(n_samples), labels] -= 1
    dlogits *= dloss
    dlogits /= n_samples
    return dlogits


def softmax_cross_entropy(logits, labels):
    """Forward and backward at once, as a training step uses them: -> (loss, dlogits = dloss/dlogits)."""
    loss, cache = softmax_cross_entropy_forward(logits, labels)
    return loss, softmax_cross_entropy_backward(1.0, cache)


def check_labels(labels, n_samples, n_classes):
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"softmax_cross_entropy: labels must be integers, got dtype {labels.dtype}")
    if labels.shape != (n_samples,):
        raise ValueError(f"softmax_cross_entropy: labels must have shape ({n_samples},) to match logits, "
                         f"got {labels.shape}")
    if n_samples and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"softmax_cross_entropy: labels must lie in [0, {n_classes - 1}], "
                         f"got values from {labels.min()} to {labels.max()}")
    return labels
