"""Training: loss goes down, resuming is bit-for-bit exact, NaN stops cleanly, results and checkpoints are sound.

Every run here is tiny (a depth-8 ResNet with widths 4, 8, 16 on 8x8 synthetic images of 4 classes), so the file runs in
seconds, also with NUMBA_DISABLE_JIT=1.
"""

import math

import numpy as np
import pytest

from resnet_np.errors import UserError
from resnet_np.serialization import load, load_checkpoint
from resnet_np.training import (
    COLUMNS,
    TrainConfig,
    Trainer,
    TrainingDiverged,
    build_dataset,
    build_model,
    build_optimizer,
    build_schedule,
    build_train_loader,
    evaluate,
    fit,
    format_results_table,
    read_resume_point,
    read_training_meta,
)
from resnet_np.training.results import format_seconds


def tiny_config(**changes):
    settings = dict(
        model="cifar_resnet", model_options={"depth": 8, "widths": [4, 8, 16]}, dataset="synthetic",
        dataset_options={"n_train": 160, "n_test": 64, "num_classes": 4, "difficulty": 0.05}, image_size=8,
        epochs=4, batch_size=16, lr=0.1, schedule="cosine", crop_padding=1, flip=True, seed=3,
    )
    settings.update(changes)
    return TrainConfig(**settings)


def run(out_dir, **kwargs):
    config = kwargs.pop("config", None) or tiny_config()
    return fit(config, out_dir=str(out_dir), progress=False, log=None, threads=1, **kwargs)


def build_trainer(config, out_dir):
    config = config.resolved()
    dataset = build_dataset(config)
    model = build_model(config, dataset)
    optimizer = build_optimizer(config, model)
    return Trainer(model, optimizer, build_train_loader(config, dataset), dataset.x_test, dataset.y_test,
                   schedule=build_schedule(config, optimizer), epochs=config.epochs, out_dir=str(out_dir),
                   meta={"config": config.to_dict()}, progress=False, log=None)


def assert_same_state(a, b):
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert np.array_equal(a[name], b[name]), name


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """A 4-epoch run, trained without interruption."""
    return run(tmp_path_factory.mktemp("straight"))


# ---- training ---------------------------------------------------------------------------------------------


def test_training_reduces_the_loss(straight):
    history = straight.history
    assert len(history) == 4
    assert history[-1]["train_loss"] < 0.7 * history[0]["train_loss"]
    assert history[-1]["test_loss"] < history[0]["test_loss"]
    assert history[-1]["test_error"] < 0.3  # 4 classes: chance is 0.75


def test_history_records_the_schedule_and_valid_numbers(straight):
    lrs = straight.history.column("lr")
    assert lrs[0] == 0.1 and all(lrs[k + 1] < lrs[k] for k in range(len(lrs) - 1))  # cosine decay
    for record in straight.history:
        assert 0 <= record["train_error"] <= 1 and 0 <= record["test_error"] <= 1
        assert record["epoch_seconds"] > 0 and record["images_per_second"] > 0


def test_training_runs_batchnorm_in_train_mode_and_evaluation_in_eval_mode(straight):
    model = straight.model
    assert not model.training  # fit leaves the model ready for inference
    means = [array for name, array in model.state_dict().items() if name.endswith("running_mean")]
    assert means and any(np.abs(mean).max() > 0 for mean in means)  # train mode updated the running stats
    before = {name: array.copy() for name, array in model.state_dict().items()}
    dataset = build_dataset(straight.config)
    result = evaluate(model, dataset.x_test, dataset.y_test, batch_size=20)
    assert_same_state(before, model.state_dict())  # eval mode: running statistics untouched
    assert result.total == 64 and result.error == pytest.approx(straight.history[-1]["test_error"])


def test_same_seed_gives_the_same_run_and_another_seed_a_different_one(tmp_path, straight):
    again = run(tmp_path / "again")
    assert_same_state(straight.model.state_dict(), again.model.state_dict())
    assert again.history.without_timing() == straight.history.without_timing()
    other = run(tmp_path / "other", config=tiny_config(seed=4), stop_after=1)
    first = "conv1.weight"
    assert not np.array_equal(other.model.state_dict()[first], straight.model.state_dict()[first])


# ---- resuming -------------------------------------------------------------------------------------------


def test_resume_reproduces_the_uninterrupted_run_bit_for_bit(tmp_path, straight):
    half = run(tmp_path, stop_after=2)
    assert len(half.history) == 2 and read_training_meta(tmp_path / "last.npz")["epoch"] == 2
    resumed = fit(resume=str(tmp_path), progress=False, log=None, threads=1)
    assert len(resumed.history) == 4
    assert_same_state(straight.model.state_dict(), resumed.model.state_dict())
    assert resumed.history.without_timing() == straight.history.without_timing()
    # the optimiser's momentum buffers too: a further epoch would start from the same state
    straight_sections = load_checkpoint(straight.paths["last.npz"]).sections
    resumed_sections = load_checkpoint(str(tmp_path / "last.npz")).sections
    for section in ("optimizer", "schedule"):
        assert_same_state(straight_sections[section], resumed_sections[section])


def test_an_extended_run_continues_the_schedule_of_the_new_length(tmp_path):
    run(tmp_path, config=tiny_config(epochs=2))
    with pytest.raises(UserError, match="cannot change epochs when resuming.*--extend 3"):
        fit(tiny_config(epochs=3), resume=str(tmp_path / "last.npz"), progress=False, log=None, threads=1)
    with pytest.raises(UserError, match="cannot extend .* to 2 epochs: it is planned for 2"):
        fit(resume=str(tmp_path), extend_to=2, progress=False, log=None, threads=1)
    lines = []
    longer = fit(resume=str(tmp_path / "last.npz"), extend_to=3, progress=False, log=lines.append, threads=1)
    assert any("extending the run from 2 to 3 epochs: the cosine schedule is re-planned" in line for line in lines)
    assert [record["epoch"] for record in longer.history] == [1, 2, 3]
    # cosine over 3 epochs, at epoch index 2: lr = 0.1 * (1 + cos(2 pi / 3)) / 2
    assert longer.history[2]["lr"] == pytest.approx(0.1 * (1 + math.cos(2 * math.pi / 3)) / 2)
    assert read_training_meta(tmp_path / "last.npz")["config"]["epochs"] == 3


def test_resume_refuses_to_change_what_the_finished_epochs_depend_on(tmp_path):
    run(tmp_path, stop_after=2)
    path = str(tmp_path / "last.npz")
    with pytest.raises(UserError, match="cannot change lr when resuming"):
        read_resume_point(path, {"lr": 0.5})
    with pytest.raises(UserError, match="cannot change epochs when resuming.*--stop-after"):
        read_resume_point(path, {"epochs": 3})
    start = read_resume_point(str(tmp_path), {"eval_batch_size": 7, "seed": 3})  # a run folder: its last.npz
    assert start.path == path and start.config.eval_batch_size == 7 and start.saved_config.eval_batch_size == 500
    assert start.meta["epoch"] == 2 and start.run_folder == str(tmp_path)


# ---- divergence -----------------------------------------------------------------------------------------


def test_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path):
    trainer = build_trainer(tiny_config(), tmp_path)
    trainer.fit(stop_after=1)
    last = tmp_path / "last.npz"
    saved_bytes = last.read_bytes()
    trainer.train_loader.x[...] = np.nan  # every batch of epoch 2 now gives a NaN loss
    with pytest.raises(TrainingDiverged, match=r"training loss became nan in epoch 2.*last good checkpoint"):
        trainer.fit()
    assert last.read_bytes() == saved_bytes
    # the bad step was refused: the weights are still those of the checkpoint (the NaN forward pass did reach
    # BatchNorm's running statistics in memory, which is why the checkpoint on disk is what counts)
    saved = load(str(last)).state_dict()
    for name, param in trainer.model.named_parameters():
        assert np.array_equal(saved[name], param.data), name
    assert len(trainer.history) == 1


def test_an_absurd_learning_rate_stops_with_a_clear_message(tmp_path):
    with pytest.raises(TrainingDiverged, match="Try a smaller learning rate"):
        run(tmp_path, config=tiny_config(lr=1e6, schedule="constant"))


# ---- files ----------------------------------------------------------------------------------------------


def test_checkpoints_are_plain_npz_files_that_rebuild_the_model(straight):
    for name in ("last.npz", "best.npz"):
        with np.load(straight.paths[name], allow_pickle=False) as archive:
            assert all(archive[key].dtype != object for key in archive.files)
    meta = read_training_meta(straight.paths["last.npz"])
    assert meta["epoch"] == 4 and meta["loader"] == {"seed": 3, "epoch": 4}
    assert meta["dataset"]["name"] == "synthetic" and meta["config"]["model"] == "cifar_resnet"
    rebuilt = load(straight.paths["last.npz"])
    x = np.random.default_rng(0).standard_normal((3, 1, 8, 8)).astype(np.float32)
    straight.model.eval()
    assert np.array_equal(rebuilt(x), straight.model(x))
    best = read_training_meta(straight.paths["best.npz"])
    assert best["epoch"] == straight.history.best()["epoch"]


def test_results_are_written_as_csv_markdown_and_png(straight):
    lines = open(straight.paths["history"]).read().splitlines()
    assert lines[0].split(",") == list(COLUMNS) and len(lines) == 5
    assert float(lines[-1].split(",")[COLUMNS.index("test_error")]) == straight.history[-1]["test_error"]
    markdown = open(straight.paths["results"]).read()
    assert straight.table in markdown and "cifar_resnet" in straight.table
    assert f"{100 * straight.history[-1]['test_error']:.2f}" in straight.table
    with open(straight.paths["curves"], "rb") as file:
        png = file.read()
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_results_table_lines_up_and_formats_times():
    rows = [{"model": "resnet20", "dataset": "digits", "params": "269,434", "epochs": "15",
             "train error (%)": "0.56", "test error (%)": "1.67", "best test error (%)": "1.39 (epoch 10)",
             "time": format_seconds(83.4)},
            {"model": "plain110", "dataset": "cifar10", "params": "1,700,000", "epochs": "164",
             "train error (%)": "10.00", "test error (%)": "12.00", "best test error (%)": "-",
             "time": format_seconds(7384)}]
    table = format_results_table(rows).splitlines()
    assert len(table) == 4 and len({len(line) for line in table}) == 1
    assert "1m 23s" in table[2] and "2h 03m" in table[3] and format_seconds(9.25) == "9.2s"


# ---- configuration --------------------------------------------------------------------------------------


@pytest.mark.parametrize("changes, message", [
    ({"model": "resnet999"}, "unknown model 'resnet999'"),
    ({"dataset": "mnist"}, "unknown dataset 'mnist'"),
    ({"epochs": 0}, "epochs must be an integer >= 1"),
    ({"lr": float("nan")}, "lr must be a finite number"),
    ({"schedule": "linear"}, "unknown schedule 'linear'"),
    ({"model_options": {"seed": 1}}, "model_options cannot set"),
])
def test_bad_settings_are_user_errors(changes, message):
    with pytest.raises(UserError, match=message):
        TrainConfig(**changes).resolved()


def test_default_config_is_resnet20_on_8x8_digits():
    config = TrainConfig().resolved()
    assert (config.model, config.dataset, config.image_size, config.flip) == ("resnet20", "digits", 8, False)
    assert TrainConfig.from_dict(config.to_dict()) == config
