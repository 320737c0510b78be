"""The sample submissions under samples/: each is the reference with exactly one planted mistake.

samples/build.py holds the plants and writes the samples; these tests fail when a
sample no longer matches what build.py would write from today's reference (run
`python samples/build.py`), and check that each mistake really changes the answer
where the lecture says it should, and only there.
"""
from __future__ import annotations

import importlib
import importlib.util
import shutil
import sys

import numpy as np
import pytest

from autograder.paths import REFERENCE_DIR, SAMPLES_DIR, STUDENT_MODULES
from autograder.release import BEGIN_MARKER, END_MARKER


def _load_build():
    spec = importlib.util.spec_from_file_location("samples_build", SAMPLES_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


build = _load_build()
SAMPLES = sorted(build.PLANTS)


def test_every_sample_folder_has_a_plant():
    folders = sorted(p.name for p in SAMPLES_DIR.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    assert folders == SAMPLES
    assert len(SAMPLES) >= 2


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_is_up_to_date_with_the_reference(name):
    on_disk = {p.name: p.read_text() for p in (SAMPLES_DIR / name).glob("*.py")}
    assert on_disk == build.sample_files(name), f"samples/{name} is stale: run `python samples/build.py`"


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_differs_from_the_reference_only_in_the_planted_place(name):
    plant = build.PLANTS[name]
    assert plant.old != plant.new
    for module in STUDENT_MODULES:
        reference = build.without_markers((REFERENCE_DIR / f"{module}.py").read_text())
        sample = (SAMPLES_DIR / name / f"{module}.py").read_text()
        if module == plant.module:
            assert sample.count(plant.new) == 1
            assert sample.replace(plant.new, plant.old) == reference
        else:
            assert sample == reference, f"samples/{name}/{module}.py differs from the reference"
        assert BEGIN_MARKER not in sample and END_MARKER not in sample


def test_readme_describes_every_sample():
    readme = (SAMPLES_DIR / "README.md").read_text()
    for name in SAMPLES:
        assert f"## {name}" in readme


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """Each sample importable as a package, with the reference's provided modules beside it."""
    root = tmp_path_factory.mktemp("samples")
    for name in SAMPLES:
        shutil.copytree(SAMPLES_DIR / name, root / f"sample_{name}")
        for provided in REFERENCE_DIR.glob("*.py"):
            if provided.stem not in STUDENT_MODULES:
                shutil.copyfile(provided, root / f"sample_{name}" / provided.name)
    shutil.copytree(REFERENCE_DIR, root / "sample_reference", ignore=shutil.ignore_patterns("__pycache__"))
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
    sample, reference = packages["flipped_kernel"], packages["reference"]
    x = np.array([[[[2, 5, 0, 1], [6, 7, 1, 2], [3, 0, 4, 0], [3, 9, 7, 4]]]], dtype=float)
    w = np.array([[[[1, 0, 1], [-1, 1, 0], [0, 1, -1]]]], dtype=float)
    np.testing.assert_array_equal(reference.conv2d_forward(x, w, np.zeros(1)), [[[[-1, 4], [6, 16]]]])
    # The lecture's second kernel is the first one rotated: a flipped first kernel gives its output.
    np.testing.assert_array_equal(sample.conv2d_forward(x, w, np.zeros(1)), [[[[16, -6], [7, 11]]]])
    symmetric = np.ones((1, 1, 3, 3))
    np.testing.assert_array_equal(sample.conv2d_forward(x, symmetric, np.zeros(1)), reference.conv2d_forward(x, symmetric, np.zeros(1)))


def test_no_rot180_breaks_delta_out_but_not_dw_or_db(packages):
    sample, reference = packages["no_rot180"], packages["reference"]
    rng = np.random.default_rng(RNG_SEED)
    x, w = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(4, 3, 3, 2))
    delta_in = rng.normal(size=(2, 4, 6, 6))
    got, want = sample.conv2d_backward(delta_in, x, w, 1, 1), reference.conv2d_backward(delta_in, x, w, 1, 1)
    assert not np.allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
    np.testing.assert_allclose(got[2], want[2])


@pytest.mark.parametrize(("size", "stride", "overlapping"), [(2, 2, False), (3, 3, False), (3, 1, True), (3, 2, True)])
def test_maxpool_overwrite_is_wrong_only_for_overlapping_windows(packages, size, stride, overlapping):
    sample, reference = packages["maxpool_overwrite"], packages["reference"]
    rng = np.random.default_rng(RNG_SEED)
    # A large value in the middle is the maximum of every window that covers it.
    x = rng.normal(size=(2, 2, 7, 7))
    x[:, :, 3, 3] = 10.0
    delta_in = rng.normal(size=reference.max_pool_forward(x, size, stride).shape)
    same = np.allclose(sample.max_pool_backward(delta_in, x, size, stride), reference.max_pool_backward(delta_in, x, size, stride))
    assert same is not overlapping
