"""`python -m resnet_np evaluate CHECKPOINT`: rebuild a saved model and report its loss and accuracy.

The dataset (name, image size, data folder, subset) is the one recorded in the checkpoint by `train`;
--dataset / --data-dir override it, e.g. when the data has moved.
"""

import dataclasses
import os

from ..data import DATASET_NAMES
from ..errors import UserError
from ..runtime import using
from ..serialization import load, read_model_info
from ..training import TrainConfig, best_checkpoint, build_dataset, evaluate
from .arguments import add_threads_argument, positive_int


def configure(parser):
    parser.add_argument("checkpoint", help="checkpoint or model file (.npz), or a run folder (its best epoch: "
                                           "best.npz)")
    parser.add_argument("--split", choices=("test", "train"), default="test", help="split to evaluate (default test)")
    parser.add_argument("--dataset", choices=DATASET_NAMES, help="evaluate on this dataset instead of the recorded one")
    parser.add_argument("--data-dir", metavar="DIR", help="folder of the dataset files")
    parser.add_argument("--batch-size", metavar="N", type=positive_int, default=500,
                        help="images per forward pass (default 500)")
    add_threads_argument(parser)


def _checkpoint_path(path):
    """The file to evaluate: `path` itself, or for a run folder the checkpoint of its best epoch (and a note
    when that is not best.npz: a run killed before it could update best.npz, see training/run_folder.py)."""
    if os.path.isdir(path):
        return best_checkpoint(path)
    return path, None


def _recorded_config(info, path):
    """The TrainConfig recorded in a checkpoint (meta) or a model file (extra), or None."""
    record = info.get("meta") or info.get("extra") or {}
    config = record.get("config") if isinstance(record, dict) else None
    return None if config is None else TrainConfig.from_dict(config, where=f"{path}: config")


def run(args):
    path, note = _checkpoint_path(args.checkpoint)
    if note is not None:
        print(f"note: {note}")
    info = read_model_info(path)  # UserError for missing, corrupt or foreign files
    model = load(path)
    config = _recorded_config(info, path)
    if config is None and args.dataset is None:
        raise UserError(f"{path} does not record its dataset; pass --dataset")
    if config is None or (args.dataset is not None and args.dataset != config.dataset):
        config = TrainConfig(model=info["architecture"]["name"], dataset=args.dataset,
                             dtype=_model_dtype(model)).resolved()
    if args.data_dir is not None:
        config = dataclasses.replace(config, data_dir=args.data_dir)
    dataset = build_dataset(config)
    x, y = (dataset.x_test, dataset.y_test) if args.split == "test" else (dataset.x_train, dataset.y_train)
    try:
        with using(threads=args.threads):
            result = evaluate(model, x.astype(_model_dtype(model), copy=False), y, batch_size=args.batch_size)
    except ValueError as error:
        raise UserError(f"{path}: the model does not fit the {dataset.name} images ({error})") from None
    epoch = ""
    if info.get("meta", {}).get("epoch") is not None:
        epoch = f" after epoch {info['meta']['epoch']} of {info['meta'].get('epochs', '?')}"
    print(f"{info['architecture']['name']}{epoch} on {dataset.name} {args.split} split "
          f"({result.total} images): loss {result.loss:.4f}, accuracy {100 * result.accuracy:.2f}% "
          f"({result.correct}/{result.total}), error {100 * result.error:.2f}%")
    return 0


def _model_dtype(model):
    return next(param.data.dtype for _, param in model.named_parameters()).name
