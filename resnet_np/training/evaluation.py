"""Evaluating a model: mean cross-entropy loss and accuracy over a whole split, in eval mode (BN running stats)."""

from dataclasses import dataclass

import numpy as np

from .. import functional as F


@dataclass
class Evaluation:
    """Result of evaluate(): loss is the mean cross-entropy, error = 1 - accuracy (fractions, not percent)."""

    loss: float
    accuracy: float
    correct: int
    total: int

    @property
    def error(self):
        return 1.0 - self.accuracy


def evaluate(model, x, y, batch_size=500):
    """Loss and accuracy of `model` on images x (N, C, H, W) with labels y (N,), batch by batch.

    The model is put in eval mode (BatchNorm uses its running statistics, nothing is updated) and left
    there; the caller switches back with model.train(). The loss is the mean over all N samples.
    """
    if len(y) == 0:
        raise ValueError("evaluate: got an empty split (0 samples)")
    model.eval()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(y), batch_size):
        x_batch, y_batch = x[start:start + batch_size], y[start:start + batch_size]
        logits = model(x_batch)
        loss, _ = F.softmax_cross_entropy(logits, y_batch)
        loss_sum += float(loss) * len(y_batch)
        correct += int(np.sum(np.argmax(logits, axis=1) == y_batch))
    return Evaluation(loss=loss_sum / len(y), accuracy=correct / len(y), correct=correct, total=int(len(y)))
