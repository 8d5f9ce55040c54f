"""A tape: the library's ops recorded as they run, then replayed backwards, every intermediate gradient kept.

    tape = Tape()
    tape.input("x", x)
    tape.apply("conv1", F.conv2d_forward, F.conv2d_backward, ["x", "w1"], None, 1, 1)   # options after the inputs
    ...
    grads, edges = tape.backward("relu2", dout)
    grads["conv1"]            dL/d(conv1), summed over everything that consumed conv1
    edges["conv1", "x"]       the part of dL/dx that came through conv1 alone

This is a minimal reverse-mode autodiff: where a value feeds several ops (x feeds conv1 and the shortcut), the
gradients arriving along each edge are added, which is the rule a hand-written backward must get right. The
exercise "basic_block_backward" grades each of a student's intermediate gradients against this tape, and the
tests check the hand-written model answer against it too.
"""


class Tape:
    def __init__(self):
        self.values = {}  # name -> array
        self.steps = []  # (output name, input names, backward, cache), in forward order

    def input(self, name, value):
        self.values[name] = value
        return value

    def apply(self, output, forward, backward, inputs, *options):
        """values[output], cache = forward(*values[inputs], *options); remember backward(dout, cache)."""
        out, cache = forward(*(self.values[name] for name in inputs), *options)
        self.values[output] = out
        self.steps.append((output, tuple(inputs), backward, cache))
        return out

    def cache(self, output):
        """The op cache recorded for `output`."""
        return next(cache for name, _, _, cache in self.steps if name == output)

    def backward(self, output, dout):
        """({name: dL/d(value)}, {(consumer, input): the gradient along that one edge}) for L = sum(out * dout)."""
        grads, edges = {output: dout}, {}
        for name, inputs, backward, cache in reversed(self.steps):
            if name not in grads:
                continue
            contributions = backward(grads[name], cache)
            if not isinstance(contributions, tuple):
                contributions = (contributions,)
            # strict=False: an extra output (conv's db, None without a bias) has no input to go to
            for input_name, gradient in zip(inputs, contributions, strict=False):
                edges[name, input_name] = gradient
                grads[input_name] = grads[input_name] + gradient if input_name in grads else gradient
        return grads, edges
