"""`python -m resnet_np gradcheck`: every op's backward against central differences, as a table."""

from ..gradcheck_suite import TOLERANCE, format_table, run_all
from .arguments import positive_float


def configure(parser):
    parser.add_argument("--tolerance", metavar="TOL", type=positive_float, default=TOLERANCE,
                        help=f"largest relative error that passes (default {TOLERANCE:g})")


def run(args):
    rows, all_passed = run_all(args.tolerance)
    print(format_table(rows))
    failed = sum(not row[3] for row in rows)
    print(f"\n{len(rows) - failed} passed, {failed} failed (float64, random upstream gradient, "
          f"tolerance {args.tolerance:g})")
    return 0 if all_passed else 1
