"""What Gradescope runs for every submission: grade it, and always write results.json.

    $AUTOGRADER_ROOT/source/convlab/            the grader and grading.toml (from the zip)
    $AUTOGRADER_ROOT/source/hidden_seed         the hidden seed: read, then deleted before any
                                                student code runs (each submission gets a fresh
                                                container, so the next one finds it again)
    $AUTOGRADER_ROOT/submission/                the student's upload, as Gradescope unpacked it
    $AUTOGRADER_ROOT/submission_metadata.json   submission time, due date, previous submissions
    $AUTOGRADER_ROOT/results/results.json       written here, whatever happens

A Gradescope assignment is one course assignment (grading.toml's `assignment`, named when the
zip was built): only its exercises are graded, and its total is the score.
The upload is read as `convlab batch` reads a folder (links out of it, odd names and oversized
files left out with a note; the modules found at the top, in assignments/ or in a single
folder), then graded exactly as `convlab grade` grades it, with the hidden seed. The score is
the final grade of grades/final.py: the late policy of grading.toml (its deadline, else
Gradescope's due date; extensions matched on the submitter's email or Gradescope id), applied
at the metadata's created_at; a late resubmission never scores below the student's best
on-time submission. With a [scoreboard] table in grading.toml, a leaderboard entry is added
(students choose their leaderboard names on Gradescope). Any failure of the grader itself
becomes a score of 0 with a message that says it is not the student's fault; the traceback
goes to stdout, which only instructors see.

Isolation: the runner grades with the hidden seed, so grading.toml's [isolation] floor holds
as for `convlab grade` (the zip built with --allow-weak-isolation grades below it, and every
result records the level). Below the floor the submission gets the grader-failure document
and stdout says what the container lacks. The process makes itself non-dumpable before any
student code runs.
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path

ROOT_ENV = "AUTOGRADER_ROOT"
DEFAULT_ROOT = "/autograder"
SEED_FILE = "hidden_seed"
SETTINGS_FILE = "gradescope.json"  # written by package.py: {"lang": ..., "assignment": ..., "allow_weak_isolation": ...}
LEADERBOARD_TOTAL = "Total"
EXERCISE_THREADS = 2


class GraderFailure(RuntimeError):
    """The grader could not grade (not the student's fault); the message is for the instructor's log."""


@dataclass(frozen=True)
class Layout:
    root: Path

    @classmethod
    def from_environment(cls, environ=os.environ) -> "Layout":
        return cls(Path(environ.get(ROOT_ENV) or DEFAULT_ROOT))

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def submission(self) -> Path:
        return self.root / "submission"

    @property
    def metadata(self) -> Path:
        return self.root / "submission_metadata.json"

    @property
    def results(self) -> Path:
        return self.root / "results" / "results.json"


def read_settings(layout: Layout) -> dict:
    try:
        data = json.loads((layout.source / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def take_seed(layout: Layout) -> int:
    """The hidden seed from source/hidden_seed; the file is deleted once read."""
    path = layout.source / SEED_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise GraderFailure(f"no hidden seed at {path} ({error}): rebuild the zip with `convlab gradescope`") from None
    try:
        path.unlink()
    except OSError as error:
        print(f"convlab: could not delete {path}: {error}", flush=True)
    if not text.isdigit():
        raise GraderFailure(f"{path} does not hold a seed")
    return int(text)


def failure_document(lang: str) -> dict:
    """The results.json of a submission the grader could not grade."""
    from ..messages import catalog

    return {
        "score": 0.0,
        "output": catalog(lang).text("platform.grader_failed"),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }


def isolated_config(config, allow_weak: bool):
    """(config, level): the strongest isolation this container gives, refused below the floor
    unless allow_weak (GraderFailure, saying what is missing and how to get it)."""
    from ..commands.common import CommandError, checked_isolation

    try:
        return checked_isolation(config, None, "hidden", allow_weak)
    except CommandError as error:
        raise GraderFailure(str(error)) from None


def grade(layout: Layout, lang: str, settings: dict | None = None) -> dict:
    """The results.json document of the submission in layout (raises GraderFailure or anything else on a grader fault)."""
    from ..batch.discover import FOLDER, Submission
    from ..batch.intake import EMPTY, read_submission
    from ..batch.run import with_upload_notes
    from ..batch.worker import GradeTask, grade_task
    from ..config import load_config
    from ..grades.policy import load_policy
    from ..paths import GRADING_TOML
    from ..report.gradescope import gradescope_results
    from .metadata import read_metadata

    from ..commands.common import protect_grader_process

    protect_grader_process()
    seed = take_seed(layout)
    settings = settings or {}
    config = load_config(GRADING_TOML)
    if settings.get("assignment") is not None:
        config = config.for_assignment(settings["assignment"])
    config, level = isolated_config(config, bool(settings.get("allow_weak_isolation")))
    print(f"convlab: isolation level {level}", flush=True)
    policy = load_policy(GRADING_TOML)
    metadata = read_metadata(layout.metadata)
    if metadata.problem:
        print(f"convlab: submission metadata not used: {metadata.problem}", flush=True)
    intake = read_submission(Submission("submission", "submission", layout.submission, FOLDER, "submission", None))
    if intake.skip is not None:  # an upload with no file: a batch would skip the folder, Gradescope needs a score
        intake.refusal = EMPTY
    task = GradeTask("submission", "submission", intake.files, intake.refusal, seed, "hidden", lang, config, "", EXERCISE_THREADS)
    outcome = grade_task(task)
    if outcome.error is not None:
        raise GraderFailure(outcome.error)
    result = outcome.result
    document = gradescope_results(result, lang)
    notes = [intake.refusal] if intake.refusal else list(intake.notes)
    if notes:
        document["output"] = with_upload_notes(document.get("output", ""), notes)
    score, line = late_score(result, policy, metadata, lang)
    document["score"] = score
    if line:
        document["output"] = f"{line}\n\n{document.get('output', '')}".rstrip()
    if scoreboard_enabled(GRADING_TOML):
        document["leaderboard"] = [{"name": LEADERBOARD_TOTAL, "value": score}]
    return document


def late_score(result, policy, metadata, lang: str) -> tuple[float, str]:
    """(score, the sentence about lateness for the student's output) under grading.toml's late policy."""
    from ..grades.final import grade_of
    from ..grades.late import parse_moment
    from ..messages import catalog

    late = policy.late
    if late.deadline is None and metadata.due_date:
        late = replace(late, deadline=parse_moment(metadata.due_date))
    policy = replace(policy, late=late)
    student = next((s for s in metadata.students if s in late.extensions), metadata.students[0] if metadata.students else "")
    points = {e.exercise_id: e.points for e in result.exercises}
    possible = {e.exercise_id: e.points_possible for e in result.exercises}
    grade = grade_of(student, metadata.created_at, points, possible, policy)
    part = grade.assignments[0] if len(grade.assignments) == 1 else None
    score = grade.final_points
    text = catalog(lang)
    if late.deadline_for(student) is None or metadata.created_at is None or part is None:
        return score, ""
    lateness = part.lateness
    if lateness.days_late == 0:
        return score, text.text("platform.on_time", deadline=lateness.deadline)
    if lateness.penalty_percent == 0:  # late, but the policy takes nothing off: nothing to explain
        return score, ""
    line = text.text(
        "platform.late", late=lateness.late_by, deadline=lateness.deadline, days=lateness.days_late,
        percent=f"{lateness.penalty_percent:g}", raw=f"{part.raw_points:g}", penalty=f"{part.penalty:g}", final=f"{part.final_points:g}",
    )
    on_time = [s for when, s in metadata.previous if late.assess(student, when).days_late == 0]
    if on_time and max(on_time) > score:
        best = max(on_time)
        line += "\n" + text.text("platform.kept_on_time", late_score=f"{score:g}", score=f"{best:g}")
        score = best
    return score, line


def scoreboard_enabled(grading_toml: Path) -> bool:
    """Whether grading.toml has a [scoreboard] table (then results.json carries a leaderboard entry)."""
    import tomllib

    try:
        return "scoreboard" in tomllib.loads(Path(grading_toml).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def main() -> int:
    from ..report.atomic import write_json_atomic

    layout = Layout.from_environment()
    started = time.perf_counter()
    settings = read_settings(layout)
    lang = settings.get("lang", "en")
    lang = lang if lang in ("en", "zh") else "en"
    try:
        document = grade(layout, lang, settings)
    except BaseException:  # noqa: BLE001 - whatever broke, the student gets a results.json that says so
        print("convlab: the grader failed on this submission:", flush=True)
        traceback.print_exc(file=sys.stdout)
        sys.stdout.flush()
        document = failure_document(lang)
    document["execution_time"] = round(time.perf_counter() - started, 3)
    write_json_atomic(layout.results, document)
    print(f"convlab: score {document.get('score')}; wrote {layout.results}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
