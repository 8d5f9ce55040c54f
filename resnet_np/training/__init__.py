"""Training: the epoch loop, checkpoints that resume exactly, and the results of a run.

    from resnet_np.training import TrainConfig, fit
    result = fit(TrainConfig(epochs=15))       # resnet20 on the built-in digits
    print(result.table)                        # Markdown results table; files in result.out_dir

    # or by hand, with your own model, optimiser and data:
    trainer = Trainer(model, optimizer, DataLoader(x, y, 64, shuffle=True, seed=0), x_test, y_test,
                      schedule=schedule, epochs=10, out_dir="runs/mine")
    history = trainer.fit()
"""

from .builders import (
    build_augmentation,
    build_dataset,
    build_model,
    build_optimizer,
    build_schedule,
    build_train_loader,
)
from .config import TrainConfig
from .evaluation import Evaluation, evaluate
from .history import COLUMNS, History
from .results import format_results_table, plot_history, result_row, write_results
from .run import ResumePoint, RunResult, fit, read_resume_point, resolve_checkpoint
from .run_folder import RunFolder, best_checkpoint, read_training_meta, repair
from .trainer import (
    BEST_CHECKPOINT,
    CHECKPOINT_KIND,
    LAST_CHECKPOINT,
    Trainer,
    TrainingDiverged,
)

__all__ = [
    "BEST_CHECKPOINT",
    "CHECKPOINT_KIND",
    "COLUMNS",
    "Evaluation",
    "History",
    "LAST_CHECKPOINT",
    "ResumePoint",
    "RunFolder",
    "RunResult",
    "TrainConfig",
    "Trainer",
    "TrainingDiverged",
    "build_augmentation",
    "build_dataset",
    "build_model",
    "build_optimizer",
    "build_schedule",
    "best_checkpoint",
    "build_train_loader",
    "evaluate",
    "fit",
    "format_results_table",
    "plot_history",
    "read_resume_point",
    "read_training_meta",
    "repair",
    "resolve_checkpoint",
    "result_row",
    "write_results",
]
