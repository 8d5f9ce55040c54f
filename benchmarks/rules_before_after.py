"""The engine's rules before and after issue 25's third round, step against step in one process:
`python benchmarks/rules_before_after.py [--threads N]`.

Float32 resnet20 training steps at the small sizes, alternating step by step between three settings of the same
code: "before" (positions-major convs only on output planes of at most 8x8, forward from 16 input channels and
backward from 32; value-wise ops split into chunks from 128 Ki values), "chunks now" (the same routes, chunks from
chunks.MIN_VALUES_PER_CHUNK values) and "now" (the rules as they are). Median ms, and the median of each round's
ratio to "before" (steps a fraction of a second apart slow down alike on a shared machine).
"""

import argparse

from resnet_np import runtime
from resnet_np.bench.machine import describe, threads_for_both
from resnet_np.bench.small_sizes import compare_variants
from resnet_np.bench.timing import temporarily
from resnet_np.fast import chunks, conv_channels_last

BEFORE_MIN_VALUES_PER_CHUNK = 1 << 17
BEFORE_MAX_POSITIONS = 64  # output positions per image, both directions
BEFORE_MIN_BACKWARD_CHANNELS = 32


def _before_forward_pays(geometry, w_shape):
    stride_h, stride_w, _, _, out_h, out_w = geometry
    return stride_h == stride_w == 1 and w_shape[1] >= conv_channels_last.MIN_CHANNELS \
        and out_h * out_w <= BEFORE_MAX_POSITIONS


def _before_backward_pays(geometry, w_shape):
    return _before_forward_pays(geometry, w_shape) and w_shape[1] >= BEFORE_MIN_BACKWARD_CHANNELS


SETTINGS = {  # name -> (forward rule, backward rule, least values per value-wise chunk)
    "before": (_before_forward_pays, _before_backward_pays, BEFORE_MIN_VALUES_PER_CHUNK),
    "chunks now": (_before_forward_pays, _before_backward_pays, chunks.MIN_VALUES_PER_CHUNK),
    "now": (conv_channels_last.forward_pays, conv_channels_last.backward_pays, chunks.MIN_VALUES_PER_CHUNK),
}


def _under(setting):
    """wrap(step) for compare_variants: step run under one of SETTINGS."""
    forward_pays, backward_pays, min_values = SETTINGS[setting]

    def wrap(step):
        def run():
            with temporarily(conv_channels_last, forward_pays=forward_pays, backward_pays=backward_pays), \
                    temporarily(chunks, MIN_VALUES_PER_CHUNK=min_values):
                step()

        return run

    return wrap


def run(repeats):
    return compare_variants({name: _under(name) for name in SETTINGS}, repeats)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=31)
    parser.add_argument("--threads", type=int, default=None, help="default: every core")
    args = parser.parse_args()
    with threads_for_both(args.threads), runtime.using(backend="fast"):  # the engine, whatever the environment
        print(describe(), end="\n\n")
        print(run(args.repeats))
