"""`python -m resnet_np demo NAME`: run a lecture demo - PNG figures, the CSV numbers behind them, a reading.

    python -m resnet_np demo --list                        # every demo, one line each
    python -m resnet_np demo gradient-flow                 # full size, into demo_output/gradient-flow/
    python -m resnet_np demo gradient-flow --quick --no-bn --out /tmp/gf
    python -m resnet_np demo bn-variance --lang ko         # figures and reading in Korean (name.ko.png)
    python -m resnet_np demo degradation --data-dir data/cifar-10-batches-py
    python -m resnet_np demo feature-maps --checkpoint runs/mine/best.npz
    python -m resnet_np demo degradation --set epochs=30 --set depths=[20,110]
"""

import textwrap

from ..errors import UserError
from ..language import LANGUAGES
from .arguments import add_threads_argument, key_value, natural_int


def configure(parser):
    parser.add_argument("name", nargs="?", metavar="NAME", help="the demo to run (see --list)")
    parser.add_argument("--list", action="store_true", help="describe every demo and exit")
    parser.add_argument("--quick", action="store_true", help="small sizes: under a minute (the full size is what "
                                                             "a lecture shows)")
    parser.add_argument("--out", metavar="DIR", help="output folder (default demo_output/NAME)")
    parser.add_argument("--seed", type=natural_int, help="seed of the random weights and data (default 0)")
    parser.add_argument("--no-bn", action="store_true", help="gradient-flow: take every BatchNorm out")
    parser.add_argument("--data-dir", metavar="DIR", help="degradation: train on CIFAR-10 from this folder; "
                                                          "feature-maps: where the checkpoint's data lives")
    parser.add_argument("--checkpoint", metavar="PATH", help="feature-maps: a model or checkpoint written by train")
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help="language of the figures and the reading: en or ko (한국어); default: the "
                             "environment's RESNET_NP_LANG, else en")
    add_threads_argument(parser)
    parser.add_argument("--set", type=key_value, action="append", metavar="KEY=VALUE", default=None,
                        help="override a size of the demo, e.g. --set epochs=30 --set depths=[20,110] "
                             "(repeatable; a wrong key lists the valid ones)")


def _listing():
    from ..demos import list_demos

    lines = ["Demos (python -m resnet_np demo NAME [--quick] [--out DIR]):"]
    for name, description in list_demos().items():
        wrapped = textwrap.wrap(description, width=96)
        lines.append(f"  {name:<20} {wrapped[0]}")
        lines += [f"  {'':<20} {line}" for line in wrapped[1:]]
    return "\n".join(lines)


def run(args):
    if args.list:
        print(_listing())
        return 0
    if args.name is None:
        from ..demos import DEMOS

        raise UserError(f"give a demo name or --list; demos: {', '.join(DEMOS)}")
    from ..demos import run_demo

    options = {"lang": args.lang}
    if args.seed is not None:
        options["seed"] = args.seed
    if args.no_bn:
        options["no_bn"] = True
    if args.data_dir is not None:
        options["data_dir"] = args.data_dir
    if args.checkpoint is not None:
        options["checkpoint"] = args.checkpoint
    for key, value in args.set or []:
        if key in ("quick", "out_dir", "verbose", "threads") or key in options:
            raise UserError(f"--set {key}=...: use the command-line flag instead")
        options[key] = tuple(value) if isinstance(value, list) else value
    # run_demo raises UserError for a name or a --set key the demo does not know
    run_demo(args.name, quick=args.quick, out_dir=args.out, threads=args.threads, **options)
    return 0
