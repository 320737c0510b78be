"""The grader against the bug zoo: every planted mistake loses points exactly where it should.

Each entry of samples/mistakes.py is the reference with one realistic mistake planted
(a line or two). Graded with a fixed seed, each must:
- score less than the reference in total;
- lose points in every exercise of its `loses` set;
- score exactly what the reference scores (full marks) in every other exercise;
and across the zoo the diagnosis must name the planted mistake for at least
DIAGNOSIS_TARGET of the entries.

Design, for speed without giving up soundness. Grading all fifteen exercises of every
entry would mostly re-grade code the mistake never touched. Instead each entry is
graded with `only=` the exercises that can run the changed code:
- tests/zoo/reach.py compares the planted module with the reference by syntax tree
  and finds the top-level definitions that changed, then follows the reference's call
  graph from each exercise's entry points: every student symbol its checks call,
  read from the engine's own cases (conv2d_backward's gradient check also calls the
  student's conv2d_forward);
- an exercise that reaches no changed definition runs, call for call, the same code
  as the reference, so with the same seed it gets the same cases and the same score.
  The reference is graded once, in full, and stands in for those exercises;
- a change outside any function (an import, a constant) runs at import time and so
  counts for every exercise.
This rests on two properties of the grader that this module checks too: the
reference scores full marks, and grading a subset of exercises (`only=`) gives those
exercises exactly the results they get in a full grading (each check draws its cases
from its own seeded stream). The zoo is graded two submissions at a time.

conv2d_backward's gradient check calls the student's conv2d_forward, so every
forward-only mistake (flipped kernel, missing bias, ...) is graded on conv2d_backward
too, and must leave it at full marks: a correct backward pass may not pay for a
wrong forward pass.
"""
from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.paths import API, REFERENCE_DIR, STUDENT_MODULES
from submissions import build_submission
from zoo import reach
from samples.mistakes import BY_NAME, MISTAKES, REWRITTEN, Mistake

SEED = 31337
DIAGNOSIS_TARGET = 0.8
ZOO_WORKERS = 2


def called_symbols(exercise) -> set[str]:
    """The student API names an exercise's checks call: its own, and the forward its gradient checks differentiate."""
    from autograder.grade import prepare  # the engine's cached cases: grading this seed reuses them

    targets = set(exercise.api)
    prepared, _ = prepare(exercise, SEED)
    for check in prepared.checks.values():
        if check.check.gradcheck:
            for case in check.cases:
                targets.add(case.problem.forward(case.problem.point)[0])
                targets.add(case.problem.backward()[0])
        elif check.check.target:
            targets.add(check.check.target)
    return {target.split(".")[0] for target in targets}  # "LeNet.forward" is LeNet's


@functools.cache
def entry_points(include_gradcheck_forwards: bool = True) -> dict[str, set[reach.Definition]]:
    """Exercise id -> the (module, name) definitions its checks call in the submission.

    Without include_gradcheck_forwards: only the exercise's own API names, the contract's
    view of who calls whom.
    """
    from autograder.exercises import REGISTRY

    return {
        exercise_id: {
            (API[symbol], symbol)
            for symbol in (called_symbols(exercise) if include_gradcheck_forwards else set(exercise.api))
        }
        for exercise_id, exercise in REGISTRY.items()
    }


def reference_sources() -> dict[str, str]:
    return {module: (REFERENCE_DIR / f"{module}.py").read_text() for module in STUDENT_MODULES}


def plant(mistake: Mistake, dest: Path) -> tuple[Path, set[str]]:
    """The planted submission folder, and the names of the definitions the plant changed."""
    folder = build_submission(dest, {mistake.module: list(mistake.replacements)})
    changed = reach.changed_functions(
        (REFERENCE_DIR / f"{mistake.module}.py").read_text(), (folder / f"{mistake.module}.py").read_text()
    )
    return folder, changed


def to_grade(mistake: Mistake, changed: set[str], include_gradcheck_forwards: bool = True) -> set[str]:
    return reach.exercises_to_grade(
        reference_sources(), entry_points(include_gradcheck_forwards), mistake.module, changed
    )


def failing_cases(exercise) -> list[str]:
    lines = [f"{exercise.exercise_id}: error {exercise.error}"] if exercise.error else []
    for check in exercise.checks:
        for case in check.cases:
            if not case.passed:
                lines.append(
                    f"{exercise.exercise_id}/{check.check_id}/{case.name}: {case.message} [diagnosis {case.diagnosis}]"
                )
    return lines


# --- fast: the zoo itself is well formed ---------------------------------------------------


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_plant_applies_and_reaches_its_exercises(mistake, tmp_path):
    _, changed = plant(mistake, tmp_path / mistake.name)
    assert changed, f"{mistake.name}: the replacements change no definition"
    # The contract's view (each exercise's own API names) suffices here and needs no
    # cases; the slow tests grade everything the checks really call, a superset.
    reached = to_grade(mistake, changed, include_gradcheck_forwards=False)
    assert mistake.loses <= reached, (
        f"{mistake.name}: {sorted(mistake.loses - reached)} cannot run the changed code {sorted(changed)}"
    )


@pytest.mark.parametrize("mistake", [m for m in MISTAKES if m.diagnosis], ids=lambda m: m.name)
def test_expected_diagnosis_is_a_known_mistake_of_a_losing_exercise(mistake):
    from autograder.exercises import REGISTRY
    from autograder.grade import INPUT_MUTATED  # named for any exercise whose call modified its input

    known = {m.id for exercise_id in mistake.loses for m in REGISTRY[exercise_id].mistakes} | {INPUT_MUTATED.id}
    assert mistake.diagnosis in known, f"{mistake.name}: no exercise of {sorted(mistake.loses)} knows {mistake.diagnosis}"


def test_zoo_covers_every_student_module():
    assert {mistake.module for mistake in MISTAKES} == set(STUDENT_MODULES)
    assert len(MISTAKES) >= 30


# --- slow: the grader on the zoo -----------------------------------------------------------


@dataclass
class Graded:
    mistake: Mistake
    graded: set[str]  # the exercises that can run the changed code
    result: object  # SubmissionResult of the graded exercises

    def exercise(self, exercise_id):
        return next(e for e in self.result.exercises if e.exercise_id == exercise_id)

    def named(self) -> bool:
        return self.mistake.diagnosis is not None and any(
            case.diagnosis == self.mistake.diagnosis
            for exercise in self.result.exercises
            if exercise.exercise_id in self.mistake.loses
            for check in exercise.checks
            for case in check.cases
            if not case.passed
        )

    def diagnoses(self) -> set[str]:
        return {
            case.diagnosis
            for exercise in self.result.exercises
            for check in exercise.checks
            for case in check.cases
            if not case.passed and case.diagnosis
        }


@pytest.fixture(scope="module")
def grade(tmp_path_factory):
    """grade(name) -> Graded. The first call queues the whole zoo, in order, on ZOO_WORKERS
    threads (a grading mostly waits for its sandbox processes); entries not yet started
    when the module's tests end are dropped."""
    from autograder.grade import grade_submission

    root = tmp_path_factory.mktemp("zoo")

    def grade_entry(mistake: Mistake, folder, exercises) -> Graded:
        result = grade_submission(folder, seed=SEED, only=sorted(exercises))
        return Graded(mistake, exercises, result)

    pool = ThreadPoolExecutor(max_workers=ZOO_WORKERS, thread_name_prefix="zoo")
    futures = {}

    def graded(name: str) -> Graded:
        if not futures:
            entry_points()  # build the shared call graph once, before the threads need it
            # Planting parses source with ast, which CPython 3.11 cannot do while another
            # thread parses or compiles: plant every entry first, then grade on the pool.
            planted = []
            for mistake in [BY_NAME[name]] + [m for m in MISTAKES if m.name != name]:
                folder, changed = plant(mistake, root / mistake.name)
                planted.append((mistake, folder, to_grade(mistake, changed)))
            for mistake, folder, exercises in planted:
                futures[mistake.name] = pool.submit(grade_entry, mistake, folder, exercises)
        return futures[name].result()

    yield graded
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def reference_result(tmp_path_factory):
    from autograder.grade import grade_submission

    return grade_submission(build_submission(tmp_path_factory.mktemp("reference") / "reference"), seed=SEED)


@pytest.mark.slow
def test_reference_scores_full_marks(reference_result):
    assert {e.exercise_id for e in reference_result.exercises} == set(entry_points())
    failures = [line for exercise in reference_result.exercises for line in failing_cases(exercise)]
    assert not failures, "\n".join(failures)
    assert reference_result.points == reference_result.points_possible > 0


@pytest.mark.slow
def test_grading_a_subset_changes_nothing(reference_result, tmp_path):
    from autograder.grade import grade_submission

    subset = ["conv2d_backward", "max_pool", "softmax_cross_entropy"]
    alone = grade_submission(build_submission(tmp_path / "reference"), seed=SEED, only=subset)
    assert [e.exercise_id for e in alone.exercises] == subset

    def outline(result):
        return {
            (e.exercise_id, c.check_id, case.name): (case.passed, case.message)
            for e in result.exercises
            if e.exercise_id in subset
            for c in e.checks
            for case in c.cases
        }

    assert outline(alone) == outline(reference_result)


@pytest.mark.slow
@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_mistake_loses_points_exactly_where_expected(mistake, grade, reference_result):
    graded = grade(mistake.name)
    assert {e.exercise_id for e in graded.result.exercises} == graded.graded
    reference = {e.exercise_id: e for e in reference_result.exercises}
    total = graded.result.points + sum(
        e.points for exercise_id, e in reference.items() if exercise_id not in graded.graded
    )
    assert total < reference_result.points, f"{mistake.name} ({mistake.what}) scores full marks"
    for exercise_id in sorted(graded.graded):
        exercise = graded.exercise(exercise_id)
        if exercise_id in mistake.loses:
            assert exercise.points < reference[exercise_id].points, (
                f"{mistake.name} ({mistake.what}): {exercise_id} keeps full marks"
            )
        else:
            assert exercise.points == reference[exercise_id].points, (
                f"{mistake.name}: {exercise_id} should be unaffected but lost points:\n"
                + "\n".join(failing_cases(exercise))
            )


@pytest.mark.slow
def test_diagnosis_names_most_mistakes(grade):
    graded = [grade(mistake.name) for mistake in MISTAKES]
    unnamed = [g for g in graded if not g.named()]
    rate = 1 - len(unnamed) / len(graded)
    assert rate >= DIAGNOSIS_TARGET, f"diagnosis named {rate:.0%} of the zoo; unnamed:\n" + "\n".join(
        f"  {g.mistake.name}: expected {g.mistake.diagnosis}, saw {sorted(g.diagnoses()) or 'none'}" for g in unnamed
    )


@pytest.mark.slow
@pytest.mark.parametrize("mistake", [m for m in REWRITTEN if m.diagnosis], ids=lambda m: m.name)
def test_every_newly_known_mistake_is_named(mistake, grade):
    graded = grade(mistake.name)
    assert graded.named(), f"{mistake.name}: expected {mistake.diagnosis}, saw {sorted(graded.diagnoses()) or 'none'}"


PART6_MODULES = ("networks", "blocks")


@pytest.mark.slow
@pytest.mark.parametrize("mistake", [m for m in MISTAKES if m.module in PART6_MODULES], ids=lambda m: m.name)
def test_every_part6_mistake_is_named(mistake, grade):
    """Part 6 names every mistake of its zoo, not only most of them."""
    graded = grade(mistake.name)
    assert graded.named(), f"{mistake.name}: expected {mistake.diagnosis}, saw {sorted(graded.diagnoses()) or 'none'}"
