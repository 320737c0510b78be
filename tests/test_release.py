"""The release: assignments/ is generated from reference/, and nothing released holds a solution."""
from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from autograder.paths import ASSIGNMENTS_DIR, GRADING_TOML, REFERENCE_DIR, REPO_ROOT
from autograder.release import (
    BEGIN_MARKER,
    END_MARKER,
    GENERATED_HEADER,
    HAND_WRITTEN,
    MANIFEST_NAME,
    RECORD_NAME,
    ReleaseError,
    build_student_release,
    file_states,
    find_solution_blocks,
    make_stub,
    release,
    release_arguments,
    render_assignments,
    stale_files,
    student_release,
    student_release_arguments,
    sync_assignments,
)

# Solution lines shorter than this ("return out", "}") are too common to mean a leak.

BEGIN = f"    {BEGIN_MARKER}\n"
END = f"    {END_MARKER}\n"

SYNTHETIC_REFERENCE = f'''"""A module."""
import numpy as np

{BEGIN_MARKER}
from itertools import product


def _helper(x):
    return x + 1
{END_MARKER}


def area(h, w):
    """Area of an h x w rectangle."""
{BEGIN}    return _helper(h) * w - w
{END}

class Box:
    """A box."""

    def volume(self, depth):
        """Volume."""
        scale = 1
        {BEGIN_MARKER}
        if depth:
            return scale * depth
        {END_MARKER}
        return 0
'''

SYNTHETIC_STUB = GENERATED_HEADER + '''"""A module."""
import numpy as np


def area(h, w):
    """Area of an h x w rectangle."""
    # TODO(student): implement area — see the docstring above.
    raise NotImplementedError("area: not implemented yet")


class Box:
    """A box."""

    def volume(self, depth):
        """Volume."""
        scale = 1
        # TODO(student): implement Box.volume — see the docstring above.
        raise NotImplementedError("Box.volume: not implemented yet")
        return 0
'''


# ---------------------------------------------------------------- (a) assignments/ is current


def test_assignments_are_generated_from_the_current_reference():
    stale = stale_files(REFERENCE_DIR, ASSIGNMENTS_DIR)
    assert stale == {}, f"assignments/ is stale, run `convlab release`: {stale}"


def _synthetic_course(tmp_path):
    """tmp_path/reference with a module and an __init__, released into tmp_path/assignments."""
    reference = tmp_path / "reference"
    assignments = tmp_path / "assignments"
    reference.mkdir()
    (reference / "shapes.py").write_text(SYNTHETIC_REFERENCE)
    (reference / "__init__.py").write_text('"""Exports."""\n')
    (reference / "gone.py").write_text('"""A module about to be deleted."""\n')
    assert sync_assignments(reference, assignments, check=False) == 0
    return reference, assignments


def _contents(folder):
    return {path.name: path.read_text() for path in folder.iterdir()}


def test_check_lists_stale_files_without_writing_and_release_repairs_them(tmp_path, capsys):
    reference, assignments = _synthetic_course(tmp_path)
    (assignments / "conftest.py").write_text("# written by hand\n")
    (reference / "shapes.py").write_text(SYNTHETIC_REFERENCE.replace("A module.", "A changed module."))
    (reference / "gone.py").unlink()
    (assignments / "__init__.py").unlink()
    before = _contents(assignments)
    capsys.readouterr()

    assert sync_assignments(reference, assignments, check=True) == 1

    printed = capsys.readouterr().out
    assert re.findall(r"^stale: \S+/(\S+):", printed, re.MULTILINE) == ["__init__.py", "shapes.py", "gone.py"]
    assert "edited" not in printed
    assert _contents(assignments) == before
    assert sync_assignments(reference, assignments, check=False) == 0
    assert sorted(path.name for path in assignments.iterdir()) == [RECORD_NAME, "__init__.py", "conftest.py", "shapes.py"]
    assert (assignments / "conftest.py").read_text() == "# written by hand\n"
    assert stale_files(reference, assignments) == {}


def test_an_edited_stub_is_told_from_a_stale_one_and_kept_without_force(tmp_path, capsys):
    reference, assignments = _synthetic_course(tmp_path)
    edited = (assignments / "shapes.py").read_text().replace('raise NotImplementedError("area: not implemented yet")', "return h * w")
    (assignments / "shapes.py").write_text(edited)
    (reference / "__init__.py").write_text('"""Exports, changed."""\n')
    capsys.readouterr()

    assert sync_assignments(reference, assignments, check=True) == 1
    printed = capsys.readouterr().out
    assert re.findall(r"^(stale|edited): \S+/(\S+):", printed, re.MULTILINE) == [("stale", "__init__.py"), ("edited", "shapes.py")]
    # The diff: what release would write, then the edit.
    assert '-    raise NotImplementedError("area: not implemented yet")\n+    return h * w' in printed
    assert "make it in" in printed and "`convlab release --force`" in printed

    assert sync_assignments(reference, assignments, check=False) == 1  # the stale file is rewritten, the edit kept
    printed = capsys.readouterr().out
    assert "wrote" in printed and "__init__.py" in printed and "kept" in printed
    assert (assignments / "shapes.py").read_text() == edited
    assert (assignments / "__init__.py").read_text() == '"""Exports, changed."""\n'
    # The record still knows the generated text: the edit stays an edit on the next run too.
    assert file_states(reference, assignments)["shapes.py"].kind == "edited"
    assert sync_assignments(reference, assignments, check=False) == 1
    assert (assignments / "shapes.py").read_text() == edited

    assert sync_assignments(reference, assignments, check=False, force=True) == 0
    assert "its edit discarded: --force" in capsys.readouterr().out
    assert (assignments / "shapes.py").read_text() == make_stub(SYNTHETIC_REFERENCE, "shapes.py")
    assert stale_files(reference, assignments) == {}


def test_a_stale_stub_whose_reference_changed_is_rewritten_without_force(tmp_path, capsys):
    reference, assignments = _synthetic_course(tmp_path)
    changed = SYNTHETIC_REFERENCE.replace("Area of an h x w rectangle.", "Area of a rectangle.")
    (reference / "shapes.py").write_text(changed)
    assert file_states(reference, assignments)["shapes.py"].kind == "stale"
    assert sync_assignments(reference, assignments, check=False) == 0
    assert (assignments / "shapes.py").read_text() == make_stub(changed, "shapes.py")


def test_a_left_over_file_edited_by_hand_is_kept_without_force(tmp_path, capsys):
    reference, assignments = _synthetic_course(tmp_path)
    (assignments / "gone.py").write_text('"""A module about to be deleted, with notes."""\n')
    (assignments / "mine.py").write_text("# never generated\n")
    (reference / "gone.py").unlink()
    states = file_states(reference, assignments)
    assert {name: state.kind for name, state in states.items()} == {"gone.py": "left_over_edited", "mine.py": "left_over_edited"}
    assert sync_assignments(reference, assignments, check=False) == 1
    assert sorted(path.name for path in assignments.glob("*.py")) == ["__init__.py", "gone.py", "mine.py", "shapes.py"]
    assert sync_assignments(reference, assignments, check=False, force=True) == 0
    assert sorted(path.name for path in assignments.glob("*.py")) == ["__init__.py", "shapes.py"]


def test_release_refuses_where_there_is_no_reference(tmp_path, capsys):
    assignments = tmp_path / "assignments"
    assignments.mkdir()
    (assignments / "conv_forward.py").write_text("def conv2d_forward():\n    return 'my work'\n")
    with pytest.raises(ReleaseError, match="no reference solutions in .*never in a student release"):
        sync_assignments(tmp_path / "reference", assignments, check=False, force=True)
    assert (assignments / "conv_forward.py").read_text() == "def conv2d_forward():\n    return 'my work'\n"


def test_an_edited_stub_blocks_the_student_release_and_shows_its_diff(tmp_path, monkeypatch):
    fake_assignments = tmp_path / "assignments"
    shutil.copytree(ASSIGNMENTS_DIR, fake_assignments, ignore=shutil.ignore_patterns("__pycache__"))
    stub = fake_assignments / "warmup.py"
    stub.write_text(stub.read_text().replace("import numpy as np", "import numpy as np  # hand-edited", 1))
    monkeypatch.setattr("autograder.release.ASSIGNMENTS_DIR", fake_assignments)
    with pytest.raises(ReleaseError) as raised:
        build_student_release(tmp_path / "out")
    message = str(raised.value)
    assert message.startswith("edited by hand: assignments/warmup.py. To keep an edit, make it in reference/")
    assert "+import numpy as np  # hand-edited" in message and "out of date" not in message
    assert not (tmp_path / "out").exists()


def test_the_commands_answer_with_exit_codes(tmp_path, capsys):
    release_parser = argparse.ArgumentParser()
    release_arguments(release_parser)
    assert release(release_parser.parse_args(["--check"])) == 0
    assert "assignments/ is up to date" in capsys.readouterr().out
    out_parser = argparse.ArgumentParser()
    student_release_arguments(out_parser)
    (tmp_path / "old.txt").write_text("from an earlier release")
    assert student_release(out_parser.parse_args([str(tmp_path)])) == 2
    assert "not empty; pass --force" in capsys.readouterr().err
    assert student_release(out_parser.parse_args([str(tmp_path / "new")])) == 0
    assert (tmp_path / "new" / MANIFEST_NAME).is_file()


# ---------------------------------------------------------------- (b) the generator


def test_stub_of_a_synthetic_reference_is_exactly_as_expected():
    assert make_stub(SYNTHETIC_REFERENCE, "shapes.py") == SYNTHETIC_STUB


def test_blocks_are_found_with_their_owners():
    blocks = find_solution_blocks(SYNTHETIC_REFERENCE, "shapes.py")
    assert [(b.begin, b.end, b.indent, b.owner) for b in blocks] == [
        (4, 10, "", None),
        (15, 17, "    ", "area"),
        (26, 29, "        ", "Box.volume"),
    ]


def test_a_file_without_markers_is_copied_verbatim():
    source = '"""Exports."""\nfrom .a import b  # BEGIN here\n\n\nx = "### BEGIN SOLUTION inside a string"\n'
    assert make_stub(source, "plain.py") == source


def test_module_level_blocks_at_the_start_and_end_leave_no_blank_runs():
    source = f"{BEGIN_MARKER}\nimport os\n{END_MARKER}\n\n\ndef f():\n    pass\n\n\n{BEGIN_MARKER}\nX = 1\n{END_MARKER}\n"
    assert make_stub(source, "edges.py") == GENERATED_HEADER + "def f():\n    pass\n"


def test_the_task_marker_takes_the_block_indentation():
    source = f"def f(x):\n    if x:\n        {BEGIN_MARKER}\n        return 1\n        {END_MARKER}\n    return 0\n"
    assert make_stub(source, "nested.py") == GENERATED_HEADER + (
        "def f(x):\n"
        "    if x:\n"
        "        # TODO(student): implement f — see the docstring above.\n"
        '        raise NotImplementedError("f: not implemented yet")\n'
        "    return 0\n"
    )


@pytest.mark.parametrize(
    ("source", "where", "complaint"),
    [
        (f"def f():\n{BEGIN}    return 1\n", "bad.py:2:", "never closed"),
        (f"def f():\n    return 1\n{END}", "bad.py:3:", "without a"),
        (f"def f():\n{BEGIN}    x = 1\n{BEGIN}    return x\n{END}{END}", "bad.py:4:", "cannot nest"),
        (f"def f():\n{BEGIN}    return 1\n  {END_MARKER}\n", "bad.py:4:", "indented differently"),
        (f"def f():\n{BEGIN}    # nothing here\n{END}    return 1\n", "bad.py:2:", "holds no code"),
        (f"def f():\n    return 1  {BEGIN_MARKER}\n", "bad.py:2:", "alone on its line"),
        ("def f():\n    ### begin solution\n    return 1\n", "bad.py:2:", "malformed"),
        ("def f():\n    ## BEGIN SOLUTION\n    return 1\n", "bad.py:2:", "malformed"),
        (f"def f():\n{BEGIN}    return 1\n\nx = 2\n{END}", "bad.py:2:", "runs past the end of f"),
        (f"def f(:\n{BEGIN}    return 1\n{END}", "bad.py:1:", "not valid Python"),
    ],
)
def test_bad_markers_raise_naming_file_and_line(source, where, complaint):
    with pytest.raises(ReleaseError, match=re.escape(where) + ".*" + complaint):
        make_stub(source, "bad.py")


def test_a_stub_that_would_not_compile_raises():
    source = f"class C:\n    {BEGIN_MARKER}\n    X = 1\n    {END_MARKER}\n"
    with pytest.raises(ReleaseError, match="broken.py: its stub is not valid Python"):
        make_stub(source, "broken.py")


# ---------------------------------------------------------------- (c) the real stubs


def _reference_files_with_blocks():
    for path in sorted(REFERENCE_DIR.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        blocks = find_solution_blocks(source, path.name)
        if blocks:
            yield path, source, blocks


def _stub_functions():
    """(module, dotted name) of every function or method that has a solution block."""
    return [
        (path.stem, block.owner)
        for path, _, blocks in _reference_files_with_blocks()
        for block in blocks
        if block.owner is not None
    ]


@pytest.fixture(scope="module")
def stub_package():
    """assignments/ imported under a private name, whatever is on sys.path."""
    name = "_convlab_stubs"
    spec = importlib.util.spec_from_file_location(
        name, ASSIGNMENTS_DIR / "__init__.py", submodule_search_locations=[str(ASSIGNMENTS_DIR)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    try:
        spec.loader.exec_module(package)
        yield name
    finally:
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


def test_every_exercise_of_the_reference_has_a_stub():
    names = [name for _, name in _stub_functions()]
    assert "conv2d_forward" in names and "LeNet.backward" in names
    assert len(names) == len(set(names)) >= 18


@pytest.mark.parametrize(("module", "name"), _stub_functions(), ids=lambda value: value)
def test_every_stub_raises_not_implemented_with_its_name(stub_package, module, name):
    owner = importlib.import_module(f"{stub_package}.{module}")
    *classes, function_name = name.split(".")
    for class_name in classes:
        owner = getattr(owner, class_name)
    if classes:
        owner = owner.__new__(owner)  # __init__ may itself be an exercise
    function = getattr(owner, function_name)
    required = [p for p in inspect.signature(function).parameters.values() if p.default is p.empty]
    with pytest.raises(NotImplementedError, match=f"^{re.escape(name)}: not implemented yet$"):
        function(*[None] * len(required))


@pytest.mark.parametrize("path", sorted(ASSIGNMENTS_DIR.glob("*.py")), ids=lambda path: path.name)
def test_stubs_are_tidy(path):
    text = path.read_text(encoding="utf-8")
    assert "\n\n\n\n" not in text, "three blank lines in a row"
    assert not re.search(r"[ \t]$", text, re.MULTILINE), "trailing whitespace"
    assert text.endswith("\n") and not text.endswith("\n\n")


def _docstrings(tree, skipped_lines=range(0)):
    """Dotted name -> docstring of the module, every class and every function not defined on skipped lines."""
    found = {"<module>": ast.get_docstring(tree, clean=False)}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if child.lineno not in skipped_lines:
                    found[prefix + child.name] = ast.get_docstring(child, clean=False)
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


@pytest.mark.parametrize("path", sorted(p for p in REFERENCE_DIR.glob("*.py") if p.name not in HAND_WRITTEN), ids=lambda path: path.name)
def test_every_docstring_of_the_reference_survives_in_the_stub(path):
    source = path.read_text(encoding="utf-8")
    in_blocks = {line for b in find_solution_blocks(source, path.name) for line in range(b.begin, b.end + 1)}
    expected = _docstrings(ast.parse(source), in_blocks)
    stub = ast.parse((ASSIGNMENTS_DIR / path.name).read_text(encoding="utf-8"))
    assert _docstrings(stub) == expected


# ---------------------------------------------------------------- (d) the student release


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "convlab"
    build_student_release(out)
    return out


def _released_files(release_dir):
    return sorted(path for path in release_dir.rglob("*") if path.is_file())


LEAK_RUN_LINES = 3  # this many consecutive solution code lines found together count as a leak
_DATA_ONLY = re.compile(r"""("[^"]*"|'[^']*'|[-+]?\d+(\.\d*)?|[\s\[\]{}(),:/.])*""")


def _is_code(line):
    """A line that carries logic: not blank, not a comment, not only literals (the kernel table)."""
    return bool(line) and not line.startswith("#") and not _DATA_ONLY.fullmatch(line)


def _normalised_code_lines(text):
    return [line.strip() for line in text.splitlines() if _is_code(line.strip())]


def _solution_runs():
    """Every run of LEAK_RUN_LINES consecutive code lines inside reference/ solution blocks.

    Single lines are not evidence: `x = np.asarray(x)` or the db formula the docstring
    states occur legitimately in the oracle and the tests. Three solution lines in a
    row, in order, are.
    """
    runs = set()
    for path in sorted(REFERENCE_DIR.glob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for block in find_solution_blocks("\n".join(lines) + "\n", path.name):
            code = _normalised_code_lines("\n".join(lines[block.begin:block.end - 1]))
            runs.update(tuple(code[i:i + LEAK_RUN_LINES]) for i in range(len(code) - LEAK_RUN_LINES + 1))
    return runs


def _runs_in(text):
    code = _normalised_code_lines(text)
    return {tuple(code[i:i + LEAK_RUN_LINES]) for i in range(len(code) - LEAK_RUN_LINES + 1)}


def test_the_release_holds_no_solution_code(release_dir):
    solution_runs = _solution_runs()
    assert len(solution_runs) > 100  # the check below is only as strong as this list
    leaks = []
    for path in _released_files(release_dir):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert BEGIN_MARKER not in text and END_MARKER not in text, path
        leaks += [f"{path.relative_to(release_dir)}:\n    " + "\n    ".join(run) for run in _runs_in(text) & solution_runs]
    assert not leaks, "reference solution code found in the release:\n" + "\n".join(leaks)


def test_the_leak_check_finds_a_planted_solution(tmp_path):
    planted = (REFERENCE_DIR / "conv_backward.py").read_text(encoding="utf-8")
    assert _runs_in(planted) & _solution_runs()
    assert not _runs_in((ASSIGNMENTS_DIR / "conv_backward.py").read_text(encoding="utf-8")) & _solution_runs()


def test_the_release_holds_exactly_what_students_need(release_dir):
    top = sorted(path.name for path in release_dir.iterdir())
    assert top == sorted(
        [".github", "assignments", "autograder", "grading.toml", "pyproject.toml", "README.md", "requirements.txt", MANIFEST_NAME]
    )
    names = [path.relative_to(release_dir).as_posix() for path in _released_files(release_dir)]
    for name in names:
        assert not re.search(r"(^|/)(reference|samples|bench|\.ci|__pycache__|\.hypothesis)(/|$)", name), name
        assert not name.endswith(".pyc"), name
    generated = render_assignments()
    for name, text in generated.items():
        assert (release_dir / "assignments" / name).read_text(encoding="utf-8") == text
    assert (release_dir / "assignments" / "conftest.py").read_bytes() == (ASSIGNMENTS_DIR / "conftest.py").read_bytes()
    assert (release_dir / "README.md").read_bytes() == (REPO_ROOT / "docs/student/README.md").read_bytes()
    assert (release_dir / "grading.toml").read_bytes() == GRADING_TOML.read_bytes()


def test_the_manifest_lists_every_released_file(release_dir):
    manifest = json.loads((release_dir / MANIFEST_NAME).read_text())
    listed = [entry["path"] for entry in manifest["files"]]
    on_disk = [p.relative_to(release_dir).as_posix() for p in _released_files(release_dir) if p.name != MANIFEST_NAME]
    assert listed == sorted(on_disk)
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"])


def test_the_release_pyproject_installs_the_requirements_and_the_command(release_dir):
    released = tomllib.loads((release_dir / "pyproject.toml").read_text())
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    requirements = (release_dir / "requirements.txt").read_text().splitlines()
    packages = [line for line in requirements if line and not line.startswith(("#", "-"))]
    assert released["project"]["dependencies"] == packages
    assert "torch==2.13.0" in packages
    assert released["project"]["scripts"] == project["scripts"]
    assert released["project"]["requires-python"] == project["requires-python"]
    assert released["tool"]["setuptools"]["packages"]["find"]["include"] == ["autograder*"]


def test_the_student_readme_names_every_exercise_and_the_import_policy():
    readme = (REPO_ROOT / "docs/student/README.md").read_text()
    for module, name in _stub_functions():
        assert f"`{name}`" in readme and f"`assignments/{module}.py`" in readme, name
    assert "standard library" in readme
    for allowed in tomllib.loads(GRADING_TOML.read_text())["policy"]["allowed_modules"]:
        assert allowed in readme, allowed


def test_a_non_empty_out_is_refused_unless_forced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("from an earlier release")
    with pytest.raises(ReleaseError, match="not empty; pass --force"):
        build_student_release(out)
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]
    build_student_release(out, force=True)
    assert not (out / "old.txt").exists() and (out / MANIFEST_NAME).is_file()


def test_a_release_someone_worked_in_is_named_as_such_and_kept(tmp_path):
    out = tmp_path / "out"
    build_student_release(out)
    (out / "assignments" / "warmup.py").write_text("# my solution\n")
    with pytest.raises(ReleaseError, match=r"not empty \(1 files differ from its MANIFEST.json, e.g. assignments/warmup.py"):
        build_student_release(out)
    assert (out / "assignments" / "warmup.py").read_text() == "# my solution\n"


def test_a_file_holding_a_marker_is_never_released(tmp_path, monkeypatch):
    policy = tmp_path / "grading.toml"
    policy.write_text(GRADING_TOML.read_text() + f"\n{BEGIN_MARKER}\n")
    monkeypatch.setattr("autograder.release.GRADING_TOML", policy)
    with pytest.raises(ReleaseError, match="hold a solution marker: grading.toml"):
        build_student_release(tmp_path / "out")
    assert not (tmp_path / "out").exists()


# Without force: should the guard fail, these non-empty folders are refused anyway, not emptied.
@pytest.mark.parametrize("target", [REPO_ROOT, REPO_ROOT.parent, ASSIGNMENTS_DIR, ASSIGNMENTS_DIR / "tests"])
def test_the_release_never_writes_over_the_repository(target):
    with pytest.raises(ReleaseError, match="repository|overlaps"):
        build_student_release(target)


def test_a_stale_assignments_folder_is_not_released(tmp_path, monkeypatch):
    fake_reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, fake_reference, ignore=shutil.ignore_patterns("__pycache__"))
    (fake_reference / "new_exercise.py").write_text('"""New."""\n')
    monkeypatch.setattr("autograder.release.REFERENCE_DIR", fake_reference)
    with pytest.raises(ReleaseError, match=r"out of date .*new_exercise\.py.*convlab release"):
        build_student_release(tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- (e) the visible tests fail on the stubs


@pytest.mark.slow
def test_the_visible_tests_all_fail_on_the_released_stubs(tmp_path):
    release_dir = tmp_path / "convlab"
    build_student_release(release_dir)  # its own copy: the run below leaves caches behind
    command = [sys.executable, "-m", "pytest", "assignments/", "-q", "-p", "no:cacheprovider"]
    result = subprocess.run(command, cwd=release_dir, capture_output=True, text=True, timeout=600)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (\w+)", summary)}
    report = f"exit {result.returncode}, summary {summary!r}\n{result.stdout[-3000:]}{result.stderr[-2000:]}"
    assert result.returncode == 1, report  # 1: tests ran and some failed (5 would be: none collected)
    # Every test stops at a stub's NotImplementedError: reported as not started, none failed or passed.
    assert counts.get("unfinished", 0) > 0, report
    assert set(counts) == {"unfinished"}, report


# --- nothing shipped computes an API function ------------------------------------------------------

# The grader ships to students; these are its modules of small numeric helpers (the
# sandbox, the reporters and the commands hold none). autograder/oracle.py is left out
# on purpose: it is the PyTorch reference every answer is judged against.
HELPER_MODULES = ("autograder.cases", "autograder.compare", "autograder.gradcheck", "autograder.visible",
                  "autograder.safe_text", "autograder.inprocess")


def _helper_callables():
    import importlib
    import inspect
    import pkgutil

    import autograder.exercises as exercises
    from autograder.exercises import REGISTRY

    names = list(HELPER_MODULES) + [f"autograder.exercises.{m.name}" for m in pkgutil.iter_modules(exercises.__path__)]
    names += ["assignments.conftest"] + [f"assignments.tests.{p.stem}" for p in sorted((ASSIGNMENTS_DIR / "tests").glob("*.py"))]
    found = {}
    for name in names:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == module.__name__:
                found[f"{name}.{attr}"] = value
    for exercise in REGISTRY.values():
        for number, mistake in enumerate(exercise.mistakes):
            for target, function in mistake.outputs.items():
                if getattr(function, "__module__", "") != "autograder.oracle":  # the oracle is the reference
                    found[f"mistake {exercise.id}/{mistake.id}#{number}/{target}"] = function
    return found


def _options(function, bound, helpers: dict) -> list[dict]:
    """Every way to fill the parameters the API's arguments left open: True or False for each
    boolean one; True, False or any function of the same module for each one still required
    (a `pick` that chooses the receivers of a gradient, an `assign` flag), up to two of them.
    More required parameters left open: the API's arguments do not fit this function."""
    import inspect
    import itertools

    choices = {}
    same_module = tuple(f for f in helpers.values() if getattr(f, "__module__", None) == function.__module__ and f is not function)
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name in bound.arguments or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if isinstance(parameter.default, bool) or parameter.annotation in (bool, "bool"):
            choices[parameter.name] = (False, True)
        elif parameter.default is inspect.Parameter.empty:
            choices[parameter.name] = (False, True) + same_module
    if sum(len(c) > 2 for c in choices.values()) > 2:
        return []
    names = list(choices)
    return [dict(zip(names, values)) for values in itertools.product(*(choices[n] for n in names))]


@pytest.mark.slow
def test_no_shipped_helper_computes_an_api_function():
    """Every function of the shipped helper modules and every known mistake's answer, called with
    each API function's arguments and every way to fill its other parameters (each boolean both
    ways, each function-valued one with every function of its module), on every case of the
    public seed: none may give the right answer on all of them."""
    import inspect
    import warnings

    from autograder.compare import error_ratio
    from autograder.config import load_config
    from autograder.exercises import REGISTRY
    from autograder.grade import prepare

    tolerance = load_config().tolerance
    cases: dict[str, list] = {}
    for exercise in REGISTRY.values():
        prepared, _ = prepare(exercise, 2021)
        for entry in prepared.checks.values():
            if entry.check.gradcheck or entry.check.target.startswith("LeNet") or entry.check.target == "classic_kernels":
                continue
            for case, expected in zip(entry.cases, entry.expected):
                if not case.expect_error and case.pick is None:
                    cases.setdefault(entry.check.target, []).append((case, expected))
    leaks = []
    helpers = _helper_callables()
    for name, function in helpers.items():
        for target, examples in cases.items():
            try:
                bound = inspect.signature(function).bind_partial(*examples[0][0].args, **examples[0][0].kwargs)
            except TypeError:
                continue
            for options in _options(function, bound, helpers):
                def right(case, expected):
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            got = function(*case.args, **case.kwargs, **options)
                    except Exception:
                        return False
                    return error_ratio(got, expected, tolerance) <= 1
                if all(right(case, expected) for case, expected in examples):
                    leaks.append(f"{name}{options or ''} computes {target}")
    assert not leaks, "\n".join(leaks)


# ---------------------------------------------------------------- (f) a student release cannot hurt the student's work

INSTRUCTOR_COMMANDS = [
    ["release"], ["release", "--check"], ["release", "--force"], ["student-release", "out", "--force"],
    ["notebooks"], ["demo"], ["batch", "assignments", "--out", "results"], ["grade", "assignments", "--seed", "1"],
]


def _run_released(release_dir, *args):
    """`python -m autograder ARGS` with the release's own copy of the package, in the release folder."""
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args], cwd=release_dir, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(release_dir), "PYTHONDONTWRITEBYTECODE": "1"},
    )


def _snapshot(folder):
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def worked_release(tmp_path_factory):
    """A student release in which the student has written conv2d_forward."""
    out = tmp_path_factory.mktemp("student") / "convlab"
    build_student_release(out)
    stub = out / "assignments" / "conv_forward.py"
    stub.write_text(stub.read_text(encoding="utf-8") + "\n# my notes on the forward pass\n", encoding="utf-8")
    return out


def test_the_released_package_is_the_one_that_runs(worked_release):
    done = subprocess.run(
        [sys.executable, "-c", "import autograder.edition as e; print(e.__file__, e.is_student_release())"],
        cwd=worked_release, capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(worked_release)},
    )
    assert done.stdout.split() == [str(worked_release / "autograder" / "edition.py"), "True"], done.stderr
    assert not (REPO_ROOT / "autograder" / "edition.json").exists()


def test_the_student_release_lists_only_the_students_commands(worked_release):
    done = _run_released(worked_release, "--help")
    assert done.returncode == 0, done.stderr
    listed = re.findall(r"^    ([a-z-]+) ", done.stdout, re.MULTILINE)
    assert listed == ["check", "train"]
    for word in ("release", "student-release", "notebooks", "batch", "demo", "scoreboard"):
        assert word not in done.stdout


@pytest.mark.parametrize("args", INSTRUCTOR_COMMANDS, ids=" ".join)
def test_instructor_commands_refuse_in_the_student_release_and_touch_nothing(worked_release, args):
    before = _snapshot(worked_release)
    done = _run_released(worked_release, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"convlab {args[0]}: `convlab {args[0]}` is an instructors' command, not part of the student release; "
        "the commands here are: check, train\n"
    )
    assert _snapshot(worked_release) == before


def test_the_refusal_speaks_chinese_when_asked(worked_release):
    done = _run_released(worked_release, "release", "--lang", "zh")
    assert done.returncode == 2 and "学生版" in done.stderr


def test_release_without_its_edition_file_still_cannot_touch_the_students_files(worked_release, tmp_path):
    copy = tmp_path / "convlab"
    shutil.copytree(worked_release, copy)
    (copy / "autograder" / "edition.json").unlink()  # as if the student deleted it
    before = _snapshot(copy)
    for args in (["release"], ["release", "--force"], ["release", "--check"]):
        done = _run_released(copy, *args)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "no reference solutions in" in done.stderr and "never in a student release" in done.stderr
    assert _snapshot(copy) == before
