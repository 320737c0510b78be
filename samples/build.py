"""Rebuild the sample submissions: the reference's student modules, one planted mistake each.

    python samples/build.py

Each sample is what a student would hand in: every student module of reference/
without the solution markers, and exactly one realistic mistake, planted as an
exact text replacement. Run this after reference/ changes; tests/test_samples.py
fails while a sample is out of date, and this script fails when a planted text no
longer occurs exactly once in the reference.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import REFERENCE_DIR, SAMPLES_DIR, STUDENT_MODULES
from autograder.release import BEGIN_MARKER, END_MARKER


@dataclass(frozen=True)
class Plant:
    module: str  # the student module that holds the mistake
    old: str  # text of the reference, occurring exactly once in that module
    new: str  # what the student wrote instead
    exercise: str  # the exercise (grading.toml id) that must lose points
    diagnosis: str  # the known mistake the grader should name there


PLANTS = {
    # A true convolution (the warm-up's flip) where the layer must cross-correlate.
    "flipped_kernel": Plant(
        module="conv_forward",
        old="z = _cross_correlate(xp, w.astype(dtype, copy=False), stride,",
        new="z = _cross_correlate(xp, w.astype(dtype, copy=False)[:, :, ::-1, ::-1], stride,",
        exercise="conv2d_forward",
        diagnosis="kernel_flipped",
    ),
    # delta_out = sum_m pad(delta_in_m) * W_m: the rot180 of the lecture's formula forgotten.
    "no_rot180": Plant(
        module="conv_backward",
        old="rotated = rot180(w)",
        new="rotated = w",
        exercise="conv2d_backward",
        diagnosis="delta_out_no_rot180",
    ),
    # Each window's delta assigned (=) to its maximum: with overlapping windows the last one wins.
    "maxpool_overwrite": Plant(
        module="pooling",
        old=(
            "        # Visit the F*F positions of every window at once, in row-major order: the first\n"
            "        # position that holds its window's maximum takes the window's gradient.\n"
            "        unclaimed = np.ones(window_max.shape, dtype=bool)\n"
            "        for u, v in np.ndindex(size, size):\n"
            "            first_max = (windows[..., u, v] == window_max) & unclaimed\n"
            "            unclaimed ^= first_max\n"
            "            # += : where windows overlap, a position sums the gradients of every window it is the maximum of.\n"
            "            out_windows[..., u, v] += delta_in[part] * first_max\n"
        ),
        new=(
            "        # Each window hands its delta_in to the position of its maximum.\n"
            "        first_index = windows.reshape(*window_max.shape, size * size).argmax(axis=4)\n"
            "        h_out, w_out = window_max.shape[2:]\n"
            "        rows = np.arange(h_out)[:, None] * stride + first_index // size\n"
            "        cols = np.arange(w_out)[None, :] * stride + first_index % size\n"
            "        images, channels = np.indices(window_max.shape[:2])[..., None, None]\n"
            "        delta_out[part][images, channels, rows, cols] = delta_in[part]\n"
        ),
        exercise="max_pool",
        diagnosis="max_pool_overwrite",
    ),
}


def without_markers(source: str) -> str:
    """source without its solution-marker lines: the file as a student who solved it would have it."""
    return "".join(line for line in source.splitlines(keepends=True) if line.strip() not in (BEGIN_MARKER, END_MARKER))


def sample_files(name: str, reference_dir: Path = REFERENCE_DIR) -> dict[str, str]:
    """file name -> content of sample `name`, built from reference_dir."""
    plant = PLANTS[name]
    files = {}
    for module in STUDENT_MODULES:
        source = without_markers((reference_dir / f"{module}.py").read_text())
        if module == plant.module:
            count = source.count(plant.old)
            if count != 1:
                raise ValueError(f"{name}: the planted text must occur once in {module}.py, found {count}: {plant.old!r}")
            source = source.replace(plant.old, plant.new)
        files[f"{module}.py"] = source
    return files


def write_sample(name: str, samples_dir: Path = SAMPLES_DIR) -> Path:
    """Write sample `name` under samples_dir, replacing what was there."""
    folder = samples_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    files = sample_files(name)
    for stale in folder.glob("*.py"):
        if stale.name not in files:
            stale.unlink()
    for file_name, content in files.items():
        (folder / file_name).write_text(content)
    return folder


def main() -> int:
    for name in PLANTS:
        print(f"wrote {write_sample(name).relative_to(SAMPLES_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
