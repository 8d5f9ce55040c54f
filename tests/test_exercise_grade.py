"""`exercise grade`: a whole class graded in sandboxes, whatever the students hand in.

One class folder is built here (build_class) with a student for each thing a class hands in: a correct workbook, a
partly correct one, nothing, untouched TODO cells, a syntax error, endless loops (at import and in a function, one
of them starting a process of its own), memory hogs (at import and in a function), sys.exit(0) and os._exit at
import, a submission that looks for its neighbours' files and writes outside its folder, names with spaces and
Hangul, a notebook that is not JSON, files with no exercise named in them (one with its TODO cells' marker lines
deleted, one printing 2 MB), a function missing. It is graded once (module fixture, two jobs, limits of 3 s and
1024 MB), and each test reads what that run wrote. Then: a rerun grades nobody again; a run stopped by Ctrl-C or
killed keeps what it graded and the next run grades only the rest, and the gradebook is never half-written
meanwhile; Gradescope's autograder mode.
"""

import csv
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from resnet_np import exercises
from resnet_np.exercises.classroom import gradebook, gradescope, grading, release
from resnet_np.exercises.classroom.sandbox import Limits
from resnet_np.exercises.classroom.submissions import MARKER

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKBOOK = REPO_ROOT / "notebooks" / "exercises"
TIME_LIMIT = 3.0
LIMITS = Limits(time=TIME_LIMIT, memory_mb=1024)
SLEEPER = f"resnet_np_test_sleeper_{uuid.uuid4().hex}"  # a process a student starts; it must not outlive grading


def _notebook(name):
    return release.student_notebook(json.loads((WORKBOOK / name).read_text(encoding="utf-8")))


def _with_todo_cells(notebook, write):
    """The notebook with each TODO cell's code after its marker line replaced by write(exercise name) (unless
    that is None)."""
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        match = MARKER.match(source.splitlines()[0]) if cell["cell_type"] == "code" and source else None
        if match and write(match.group(1)) is not None:
            cell["source"] = [source.splitlines()[0] + "\n" + write(match.group(1))]
    return notebook


def model_answer(name):
    """Code that defines the exercise's functions as the model answers."""
    return (f"from resnet_np.exercises import reference as _reference\n"
            f"{', '.join(exercises.functions(name))}, = _reference({name!r})\n")


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if isinstance(text, str) else json.dumps(text), encoding="utf-8")


WRONG_LINEAR = """import numpy as np

def linear_forward(x, w, b):
    return x @ w.T + b, (x, w)

def linear_backward(dout, cache):
    x, w = cache
    return dout @ w, dout.T @ x, dout.mean(axis=0)   # the mean, not the sum: wrong whenever N > 1
"""
ESCAPE = """import os
from pathlib import Path
from resnet_np.exercises import reference as _reference
relu_forward, relu_backward = _reference("relu")
here = Path.cwd()
print("my folder holds:", sorted(os.listdir(".")))
for guess in ["../bob_05_relu.py", "../../bob_05_relu.py", "../Ada Lovelace/01_im2col.ipynb",
              "../김민수_05_relu.py"]:
    try:
        print("read", guess, len(open(guess).read()))
    except OSError as error:
        print("cannot read", guess, type(error).__name__)
print("beside me:", sorted(path.name for path in here.parent.iterdir()))
Path("../written_outside.txt").write_text("escaped")
print("wrote ../written_outside.txt")
"""


def build_class(folder):
    """A class folder: each student one of the things a class hands in (see the module's docstring)."""
    folder = Path(folder)
    for notebook_path in sorted(WORKBOOK.glob("*.ipynb")):  # everything right, as notebooks, in a folder
        _write(folder / "Ada Lovelace" / notebook_path.name, _with_todo_cells(_notebook(notebook_path.name),
                                                                              model_answer))
    _write(folder / "bob_05_relu.py", model_answer("relu"))  # partly right, flat files
    _write(folder / "bob_05_linear.py", WRONG_LINEAR)
    (folder / "carol").mkdir()  # nothing handed in
    _write(folder / "carol" / "notes.txt", "I will hand it in next week")
    _write(folder / "dave" / "01_im2col.ipynb", _notebook("01_im2col.ipynb"))  # the TODO cells untouched
    _write(folder / "erin_05_relu.py", "def relu_forward(x)\n    return x\n")  # a syntax error
    _write(folder / "frank" / "01_im2col.ipynb", _with_todo_cells(  # an endless loop at import, in a cell
        _notebook("01_im2col.ipynb"), lambda name: (
            f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', "
            f"'{SLEEPER}'])\nwhile True:\n    pass\n")))
    _write(folder / "grace_05_relu.py", model_answer("relu")  # an endless loop in a function
           + "def relu_backward(dout, cache):\n    while True:\n        pass\n")
    _write(folder / "heidi_05_relu.py", model_answer("relu") + (  # a memory hog in a function, one at import
        "import numpy as np\n_forward = relu_forward\ndef relu_forward(x):\n"
        "    hog = np.ones((2**16, 2**16))\n    return _forward(x)\n"))
    _write(folder / "heidi_05_linear.py", "hog = bytearray(8 * 2**30)\n" + model_answer("linear"))
    _write(folder / "ivan_05_relu.py", "import sys\nsys.exit(0)\n" + model_answer("relu"))
    _write(folder / "judy_05_relu.py", "import os\nos._exit(3)\n" + model_answer("relu"))
    _write(folder / "mallory_05_relu.py", ESCAPE)  # looks for the others' files, writes outside its folder
    _write(folder / "김민수_05_relu.py", model_answer("relu"))  # a Hangul name
    _write(folder / "oscar_01_im2col.ipynb", '{"cells": [ this is not JSON')
    _write(folder / "pat" / "answers.py", (  # no exercise in its name: graded for the functions it defines
        "for line in range(20_000):\n    print('debug output ' * 8)\n"  # and prints 2 MB
        "from resnet_np.exercises import reference\n\ndef relu_forward(x):\n    return reference('relu')[0](x)\n\n"
        "def relu_backward(dout, cache):\n    return reference('relu')[1](dout, cache)\n"))
    _write(folder / "quinn_05_relu.py", "def relu_forward(x):\n    return x, None\n")  # no relu_backward
    notebook = _with_todo_cells(_notebook("02_conv2d.ipynb"), model_answer)
    for cell in notebook["cells"]:  # the TODO cells' marker lines deleted: found by the functions they define
        if cell["cell_type"] == "code" and "".join(cell["source"]).startswith("# TODO(exercise"):
            cell["source"] = ["".join(cell["source"]).split("\n", 1)[1]]
    _write(folder / "pat" / "02_conv2d.ipynb", notebook)
    return folder


EXPECTED = {  # student -> the verdict (a regular expression) the gradebook must give
    "Ada Lovelace": r"graded",
    "bob": r"graded",
    "carol": r"no submission \(ignored: notes.txt\)",
    "dave": r"not implemented yet",
    "erin": r"crashed: relu \(SyntaxError: expected ':' \(erin_05_relu.py, line 1\)\)",
    "frank": r"time limit: im2col",
    "grace": r"time limit: relu",
    "heidi": r"(memory limit: (relu|linear)(; )?){2}",
    "ivan": r"crashed: relu \(the code called sys.exit\(0\) \(ivan_05_relu.py, line 2\)\)",
    "judy": r"crashed: relu \(the code ended the process \(exit status 3, os._exit\?\), while running "
            r"judy_05_relu.py\)",
    "mallory": r"graded",
    "김민수": r"graded",
    "oscar": r"oscar_01_im2col.ipynb is not a valid notebook \(not JSON: .*\)",
    "pat": r"graded",
    "quinn": r"missing: relu",
}


def _processes_with(token):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _gradebook(out):
    with open(Path(out) / "gradebook.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    return rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}, rows


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(class folder, output folder, Summary, seconds, the grader's peak memory in MB before and after)."""
    base = tmp_path_factory.mktemp("class")
    folder = build_class(base / "submissions")
    before = list(folder.rglob("*"))
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.monotonic()
    summary = grading.grade_class(folder, base / "grades", jobs=2, limits=LIMITS, progress=open(os.devnull, "w"))
    seconds = time.monotonic() - started
    assert list(folder.rglob("*")) == before  # grading added nothing to the submissions
    return folder, base / "grades", summary, seconds, (memory_before,
                                                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def test_the_gradebook_has_every_student_once_with_their_verdicts(graded):
    _, out, summary, _, _ = graded
    header, by_student, rows = _gradebook(out)
    assert header == ["student", "verdict", *exercises.names(), "score", "max_score"]
    assert [row[0] for row in rows[1:]] == sorted(EXPECTED)  # each once
    for student, pattern in EXPECTED.items():
        assert re.fullmatch(pattern, by_student[student]["verdict"]), (student, by_student[student]["verdict"])
    assert summary.students == len(EXPECTED) and summary.graded == len(EXPECTED)


def test_scores(graded):
    _, out, _, _, _ = graded
    _, rows, _ = _gradebook(out)
    maximum = sum(len(exercises.get(name).cases()) for name in exercises.names())
    assert rows["Ada Lovelace"]["score"] == rows["Ada Lovelace"]["max_score"] == str(maximum)
    assert all(rows["Ada Lovelace"][name] == f"{n}/{n}" for name in exercises.names()
               for n in [len(exercises.get(name).cases())])
    assert rows["bob"]["relu"] == "4/4"
    passed, total = map(int, rows["bob"]["linear"].split("/"))
    assert 0 < passed < total  # partly right: the batch-1 case passes, the others do not
    assert rows["bob"]["score"] == str(4 + passed) and rows["bob"]["im2col"] == ""  # empty: not handed in
    assert rows["dave"]["im2col"] == "0/5" and rows["dave"]["score"] == "0"
    for student in ("carol", "erin", "frank", "grace", "heidi", "ivan", "judy", "oscar", "quinn"):
        assert rows[student]["score"] == "0", student
    assert rows["김민수"]["relu"] == rows["mallory"]["relu"] == rows["pat"]["relu"] == "4/4"
    assert rows["pat"]["conv2d_loops"] == rows["pat"]["conv2d"] == "5/5" and rows["pat"]["score"] == "14"


def test_what_the_limits_caught_and_why(graded):
    _, out, summary, _, _ = graded
    records = {json.loads(path.read_text())["student"]: json.loads(path.read_text())
               for path in (out / "records").glob("*.json")}
    assert "SyntaxError" in records["erin"]["exercises"]["relu"]["message"]
    assert "line 1" in records["erin"]["exercises"]["relu"]["message"]
    assert records["frank"]["exercises"]["im2col"]["message"] == (f"while running 01_im2col.ipynb, cell 8 "
                                                                  f"(over {TIME_LIMIT:g} s)")
    assert records["grace"]["exercises"]["relu"]["message"] == f"while grading it (over {TIME_LIMIT:g} s)"
    assert records["heidi"]["exercises"]["linear"]["message"].startswith("MemoryError (heidi_05_linear.py, line 1")
    assert records["heidi"]["exercises"]["relu"]["message"] == "MemoryError in the student's function"
    assert records["ivan"]["exercises"]["relu"]["message"].startswith("the code called sys.exit(0)")
    assert records["judy"]["exercises"]["relu"]["message"].startswith("the code ended the process (exit status 3")
    assert records["quinn"]["exercises"]["relu"]["message"] == "quinn_05_relu.py defines no relu_backward"
    assert sorted(summary.caught) == ["crashed", "memory limit", "time limit"]
    printed = grading.describe(summary, out, jobs=2).splitlines()
    assert "Stopped by the time limit: frank (im2col), grace (relu)." in printed
    assert "Stopped by the memory limit: heidi (linear), heidi (relu)." in printed
    assert "Crashed (and the grading went on): erin (relu), ivan (relu), judy (relu)." in printed
    calm = grading.describe(summary._replace(caught={}), out).splitlines()
    assert "The limits stopped nothing." in calm and not any(line.startswith(("Stopped", "Crashed")) for line in calm)


def test_an_endless_loop_is_stopped_at_its_limit_and_leaves_no_process(graded):
    _, out, _, _, _ = graded
    records = {json.loads(path.read_text())["student"]: json.loads(path.read_text())
               for path in (out / "records").glob("*.json")}
    for student in ("frank", "grace"):  # the time after the worker started (importing the grader takes seconds)
        record = records[student]
        assert record["workers"] == 1, record  # nothing was left to grade after the loop: no second worker
        assert TIME_LIMIT <= record["seconds"] - record["startup_seconds"] < TIME_LIMIT + 3, record
    assert _processes_with(SLEEPER) == []  # frank's process died with its process group


def test_a_memory_hog_does_not_harm_the_grader(graded):
    *_, (before, after) = graded
    assert after - before < 200, (before, after)  # the hogs' gigabytes were refused in their own processes


def test_a_submission_cannot_see_the_others_files_nor_leave_one_behind(graded):
    folder, out, *_ = graded
    record = json.loads((out / "records" / "mallory.json").read_text())
    output = record["output"]
    assert "my folder holds: ['mallory_05_relu.py']" in output
    assert output.count("cannot read") == 4 and "\nread " not in output
    assert "bob" not in output.replace("../bob_05_relu.py", "").replace("../../bob_05_relu.py", "")
    assert "wrote ../written_outside.txt" in output  # it could: into its own temporary folder, since removed
    assert not list(folder.rglob("written_outside.txt")) and not list(out.rglob("written_outside.txt"))


def test_a_flood_of_output_is_capped(graded):
    from resnet_np.exercises.classroom.sandbox import OUTPUT_LIMIT

    _, out, *_ = graded
    record = json.loads((out / "records" / "pat.json").read_text())
    assert len(record["output"].encode()) == OUTPUT_LIMIT and record["output_dropped"] > 2 * 10**6
    report = (out / "reports" / "pat.md").read_text(encoding="utf-8")
    assert re.search(r"^## What the student's code printed \(\d+ more lines not shown; \d+ more bytes not kept\)$",
                     report, re.MULTILINE)
    assert report.count("debug output " * 8) == gradebook.OUTPUT_LINES


def test_reports_show_the_graders_text_and_the_students_output(graded):
    _, out, _, _, _ = graded
    markdown = (out / "reports" / "bob.md").read_text(encoding="utf-8")
    assert markdown.startswith("# bob: ") and "| relu | 4/4 | passed | bob_05_relu.py |" in markdown
    assert re.search(r"^Exercise linear \(.*\): FAILED, \d of 3 cases passed$", markdown, re.MULTILINE)
    page = (out / "reports" / "bob.html").read_text(encoding="utf-8")
    assert "<pre>Exercise linear (" in page and "<h1>bob: " in page
    assert (out / "reports" / "김민수.md").exists() and (out / "reports" / "Ada Lovelace.html").exists()
    mallory = (out / "reports" / "mallory.md").read_text(encoding="utf-8")
    assert "## What the student's code printed" in mallory and "my folder holds" in mallory


def test_results_json_has_gradescopes_fields(graded):
    _, out, _, _, _ = graded
    for path in (out / "results").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert gradescope.problems(data) == [], path.name
        assert len(data["tests"]) == len(exercises.names())
    bob = json.loads((out / "results" / "bob.json").read_text())
    relu = next(test for test in bob["tests"] if test["name"].startswith("relu:"))
    assert relu["score"] == relu["max_score"] == 4 and relu["output"].startswith("Exercise relu (")
    assert gradescope.problems({"score": 1, "tests": [{"name": "x", "score": 2, "max_score": 1}]})  # it can fail


def test_a_rerun_grades_nobody_whose_files_did_not_change(graded, tmp_path):
    folder, out, *_ = graded
    stamps = {path.name: path.stat().st_mtime_ns for path in (out / "records").iterdir()}
    summary = grading.grade_class(folder, out, jobs=2, limits=LIMITS, progress=open(os.devnull, "w"),
                                  scoring="per-exercise")
    assert summary.graded == 0 and summary.reused == len(EXPECTED)
    assert stamps == {path.name: path.stat().st_mtime_ns for path in (out / "records").iterdir()}
    _, rows, _ = _gradebook(out)
    assert rows["Ada Lovelace"]["score"] == rows["Ada Lovelace"]["max_score"] == str(len(exercises.names()))
    assert rows["bob"]["score"] == "1"  # per exercise: relu passed, linear did not
    grading.grade_class(folder, out, jobs=2, limits=LIMITS, progress=open(os.devnull, "w"))  # as before


def _small_class(folder, count=4):
    """Students who each take about a second to grade, the second one longer."""
    for number in range(count):
        text = model_answer("relu") + ("import time\ntime.sleep(1.5)\n" if number == 1 else "")
        _write(folder / f"student{number}_05_relu.py", text)
    return folder


def _command(folder, out, sandboxes):
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from resnet_np.cli import main; sys.exit(main(sys.argv[1:]))")
    environment = dict(os.environ, TMPDIR=str(sandboxes), PYTHONPATH=os.pathsep.join(
        filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))  # TMPDIR: the workers' folders, here
    return subprocess.Popen([sys.executable, "-c", code, "exercise", "grade", str(folder), "--out", str(out),
                             "--time-limit", "5"], env=environment, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for_records(out, count, process, timeout=60):
    gradebooks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if (out / "gradebook.csv").exists():
            gradebooks.append(_gradebook(out)[2])  # read while the grader writes it: always whole
        if (out / "records").is_dir() and len(list((out / "records").glob("*.json"))) >= count:
            return gradebooks
        time.sleep(0.02)
    raise AssertionError(f"no {count} records in {timeout} s")


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_a_stopped_run_keeps_what_it_graded_and_the_next_grades_only_the_rest(tmp_path, signal_number):
    folder, out = _small_class(tmp_path / "class"), tmp_path / "grades"
    sandboxes = tmp_path / "sandboxes"
    sandboxes.mkdir()
    process = _command(folder, out, sandboxes)
    gradebooks = _wait_for_records(out, 1, process)
    process.send_signal(signal_number)
    stdout, stderr = process.communicate(timeout=30)
    first = {path.name for path in (out / "records").glob("*.json")}
    assert 1 <= len(first) < 4
    if signal_number == signal.SIGINT:
        assert process.returncode == 130
        assert f"stopped: {len(first)} of 4 students graded" in stderr, stderr
    for rows in gradebooks + [_gradebook(out)[2]]:
        assert rows[0][0] == "student" and len(rows) == 5 and all(len(row) == len(rows[0]) for row in rows)
    _, rows, _ = _gradebook(out)
    not_graded = sum(row["verdict"] == grading.NOT_GRADED for row in rows.values())
    # killed between a student's record and the gradebook, the gradebook lags one student; the rerun catches up
    assert not_graded == 4 - len(first) or (signal_number == signal.SIGKILL and not_graded == 5 - len(first))
    deadline = time.monotonic() + 10
    while _processes_with(str(sandboxes)) and time.monotonic() < deadline:  # workers die with their grader
        time.sleep(0.1)
    assert _processes_with(str(sandboxes)) == []
    summary = grading.grade_class(folder, out, limits=LIMITS, progress=open(os.devnull, "w"))
    assert summary.graded == 4 - len(first) and summary.reused == len(first)
    _, rows, _ = _gradebook(out)
    assert sorted(rows) == [f"student{number}" for number in range(4)]
    assert all(row["verdict"] == "graded" and row["relu"] == "4/4" for row in rows.values())


def test_gradescope_mode_writes_results_json(tmp_path):
    submission = tmp_path / "autograder" / "submission"
    _write(submission / "05_relu_pool_linear_loss.ipynb", _with_todo_cells(
        _notebook("05_relu_pool_linear_loss.ipynb"), lambda name: model_answer(name) if name == "relu" else None))
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                                            os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "resnet_np", "exercise", "grade", "--gradescope", str(submission),
                           "--out", str(tmp_path / "autograder" / "results"), "--time-limit", "5"],
                          env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "autograder" / "results" / "results.json").read_text())
    assert gradescope.problems(data) == []
    assert data["score"] == 4 and done.stdout.startswith("score 4 of ")
    tests = {test["name"].split(":")[0]: test for test in data["tests"]}
    assert tests["relu"]["status"] == "passed"
    assert tests["linear"]["score"] == 0 and "not implemented yet" in tests["linear"]["output"]
    assert tests["im2col"]["output"] == "Exercise im2col: not handed in."


def test_student_file_names_keep_spaces_and_hangul_and_lose_path_characters():
    assert gradebook.file_name("김민수") == "김민수" and gradebook.file_name("Ada Lovelace") == "Ada Lovelace"
    assert gradebook.file_name("../etc/passwd") == "_etc_passwd"


def test_the_readmes_quote_the_limits_the_code_has():
    from resnet_np.exercises.classroom.sandbox import OUTPUT_LIMIT

    defaults = Limits()
    for readme, section in [("README.md", "### For lecturers"), ("README.ko.md", "### 강의하시는 분께")]:
        text = (REPO_ROOT / readme).read_text(encoding="utf-8")
        text = text[text.index(section):text.index("\n## ", text.index(section))]
        assert f"(`--time-limit`, {defaults.time:g} s)" in text, readme
        assert f"(`--memory-limit`, {defaults.memory_mb} MB," in text, readme
        assert f"{defaults.file_mb} MB" in text and f"{OUTPUT_LIMIT // 1024} KB" in text, readme
