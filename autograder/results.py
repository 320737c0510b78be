"""One result model for a graded submission; every reporter renders this and nothing else.

SubmissionResult
  └── ExerciseResult (one per exercise id in grading.toml, naming its assignment)
        └── CheckResult (one per check: points earned from the fraction of cases passed)
              └── CaseResult (one case: passed, message, diagnosis, hidden or visible)

Each assignment is totalled on its own (SubmissionResult.assignment_totals); a result
of one assignment reads exactly as results did before assignments existed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .grades.policy import DEFAULT_ASSIGNMENT
from .safe_text import clean


@dataclass
class CaseResult:
    name: str  # e.g. "lecture example 1" or "hidden case 3"
    passed: bool
    message: str = ""  # for the student: expected vs got, where, likely misconception
    diagnosis: str | None = None  # id of the known mistake the output matched, if any
    hidden: bool = False  # hidden cases never show their inputs or expected values
    status: str = ""  # how the call ended: ok, exception, not_implemented, timeout, crashed, ... ("" if unknown)

    def __post_init__(self):
        self.name, self.message = clean(self.name), clean(self.message)


@dataclass
class CheckResult:
    check_id: str
    title: str
    points_possible: float
    cases: list[CaseResult] = field(default_factory=list)
    seconds: float = 0.0

    def __post_init__(self):
        self.title = clean(self.title)

    @property
    def fraction_passed(self) -> float:
        return sum(c.passed for c in self.cases) / len(self.cases) if self.cases else 0.0

    @property
    def points(self) -> float:
        return round(self.points_possible * self.fraction_passed, 4)


@dataclass
class ExerciseResult:
    exercise_id: str
    title: str
    checks: list[CheckResult] = field(default_factory=list)
    error: str | None = None  # the exercise could not run at all (crash, timeout, forbidden import...)
    seconds: float = 0.0
    assignment: str = DEFAULT_ASSIGNMENT  # grading.toml's `assignment` of the exercise

    def __post_init__(self):
        self.title = clean(self.title)
        self.error = None if self.error is None else clean(self.error)

    @property
    def points(self) -> float:
        return round(sum(c.points for c in self.checks), 4)

    @property
    def points_possible(self) -> float:
        return round(sum(c.points_possible for c in self.checks), 4)


@dataclass(frozen=True)
class AssignmentTotal:
    assignment: str
    points: float
    points_possible: float


@dataclass
class SubmissionResult:
    submission: str  # the folder's name, never an absolute path of the grader's machine
    seed: int  # instructor-facing; student-facing reporters print a hidden seed as "hidden"
    seed_kind: str  # "public" or "hidden"
    exercises: list[ExerciseResult] = field(default_factory=list)
    environment: dict = field(default_factory=dict)  # torch, numpy, python versions, oracle device, isolation
    timings: dict = field(default_factory=dict)  # seconds: total, process_start, oracle, student_calls, gradient_checks
    grader_version: str = ""
    # Student time over reference time, same run ("conv2d_forward", "lenet_step"); empty when not measured.
    speed: dict = field(default_factory=dict)

    def __post_init__(self):
        self.submission = clean(self.submission)

    @property
    def points(self) -> float:
        return round(sum(e.points for e in self.exercises), 4)

    @property
    def points_possible(self) -> float:
        return round(sum(e.points_possible for e in self.exercises), 4)

    @property
    def assignment_totals(self) -> list[AssignmentTotal]:
        """Points per assignment, in the order the exercises list them."""
        groups: dict[str, list[ExerciseResult]] = {}
        for exercise in self.exercises:
            groups.setdefault(exercise.assignment, []).append(exercise)
        return [
            AssignmentTotal(
                assignment,
                round(sum(e.points for e in exercises), 4),
                round(sum(e.points_possible for e in exercises), 4),
            )
            for assignment, exercises in groups.items()
        ]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["points"] = self.points
        data["points_possible"] = self.points_possible
        data["assignments"] = [asdict(total) for total in self.assignment_totals]
        for exercise, exercise_data in zip(self.exercises, data["exercises"]):
            exercise_data["points"] = exercise.points
            exercise_data["points_possible"] = exercise.points_possible
            for check, check_data in zip(exercise.checks, exercise_data["checks"]):
                check_data["points"] = check.points
        return data
