"""The run folder tells one story whatever instant a run dies at, and takes one writer at a time.

Faults are injected deterministically: resnet_np.atomic.set_write_hook calls a hook at every write point (stage
"written": a temporary file is complete, the target not yet replaced; stage "replaced": the target is new). A
forked child trains and ends itself with os._exit at the Nth write point, as `kill -9` would (no clean-up runs,
its lock is dropped by the kernel); the parent then resumes the folder to the end and checks it.

The run: a depth-8 ResNet of widths (2, 4, 8) on 32 synthetic 8x8 images, 3 epochs whose test errors are
0.41, 0.53, 0.22: epoch 1 is the best, epoch 2 is not, epoch 3 is the new best (the case of a stale best.npz).
"""

import csv
import itertools
import os

import numpy as np
import pytest

from resnet_np.atomic import TEMPORARY_NAME, set_write_hook
from resnet_np.cli import main
from resnet_np.errors import UserError
from resnet_np.serialization import load, load_checkpoint
from resnet_np.training import TrainConfig, best_checkpoint, fit, read_training_meta
from resnet_np.training.results import TABLE_COLUMNS

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fault injection forks the test process")

KILLED = 77  # exit status of a child that ended itself at the chosen write point
CONFIG = TrainConfig(model="cifar_resnet", model_options={"depth": 8, "widths": [2, 4, 8]}, dataset="synthetic",
                     dataset_options={"n_train": 32, "n_test": 32, "num_classes": 4}, image_size=8, epochs=3,
                     batch_size=16, lr=0.5, schedule="constant", seed=4)
CLI_FLAGS = ["--model", "cifar_resnet", "--model-arg", "depth=8", "--model-arg", "widths=[2,4,8]",
             "--dataset", "synthetic", "--dataset-arg", "n_train=32", "--dataset-arg", "n_test=32",
             "--dataset-arg", "num_classes=4", "--image-size", "8", "--epochs", "3", "--batch-size", "16",
             "--lr", "0.5", "--schedule", "constant", "--seed", "4", "--threads", "1"]


def train(out_dir, resume=False, **options):
    """The test run into out_dir, from the start or resumed from its last.npz."""
    if resume:
        return fit(resume=str(out_dir), progress=False, log=None, threads=1, plot=False, **options)
    return fit(CONFIG, out_dir=str(out_dir), progress=False, log=None, threads=1, plot=False, **options)


def counting_hook(events):
    def hook(stage, path):
        events.append((stage, os.path.basename(path)))
    return hook


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """The run without interruption, and the write points it passes through."""
    events = []
    previous = set_write_hook(counting_hook(events))
    try:
        result = train(tmp_path_factory.mktemp("straight") / "run")
    finally:
        set_write_hook(previous)
    errors = result.history.column("test_error")
    assert errors[1] > errors[0] > errors[2]  # the shape of run the module docstring promises
    return result, events


def in_child(work, kill_at=None):
    """Run work() in a forked child that ends itself (os._exit) at write point number kill_at -> exit status."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            counter = itertools.count()
            if kill_at is not None:
                set_write_hook(lambda stage, path: os._exit(KILLED) if next(counter) == kill_at else None)
            work()
        except BaseException:
            status = 1
        os._exit(status)
    _, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status)


def read_history_csv(path):
    with open(path, newline="") as file:
        return [{key: float(value) for key, value in row.items()} for row in csv.DictReader(file)]


def assert_one_story(folder, straight_result):
    """Every file loads and agrees: last.npz is the finished run, bit for bit the uninterrupted one; best.npz is
    its best epoch; history.csv and results.md say the same; no temporary file is left."""
    names = os.listdir(folder)
    assert not [name for name in names if TEMPORARY_NAME.match(name)], names
    last_meta = read_training_meta(os.path.join(folder, "last.npz"))
    assert last_meta["epoch"] == 3
    straight_last = straight_result.paths["last.npz"]
    ours, theirs = load_checkpoint(os.path.join(folder, "last.npz")), load_checkpoint(straight_last)
    for section in ("optimizer", "schedule"):
        assert ours.sections[section].keys() == theirs.sections[section].keys()
        for key, array in theirs.sections[section].items():
            assert np.array_equal(ours.sections[section][key], array), (section, key)
    for key, array in theirs.model.state_dict().items():
        assert np.array_equal(ours.model.state_dict()[key], array), key
    history = read_history_csv(os.path.join(folder, "history.csv"))
    assert history == last_meta["history"]
    timeless = [{key: value for key, value in record.items() if key not in ("epoch_seconds", "images_per_second")}
                for record in history]
    assert timeless == straight_result.history.without_timing()
    best_record = min(history, key=lambda record: record["test_error"])
    best_meta = read_training_meta(os.path.join(folder, "best.npz"))
    assert best_meta["epoch"] == best_record["epoch"] == 3
    best_weights = load(os.path.join(folder, "best.npz")).state_dict()
    for key, array in load(straight_result.paths["best.npz"]).state_dict().items():
        assert np.array_equal(best_weights[key], array), key
    row = open(os.path.join(folder, "results.md")).read().splitlines()[2]
    cells = dict(zip(TABLE_COLUMNS, [cell.strip() for cell in row.strip().strip("|").split("|")], strict=True))
    assert cells["epochs"] == "3" and cells["best test error (%)"] == f"{100 * best_record['test_error']:.2f} (epoch 3)"
    assert cells["test error (%)"] == f"{100 * history[-1]['test_error']:.2f}"
    assert best_checkpoint(folder) == (os.path.join(folder, "best.npz"), None)


# ---- kill -9 at every write point ------------------------------------------------------------------------


def test_a_kill_at_any_write_point_leaves_a_folder_that_resumes_to_one_story(tmp_path, straight):
    result, events = straight
    assert len(events) >= 20 and {stage for stage, _ in events} == {"written", "replaced"}
    for kill_at, (stage, name) in enumerate(events):
        folder = tmp_path / f"kill{kill_at}"
        assert in_child(lambda folder=folder: train(folder), kill_at=kill_at) == KILLED, (stage, name)
        if stage == "written":  # killed with a complete temporary file on disk: the litter of a real kill
            assert [entry for entry in os.listdir(folder) if TEMPORARY_NAME.match(entry)], (kill_at, stage, name)
        # the dead child's lock does not block; a folder without last.npz starts again, else it resumes
        train(folder, resume=(folder / "last.npz").exists())
        assert_one_story(str(folder), result)


def test_a_ctrl_c_at_any_write_point_leaves_a_folder_that_resumes_to_one_story(tmp_path, straight):
    result, events = straight
    for kill_at in range(0, len(events), 5):  # every fifth point, both stages: the clean-up path of an exception
        folder = tmp_path / f"interrupt{kill_at}"
        counter = itertools.count()

        def interrupt(stage, path, counter=counter, kill_at=kill_at):
            if next(counter) == kill_at:
                raise KeyboardInterrupt

        previous = set_write_hook(interrupt)
        try:
            with pytest.raises(KeyboardInterrupt):
                train(folder)
        finally:
            set_write_hook(previous)
        assert not [entry for entry in os.listdir(folder) if TEMPORARY_NAME.match(entry)]
        train(folder, resume=(folder / "last.npz").exists())
        assert_one_story(str(folder), result)


def test_evaluate_names_the_checkpoint_it_uses_when_best_npz_is_stale(tmp_path, straight, capsys):
    result, events = straight
    # the moment after epoch 3's last.npz is in place, before best.npz is copied from it
    kill_at = [index for index, event in enumerate(events) if event == ("replaced", "last.npz")][2]
    folder = tmp_path / "run"
    assert in_child(lambda: train(folder), kill_at=kill_at) == KILLED
    assert read_training_meta(folder / "best.npz")["epoch"] == 1
    assert read_training_meta(folder / "last.npz")["epoch"] == 3
    path, note = best_checkpoint(str(folder))
    assert path == str(folder / "last.npz") and "best.npz is stale; last.npz holds the best epoch (3)" in note
    capsys.readouterr()
    assert main(["evaluate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("note: best.npz is stale") and "after epoch 3 of 3" in out
    train(folder, resume=True)  # nothing left to train: the resume only repairs
    assert_one_story(str(folder), result)


def test_resume_into_another_folder_gives_it_the_whole_run(tmp_path, straight):
    result, _ = straight
    source, target = tmp_path / "a", tmp_path / "b"
    train(source, stop_after=2)  # epoch 1 is the best, epoch 2 is not
    writes = []

    def stop_at_training(stage, path):  # stop as soon as the resumed run trains: the folder as the repair left it
        writes.append(os.path.basename(path))
        if stage == "written" and writes.count("last.npz") == 3:
            raise KeyboardInterrupt

    previous = set_write_hook(stop_at_training)
    try:
        with pytest.raises(KeyboardInterrupt):
            fit(resume=str(source), out_dir=str(target), progress=False, log=None, threads=1, plot=False)
    finally:
        set_write_hook(previous)
    assert read_training_meta(target / "last.npz")["epoch"] == 2
    assert read_training_meta(target / "best.npz")["epoch"] == 1  # copied from the source folder
    assert best_checkpoint(str(target)) == (str(target / "best.npz"), None)
    assert [record["epoch"] for record in read_history_csv(target / "history.csv")] == [1, 2]
    assert "(epoch 1)" in (target / "results.md").read_text()
    train(target, resume=True)
    assert_one_story(str(target), result)


# ---- one writer at a time ----------------------------------------------------------------------------------


def test_a_second_run_into_a_busy_folder_is_refused_and_the_first_finishes_intact(tmp_path, straight, capsys):
    result, _ = straight
    folder = tmp_path / "run"
    started_read, started_write = os.pipe()
    go_read, go_write = os.pipe()

    def first_run():
        def pause_at_first_write(stage, path):  # tell the parent the run is under way, wait for its go-ahead
            set_write_hook(None)
            os.write(started_write, b"1")
            os.read(go_read, 1)

        set_write_hook(pause_at_first_write)
        train(folder)

    pid = os.fork()
    if pid == 0:
        try:
            first_run()
            os._exit(0)
        except BaseException:
            os._exit(1)
    try:
        assert os.read(started_read, 1) == b"1"
        capsys.readouterr()
        assert main(["train", *CLI_FLAGS, "--out", str(folder), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert f"is in use by another run (pid {pid} on" in err
        with pytest.raises(UserError, match="in use by another run"):
            train(folder)
        with pytest.raises(UserError, match="in use by another run"):
            train(folder, resume=True) if (folder / "last.npz").exists() else train(folder)
    finally:
        os.write(go_write, b"1")
        _, wait_status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(wait_status) == 0
    assert_one_story(str(folder), result)


def test_a_finished_folder_is_not_overwritten_without_asking(tmp_path, straight):
    result, _ = straight
    folder = tmp_path / "run"
    train(folder)
    before = (folder / "last.npz").read_bytes()
    with pytest.raises(UserError, match="already holds a run"):
        train(folder)
    assert (folder / "last.npz").read_bytes() == before
    train(folder, overwrite=True)
    assert_one_story(str(folder), result)
