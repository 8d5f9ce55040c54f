"""History: one record per finished epoch (losses, errors, learning rate, timing), as a list of plain dicts.

Errors are fractions (0.031 = 3.1%); the results table and the plot show them in percent. The training loss
and error are running means over the epoch's batches, measured in train mode on augmented images while the
weights change (as in the paper's curves); the test numbers come from a full pass in eval mode afterwards.
"""

import csv
import io
import math

COLUMNS = ("epoch", "lr", "train_loss", "train_error", "test_loss", "test_error", "epoch_seconds",
           "images_per_second")
TIMING_COLUMNS = ("epoch_seconds", "images_per_second")  # wall-clock numbers: differ from run to run


class History:
    """Epoch records, e.g. history[-1]["test_error"]; history.column("train_loss") -> list of floats."""

    def __init__(self, records=()):
        self.records = []
        for record in records:
            self.append(record)

    def append(self, record):
        """Add one epoch's record: a dict with exactly the keys in COLUMNS."""
        if set(record) != set(COLUMNS):
            raise ValueError(f"History.append: expected keys {list(COLUMNS)}, got {sorted(record)}")
        self.records.append({key: (int(record[key]) if key == "epoch" else float(record[key])) for key in COLUMNS})

    def __len__(self):
        return len(self.records)

    def __getitem__(self, index):
        return self.records[index]

    def __iter__(self):
        return iter(self.records)

    def column(self, name):
        """All epochs' values of one column."""
        if name not in COLUMNS:
            raise KeyError(f"History.column: unknown column {name!r}; known: {list(COLUMNS)}")
        return [record[name] for record in self.records]

    def best(self):
        """The record with the lowest test error (the earliest of equals), or None when empty."""
        finite = [record for record in self.records if math.isfinite(record["test_error"])]
        return min(finite, key=lambda record: record["test_error"]) if finite else None

    def without_timing(self):
        """Records without the wall-clock columns: what must match exactly between a run and its resumed twin."""
        return [{key: value for key, value in record.items() if key not in TIMING_COLUMNS} for record in self.records]

    def to_list(self):
        """JSON-ready copy of the records (for checkpoints; Python floats survive JSON exactly)."""
        return [dict(record) for record in self.records]

    def to_csv(self):
        """CSV text with a header line and one line per epoch; floats written with full precision (repr)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for record in self.records:
            writer.writerow([repr(record[key]) for key in COLUMNS])
        return buffer.getvalue()

    def __repr__(self):
        return f"History({len(self.records)} epochs)"
