"""`python -m resnet_np train`: train a model and print the results table.

With no arguments: resnet20 on the built-in 8x8 digits, 15 epochs of SGD (lr 0.1, cosine schedule, batch 64,
random 1-pixel shifts): about 98-99% test accuracy in well under a minute on two CPU cores.
Results go to --out (default runs/<model>-<dataset>-<time>).
"""

import argparse
import os
import sys

from ..data import DATASET_DEFAULTS, DATASET_NAMES
from ..errors import Terminated, UserError
from ..optim import SCHEDULE_NAMES
from ..training import LAST_CHECKPOINT, TrainConfig, TrainingDiverged, fit, read_resume_point, read_training_meta
from ..training.config import DTYPE_NAMES, OPTIMIZER_NAMES
from ..training.run import default_out_dir
from .arguments import (
    add_threads_argument,
    fraction_below_one,
    key_value,
    natural_int,
    non_negative_float,
    positive_float,
    positive_int,
)

DEFAULTS = TrainConfig()


def configure(parser):
    add = parser.add_argument
    add("--model", help=f"model name, e.g. resnet20, resnet56, plain20 (default {DEFAULTS.model}; "
                        "a wrong name lists them all)")
    add("--dataset", choices=DATASET_NAMES, help=f"dataset (default {DEFAULTS.dataset})")
    add("--data-dir", metavar="DIR", help="folder of the dataset files (cifar10: see README)")
    add("--download", action="store_true", default=None, help="cifar10: download the archive if it is missing")
    add("--epochs", metavar="N", type=positive_int, help=f"epochs to train (default {DEFAULTS.epochs})")
    add("--batch-size", metavar="N", type=positive_int, help=f"images per SGD step (default {DEFAULTS.batch_size})")
    add("--lr", type=positive_float, help=f"initial learning rate (default {DEFAULTS.lr:g})")
    add("--momentum", type=fraction_below_one, help=f"SGD momentum, in [0, 1) (default {DEFAULTS.momentum:g})")
    add("--weight-decay", type=non_negative_float,
        help=f"L2 weight decay on conv/linear weights, not BN or biases (default {DEFAULTS.weight_decay:g})")
    add("--optimizer", choices=OPTIMIZER_NAMES, help=f"optimiser (default {DEFAULTS.optimizer})")
    add("--schedule", choices=SCHEDULE_NAMES, help=f"learning-rate schedule (default {DEFAULTS.schedule})")
    add("--warmup-epochs", metavar="N", type=natural_int,
        help="epochs of linear lr warm-up, fewer than --epochs (default 0)")
    add("--seed", metavar="N", type=natural_int, help=f"seed of initialisation, data order and augmentation "
                                         f"(default {DEFAULTS.seed})")
    add("--dtype", choices=DTYPE_NAMES, help=f"floating-point type (default {DEFAULTS.dtype})")
    sizes = ", ".join(f"{name} {defaults['image_size']}" for name, defaults in DATASET_DEFAULTS.items())
    flipped = " and ".join(name for name, defaults in DATASET_DEFAULTS.items() if defaults["flip"])
    add("--image-size", metavar="SIZE", type=positive_int, help=f"resize images to SIZE x SIZE (default: {sizes})")
    add("--augment", action=argparse.BooleanOptionalAction, default=None,
        help=f"random crop (and flip for {flipped}) of the training images (default on)")
    add("--train-samples", type=positive_int, metavar="N", help="train on a fixed random subset of N images")
    add("--test-samples", type=positive_int, metavar="N", help="evaluate on a fixed random subset of N images")
    add("--model-arg", type=key_value, action="append", metavar="KEY=VALUE", default=None,
        help="extra argument of the model constructor, e.g. --model-arg depth=8 (repeatable)")
    add("--dataset-arg", type=key_value, action="append", metavar="KEY=VALUE", default=None,
        help="extra dataset option, e.g. --dataset-arg difficulty=0.5 for synthetic (repeatable)")
    add("--out", metavar="DIR", help="output folder (default runs/<model>-<dataset>-<date>-<time>)")
    add("--resume", nargs="?", const="", metavar="PATH",
        help="continue a run from a checkpoint or run folder (alone: from --out's last.npz) with the settings it "
             "was trained with; only --out, --threads, --stop-after, --data-dir and --extend may be given")
    add("--extend", type=positive_int, metavar="EPOCHS",
        help="with --resume: train on to EPOCHS epochs in total, past the run's plan; the lr schedule is "
             "re-planned over EPOCHS epochs (cosine and multistep raise the lr again)")
    add("--stop-after", type=positive_int, metavar="EPOCHS",
        help="stop once this many epochs are done (continue later with --resume)")
    add("--overwrite", action="store_true", help="allow --out to be a folder that already holds a run (its "
                                                 "files are deleted first)")
    add_threads_argument(parser)
    add("--quiet", action="store_true", help="print only the results table")


def _given_settings(args):
    """The TrainConfig settings given on the command line (None = not given)."""
    settings = {
        "model": args.model, "dataset": args.dataset, "data_dir": args.data_dir, "download": args.download,
        "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr, "momentum": args.momentum,
        "weight_decay": args.weight_decay, "optimizer": args.optimizer, "schedule": args.schedule,
        "warmup_epochs": args.warmup_epochs, "seed": args.seed, "dtype": args.dtype, "image_size": args.image_size,
        "augment": args.augment, "train_samples": args.train_samples, "test_samples": args.test_samples,
        "model_options": dict(args.model_arg) if args.model_arg else None,
        "dataset_options": dict(args.dataset_arg) if args.dataset_arg else None,
    }
    return {key: value for key, value in settings.items() if value is not None}


def run(args):
    given = _given_settings(args)
    if args.optimizer == "adam" and args.momentum is not None:
        raise UserError("--momentum applies to SGD only; Adam keeps its own running averages (drop --momentum)")
    if args.extend is not None and args.resume is None:
        raise UserError("--extend trains a run on past its plan: it needs --resume (a new run takes --epochs)")
    resume, config = None, None
    if args.resume is not None:
        if args.resume == "" and args.out is None:
            raise UserError("--resume without a path needs --out DIR (the run folder to continue)")
        # the checkpoint is found and its meta read here, once; fit() takes the settings from it
        resume = read_resume_point(args.resume or args.out, given, extend_to=args.extend)
        out_dir = args.out or resume.run_folder
    else:
        config = TrainConfig(**given).resolved()
        out_dir = args.out or default_out_dir(config)
    log = None if args.quiet else print
    try:
        result = fit(config, out_dir=out_dir, resume=resume, progress=False if args.quiet else None, log=log,
                     stop_after=args.stop_after, threads=args.threads, overwrite=args.overwrite)
    except TrainingDiverged as error:
        print(f"error: {error}", flush=True, file=sys.stderr)
        return 1
    except KeyboardInterrupt as interrupt:  # Ctrl-C, or SIGTERM (the command line turns it into Terminated)
        print("\n" + _interrupted_line(interrupt, out_dir), file=sys.stderr)
        return 143 if isinstance(interrupt, Terminated) else 130
    if not args.quiet:
        print()
    print(result.table)
    if not args.quiet:
        done, planned = result.history[-1]["epoch"], result.config.epochs
        if done < planned:
            print(f"\nstopped after epoch {done} of {planned}; continue with: "
                  f"python -m resnet_np train --resume {out_dir}")
        files = ", ".join(sorted(os.path.basename(path) for path in result.paths.values()
                                 if path and os.path.exists(path)))
        print(f"\ntest accuracy {100 * result.test_accuracy:.2f}%; files in {out_dir}: {files}")
    return 0


def _interrupted_line(interrupt, out_dir):
    """The one line printed when a run is stopped by Ctrl-C or SIGTERM: what is kept and how to continue."""
    what = "terminated" if isinstance(interrupt, Terminated) else "interrupted"
    last = os.path.join(out_dir, LAST_CHECKPOINT)
    try:
        epoch = read_training_meta(last)["epoch"]
    except UserError:  # no checkpoint yet (or not a readable one)
        return f"{what} before the first epoch was saved; nothing to resume in {out_dir}"
    return f"{what}; {last} (epoch {epoch}) is kept; continue with: python -m resnet_np train --resume {out_dir}"
