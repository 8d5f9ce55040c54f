"""The `train` and `evaluate` commands: tiny runs end to end, and one clear line (exit 2) for every user mistake."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from resnet_np.cli import main
from resnet_np.training import read_training_meta

TINY = ["--model", "cifar_resnet", "--model-arg", "depth=8", "--model-arg", "widths=[4,8,16]",
        "--dataset", "synthetic", "--dataset-arg", "n_train=64", "--dataset-arg", "n_test=32",
        "--dataset-arg", "num_classes=4", "--image-size", "8", "--batch-size", "16", "--seed", "1"]


def one_error_line(capsys):
    """The captured stderr, checked to be exactly one line without a traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def fails_with_user_error(capsys, argv):
    assert main(argv) == 2
    return one_error_line(capsys)


def fails_in_argparse(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return one_error_line(capsys)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A finished 2-epoch tiny run made through the command line: its folder."""
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", *TINY, "--epochs", "2", "--out", str(out), "--quiet"]) == 0
    return out


# ---- working runs -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_main_job_reaches_the_accuracy_readme_quotes(tmp_path):
    """README's first command, `python -m resnet_np train` with every default: the test accuracy README promises."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "at least 97% test accuracy" in readme
    assert main(["train", "--out", str(tmp_path / "run"), "--quiet"]) == 0
    last = read_training_meta(tmp_path / "run" / "last.npz")["history"][-1]
    assert 1 - last["test_error"] >= 0.97, last


def test_train_prints_the_results_table_and_writes_the_files(trained, capsys):
    for name in ("last.npz", "best.npz", "history.csv", "results.md", "curves.png"):
        assert os.path.getsize(trained / name) > 0, name
    table = (trained / "results.md").read_text().split("\n\n")[0]
    assert "| cifar_resnet | synthetic |" in table and table.count("\n") == 2


def test_evaluate_reports_the_accuracy_recorded_in_the_history(trained, capsys):
    assert main(["evaluate", str(trained / "last.npz")]) == 0
    out = capsys.readouterr().out
    last = read_training_meta(trained / "last.npz")["history"][-1]
    assert "after epoch 2 of 2 on synthetic test split (32 images)" in out
    assert f"accuracy {100 * (1 - last['test_error']):.2f}%" in out
    assert main(["evaluate", str(trained), "--split", "train"]) == 0  # a run folder: its best.npz
    assert "train split (64 images)" in capsys.readouterr().out


def test_stop_after_then_resume_finishes_the_run(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert main(["train", *TINY, "--epochs", "2", "--stop-after", "1", "--out", out, "--quiet"]) == 0
    assert read_training_meta(os.path.join(out, "last.npz"))["epoch"] == 1
    assert main(["train", "--resume", "--out", out]) == 0
    assert "continue with" not in capsys.readouterr().out
    assert read_training_meta(os.path.join(out, "last.npz"))["epoch"] == 2


def test_the_entry_point_runs_as_a_subprocess(tmp_path):
    out = tmp_path / "run"
    completed = subprocess.run([sys.executable, "-m", "resnet_np", "train", *TINY, "--epochs", "1", "--out", str(out)],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert "| cifar_resnet | synthetic |" in completed.stdout
    assert "epoch 1/1" in completed.stdout and "Traceback" not in completed.stderr
    assert (out / "last.npz").is_file() and (out / "curves.png").is_file()


# ---- user mistakes: one line, exit status 2 -------------------------------------------------------------


def test_unknown_model(capsys):
    line = fails_with_user_error(capsys, ["train", "--model", "resnet999"])
    assert "unknown model 'resnet999'" in line and "resnet20" in line


@pytest.mark.parametrize("flags, message", [
    (["--epochs", "0"], "--epochs: must be an integer >= 1"),
    (["--lr", "abc"], "--lr: must be a finite number > 0"),
    (["--lr", "-0.1"], "--lr: must be a finite number > 0"),
    (["--weight-decay", "inf"], "--weight-decay: must be a finite number >= 0"),
    (["--dataset", "mnist"], "invalid choice: 'mnist'"),
    (["--dtype", "float16"], "invalid choice: 'float16'"),
    (["--model-arg", "depth"], "expected KEY=VALUE"),
])
def test_bad_flag_values(capsys, flags, message):
    assert message in fails_in_argparse(capsys, ["train", *flags])


def test_bad_model_option(capsys):
    line = fails_with_user_error(capsys, ["train", *TINY, "--model-arg", "depth=9"])
    assert "cifar_resnet" in line and "depth" in line


def test_missing_cifar10_folder(tmp_path, capsys):
    line = fails_with_user_error(capsys, ["train", "--dataset", "cifar10", "--data-dir", str(tmp_path / "nowhere")])
    assert "CIFAR-10 not found" in line and "nowhere" in line


def test_corrupt_checkpoint(tmp_path, capsys):
    path = tmp_path / "broken.npz"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    assert str(path) in fails_with_user_error(capsys, ["evaluate", str(path)])
    assert str(path) in fails_with_user_error(capsys, ["train", "--resume", str(path)])


def test_truncated_checkpoint(trained, tmp_path, capsys):
    path = tmp_path / "truncated.npz"
    data = (trained / "last.npz").read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert str(path) in fails_with_user_error(capsys, ["evaluate", str(path)])


def test_foreign_npz(tmp_path, capsys):
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.ones(3))
    assert "not a resnet_np" in fails_with_user_error(capsys, ["evaluate", str(path)])
    assert "not a resnet_np" in fails_with_user_error(capsys, ["train", "--resume", str(path)])


def test_missing_checkpoint(tmp_path, capsys):
    assert "no such" in fails_with_user_error(capsys, ["evaluate", str(tmp_path / "missing.npz")])
    assert "no such" in fails_with_user_error(capsys, ["train", "--resume", str(tmp_path / "missing.npz")])


def test_resume_refuses_a_changed_setting(trained, capsys):
    assert "cannot change lr" in fails_with_user_error(capsys, ["train", "--resume", str(trained), "--lr", "0.5"])


def test_out_folder_holding_a_run_is_not_overwritten(trained, capsys):
    before = (trained / "last.npz").read_bytes()
    line = fails_with_user_error(capsys, ["train", *TINY, "--epochs", "1", "--out", str(trained)])
    assert "--resume" in line and "--overwrite" in line
    assert (trained / "last.npz").read_bytes() == before


def test_divergence_is_one_line_and_exit_status_1(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--epochs", "2", "--lr", "1e6", "--out", str(out), "--quiet"]) == 1
    assert "training stopped" in one_error_line(capsys)
