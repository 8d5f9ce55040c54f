"""summary(model, input_shape): a table of every layer's output shape, parameters and multiply-adds, with totals.

    import resnet_np as rn
    info = rn.summary(rn.models.resnet50(), (3, 224, 224))       # prints the table
    info.total_multiply_adds / 1e9                              # 4.09 (3.8 with stride_on_first=True, Table 1)

Multiply-adds are counted for ONE image, as the paper's "FLOPs" (Table 1) are:
    conv    out_channels * in_channels * kh * kw * out_h * out_w   (no bias: ResNet convs have none)
    linear  in_features * out_features
    BatchNorm, ReLU, pooling and the residual additions count 0 (they are a small fraction, and the paper
    counts only multiply-adds of conv and fc layers).
Nothing is computed on data: shapes are propagated analytically through every module (Module.infer_shape), so
a summary of ResNet-152 at 224x224 takes milliseconds. This works for any module, down to a single Conv2d.
"""

from typing import NamedTuple

from .nn.module import Module


class SummaryRow(NamedTuple):
    name: str  # dotted name in the model ("" for the model itself)
    kind: str  # e.g. "Conv2d 3->64, 7x7, stride 2, padding 3"
    depth: int  # 0 for the model, 1 for its children, ...
    input_shape: tuple
    output_shape: tuple
    parameters: int  # of this module and everything inside it
    multiply_adds: int  # per image, of this module and everything inside it
    is_leaf: bool


class Summary(NamedTuple):
    rows: list  # SummaryRow, in forward order, parents before their children
    input_shape: tuple
    output_shape: tuple
    total_parameters: int
    total_multiply_adds: int  # per image
    parameter_bytes: int

    def table(self, max_depth=3):
        """The table as text, showing modules down to max_depth (totals always include everything)."""
        shown = [row for row in self.rows if row.depth <= max_depth]
        labels = ["  " * row.depth + (f"{row.name} ({row.kind})" if row.name else row.kind) for row in shown]
        header = ("Layer (type)", "Output shape", "Param #", "Mult-adds")
        cells = [(label, str(row.output_shape), f"{row.parameters:,}", f"{row.multiply_adds:,}")
                 for label, row in zip(labels, shown, strict=True)]
        widths = [max(len(text) for text in column) for column in zip(header, *cells, strict=True)]

        def line(values):
            return "  ".join([values[0].ljust(widths[0])] + [value.rjust(width) for value, width
                                                             in zip(values[1:], widths[1:], strict=True)])

        rule = "=" * len(line(header))
        text = [rule, line(header), rule] + [line(cell) for cell in cells] + [rule]
        text += [
            f"Input shape: {self.input_shape}    Output shape: {self.output_shape}",
            f"Total parameters: {self.total_parameters:,}  ({self.parameter_bytes / 1e6:.1f} MB)",
            f"Multiply-adds per image: {self.total_multiply_adds:,}  ({self.total_multiply_adds / 1e9:.2f} x 10^9;"
            " conv and fc only)",
            rule,
        ]
        return "\n".join(text)

    def __str__(self):
        return self.table()


class _ShapeTrace:
    """Records begin/end of every module's infer_shape, so composite rows can sum their descendants."""

    def __init__(self, root):
        self.names = {id(module): name for name, module in root.named_modules()}
        self.entries = []  # [module, input_shape, output_shape, depth, index of the last descendant entry]
        self.depth = 0

    def begin(self, module, input_shape):
        self.entries.append([module, input_shape, None, self.depth, None])
        self.depth += 1
        return len(self.entries) - 1

    def end(self, token, output_shape):
        self.depth -= 1
        self.entries[token][2] = output_shape
        self.entries[token][4] = len(self.entries) - 1


def summary(model, input_shape, max_depth=3, verbose=True):
    """Propagate input_shape ((C, H, W) or (N, C, H, W)) through model; print the table if verbose; return a Summary.

    max_depth: deepest level printed (the model is depth 0); the returned rows hold every module.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: model must be a resnet_np Module, got {type(model).__name__}")
    input_shape = tuple(int(size) for size in input_shape)
    if len(input_shape) == 3:
        input_shape = (1,) + input_shape
    if len(input_shape) != 4 or min(input_shape) < 1:
        raise ValueError(f"summary: input_shape must be (C, H, W) or (N, C, H, W) of positive sizes, "
                         f"got {input_shape}")
    trace = _ShapeTrace(model)
    output_shape = model.infer_shape(input_shape, trace)

    own_multiply_adds = [int(module.multiply_adds(shape)) for module, shape, _, _, _ in trace.entries]
    rows = []
    for index, (module, shape_in, shape_out, depth, last) in enumerate(trace.entries):
        extra = module.extra_repr()
        rows.append(SummaryRow(
            name=trace.names.get(id(module), "?"),
            kind=f"{type(module).__name__} {extra}" if extra else type(module).__name__,
            depth=depth, input_shape=shape_in, output_shape=shape_out,
            parameters=module.num_parameters(),
            multiply_adds=int(sum(own_multiply_adds[index:last + 1])),
            is_leaf=not module._modules,
        ))
    result = Summary(
        rows=rows, input_shape=input_shape, output_shape=output_shape,
        total_parameters=model.num_parameters(),
        total_multiply_adds=int(sum(own_multiply_adds)),
        parameter_bytes=int(sum(parameter.data.nbytes for parameter in model.parameters())),
    )
    if verbose:
        print(result.table(max_depth))
    return result


def multiply_adds(module, input_shape):
    """Multiply-adds for one image of shape (C, H, W) through module (no printing)."""
    return summary(module, input_shape, verbose=False).total_multiply_adds

