"""DataLoader: iterate over (x_batch, y_batch) pairs, optionally shuffled and augmented, reproducibly.

Reproducibility and resuming: all randomness of epoch e comes from two generators derived from the pair
(seed, e) alone:
    order of the samples:  np.random.default_rng([seed, e, 0]).permutation(N)
    augmentation:          np.random.default_rng([seed, e, 1]), used batch after batch
so epoch e is the same whatever happened before it, and the global NumPy random state is never touched.
The loader counts epochs itself: each `for batch in loader` runs epoch `loader.epoch` and advances the counter
by one. To resume a run exactly, save loader.get_state() (a dict {"seed", "epoch"}) in the checkpoint after
an epoch and call loader.set_state(state) (or loader.set_epoch(e)) before the next one.
"""

import numpy as np

from ..validation import positive_int


class DataLoader:
    """Batches of a dataset.

    x: (N, ...) array of inputs, e.g. (N, C, H, W) images; y: (N,) labels.
    batch_size: samples per batch; the last batch is smaller unless drop_last=True drops it.
    shuffle: visit the samples in a new random order every epoch (each sample exactly once per epoch).
    seed: integer >= 0 seeding order and augmentation; None draws a fresh seed (stored in self.seed, so even
        that run can be resumed).
    augment: None, or a callable augment(x_batch, rng) -> x_batch (e.g. RandomCropFlip()) applied to every
        batch with the epoch's augmentation generator.
    Yields (x_batch (B, ...), y_batch (B,)) with the dtypes of x and y; len(loader) is the number of batches.
    """

    def __init__(self, x, y, batch_size, shuffle=False, seed=None, drop_last=False, augment=None):
        x = np.asarray(x)
        y = np.asarray(y)
        if x.ndim < 1 or y.ndim != 1 or x.shape[0] != y.shape[0]:
            raise ValueError(
                f"DataLoader: expected x of shape (N, ...) and y of shape (N,), got x {x.shape} and y {y.shape}"
            )
        self.batch_size = positive_int("DataLoader", "batch_size", batch_size)
        if seed is None:
            # a fresh 63-bit seed from OS entropy: fits int64 and JSON checkpoints
            seed = int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
        self.seed = positive_int("DataLoader", "seed", seed, minimum=0)
        if augment is not None and not callable(augment):
            raise TypeError(f"DataLoader: augment must be callable(x_batch, rng) or None, got {augment!r}")
        self.x = x
        self.y = y
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.augment = augment
        self.epoch = 0

    def __len__(self):
        n = self.x.shape[0]
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def epoch_order(self, epoch):
        """Indices (N,) in the order epoch `epoch` visits the samples."""
        n = self.x.shape[0]
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, epoch, 0]).permutation(n)

    def __iter__(self):
        epoch = self.epoch
        self.epoch += 1  # advance now, so a `break` out of the loop still moves on to the next epoch
        return self._batches(epoch)

    def _batches(self, epoch):
        order = self.epoch_order(epoch)
        augment_rng = np.random.default_rng([self.seed, epoch, 1])
        for b in range(len(self)):
            index = order[b * self.batch_size : (b + 1) * self.batch_size]
            x_batch = self.x[index]
            if self.augment is not None:
                x_batch = self.augment(x_batch, augment_rng)
            yield x_batch, self.y[index]

    def set_epoch(self, epoch):
        """Make the next iteration run epoch `epoch` (an integer >= 0)."""
        self.epoch = positive_int("DataLoader.set_epoch", "epoch", epoch, minimum=0)

    def get_state(self):
        """Everything needed to continue the exact sequence of batches: {"seed": int, "epoch": int}."""
        return {"seed": self.seed, "epoch": self.epoch}

    def set_state(self, state):
        """Restore a state from get_state()."""
        seed = positive_int("DataLoader.set_state", "seed", state["seed"], minimum=0)
        self.set_epoch(state["epoch"])
        self.seed = seed

    def __repr__(self):
        return (
            f"DataLoader(n={self.x.shape[0]}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"seed={self.seed}, drop_last={self.drop_last}, augment={self.augment!r}, epoch={self.epoch})"
        )
