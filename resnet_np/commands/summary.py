"""`python -m resnet_np summary MODEL`: print a model's layers, output shapes, parameters and multiply-adds.

    python -m resnet_np summary resnet50                      # at 224x224 (32x32 for the CIFAR models)
    python -m resnet_np summary resnet50 --stride-on-first    # the paper's stride placement (Table 1: 3.8 GMACs)
    python -m resnet_np summary resnet20 --input-size 32 --in-channels 1 --num-classes 10 --depth 2
"""

from ..errors import UserError
from ..models import get_model
from ..summary import summary
from .arguments import natural_int, positive_int


def configure(parser):
    parser.add_argument("model", help="model name, e.g. resnet20 or resnet50 (see resnet_np.models.list_models())")
    parser.add_argument("--input-size", metavar="SIZE", type=positive_int, default=None,
                        help="height and width of the input image (default: 224 for ImageNet models, 32 for CIFAR)")
    parser.add_argument("--in-channels", metavar="N", type=positive_int, default=None,
                        help="input channels (default 3; 1 for grayscale)")
    parser.add_argument("--num-classes", metavar="N", type=positive_int, default=None,
                        help="number of classes (default: 1000 for ImageNet models, 10 for CIFAR)")
    parser.add_argument("--stride-on-first", action="store_true",
                        help="bottleneck models: stride on the first 1x1 conv, as in the paper")
    parser.add_argument("--depth", metavar="N", type=natural_int, default=3,
                        help="deepest level of modules shown, 0 for the model alone (default 3)")


def run(args):
    options = {}
    if args.in_channels is not None:
        options["in_channels"] = args.in_channels
    if args.num_classes is not None:
        options["num_classes"] = args.num_classes
    if args.stride_on_first:
        options["stride_on_first"] = True
    try:
        model = get_model(args.model, **options)
        size = model.default_input_size if args.input_size is None else args.input_size
        in_channels = model.architecture.get("in_channels", 3)
        summary(model, (in_channels, size, size), max_depth=args.depth)
    except ValueError as error:
        raise UserError(f"summary {args.model}: {error}") from error
    return 0
