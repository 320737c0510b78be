"""The demo's sample submissions: mistakes of samples/mistakes.py planted in the reference.

Nothing is stored per sample; these tests check that each sample plants, that its mistake
changes the answer where the lecture says it should and only there, and (slow) that every
**Score** line of samples/README.md is what the grader gives, number for number.
"""
from __future__ import annotations

import importlib
import re
import shutil
import sys

import numpy as np
import pytest

from autograder.paths import ASSIGNMENTS_DIR, REFERENCE_DIR, SAMPLES_DIR, STUDENT_MODULES
from autograder.release import BEGIN_MARKER, END_MARKER
from samples.mistakes import BY_NAME, SAMPLES, planted_sources, without_markers

README = (SAMPLES_DIR / "README.md").read_text(encoding="utf-8")
SCORE_LINE = re.compile(
    r"\*\*Score\*\* with the public seed: ([\d.]+) / ([\d.]+)\. Loses points in (.+?); every other exercise keeps full marks\."
)
LOSS = re.compile(r"(\w+) \(([\d.]+) / ([\d.]+)\)")


def readme_section(name: str) -> str:
    return README.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]


def claimed_scores(name: str) -> tuple[float, float, dict[str, tuple[float, float]]]:
    """(total, possible, exercise -> (points, possible)) as the README's Score line states them."""
    match = SCORE_LINE.search(" ".join(readme_section(name).split()))
    assert match, f"samples/README.md: ## {name} has no Score line"
    losses = {exercise: (float(points), float(possible)) for exercise, points, possible in LOSS.findall(match.group(3))}
    assert losses, f"samples/README.md: ## {name}: its Score line names no exercise"
    return float(match.group(1)), float(match.group(2)), losses


def test_every_sample_is_a_catalogued_mistake_with_a_readme_section():
    assert len(SAMPLES) == len(set(SAMPLES)) >= 2
    for name in SAMPLES:
        assert name in BY_NAME
        claimed_scores(name)  # parses
    assert re.findall(r"^## (\w+)$", README, re.MULTILINE) == list(SAMPLES)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_differs_from_the_reference_only_in_the_planted_place(name):
    mistake = BY_NAME[name]
    files = planted_sources(mistake)
    assert sorted(files) == sorted(f"{module}.py" for module in STUDENT_MODULES)
    for module in STUDENT_MODULES:
        reference = without_markers((REFERENCE_DIR / f"{module}.py").read_text(encoding="utf-8"))
        sample = files[f"{module}.py"]
        if module == mistake.module:
            assert sample != reference
            for old, new in mistake.replacements:
                assert new in sample
        else:
            assert sample == reference, f"{name}: {module}.py differs from the reference"
        assert BEGIN_MARKER not in sample and END_MARKER not in sample


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """Each sample importable as a package, with the provided modules beside it."""
    root = tmp_path_factory.mktemp("samples")
    for name in SAMPLES:
        folder = root / f"sample_{name}"
        folder.mkdir()
        for file_name, text in planted_sources(BY_NAME[name]).items():
            (folder / file_name).write_text(text, encoding="utf-8")
        shutil.copyfile(ASSIGNMENTS_DIR / "__init__.py", folder / "__init__.py")
    shutil.copytree(REFERENCE_DIR, root / "sample_reference", ignore=shutil.ignore_patterns("__pycache__", "training.py"))
    sys.path.insert(0, str(root))
    try:
        yield {name: importlib.import_module(f"sample_{name}") for name in [*SAMPLES, "reference"]}
    finally:
        sys.path.remove(str(root))
        for name in [*SAMPLES, "reference"]:
            for key in [k for k in sys.modules if k == f"sample_{name}" or k.startswith(f"sample_{name}.")]:
                del sys.modules[key]


RNG_SEED = 7


def test_flipped_kernel_gives_the_rotated_kernels_answer(packages):
    sample, reference = packages["conv_kernel_flipped"], packages["reference"]
    x = np.array([[[[2, 5, 0, 1], [6, 7, 1, 2], [3, 0, 4, 0], [3, 9, 7, 4]]]], dtype=float)
    w = np.array([[[[1, 0, 1], [-1, 1, 0], [0, 1, -1]]]], dtype=float)
    np.testing.assert_array_equal(reference.conv2d_forward(x, w, np.zeros(1)), [[[[-1, 4], [6, 16]]]])
    # The lecture's second kernel is the first one rotated: a flipped first kernel gives its output.
    np.testing.assert_array_equal(sample.conv2d_forward(x, w, np.zeros(1)), [[[[16, -6], [7, 11]]]])
    assert "[[16, -6], [7, 11]]" in readme_section("conv_kernel_flipped")
    symmetric = np.ones((1, 1, 3, 3))
    np.testing.assert_array_equal(sample.conv2d_forward(x, symmetric, np.zeros(1)), reference.conv2d_forward(x, symmetric, np.zeros(1)))


def test_no_rot180_breaks_delta_out_but_not_dw_or_db(packages):
    sample, reference = packages["delta_out_no_rot180"], packages["reference"]
    rng = np.random.default_rng(RNG_SEED)
    x, w = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(4, 3, 3, 2))
    delta_in = rng.normal(size=(2, 4, 6, 6))
    got, want = sample.conv2d_backward(delta_in, x, w, 1, 1), reference.conv2d_backward(delta_in, x, w, 1, 1)
    assert not np.allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
    np.testing.assert_allclose(got[2], want[2])


@pytest.mark.parametrize(("size", "stride", "overlapping"), [(2, 2, False), (3, 3, False), (3, 1, True), (3, 2, True)])
def test_maxpool_overwrite_is_wrong_only_for_overlapping_windows(packages, size, stride, overlapping):
    sample, reference = packages["max_pool_overwrite"], packages["reference"]
    rng = np.random.default_rng(RNG_SEED)
    # A large value in the middle is the maximum of every window that covers it.
    x = rng.normal(size=(2, 2, 7, 7))
    x[:, :, 3, 3] = 10.0
    delta_in = rng.normal(size=reference.max_pool_forward(x, size, stride).shape)
    same = np.allclose(sample.max_pool_backward(delta_in, x, size, stride), reference.max_pool_backward(delta_in, x, size, stride))
    assert same is not overlapping


# --- slow: every Score line of samples/README.md, against the grader -------------------------------


@pytest.fixture(scope="module")
def graded_samples(tmp_path_factory):
    """name -> SubmissionResult of each sample graded with the public seed, as `convlab demo` grades it."""
    from autograder.config import load_config
    from autograder.grade import grade_submission

    config = load_config()
    results = {}
    for name in SAMPLES:
        folder = tmp_path_factory.mktemp(name)
        for file_name, text in planted_sources(BY_NAME[name]).items():
            (folder / file_name).write_text(text, encoding="utf-8")
        results[name] = grade_submission(folder, seed=config.grader.public_seed, seed_kind="public", config=config)
    return results


def _shown(value: float) -> float:
    return round(value, 2)


@pytest.mark.slow
@pytest.mark.parametrize("name", SAMPLES)
def test_the_readme_states_each_samples_scores(graded_samples, name):
    result = graded_samples[name]
    total, possible, losses = claimed_scores(name)
    assert (_shown(result.points), _shown(result.points_possible)) == (total, possible)
    actual_losses = {e.exercise_id: (_shown(e.points), _shown(e.points_possible)) for e in result.exercises if e.points < e.points_possible}
    assert actual_losses == losses
    assert BY_NAME[name].loses == set(losses)  # the catalog and the README agree
    diagnoses = {case.diagnosis for e in result.exercises for check in e.checks for case in check.cases if not case.passed}
    assert BY_NAME[name].diagnosis in diagnoses
    assert f"likely mistake `{BY_NAME[name].diagnosis}`" in " ".join(readme_section(name).split())
