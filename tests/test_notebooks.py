"""The course notebooks: built from reference/ and grading.toml when asked, valid for nbgrader,
free of solutions, and runnable top to bottom on the reference (with full marks in every
grade cell). Also the pieces the grade cells use: seed choice, silent stderr, feedback
that keeps hidden cases hidden, and the sandboxed stand-ins used while autograding."""
from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.config import load_config
from autograder.exercises import REGISTRY
from autograder.messages import catalog
from autograder.nbgrade import NotebookGradingError, hidden_seed, training_plan
from autograder.notebooks.build import (
    BuildError,
    assignment_dir,
    render_course,
    render_notebooks,
    stale_files,
    sync,
)
from autograder.notebooks.course import ASSIGNMENT, KERNEL_INSTALL, KERNEL_NAME, PACKAGE
from autograder.notebooks.feedback import render_exercise
from autograder.paths import (
    API,
    ASSIGNMENTS_DIR,
    REPO_ROOT,
    PROVIDED_MODULES,
    REFERENCE_DIR,
    STUDENT_MODULES,
)
from autograder.release import (
    BEGIN_MARKER,
    END_MARKER,
    find_solution_blocks,
    render_assignments,
)
from autograder.results import CaseResult, CheckResult, ExerciseResult
from submissions import build_submission

CONFIG = load_config()
# A solution line this long, found in a notebook, is a leak; shorter ones ("return out") are common.
LEAK_MIN_CHARS = 30


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """course/source/<assignment>/ as `convlab notebooks` builds it, in a folder of its own."""
    folder = assignment_dir(tmp_path_factory.mktemp("course") / "source")
    assert sync(folder, check=False, config=CONFIG)[1] is True
    return folder


def built_notebooks(folder: Path) -> dict[str, dict]:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.ipynb"))}


def cell_text(cell: dict) -> str:
    return "".join(cell["source"])


# ---------------------------------------------------------------- built, current, complete


def test_the_repository_keeps_no_built_course_folder():
    tracked = subprocess.run(["git", "ls-files", "course"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert tracked == ["course/nbgrader_config.py"]


def test_check_reports_each_kind_of_staleness_and_sync_repairs_it(tmp_path):
    folder = tmp_path / ASSIGNMENT
    assert sync(folder, check=False, config=CONFIG)[1] is True
    assert stale_files(render_course(CONFIG), folder) == {}
    (folder / "part2_kernels.ipynb").write_text("{}", encoding="utf-8")
    (folder / "part4_pooling.ipynb").unlink()
    (folder / "notes.ipynb").write_text("{}", encoding="utf-8")
    (folder / PACKAGE / "__pycache__").mkdir()
    (folder / PACKAGE / "__pycache__" / "sizes.cpython-311.pyc").write_bytes(b"junk is ignored")
    stale, wrote = sync(folder, check=True, config=CONFIG)
    assert (stale, wrote) == (
        {
            "part2_kernels.ipynb": "out of date",
            "part4_pooling.ipynb": "missing",
            "notes.ipynb": "left over: the build does not make it",
        },
        False,
    )
    assert sync(folder, check=False, config=CONFIG)[1] is True
    assert stale_files(render_course(CONFIG), folder) == {}
    assert not (folder / "notes.ipynb").exists()


def test_rendering_is_deterministic():
    assert render_course(CONFIG) == render_course(CONFIG)


def test_the_command_builds_a_whole_nbgrader_course_folder(tmp_path, capsys):
    from autograder.commands import notebooks as command
    from autograder.notebooks.course import COURSE_CONFIG

    course = tmp_path / "course"
    assert command.notebooks(argparse.Namespace(course=course, check=True)) == command.EXIT_STALE
    assert "stale: " in capsys.readouterr().out and not course.exists()
    assert command.notebooks(argparse.Namespace(course=course, check=False)) == command.EXIT_OK
    assert (course / "nbgrader_config.py").read_bytes() == COURSE_CONFIG.read_bytes()
    assert stale_files(render_course(CONFIG), course / "source" / ASSIGNMENT) == {}
    assert command.notebooks(argparse.Namespace(course=course, check=True)) == command.EXIT_OK
    assert "is up to date" in capsys.readouterr().out


def test_every_exercise_has_one_grade_cell_worth_its_points(built):
    graded = {}
    for notebook in built_notebooks(built).values():
        for cell in notebook["cells"]:
            meta = cell["metadata"]["nbgrader"]
            if meta["grade"]:
                exercise_id = meta["grade_id"].removeprefix("grade_")
                assert exercise_id not in graded, f"{exercise_id} graded twice"
                graded[exercise_id] = meta["points"]
                assert cell_text(cell).endswith(f'grade("{exercise_id}")'), "the float must be the cell's last expression"
    assert graded == {policy.exercise_id: policy.points for policy in CONFIG.exercises}


def test_parts_and_grading_toml_must_agree():
    fewer = dataclasses.replace(CONFIG, exercises=tuple(p for p in CONFIG.exercises if p.exercise_id != "lenet"))
    with pytest.raises(BuildError, match="'lenet', which grading.toml does not list"):
        render_notebooks(fewer)


def test_cells_carry_valid_schema3_metadata_and_are_all_locked(built):
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator

    for name, data in built_notebooks(built).items():
        notebook = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(notebook)
        MetadataValidator().validate_nb(notebook)
        assert notebook.metadata.kernelspec.name == KERNEL_NAME
        ids = [cell.metadata.nbgrader.grade_id for cell in notebook.cells]
        assert len(ids) == len(set(ids)), name
        for cell in notebook.cells:
            meta = cell.metadata.nbgrader
            assert (meta.locked, meta.solution, meta.schema_version) == (True, False, 3), (name, cell.id)
            assert cell.id == meta.grade_id
            assert (cell.metadata.editable, cell.metadata.deletable) == (False, False)


def test_saving_in_jupyter_changes_nothing(built):
    import nbformat

    for path in sorted(built.glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        assert nbformat.writes(nbformat.reads(text, as_version=4)) + "\n" == text, path.name


# ---------------------------------------------------------------- no solutions


def _solution_lines() -> set[str]:
    lines = set()
    for path in sorted(REFERENCE_DIR.glob("*.py")):
        source = path.read_text(encoding="utf-8").splitlines()
        for block in find_solution_blocks("\n".join(source) + "\n", path.name):
            for line in source[block.begin:block.end - 1]:
                text = line.strip()
                if len(text) >= LEAK_MIN_CHARS and not text.startswith("#"):
                    lines.add(text)
    return lines


def test_notebooks_hold_no_solution_code(built):
    solution = _solution_lines()
    assert len(solution) > 20  # the check has something to find
    for name, notebook in built_notebooks(built).items():
        text = "\n".join(cell_text(cell) for cell in notebook["cells"])
        assert BEGIN_MARKER not in text and END_MARKER not in text
        leaked = sorted(line for line in solution if line in text)
        assert leaked == [], f"{name} holds solution lines: {leaked[:3]}"


def test_notebook_code_calls_the_students_functions_and_defines_none(built):
    for name, notebook in built_notebooks(built).items():
        imported = set()
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code":
                continue
            tree = ast.parse(re.sub(r"^%.*$", "", cell_text(cell), flags=re.MULTILINE))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
                    imported |= {alias.name for alias in node.names}
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    assert node.name not in API, f"{name} defines {node.name}"
        assert imported & set(API), f"{name} imports none of the student's functions"


def test_the_package_beside_the_notebooks_holds_the_stubs_and_no_solution(built):
    folder = built / PACKAGE
    stubs = render_assignments()
    for module in STUDENT_MODULES + PROVIDED_MODULES:
        expected = stubs.get(f"{module}.py") or (ASSIGNMENTS_DIR / f"{module}.py").read_text(encoding="utf-8")
        assert (folder / f"{module}.py").read_text(encoding="utf-8") == expected
    for path in folder.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert BEGIN_MARKER not in text and END_MARKER not in text, path


# ---------------------------------------------------------------- what grade cells use


@pytest.mark.parametrize(
    ("autograding", "environ", "expected"),
    [
        (False, {}, (CONFIG.grader.public_seed, "public")),
        (False, {"CONVLAB_SEED": "987654321"}, (987654321, "hidden")),
        (True, {"CONVLAB_SEED": "987654321"}, (987654321, "hidden")),
        (True, {}, "no hidden seed"),
        (True, {"CONVLAB_SEED": str(CONFIG.grader.public_seed)}, "holds the public seed"),
    ],
)
def test_the_seed_is_hidden_while_autograding_and_public_for_students(monkeypatch, autograding, environ, expected):
    assert CONFIG.grader.seed_env == "CONVLAB_SEED"
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde" if autograding else "validate")
    if isinstance(expected, str):
        with pytest.raises(NotebookGradingError, match=expected):
            hidden_seed(CONFIG, environ)
    else:
        assert hidden_seed(CONFIG, environ) == expected


def test_training_stops_while_autograding_and_shrinks_when_quick(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("CONVLAB_NOTEBOOK_QUICK", raising=False)
    assert training_plan(2, 4000, 1000) == (2, 4000, 1000)
    monkeypatch.setenv("CONVLAB_NOTEBOOK_QUICK", "1")
    assert training_plan(2, 4000, 1000) == (1, 256, 200)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert training_plan(2, 4000, 1000) == (0, 0, 0)


def test_nothing_reaches_stderr_while_quiet():
    program = textwrap.dedent(
        """
        import os, sys, warnings
        from autograder.nbgrade import quiet_stderr
        with quiet_stderr():
            print("python-level", file=sys.stderr)
            os.write(2, b"fd-level\\n")
            warnings.warn("a warning")
            print("stdout stays")
        print("stderr is back", file=sys.stderr)
        """
    )
    done = subprocess.run([sys.executable, "-c", program], check=False, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "stdout stays\n", "stderr is back\n")


def _exercise_with_hidden_failures() -> ExerciseResult:
    secret = "x (2, 3, 7, 5), w (4, 3, 3, 2), S=2, P=1"
    cases = [
        CaseResult("lecture example 1", True, hidden=False),
        CaseResult("docstring example 2", False, message="z: expected -1, got 16. Likely cause: flipped.", diagnosis="kernel_flipped", hidden=False),
        CaseResult(f"hidden case 1: {secret}", False, "3 of 8 values differ at index (0, 1, 2, 3)", "kernel_flipped", hidden=True),
        CaseResult(f"hidden case 2: {secret}", True, hidden=True),
        CaseResult(f"hidden case 3: {secret}", False, "got 0.54881350 at index (1, 0, 4, 4)", hidden=True),
    ]
    check = CheckResult("lecture", "the lecture's worked examples", 3.0, cases)
    return ExerciseResult("conv2d_forward", "Convolution forward pass (conv2d_forward)", [check])


def test_feedback_shows_visible_messages_and_only_verdicts_and_causes_for_hidden_cases():
    text = render_exercise(_exercise_with_hidden_failures(), seed=987654321, seed_kind="hidden")
    flipped = catalog("en").text(next(m for m in REGISTRY["conv2d_forward"].mistakes if m.id == "kernel_flipped").message_key)
    assert text.splitlines()[0].startswith("Convolution forward pass (conv2d_forward)")
    assert text.splitlines()[0].endswith("1.2 / 3")
    assert "docstring example 2" in text and "z: expected -1, got 16." in text
    assert f"hidden case 1: failed. Likely cause: {flipped}" in " ".join(text.split())
    assert "hidden case 3: failed." in text
    for secret in ("(2, 3, 7, 5)", "index (0, 1, 2, 3)", "0.54881350", "987654321"):
        assert secret not in text
    assert text.splitlines()[-1] == "seed hidden"
    assert render_exercise(_exercise_with_hidden_failures(), seed=2021, seed_kind="public").splitlines()[-1] == "seed 2021 (public)"


def test_feedback_on_an_exercise_not_started_is_one_line_naming_the_file():
    not_implemented = catalog("en").text("call.not_implemented") + catalog("en").text("diagnosis.end")
    cases = [CaseResult(f"hidden case {i}", False, not_implemented, hidden=True) for i in (1, 2)]
    exercise = ExerciseResult("max_pool", "Max pooling, forward and backward", [CheckResult("forward_hidden", "forward", 2.0, cases)])
    lines = render_exercise(exercise, seed=2021, seed_kind="public").splitlines()
    assert lines[1:] == ["  TODO  write max_pool_forward, max_pool_backward in assignments/pooling.py", "seed 2021 (public)"]


# ---------------------------------------------------------------- sandboxed stand-ins


def test_stand_ins_run_student_code_in_the_sandbox_and_survive_a_hostile_module(tmp_path):
    good = tmp_path / "good" / PACKAGE
    build_submission(good)  # the reference's modules and the provided ones: a finished package
    hostile = tmp_path / "hostile" / PACKAGE
    shutil.copytree(good, hostile)
    pooling = hostile / "pooling.py"
    pooling.write_text("import os\nos._exit(3)\n" + pooling.read_text(encoding="utf-8"), encoding="utf-8")
    program = textwrap.dedent(
        f"""
        import os, sys
        import numpy as np
        os.environ["NBGRADER_EXECUTION"] = "autograde"
        from autograder import nbgrade
        for folder in ({str(good.parent)!r}, {str(hostile.parent)!r}):
            os.chdir(folder)
            for name in [m for m in sys.modules if m == "assignments" or m.startswith("assignments.")]:
                del sys.modules[name]
            nbgrade.setup()
            from assignments.pooling import max_pool_forward
            from assignments.training import sgd_momentum_step
            from assignments import LeNet
            x = np.array([[1., 3, 0, 3], [2, 2, 4, 1], [4, 2, 0, 0], [3, 3, 3, 1]])[None, None]
            try:
                print(os.path.basename(folder), max_pool_forward(x, 2, 2)[0, 0].tolist(), LeNet(seed=0).forward(np.zeros((1, 1, 32, 32))).shape)
            except Exception as error:
                print(os.path.basename(folder), type(error).__name__, str(error))
            print(sgd_momentum_step.__module__, max_pool_forward.__doc__)
        """
    )
    done = subprocess.run([sys.executable, "-c", program], check=False, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        "good [[3.0, 4.0], [4.0, 3.0]] (1, 10)",
        "assignments.training max_pool_forward from assignments/pooling.py, run in the sandbox.",
    ]
    assert lines[2].startswith("hostile StudentCodeError max_pool_forward crashed: the student's process ended during the call")
    assert lines[3:] == lines[1:2]


def test_the_source_notebook_replaces_whatever_was_submitted(built, tmp_path):
    import nbformat
    from traitlets.config import Config

    from autograder.notebooks.sanitize import UseSourceNotebook

    source = tmp_path / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    original = built / "part4_pooling.ipynb"
    shutil.copyfile(original, source / original.name)
    submitted = nbformat.read(original, as_version=4)
    submitted.cells.insert(0, nbformat.v4.new_code_cell("import autograder.nbgrade as g; g.grade = lambda *a: 10.0"))
    submitted.cells[-1].source = "10.0"
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    resources = {"nbgrader": {"assignment": ASSIGNMENT, "notebook": "part4_pooling", "student": "s", "db_url": ""}}
    result, _ = UseSourceNotebook(config=config).preprocess(submitted, resources)
    assert [cell.source for cell in result.cells] == [cell.source for cell in nbformat.read(original, as_version=4).cells]


# ---------------------------------------------------------------- every notebook, run on the reference


def _reference_course(built: Path, folder: Path) -> Path:
    """The built notebooks beside an assignments/ package holding the reference's modules."""
    for path in built.glob("*.ipynb"):
        shutil.copyfile(path, folder / path.name)
    build_submission(folder / PACKAGE)  # the reference's modules and the provided ones
    return folder


def ensure_kernel() -> None:
    """The project's kernel (scripts/setup installs it); installed into this environment if missing."""
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL_NAME not in KernelSpecManager().find_kernel_specs():
        subprocess.run([sys.executable, *KERNEL_INSTALL], check=True, capture_output=True, timeout=120)


# Pictures each notebook draws (part 5: two feature-map grids, the training curves, the maps after training).
PICTURES = {"part1_sizes_and_forward": 2, "part2_kernels": 2, "part3_backward": 3, "part4_pooling": 3, "part5_lenet": 4}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PICTURES))
def test_every_notebook_runs_top_to_bottom_on_the_reference_with_full_marks(built, tmp_path, monkeypatch, name):
    import nbformat
    from nbclient import NotebookClient

    ensure_kernel()
    monkeypatch.delenv("CONVLAB_SEED", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("CONVLAB_NOTEBOOK_QUICK", "1")
    folder = _reference_course(built, tmp_path)
    notebook = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name=KERNEL_NAME, resources={"metadata": {"path": str(folder)}}).execute()
    points = {policy.exercise_id: policy.points for policy in CONFIG.exercises}
    pictures = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        kinds = [output.output_type for output in cell.outputs]
        assert "error" not in kinds, (cell.id, cell.outputs)
        assert not any(o.output_type == "stream" and o.name == "stderr" for o in cell.outputs), (cell.id, cell.outputs)
        pictures += sum("image/png" in output.get("data", {}) for output in cell.outputs)
        if cell.metadata.nbgrader.grade:
            exercise_id = cell.metadata.nbgrader.grade_id.removeprefix("grade_")
            assert kinds[-1] == "execute_result"
            assert cell.outputs[-1].data["text/plain"] == repr(float(points[exercise_id]))
            printed = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
            assert f"seed {CONFIG.grader.public_seed} (public)" in printed
    assert pictures == PICTURES[name]


# ---------------------------------------------------------------- "Run all" on the stubs


def test_a_cell_that_meets_a_stub_prints_one_line_and_ends_normally(tmp_path, monkeypatch, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    from autograder.notebooks.unfinished import install

    package = tmp_path / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copyfile(ASSIGNMENTS_DIR / "warmup.py", package / "warmup.py")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        monkeypatch.delitem(sys.modules, name)
    shell = InteractiveShell()
    install(shell, package)
    capsys.readouterr()

    done = shell.run_cell("from assignments.warmup import conv1d_full\nbefore = 1\nconv1d_full([1], [1])\nafter = 2")
    assert done.success and done.error_in_exec is None
    assert capsys.readouterr().out == "conv1d_full is not implemented yet: write it in assignments/warmup.py, then run this cell again.\n"
    assert shell.user_ns["before"] == 1 and "after" not in shell.user_ns
    # A cell's last expression is still its result; any other NotImplementedError keeps its traceback.
    assert shell.run_cell("before + 41").result == 42
    other = shell.run_cell("raise NotImplementedError('not from the stubs')")
    assert not other.success and isinstance(other.error_in_exec, NotImplementedError)
    assert "is not implemented yet: write it in" not in capsys.readouterr().out


UNFINISHED_LINE = re.compile(r"^(\S+) is not implemented yet: write it in (assignments/\w+\.py), then run this cell again\.$")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PICTURES))
def test_run_all_on_the_stubs_goes_to_the_end_with_one_line_per_unfinished_function(built, tmp_path, monkeypatch, name):
    import nbformat
    from nbclient import NotebookClient

    ensure_kernel()
    monkeypatch.delenv("CONVLAB_SEED", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("CONVLAB_NOTEBOOK_QUICK", "1")
    shutil.copyfile(built / f"{name}.ipynb", tmp_path / f"{name}.ipynb")
    shutil.copytree(built / PACKAGE, tmp_path / PACKAGE)  # the stubs, as students get them
    notebook = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    # As Jupyter's "Run all" does, stop at the first cell that fails.
    NotebookClient(notebook, timeout=600, kernel_name=KERNEL_NAME, resources={"metadata": {"path": str(tmp_path)}}).execute()
    unfinished = []
    for cell in (c for c in notebook.cells if c.cell_type == "code"):
        assert cell.execution_count is not None, cell.id  # every cell ran
        assert not [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"], (cell.id, cell.outputs)
        printed = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
        if cell.metadata.nbgrader.grade:
            assert cell.outputs[-1].data["text/plain"] == "0.0"
            assert "  TODO  " in printed  # the grade cell's one line for an exercise not started
            continue
        lines = [UNFINISHED_LINE.match(line) for line in printed.splitlines()]
        unfinished += [match.groups() for match in lines if match]
        assert "Traceback" not in printed and "NotImplementedError" not in printed
    assert unfinished, "no cell met an unfinished function"
    for function, file in unfinished:
        module = API[function.split(".")[0]]
        assert file == f"assignments/{module}.py", (function, file)
