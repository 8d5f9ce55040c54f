"""What every demo shares: the result record, the output folder, CSV and PNG writing, one figure style.

Figures use matplotlib's object API with the Agg canvas (no pyplot, no window, no global backend change) and a
style made for a projector: large fonts, thick lines, a light grid. Every file is written atomically
(temp file + os.replace, resnet_np.atomic), so an interrupted demo never leaves half a PNG or CSV.
"""

import contextlib
import csv
import io
import math
import os
from dataclasses import dataclass, field

import numpy as np

from ..atomic import atomic_write
from ..language import font_settings
from ..nn import BatchNorm2d, Module

DEFAULT_ROOT = "demo_output"
DPI = 130
STYLE = {
    "font.size": 15,
    "axes.titlesize": 17,
    "axes.labelsize": 15,
    "figure.titlesize": 19,
    "legend.fontsize": 12,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "lines.linewidth": 2.4,
    "lines.markersize": 7,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
TEXT_SIZES = ("font.size", "axes.titlesize", "axes.labelsize", "figure.titlesize", "legend.fontsize",
              "xtick.labelsize", "ytick.labelsize")
# The smallest text of a figure, in points per inch of its width: a wide figure (three panels side by side) shown
# at a web page's column width C px still draws its tick labels and legends >= C / 111 px tall (>= 9 px at 1000 px).
TEXT_POINTS_PER_INCH = 0.65
PLAIN_STYLE = {"linestyle": "--", "marker": "s"}
RESIDUAL_STYLE = {"linestyle": "-", "marker": "o"}


@dataclass
class DemoResult:
    """What a demo returns: the files it wrote, the numbers behind them and the printed reading."""

    name: str
    out_dir: str
    figures: list = field(default_factory=list)  # PNG paths
    tables: list = field(default_factory=list)  # CSV paths
    numbers: dict = field(default_factory=dict)
    reading: str = ""  # in the first language asked for
    seconds: float = 0.0
    readings: dict = field(default_factory=dict)  # language -> reading, for every language asked for

    def __post_init__(self):
        if not self.readings:
            self.readings = {"en": self.reading}
        if not self.reading:
            self.reading = next(iter(self.readings.values()))

    def __str__(self):
        files = ", ".join(os.path.basename(path) for path in self.figures + self.tables)
        readings = "\n\n".join(self.readings.values())
        return f"{readings}\n\n[{self.name}: {files} in {self.out_dir}; {self.seconds:.1f}s]"


def output_dir(name, out_dir=None):
    """The folder for a demo's files (default demo_output/<name>), created if needed."""
    path = os.path.join(DEFAULT_ROOT, name) if out_dir is None else os.fspath(out_dir)
    os.makedirs(path, exist_ok=True)
    return path


def settings(quick, presets, given):
    """The preset for quick/full mode, overridden by the keyword arguments the caller gave (not None)."""
    chosen = dict(presets["quick" if quick else "full"])
    unknown = sorted(set(given) - set(chosen))
    if unknown:
        raise TypeError(f"unknown setting(s) {', '.join(unknown)}; valid: {', '.join(sorted(chosen))}")
    chosen.update({key: value for key, value in given.items() if value is not None})
    return chosen


def format_number(value):
    """A cell of a CSV file: floats with 8 significant digits, everything else as str."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.8g}"
    return str(value)


def write_csv(path, header, rows):
    """Write a CSV file atomically: a header row, then one row per item of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"write_csv {path}: a row has {len(row)} cells, the header {len(header)}")
        writer.writerow([format_number(value) for value in row])
    atomic_write(path, lambda file: file.write(buffer.getvalue().encode("utf-8")))
    return os.fspath(path)


def style(width):
    """STYLE for a figure `width` inches wide: no text smaller than TEXT_POINTS_PER_INCH * width points."""
    smallest = TEXT_POINTS_PER_INCH * width
    return {key: max(value, smallest) if key in TEXT_SIZES else value for key, value in STYLE.items()}


@contextlib.contextmanager
def figure(path, nrows=1, ncols=1, figsize=(11, 6.5), language="en", **subplot_options):
    """Yield (figure, axes 2-D array) in the projector style; on leaving the block save it as a PNG at `path`.

    language: "ko" draws the text in a font with Hangul (resnet_np.language.font_settings); pass the same language to
    language.figure_file for the file name.
    """
    import matplotlib  # late: matplotlib is slow to import
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context({**style(figsize[0]), **font_settings(language)}):
        fig = Figure(figsize=figsize, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_options)
        yield fig, axes
        if language != "en":
            # Tick labels: DejaVu Sans first, the Hangul font after it for Korean words. Log axes write 10^-2 as
            # math text, which takes its minus sign (U+2212) from the first font only, and the Hangul font has none
            # (matplotlib would draw a box and only log it).
            for ax in fig.axes:  # colour bars included
                ax.tick_params(which="both", labelfontfamily=["DejaVu Sans", *matplotlib.rcParams["font.family"]])
        # The file's name as its PNG Title: a figure shown inline (a notebook) still says which file it is
        atomic_write(path, lambda file: fig.savefig(file, format="png", dpi=DPI,
                                                    metadata={"Title": os.path.basename(path)}))


def kind_color(residual, index=0, count=1):
    """Plain nets in blues, residual nets in reds; the deeper (higher index of count), the darker."""
    import matplotlib  # late: matplotlib is slow to import

    colormap = matplotlib.colormaps["Reds" if residual else "Blues"]
    shade = 0.85 if count == 1 else 0.45 + 0.5 * index / (count - 1)
    return colormap(shade)


def readable_log_axis(axis):
    """Label a log-scale axis (ax.yaxis / ax.xaxis) with plain numbers (0.5, 2, 10), as densely as its range allows.

    Call it after plotting: ticks at 1, 2, 3, 5 x 10^k over a small range, 1, 2, 5 over a few decades, 1 beyond.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    low, high = sorted(axis.get_view_interval())
    decades = math.log10(high / low) if low > 0 else float("inf")
    subs = (1.0, 2.0, 3.0, 5.0) if decades <= 1.5 else (1.0, 2.0, 5.0) if decades <= 3 else (1.0,)
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def orders_of_magnitude(value):
    """|log10(value)|: how many powers of ten `value` is away from 1."""
    return abs(math.log10(value)) if value > 0 else float("inf")


def fit_line(x, y):
    """Least-squares line y = slope * x + intercept -> (slope, intercept, r_squared)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    total = np.sum((y - y.mean()) ** 2)
    r_squared = 1.0 - np.sum(residual**2) / total if total > 0 else 1.0
    return float(slope), float(intercept), float(r_squared)


class PassThrough(Module):
    """out = x, dx = dout: stands in for a removed layer (used to take BatchNorm out of a network)."""

    def forward(self, x):
        return x

    def _backward(self, dout):
        return dout

    def output_shape(self, input_shape, trace=None):
        return input_shape


def remove_batchnorm(model):
    """Replace every BatchNorm2d inside `model` by a PassThrough (in place); returns the number replaced.

    The blocks call their layers by attribute (self.bn1(x)), so re-assigning the attribute is enough.
    """
    replaced = 0
    for _, module in model.named_modules():
        for name, child in list(module._modules.items()):
            if isinstance(child, BatchNorm2d):
                setattr(module, name, PassThrough())
                replaced += 1
    return replaced


def set_batchnorm_to_batch_statistics(model, x):
    """One train-mode forward of x with momentum 1: every BatchNorm's running statistics become those of x.

    Afterwards, in eval mode, the network normalises exactly as at initialisation in train mode, but each
    image is processed on its own (no coupling through the batch), so per-image gradients are well defined.
    """
    layers = [module for module in model.modules() if isinstance(module, BatchNorm2d)]
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.momentum = 1.0
    model.train()
    model(x)
    for layer, momentum in zip(layers, momenta, strict=True):
        layer.momentum = momentum
    model.eval()
    return model


def model_label(depth, residual):
    """The paper's names: resnet56 / plain56."""
    return f"{'resnet' if residual else 'plain'}{depth}"
