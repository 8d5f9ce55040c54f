"""Every bad path, value or file a user can give: one clear line, a non-zero exit status, no traceback.

Faults that need a disk or a signal at a given instant (a full disk, SIGTERM, Ctrl-C) are injected at a chosen
write point through resnet_np.atomic.set_write_hook, so each test is deterministic.
"""

import errno
import itertools
import json
import os
import signal
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import resnet_np as rn
from resnet_np.atomic import TEMPORARY_NAME, save_npz_atomic, set_write_hook
from resnet_np.cli import main
from resnet_np.errors import UserError
from resnet_np.serialization import read_npz
from resnet_np.training import read_training_meta

TINY = ["--model", "cifar_resnet", "--model-arg", "depth=8", "--model-arg", "widths=[2,4,8]",
        "--dataset", "synthetic", "--dataset-arg", "n_train=32", "--dataset-arg", "n_test=32",
        "--dataset-arg", "num_classes=4", "--image-size", "8", "--batch-size", "16", "--seed", "4",
        "--threads", "1", "--quiet"]


def one_line(text):
    """The text, checked to be exactly one non-empty line and no traceback."""
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def error_line(capsys, argv, status=2):
    """Run the command line in this process: it must exit with `status` after one line on stderr."""
    capsys.readouterr()
    assert main(argv) == status
    return one_line(capsys.readouterr().err)


def argparse_line(capsys, argv):
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return one_line(capsys.readouterr().err)


def at_write(number, action):
    """A write hook that calls action(path) at write point `number` (0-based) and passes the others."""
    counter = itertools.count()

    def hook(stage, path):
        if next(counter) == number:
            action(path)

    return hook


@pytest.fixture
def with_hook():
    """Install a write hook for the test; removed afterwards whatever happens."""
    previous = set_write_hook(None)
    yield set_write_hook
    set_write_hook(previous)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A 1-epoch tiny run made through the command line: its last.npz."""
    out = tmp_path_factory.mktemp("bad_input") / "run"
    assert main(["train", *TINY, "--epochs", "1", "--out", str(out)]) == 0
    return out / "last.npz"


def rewrite_npz(source, target, change):
    """Copy an .npz, with change(arrays) applied to its dict of arrays (a crafted or damaged file)."""
    arrays = read_npz(str(source))
    change(arrays)
    save_npz_atomic(str(target), arrays)
    return str(target)


# ---- paths -------------------------------------------------------------------------------------------------


def test_out_that_is_a_file_or_cannot_be_created(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    line = error_line(capsys, ["train", *TINY, "--out", str(a_file)])
    assert line == f"error: cannot use {a_file} as the run folder: it is a file"
    line = error_line(capsys, ["train", *TINY, "--out", str(a_file / "run")])
    assert line == f"error: cannot create the run folder {a_file / 'run'}: a part of that path is a file"
    # /proc takes no new folders, whoever asks (root included)
    line = error_line(capsys, ["train", *TINY, "--out", "/proc/resnet_np_test/run"])
    assert line.startswith("error: cannot write to the run folder /proc/resnet_np_test/run: ")


def test_a_full_disk_is_one_line_saying_what_was_kept_and_the_run_resumes(tmp_path, capsys, with_hook):
    out = tmp_path / "run"

    def disk_full(path):
        raise OSError(errno.ENOSPC, "No space left on device")

    # write points of epoch 1: last.npz, best.npz, history.csv, results.md, two each; 8 is epoch 2's last.npz
    with_hook(at_write(8, disk_full))
    line = error_line(capsys, ["train", *TINY, "--epochs", "3", "--out", str(out)])
    assert line.startswith(f"error: cannot write {out / 'last.npz'} (No space left on device); no data was lost: "
                           f"{out / 'last.npz'} (epoch 1) is complete; free disk space (at least ")
    assert line.endswith(f" MB) and resume the run from {out}")
    assert not [name for name in os.listdir(out) if TEMPORARY_NAME.match(name)]
    assert read_training_meta(out / "last.npz")["epoch"] == 1
    with_hook(None)
    assert main(["train", "--resume", str(out)]) == 0
    assert read_training_meta(out / "last.npz")["epoch"] == 3


def test_save_into_a_missing_folder_names_the_target(tmp_path):
    model = rn.models.cifar_resnet(8, widths=(2, 4, 8), num_classes=4)
    target = tmp_path / "missing" / "model.npz"
    with pytest.raises(FileNotFoundError) as error:
        rn.save(model, target)
    assert error.value.filename == str(target) and "no such folder" in str(error.value)
    assert ".tmp" not in str(error.value)


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path):
    """`summary resnet50 | head -1`: the reader is gone before the table is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    completed = subprocess.run([sys.executable, "-m", "resnet_np", "summary", "resnet50"], stdout=write_end,
                               stderr=subprocess.PIPE, text=True, timeout=300)
    os.close(write_end)
    assert completed.returncode == 141 and completed.stderr == ""


# ---- signals -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("signal_number, word, status", [(signal.SIGTERM, "terminated", 143),
                                                         (signal.SIGINT, "interrupted", 130)])
def test_sigterm_and_ctrl_c_keep_the_checkpoint_and_say_so_once(tmp_path, capsys, with_hook, signal_number, word,
                                                                status, request):
    out = tmp_path / "run"
    if signal_number == signal.SIGINT and signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background by a shell without job control (`cmd &`, nohup), the process ignores Ctrl-C,
        # as it should; the test is about a terminal's Ctrl-C, so give it Python's usual handler meanwhile.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        request.addfinalizer(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    with_hook(at_write(8, lambda path: os.kill(os.getpid(), signal_number)))  # epoch 2, before last.npz is replaced
    line = error_line(capsys, ["train", *TINY, "--epochs", "3", "--out", str(out)], status=status)
    assert line == (f"{word}; {out / 'last.npz'} (epoch 1) is kept; continue with: python -m resnet_np train "
                    f"--resume {out}")
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the command line's handler is gone again
    with_hook(None)
    assert main(["train", "--resume", str(out)]) == 0


# ---- values ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv, message", [
    (["train", "--momentum", "5"], "argument --momentum: must be a finite number >= 0 and < 1, got '5'"),
    (["train", "--threads", "1000"], "argument --threads: must be an integer from 1 to 256, got '1000'"),
    (["gradcheck", "--tolerance", "-1"], "argument --tolerance: must be a finite number > 0, got '-1'"),
    (["train", "--extend", "0"], "argument --extend: must be an integer >= 1, got '0'"),
])
def test_values_out_of_range_are_refused_by_the_parser(capsys, argv, message):
    assert message in argparse_line(capsys, argv)


@pytest.mark.parametrize("flags, message", [
    (["--epochs", "3", "--warmup-epochs", "3"], "warmup_epochs (3) must be fewer than the epochs of the run (3)"),
    (["--train-samples", "33"], "train_samples=33 is more than the 32 training images of synthetic"),
    (["--test-samples", "100"], "test_samples=100 is more than the 32 test images of synthetic"),
    (["--data-dir", "somewhere"], "a data folder (--data-dir) does not apply to the synthetic dataset"),
    (["--download"], "a download (--download) does not apply to the synthetic dataset"),
    (["--optimizer", "adam", "--momentum", "0.5"], "--momentum applies to SGD only"),
    (["--extend", "5"], "--extend trains a run on past its plan: it needs --resume"),
    (["--epochs", "2", "--stop-after", "3"], "cannot stop after epoch 3: the run has only 2 epochs"),
])
def test_settings_that_make_no_sense_are_refused(tmp_path, capsys, flags, message):
    line = error_line(capsys, ["train", *TINY, *flags, "--out", str(tmp_path / "run")])
    assert message in line
    assert not (tmp_path / "run" / "last.npz").exists()


def test_thread_counts_beyond_the_cap_are_refused_in_the_library():
    with pytest.raises(ValueError, match="threads must be an integer from 1 to 256, got 1000"):
        rn.set_num_threads(1000)


def test_batchnorm_on_an_empty_batch_says_so():
    layer = rn.nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match="training needs a batch of at least one image, got an empty batch"):
        layer(np.zeros((0, 3, 4, 4), dtype=np.float32))


@pytest.mark.parametrize("setting, message", [
    ("depths=abc", "depths must be a non-empty list of integers such as depths=[20,56,110], got 'abc'"),
    ("depths=[]", "depths must be a non-empty list of integers such as depths=[20,56,110], got []"),
    ("depths=[21]", "each depth must be 6n + 2 for 3 stages (e.g. 8, 14, 20), got 21"),
    ("batch_size=0", "batch_size must be an integer >= 1, got 0"),
    ("widths=[8,-1,32]", "each of widths must be an integer >= 1, got -1"),
])
def test_bad_demo_sizes(tmp_path, capsys, setting, message):
    line = error_line(capsys, ["demo", "gradient-flow", "--quick", "--out", str(tmp_path), "--set", setting])
    assert line == f"error: demo gradient-flow: {message}"


# ---- resuming ----------------------------------------------------------------------------------------------


def test_resume_keeps_the_settings_that_define_the_run(checkpoint, capsys):
    line = error_line(capsys, ["train", "--resume", str(checkpoint), "--epochs", "3"])
    assert "cannot change epochs when resuming" in line and "--extend 3" in line
    line = error_line(capsys, ["train", "--resume", str(checkpoint), "--batch-size", "8"])
    assert "cannot change batch_size when resuming" in line
    line = error_line(capsys, ["train", "--resume", str(checkpoint), "--extend", "1"])
    assert "cannot extend" in line and "it is planned for 1" in line


def test_a_checkpoint_missing_an_optimizer_buffer_is_refused(checkpoint, tmp_path, capsys):
    def drop_a_buffer(arrays):
        del arrays["optimizer/momentum_buffer.3"]

    damaged = rewrite_npz(checkpoint, tmp_path / "damaged.npz", drop_a_buffer)
    line = error_line(capsys, ["train", "--resume", damaged])
    assert line == (f"error: {damaged}: the optimizer state is incomplete (momentum_buffer.3 missing); resuming "
                    "without it would not continue the run exactly")


# ---- crafted files -----------------------------------------------------------------------------------------


def test_an_absurd_architecture_is_refused_before_anything_is_allocated(checkpoint, tmp_path, capsys):
    def absurd(arrays):
        architecture = json.loads(str(arrays["__architecture__"]))
        architecture["num_classes"] = 10**9
        arrays["__architecture__"] = np.array(json.dumps(architecture))

    crafted = rewrite_npz(checkpoint, tmp_path / "crafted.npz", absurd)
    line = error_line(capsys, ["evaluate", crafted])
    assert "num_classes=1000000000 is larger than anything its weights hold" in line
    with pytest.raises(UserError, match="a corrupt or crafted file"):
        rn.load(crafted)


def test_an_array_header_declaring_more_than_the_file_holds_is_refused(checkpoint, tmp_path, capsys):
    """A checkpoint whose fc.bias header claims 10**12 float64 values (8 TB) over 64 bytes of data."""
    crafted = tmp_path / "huge.npz"
    with zipfile.ZipFile(checkpoint) as original, zipfile.ZipFile(crafted, "w") as archive:
        for member in original.namelist():
            if member != "model/fc.bias.npy":
                archive.writestr(member, original.read(member))
        with archive.open("model/fc.bias.npy", "w") as member:
            header = {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
            np.lib.format.write_array_header_1_0(member, header)
            member.write(b"\0" * 64)
    with pytest.raises(UserError, match=r"declares shape \(1000000000000,\) of float64 \(8,000,000,000,000 bytes\)"):
        read_npz(str(crafted))
    line = error_line(capsys, ["evaluate", str(crafted)])
    assert "'model/fc.bias' declares shape (1000000000000,)" in line and "a corrupt or crafted file" in line
