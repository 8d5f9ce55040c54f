"""The rules of the grader's report, one test each (resnet_np/exercises/report.py lists them).

A hint never contradicts an ok line, and fires only where its pattern can be told apart; a block mistake gives a
short report; what the student's code prints is captured and capped; a file that cannot load names its line; a
misspelt function gets "did you mean"; a wrong signature is shown the expected one; functions given in the wrong
order are recognised by their names; by_hand=True refuses the library's backwards.
"""

import pytest
from test_exercises_mistakes import MISTAKES, _block_chain, _col2im_overwriting, _conv_backward_dout_not_transposed

from resnet_np import exercises
from resnet_np import functional as F
from resnet_np.errors import UserError
from resnet_np.exercises.checks import CaseRun


def one_line(text):
    return " ".join(text.split())


@pytest.fixture(scope="module")
def graded():
    return {mistake: exercises.check(name, *functions, verbose=False)
            for mistake, (name, functions, _) in MISTAKES.items()}


def test_a_hint_never_names_a_check_that_passed(graded):
    for mistake, result in graded.items():
        for case in result.cases:
            passed = {check.label for check in case.checks if check.passed}
            for code in case.hints:
                about = case.hint_about[code]
                assert not set(about) & passed, (mistake, case.number, code, about)
                assert about or code == "zero-pad-ceil", (mistake, code)  # only a stopped case has no check


def test_a_hint_about_a_passed_check_is_dropped_and_about_a_failed_one_kept():
    case = CaseRun({})
    case.record("out", True, "")
    case.record("dx", False, "")
    assert not case.hint("about-out", "...", about="out") and "about-out" not in case.hints
    assert not case.hint("about-nothing-checked", "...", about="dw")  # no dw check failed
    assert case.hint("about-dx", "...", about="dx") and case.hint_about["about-dx"] == ("dx",)


def test_a_flip_is_never_a_hint_for_a_1x1_kernel():
    """The 1x1 case of conv2d (case 4) cannot tell a flipped kernel from the kernel: no flip hint there, even
    when the case fails for another reason."""
    result = exercises.check("conv2d", F.conv2d_forward, _conv_backward_dout_not_transposed, verbose=False)
    one_by_one = result.cases[3]
    assert "1x1" in one_by_one.title and one_by_one.status == "failed"
    assert not {"conv-flipped-kernel", "conv-dw-flipped", "conv-dx-kernel-flipped"} & set(one_by_one.hints)
    assert one_by_one.hints.keys() == {"conv-dout-not-transposed"}


def test_overwritten_windows_are_named_only_where_a_case_has_pixels_in_one_window_and_in_several():
    result = exercises.check("im2col", F.im2col, _col2im_overwriting, verbose=False)
    everywhere_overlapping = result.cases[0]  # 3x3, stride 1, padding 1: every pixel lies in 4 windows or more
    assert everywhere_overlapping.status == "failed" and "col2im-overwrites" not in everywhere_overlapping.hints
    assert "col2im-overwrites" in result.cases[1].hints  # stride 2: pixels in one window and in two
    assert result.hints == ["col2im-overwrites"]


def test_the_localising_hints_give_way_to_a_hint_that_names_the_mistake(graded):
    generic = {"forward-is-wrong", "backward-is-wrong", "batch-axis-order", "first-wrong-step"}
    for mistake, result in graded.items():
        if set(result.hints) - generic:
            assert not set(result.hints) & generic, (mistake, result.hints)
    conv = graded["conv backward without the transpose of dout"]
    assert conv.cases[2].passed and conv.cases[2].batch == 1  # the batch-1 case passes: a batch hint would hold,
    assert conv.hints == ["conv-dout-not-transposed"]         # but the specific hint names the mistake itself
    linear = graded["linear forward reshaped where it must transpose"]
    assert "only the batch-1 case 2 passes: your mistake disappears when N = 1" in one_line(linear.report)


@pytest.mark.parametrize("mistake", [mistake for mistake, (name, _, _) in MISTAKES.items()
                                     if name == "basic_block_backward"])
def test_a_single_mistake_in_the_block_gives_a_report_under_40_lines(graded, mistake):
    result = graded[mistake]
    lines = result.report.splitlines()
    assert len(lines) < 40, result.report
    assert "-> the first wrong step:" in result.report


def test_the_block_report_gives_the_first_wrong_step_in_full_and_the_later_ones_in_one_line(graded):
    result = graded["block: relu2 masked before the add"]
    text = one_line(result.report)
    assert "WRONG d_sum: " in text and "worst at d_sum[" in text
    assert ("WRONG d_bn2, d_shortcut, d_conv2, d_gamma2, d_beta2, d_relu1, d_w2, d_bn1, d_conv1, d_gamma1, d_beta1, "
            "d_x_branch, d_w1, d_x_shortcut, d_x (and their finite differences): ") in text
    assert "wrong because an earlier step is wrong (the first: d_sum)" in text
    assert "worst at d_bn2[" not in text  # a later step gets no detail of its own
    for number in (2, 3, 4, 5):
        assert (f"FAIL {number} " in text and "(wrong the same way as case 1: the first wrong step is relu2's "
                "backward: d_relu2 -> d_sum)" in text)


def test_what_the_student_prints_is_captured_and_capped(capsys):
    def relu_backward(dout, cache):  # called once per case
        for number in range(1000):
            print("debug", number)
        return F.relu_backward(dout, cache)

    result = exercises.check("relu", F.relu_forward, relu_backward, verbose=False)
    assert result.passed
    assert capsys.readouterr().out == ""  # nothing reached the terminal
    printed = [line for line in result.report.splitlines() if line.lstrip().startswith("| ")]
    assert printed[:2] == ["            | debug 0", "            | debug 1"]
    assert len(printed) == 21 and printed[-1].endswith("| ... and 980 more")
    assert "your code printed 1000 lines; the first 20:" in result.report
    assert result.report.count("your code printed 1000 lines here (not shown: the report shows the first 20)") == 3
    assert result.cases[1].output.total == 1000 and len(result.cases[1].output.lines) == 20


def test_a_case_that_prints_nothing_shows_nothing():
    result = exercises.check("relu", *exercises.reference("relu"), verbose=False)
    assert "your code printed" not in result.report


def test_a_file_that_raises_while_loading_names_its_line(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("import numpy as np\n\n\ndef helper():\n    return {}['key']\n\n\nvalue = helper()\n")
    with pytest.raises(UserError, match=r"raised KeyError while loading \(line 5: return \{\}\['key'\]\): 'key'"):
        exercises.load(path, "relu")


def test_a_misspelt_function_gets_did_you_mean(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("def relu_foward(x):\n    return x, x\n\n\ndef relu_backward(dout, cache):\n    return dout\n")
    with pytest.raises(UserError, match="defines no function relu_forward; did you mean relu_foward for "
                                        "relu_forward?"):
        exercises.load(path, "relu")
    path.write_text("def something_else(x):\n    return x\n")
    with pytest.raises(UserError) as raised:
        exercises.load(path, "relu")
    assert "did you mean" not in str(raised.value)


def test_a_wrong_signature_is_shown_the_expected_one():
    def conv2d_forward(x, w, stride, padding):  # b forgotten
        return F.conv2d_forward(x, w, None, stride, padding)

    result = exercises.check("conv2d", conv2d_forward, F.conv2d_backward, verbose=False)
    text = one_line(result.report)
    assert ("The grader calls it as the library does, with 5 arguments: the signature must be conv2d_forward(x, w, "
            "b=None, stride=1, padding=0) (yours is conv2d_forward(x, w, stride, padding))") in text
    # a TypeError raised inside a function that was called rightly is not a signature problem
    result = exercises.check("relu", lambda x: (x + "a", x), F.relu_backward, verbose=False)
    assert "the signature must be" not in one_line(result.report)


def test_functions_in_the_wrong_order_are_recognised_by_their_names():
    result = exercises.check("relu", F.relu_backward, F.relu_forward, verbose=False)
    assert result.passed, result.report
    assert ("Note: the functions came in the order relu_backward, relu_forward; check() takes them in the order "
            "relu_forward, relu_backward, so they were graded in that order") in one_line(result.report)
    assert "Note:" not in exercises.check("relu", F.relu_forward, F.relu_backward, verbose=False).report


def test_by_hand_refuses_the_library_backwards_and_accepts_the_model_answer():
    assert exercises.check("basic_block_backward", *exercises.reference("basic_block_backward"), by_hand=True,
                           verbose=False).passed
    result = exercises.check("basic_block_backward", _block_chain(), by_hand=True, verbose=False)
    assert not result.passed and {case.status for case in result.cases} == {"failed"}
    text = one_line(result.report)
    assert "WRONG written by hand: by_hand=True: your code calls relu_backward, batchnorm2d_backward, " \
           "conv2d_backward" in text
    assert exercises.check("basic_block_backward", _block_chain(), verbose=False).passed  # allowed without it
    refused = exercises.check("relu", *exercises.reference("relu"), by_hand=True, verbose=False)
    assert not refused.passed and "by_hand=True is for the exercises" in refused.report


def test_the_result_offers_each_case_passed_or_not():
    result = exercises.check("linear", F.linear_forward, lambda dout, cache: (dout @ cache.w, dout.T @ cache.x,
                                                                              dout.mean(axis=0)), verbose=False)
    assert result.case_results == [(case.title, case.passed) for case in result.cases]
    assert [passed for _, passed in result.case_results] == [False, True, False]
    assert (result.cases_passed, result.cases_total) == (1, 3)


def test_the_texts_that_explain_the_report_quote_its_numbers():
    from pathlib import Path

    from resnet_np.exercises.report import OUTPUT_LINES

    root = Path(__file__).resolve().parent.parent
    assert f"the first {OUTPUT_LINES} lines" in one_line((root / "notebooks/exercises/README.md").read_text())
    assert f"the first {OUTPUT_LINES} lines" in one_line((root / "README.md").read_text())
    assert f"처음 {OUTPUT_LINES}줄" in (root / "notebooks/ko/exercises/README.md").read_text()
    assert f"처음 {OUTPUT_LINES}줄" in (root / "README.ko.md").read_text()


def test_the_command_line_grades_the_by_hand_variant(tmp_path, capsys):
    from resnet_np.cli import main

    path = tmp_path / "block.py"
    path.write_text("from resnet_np.exercises.basic_block import basic_block_backward as _answer\n"
                    "from resnet_np.functional import relu_backward\n\n\n"
                    "def basic_block_backward(d_relu2, cache):\n"
                    "    relu_backward(d_relu2, cache.relu2_cache)  # a call the by-hand variant refuses\n"
                    "    return _answer(d_relu2, cache)\n")
    assert main(["exercise", "check", "basic_block_backward", str(path)]) == 0
    capsys.readouterr()
    assert main(["exercise", "check", "basic_block_backward", str(path), "--by-hand"]) == 1
    assert ("WRONG written by hand: by_hand=True: your code calls relu_backward, the model answer's "
            "basic_block_backward from the library") in one_line(capsys.readouterr().out)
