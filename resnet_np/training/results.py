"""Results of a run as files: history CSV, a Markdown results table and a PNG of the training curves.

Every file is written atomically (temp file + os.replace), so an interrupted run never leaves half a file.
The plot uses matplotlib's object API with the Agg canvas: no pyplot, no window, no global backend change.
"""

import os

from ..atomic import atomic_write

RESULTS_FILE = "results.md"
CURVES_FILE = "curves.png"
TABLE_COLUMNS = ("model", "dataset", "params", "epochs", "train error (%)", "test error (%)",
                 "best test error (%)", "time")


def result_row(model_name, dataset_name, params, history, seconds):
    """The results-table row of one run (a dict keyed by TABLE_COLUMNS; errors in percent)."""
    last, best = history[-1], history.best()
    best_text = "-" if best is None else f"{100 * best['test_error']:.2f} (epoch {best['epoch']})"
    return {
        "model": model_name,
        "dataset": dataset_name,
        "params": f"{params:,}",
        "epochs": str(last["epoch"]),
        "train error (%)": f"{100 * last['train_error']:.2f}",
        "test error (%)": f"{100 * last['test_error']:.2f}",
        "best test error (%)": best_text,
        "time": format_seconds(seconds),
    }


def format_seconds(seconds):
    """83.4 -> '1m 23s'; 9.25 -> '9.2s'; 7384 -> '2h 03m'."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def format_results_table(rows):
    """Markdown table with one line per run (rows from result_row), columns padded to line up in plain text."""
    rows = list(rows)
    widths = [max([len(column)] + [len(row[column]) for row in rows]) for column in TABLE_COLUMNS]
    numeric = [column not in ("model", "dataset") for column in TABLE_COLUMNS]

    def line(cells):
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join(("-" * (width + 1) + ":") if right else ("-" * (width + 2))
                          for width, right in zip(widths, numeric, strict=True)) + "|"
    body = [line([row[column].rjust(width) if right else row[column]
                  for column, width, right in zip(TABLE_COLUMNS, widths, numeric, strict=True)]) for row in rows]
    return "\n".join([line(TABLE_COLUMNS), rule] + body)


def plot_history(history, title, path):
    """Save a PNG with two panels, loss (log scale) and error (%) against epoch, train and test curves in each."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # late: matplotlib takes about half a second to import
    from matplotlib.figure import Figure

    epochs = history.column("epoch")
    figure = Figure(figsize=(10, 4), layout="constrained")
    FigureCanvasAgg(figure)
    loss_axes, error_axes = figure.subplots(1, 2)
    marker = "o" if len(epochs) <= 30 else None
    for split, style in (("train", "-"), ("test", "--")):
        loss_axes.plot(epochs, history.column(f"{split}_loss"), style, marker=marker, label=split)
        error_axes.plot(epochs, [100 * value for value in history.column(f"{split}_error")], style,
                        marker=marker, label=split)
    # log scale: the first epochs' test loss (BatchNorm statistics not settled yet) can be 100x the final one
    loss_axes.set(xlabel="epoch", ylabel="cross-entropy loss (log scale)", title="loss", yscale="log")
    error_axes.set(xlabel="epoch", ylabel="error (%)", title="error")
    for axes in (loss_axes, error_axes):
        axes.grid(True, alpha=0.3)
        axes.legend()
        axes.xaxis.get_major_locator().set_params(integer=True)
    figure.suptitle(title)
    atomic_write(path, lambda file: figure.savefig(file, format="png", dpi=100))
    return path


def write_text(path, text):
    """Write a text file atomically (UTF-8)."""
    atomic_write(path, lambda file: file.write(text.encode("utf-8")))
    return path


def write_results_file(out_dir, row, details=""):
    """Write results.md: the results table of one run, then the details line -> its path."""
    table = format_results_table([row])
    return write_text(os.path.join(out_dir, RESULTS_FILE), table + ("\n\n" + details if details else "") + "\n")


def write_results(out_dir, history, row, title, details="", plot=True):
    """Write history.csv, results.md (table + details line) and curves.png into out_dir; return their paths."""
    paths = {"history": write_text(os.path.join(out_dir, "history.csv"), history.to_csv()),
             "results": write_results_file(out_dir, row, details)}
    if plot and len(history):
        paths["curves"] = plot_history(history, title, os.path.join(out_dir, CURVES_FILE))
    return paths
