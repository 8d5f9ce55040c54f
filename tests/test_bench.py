"""Smoke tests of the benchmark code at tiny sizes: it runs and prints its tables. No timing is asserted."""

import numpy as np
import pytest

from resnet_np.bench import machine, models, small_sizes, timing


def test_machine_description_names_cpu_blas_and_versions():
    text = machine.describe()
    for word in ("CPU:", "BLAS:", "NumPy", "Numba"):
        assert word in text


def test_format_table_aligns_columns():
    lines = timing.format_table(["a", "bb"], [["1", "22"], ["333", "4"]]).splitlines()
    assert len(lines) == 4 and len({len(line) for line in lines}) == 1


def test_compare_runs_ours_without_torch():
    row = models.compare("train", depth=8, batch=2, input_size=8, repeats=1, torch=None)
    assert row["torch_ms"] is None and row["ratio"] is None and row["ours_ms"] > 0
    assert row["ours_ips"] == pytest.approx(2 / (row["ours_ms"] / 1e3))
    assert "resnet8" in models.format_rows([row])


def test_small_sizes_row_without_torch_has_both_thread_counts():
    row = small_sizes.measure(1, 8, 4, repeats=1, torch=None, depth=8)
    assert row["ours_ms"] > 0 and row["ours_1_thread_ms"] > 0 and row["torch_ms"] is None and row["ratio"] is None
    assert "1x8x8" in small_sizes.format_rows([row])


def test_compare_variants_runs_each_variant_on_the_same_step_and_reports_ratios_to_the_first():
    calls = []

    def variant(name):
        def wrap(step):
            def run():
                calls.append(name)
                step()

            return run

        return wrap

    table = small_sizes.compare_variants({"a": variant("a"), "b": variant("b")}, repeats=2, depth=8,
                                         sizes=[(1, 8, 2)])
    assert calls == ["a", "b"] * 3  # one warm-up round, then the repeats, in turn
    header, _, row = table.splitlines()
    assert "a: ms (ratio)" in header and "b: ms (ratio)" in header
    assert row.split()[:2] == ["1x8x8", "2"] and "(1.000)" in row.split()[3]


def test_temporarily_sets_module_attributes_and_puts_them_back_after_an_error():
    import types

    module = types.SimpleNamespace(SIZE=1, RULE="old")
    with pytest.raises(RuntimeError), timing.temporarily(module, SIZE=2, RULE="new"):
        assert (module.SIZE, module.RULE) == (2, "new")
        raise RuntimeError
    assert (module.SIZE, module.RULE) == (1, "old")


def test_torch_twin_takes_the_input_channels():
    torch = pytest.importorskip("torch")
    from resnet_np.bench import torch_models

    twin = torch_models.build(torch, depth=8, in_channels=1)
    assert twin(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_torch_twin_has_our_parameter_shapes():
    torch = pytest.importorskip("torch")
    from resnet_np.bench import torch_models
    from resnet_np.models import cifar_resnet

    ours = sorted(p.data.shape for p in cifar_resnet(8).parameters())
    theirs = sorted(tuple(p.shape) for p in torch_models.build(torch, depth=8).parameters())
    assert ours == theirs


def test_bench_command_quick_prints_the_tables(tmp_path, capsys):
    from resnet_np import cli

    plot = tmp_path / "scaling.png"
    code = cli.main(["bench", "--quick", "--threads", "1", "--plot", str(plot),
                     "--skip", "memory", "--skip", "startup"])
    out = capsys.readouterr().out
    assert code == 0
    for heading in ("CPU:", "ours ms", "train step", "Small sizes", "ours/torch (1 thr)", "images/s against batch",
                    "GFLOP/s", "op by op", "us/call, batch 4"):
        assert heading in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically: no temporary file left behind


def test_interleaved_medians_calls_each_function_in_turn():
    calls = []
    times = models.interleaved_medians([lambda: calls.append("a"), lambda: calls.append("b")], repeats=3, warmup=1)
    assert calls == ["a", "b"] * 4 and len(times) == 2 and all(np.isfinite(times))


@pytest.mark.parametrize("flags, message", [
    (["--threads", "0"], "--threads: must be an integer from 1 to"),
    (["--threads", "1000"], "--threads: must be an integer from 1 to"),
    (["--repeats", "0"], "--repeats: must be an integer >= 1")])
def test_bench_command_rejects_bad_numbers_in_one_line(flags, message, capsys):
    from resnet_np import cli

    with pytest.raises(SystemExit) as exit_info:  # argparse's exit for a bad argument
        cli.main(["bench", *flags])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_op_profile_counts_every_op_call_of_a_step_and_restores_the_backend():
    from resnet_np import backend
    from resnet_np.bench import op_profile

    implementations = dict(backend._IMPLEMENTATIONS)
    rows, text = op_profile.run(channels=1, size=8, batches=(1, 2), depth=8, repeats=1)
    assert backend._IMPLEMENTATIONS == implementations  # the timing stand-ins are gone
    by_op = {row["op"]: row for row in rows}
    # resnet8: the stem and 3 basic blocks (2 convs, 2 BatchNorms, 2 ReLUs each), two option-A shortcuts, the head;
    # every op once forward and once backward.
    assert by_op["conv2d"]["calls"] == 2 * 7 and by_op["batchnorm2d"]["calls"] == 2 * 7
    assert by_op["relu"]["calls"] == 2 * 7 and by_op["residual_add"]["calls"] == 2 * 3
    assert by_op["zero_pad_shortcut"]["calls"] == 2 * 2 and by_op["linear"]["calls"] == 2
    assert by_op[op_profile.BETWEEN_OPS]["calls"] is None and op_profile.OPTIMIZER in by_op
    assert all(row["ms_batch_2"] >= 0 for row in rows if row["op"] != op_profile.BETWEEN_OPS)
    assert rows[-1]["op"] == op_profile.WHOLE_STEP and rows[-1]["ms_batch_2"] > 0
    assert "whole step" in text and "us/call, batch 2" in text


def test_op_profile_keeps_an_exception_and_still_restores_the_backend():
    from resnet_np import backend
    from resnet_np.bench import op_profile

    implementations = dict(backend._IMPLEMENTATIONS)
    with pytest.raises(ValueError, match="relu"), op_profile.timing_ops() as (seconds, calls):
        backend.ops().relu_backward(np.ones(3), backend.ops().relu_forward(np.ones(4))[1])
    assert calls["relu"] == 2 and seconds["relu"] > 0
    assert backend._IMPLEMENTATIONS == implementations
