"""Does the grader give the same scores with the oracle on a CUDA device as on the CPU? Run it where a GPU is lent.

    python bench/gpu_parity.py                       # CPU, then CUDA
    python bench/gpu_parity.py --seed 2021 --json parity.json
    python bench/gpu_parity.py --devices cpu cpu     # two CPU passes: a check of this script itself

Grades, with one seed, once with oracle_device = "cpu" and once with "cuda" (grading.toml
otherwise unchanged, each pass computing its own expected values):
- reference/, every exercise (full marks);
- every mistake of the bug zoo (samples/mistakes.py) planted into a copy of the
  reference, on the exercises that can run the changed code, as tests/test_bug_zoo.py
  grades them;
- the correct solutions written in other styles: tests/correct/'s folders (loops, float32,
  im2col), every exercise, and tests/correct/styles.py's styles, on the exercises each changes.
It reports every exercise whose points differ between the two passes, every case whose
verdict (passed or failed) or diagnosis (the known mistake it names) differs, every case
graded in one pass only, and every grading that raised; then, for each pass, the oracle's
time (timings["oracle"] summed over the gradings: expected values and the known mistakes'
answers, importing and configuring torch included; one pass shares its expected values
across submissions, as a batch does) and the wall time. Messages are not compared: they
quote the largest difference, whose last digits may differ between devices. Exit status: 0
when nothing differs, 1 when something does, 2 when a requested device is missing (torch
sees no CUDA device). CI never runs this; tests/test_gpu_parity.py checks the missing-device
exit and the comparison itself on two CPU passes.

Deterministic algorithms on CUDA. The oracle turns torch.use_deterministic_algorithms(True)
on (autograder/oracle.py, configure()). With it, an operation that has only a
nondeterministic CUDA kernel raises a RuntimeError instead of running; torch's
documentation lists, among others, the backward passes of AvgPool3d, AdaptiveAvgPool2d,
AdaptiveMaxPool2d, FractionalMaxPool2d, ReflectionPad2d and interpolate(bilinear), and
NLLLoss called on a CUDA tensor. What the oracle runs on the device: conv1d, conv2d (and
its backward) and conv_transpose2d, for which cuDNN then picks a deterministic algorithm;
F.pad, flip, slicing and reshapes; max_pool2d and avg_pool2d with their backward passes,
whose 2-D CUDA kernels gather each input position's gradient instead of adding atomically
(only the 3-D ones are listed); relu, softmax and log_softmax; linear layers (cuBLAS,
deterministic with the CUBLAS_WORKSPACE_CONFIG that configure() sets before CUDA starts);
and F.cross_entropy, whose nll_loss is on the list: on CUDA the oracle computes the same
loss written out (oracle.mean_cross_entropy, checked against F.cross_entropy by
tests/test_oracle.py), so nothing of ours is left to raise. Should a kernel raise all the
same, the grading that ran it is reported with torch's message, which names the kernel.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = REPO_ROOT / "tests"
CORRECT_STYLES = ("loops", "float32", "im2col")
DEFAULT_SEED = 31337  # the bug zoo's seed (tests/test_bug_zoo.py)
WORKERS = 2  # gradings at once, as the zoo test grades
EXIT_SAME, EXIT_DIFFERENT, EXIT_NO_DEVICE = 0, 1, 2


@dataclass(frozen=True)
class Submission:
    name: str  # "reference", "zoo/<mistake>", "correct/<style>"
    folder: Path
    only: tuple[str, ...] | None = None  # the exercises to grade (None: all)


@dataclass
class Pass:
    """One device's gradings: per submission, its exercises' outline, or the error the grading raised."""

    device: str
    outlines: dict[str, dict] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    oracle_seconds: float = 0.0
    wall_seconds: float = 0.0
    environment: dict = field(default_factory=dict)


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the grading seed (default {DEFAULT_SEED}, the bug zoo's)")
    parser.add_argument(
        "--devices", nargs=2, choices=("cpu", "cuda"), default=("cpu", "cuda"), metavar="DEVICE",
        help="the two oracle devices to compare (default: cpu cuda)",
    )
    parser.add_argument("--json", type=Path, help="also write every outline, difference and time to this file")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_arguments(argv)
    missing = missing_device(args.devices)
    if missing:
        print(f"gpu_parity: {missing}", file=sys.stderr)
        return EXIT_NO_DEVICE
    sys.path[:0] = [str(REPO_ROOT), str(TESTS_DIR)]
    with tempfile.TemporaryDirectory(prefix="convlab-gpu-parity-") as folder:
        submissions = collect_submissions(Path(folder), args.seed)
        print(f"{len(submissions)} submissions, seed {args.seed}", file=sys.stderr, flush=True)
        passes = [grade_pass(submissions, device, args.seed) for device in args.devices]
    found = differences(*passes)
    print(report(passes, found, len(submissions)))
    if args.json:
        args.json.write_text(json.dumps(
            {"seed": args.seed, "differences": found, "passes": [dataclasses.asdict(p) for p in passes]}, indent=1, default=str,
        ))
    return EXIT_DIFFERENT if found else EXIT_SAME


def missing_device(devices) -> str | None:
    """Why a requested device cannot be used, or None."""
    import torch

    if "cuda" in devices and not torch.cuda.is_available():
        return (
            f"torch {torch.__version__} sees no CUDA device (CUDA build: {torch.version.cuda or 'none'}), so there is "
            "no GPU oracle to compare with the CPU's. Run this on a machine with an NVIDIA GPU and a CUDA build of "
            "torch, or with --devices cpu cpu to check the comparison itself."
        )
    return None


def collect_submissions(root: Path, seed: int) -> list[Submission]:
    """The reference, every planted zoo mistake (with the exercises it can reach) and the correct styles."""
    from correct.styles import STYLES
    from submissions import build_submission
    from test_bug_zoo import plant, to_grade

    from autograder import oracle
    from autograder.paths import REFERENCE_DIR
    from samples.mistakes import MISTAKES

    oracle.configure("cpu")  # the zoo's call graph reads the engine's cases: prepare them on the CPU
    found = [Submission("reference", build_submission(root / "reference"))]
    for mistake in MISTAKES:
        folder, changed = plant(mistake, root / "zoo" / mistake.name)
        found.append(Submission(f"zoo/{mistake.name}", folder, tuple(sorted(to_grade(mistake, changed)))))
    found += [Submission(f"correct/{style}", TESTS_DIR / "correct" / style) for style in CORRECT_STYLES]
    for style in STYLES:
        base = TESTS_DIR / "correct" / style.base if style.base != "reference" else REFERENCE_DIR
        folder = build_submission(root / "styles" / style.name, appends=style.appends, base=base)
        found.append(Submission(f"correct/{style.name}", folder, style.exercises))
    return found


def grade_pass(submissions: list[Submission], device: str, seed: int) -> Pass:
    """Grade every submission with the oracle on `device`, WORKERS at a time."""
    from autograder.config import load_config
    from autograder.grade import forget_prepared, grade_submission

    config = load_config()
    config = dataclasses.replace(config, grader=dataclasses.replace(config.grader, oracle_device=device))
    # Every pass computes its own expected values (the engine caches them per device, and
    # collecting the zoo, or a first pass on the same device, would have filled the cache).
    forget_prepared()
    result = Pass(device)
    start = time.perf_counter()

    def grade(submission: Submission):
        try:
            return grade_submission(submission.folder, seed=seed, config=config, only=submission.only)
        except Exception:  # noqa: BLE001 - a kernel that refuses to run is a finding, not a crash of this script
            return traceback.format_exc(limit=-3)

    with ThreadPoolExecutor(WORKERS) as pool:
        for submission, graded in zip(submissions, pool.map(grade, submissions)):
            if isinstance(graded, str):
                result.errors[submission.name] = graded
                continue
            result.outlines[submission.name] = outline(graded)
            result.oracle_seconds += graded.timings.get("oracle", 0.0)
            result.environment = result.environment or {"device": graded.environment.get("device")}
    result.wall_seconds = time.perf_counter() - start
    print(f"{device}: {len(submissions)} gradings in {result.wall_seconds:.1f} s", file=sys.stderr, flush=True)
    return result


def outline(result) -> dict:
    """exercise id -> {"points", "error", "cases": {"check/case": [passed, diagnosis]}} of one SubmissionResult."""
    return {
        exercise.exercise_id: {
            "points": exercise.points,
            "error": exercise.error,
            "cases": {
                f"{check.check_id}/{case.name}": [case.passed, case.diagnosis]
                for check in exercise.checks
                for case in check.cases
            },
        }
        for exercise in result.exercises
    }


def differences(first: Pass, second: Pass) -> list[str]:
    """Every score, verdict, diagnosis, case or error that is not the same in the two passes, one line each."""
    a, b = first.device, second.device
    if a == b:
        a, b = f"{a} (first pass)", f"{b} (second pass)"
    lines = []
    for name in sorted(first.errors.keys() | second.errors.keys()):
        for device, errors in ((a, first.errors), (b, second.errors)):
            if name in errors:
                lines.append(f"{name}: grading raised on {device}: {errors[name].strip().splitlines()[-1]}")
    for name in sorted((first.outlines.keys() & second.outlines.keys())):
        left, right = first.outlines[name], second.outlines[name]
        for exercise_id in sorted(left.keys() | right.keys()):
            if exercise_id not in left or exercise_id not in right:
                lines.append(f"{name}: {exercise_id} graded on {a if exercise_id in left else b} only")
                continue
            lines += _exercise_differences(f"{name}: {exercise_id}", left[exercise_id], right[exercise_id], a, b)
    return lines


def _exercise_differences(where: str, left: dict, right: dict, a: str, b: str) -> list[str]:
    lines = []
    if left["points"] != right["points"]:
        lines.append(f"{where}: {left['points']} points on {a}, {right['points']} on {b}")
    if left["error"] != right["error"]:
        lines.append(f"{where}: error {left['error']!r} on {a}, {right['error']!r} on {b}")
    for case in sorted(left["cases"].keys() | right["cases"].keys()):
        if case not in left["cases"] or case not in right["cases"]:
            lines.append(f"{where}/{case}: graded on {a if case in left['cases'] else b} only")
            continue
        (passed_a, diagnosis_a), (passed_b, diagnosis_b) = left["cases"][case], right["cases"][case]
        if passed_a != passed_b:
            lines.append(f"{where}/{case}: {_verdict(passed_a)} on {a}, {_verdict(passed_b)} on {b}")
        if diagnosis_a != diagnosis_b:
            lines.append(f"{where}/{case}: diagnosis {diagnosis_a or 'none'} on {a}, {diagnosis_b or 'none'} on {b}")
    return lines


def _verdict(passed: bool) -> str:
    return "passed" if passed else "failed"


def report(passes: list[Pass], found: list[str], count: int) -> str:
    lines = [f"Oracle parity over {count} submissions:"]
    for graded in passes:
        device = graded.environment.get("device") or graded.device
        lines.append(
            f"  {graded.device}: oracle {graded.oracle_seconds:.2f} s summed over the gradings, "
            f"wall {graded.wall_seconds:.1f} s ({device}; {len(graded.errors)} gradings raised)"
        )
    if found:
        lines.append(f"{len(found)} differences:")
        lines += [f"  {line}" for line in found]
    else:
        lines.append("No differences: every score, verdict and diagnosis is the same on both.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
