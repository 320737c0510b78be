"""grading.toml, the instructor's grading policy, loaded into dataclasses and validated on load.

Any unknown section or key, wrong type, non-positive limit, unknown exercise or
check, or points that do not add up stops the grader with a ValueError that names
the file, the table and the key, e.g.
    grading.toml: [limits] memory_mb must be a positive integer, got -5

Assignments. Every exercise belongs to one assignment, graded and totalled on its own
(an nbgrader assignment, a Gradescope assignment, its own total, late penalty and LMS
column): the one its `assignment` key names, else DEFAULT_ASSIGNMENT (grades/policy.py
reads the key, for the grader and for the grade-keeping alike). An optional
[assignments.<id>] table holds that assignment's own settings.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from .compare import Tolerance
from .oracle import DEVICE_SETTINGS
from .grades.late import PolicyError
from .grades.policy import DEFAULT_ASSIGNMENT, assignment_of
from .paths import GRADING_TOML

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
# Check points must add up to the exercise's points up to float rounding.
POINTS_SLACK = 1e-9
TOLERANCE_KEYS = ("rtol", "atol")
EXERCISE_TOLERANCE_KEYS = {"rtol": "tolerance", "atol": "tolerance", "gradcheck_rtol": "gradcheck", "gradcheck_atol": "gradcheck"}


MIN_MEMORY_MB = 256

ASSIGNMENT_KEYS = ("written_points",)  # of an [assignments.<id>] table


HIDDEN_CASE_MODES = ("per_course", "per_student")
ISOLATION_LEVELS = ("full", "userns", "minimal")  # strongest first; sandbox/levels.py says what each holds
ISOLATION_SETTINGS = ("auto", *ISOLATION_LEVELS)


@dataclass(frozen=True)
class GraderSettings:
    oracle_device: str  # "auto" (CUDA when present), "cpu" or "cuda"
    public_seed: int  # `convlab check` and the visible examples
    seed_env: str  # environment variable holding the hidden seed
    hidden_cases: str = "per_course"  # "per_student": each student's cases from the course secret and their id


@dataclass(frozen=True)
class IsolationSettings:
    level: str = "auto"  # "auto": the strongest level this machine allows; or a level to use (tests force weaker ones)
    floor: str = "minimal"  # hidden-seed grading refuses to run below this level


@dataclass(frozen=True)
class LimitSettings:
    call_seconds: float
    submission_seconds: float
    memory_mb: int
    output_kb: int
    file_size_mb: int
    open_files: int
    processes: int

    def sandbox_limits(self):
        """The sandbox's Limits: these, minus submission_seconds (which the engine enforces)."""
        from .sandbox import Limits

        return Limits(**{f.name: getattr(self, f.name) for f in fields(Limits)})


@dataclass(frozen=True)
class ExercisePolicy:
    exercise_id: str
    points: float
    check_points: Mapping[str, float]  # check id -> points, in the exercise's declared order
    tolerance: Tolerance
    gradcheck: Tolerance
    assignment: str = DEFAULT_ASSIGNMENT


@dataclass(frozen=True)
class AssignmentSettings:
    """An assignment's own settings ([assignments.<id>]; all optional)."""

    written_points: float = 0.0  # each written question of its notebook, graded by hand in nbgrader


@dataclass(frozen=True)
class GradingConfig:
    grader: GraderSettings
    limits: LimitSettings
    allowed_modules: tuple[str, ...]  # besides the standard library and the student's own modules
    tolerance: Tolerance
    gradcheck: Tolerance
    exercises: tuple[ExercisePolicy, ...]  # the graded exercises, in grading.toml's order
    source: str = ""
    isolation: IsolationSettings = IsolationSettings()
    assignment_settings: Mapping[str, AssignmentSettings] = field(default_factory=dict)

    @property
    def total_points(self) -> float:
        """The points of every exercise, all assignments together."""
        return sum(e.points for e in self.exercises)

    @property
    def assignment_ids(self) -> tuple[str, ...]:
        """The assignments, in the order their first exercise appears in grading.toml."""
        return tuple(dict.fromkeys(e.assignment for e in self.exercises))

    def assignment_exercises(self, assignment: str) -> tuple[ExercisePolicy, ...]:
        return tuple(e for e in self.exercises if e.assignment == assignment)

    def assignment_points(self, assignment: str) -> float:
        return sum(e.points for e in self.assignment_exercises(assignment))

    def for_assignment(self, assignment: str) -> GradingConfig:
        """This policy with only the exercises of one assignment (ValueError for an unknown one)."""
        if assignment not in self.assignment_ids:
            raise ValueError(f"{self.source or 'grading.toml'} has no assignment {assignment!r} (known: {', '.join(self.assignment_ids)})")
        return replace(self, exercises=self.assignment_exercises(assignment))

    def assignment(self, assignment: str) -> AssignmentSettings:
        """The assignment's settings ([assignments.<id>], defaults where it has none)."""
        if assignment not in self.assignment_ids:
            raise KeyError(assignment)
        return self.assignment_settings.get(assignment, AssignmentSettings())

    @property
    def exercise_ids(self) -> tuple[str, ...]:
        return tuple(e.exercise_id for e in self.exercises)

    def exercise(self, exercise_id: str) -> ExercisePolicy:
        for policy in self.exercises:
            if policy.exercise_id == exercise_id:
                return policy
        raise KeyError(exercise_id)


class _Reader:
    """Validating accessors that name the file, table and key in every error."""

    def __init__(self, filename: str):
        self.filename = filename

    def fail(self, table: str, message: str) -> ValueError:
        return ValueError(f"{self.filename}: [{table}] {message}")

    def table(self, data: Mapping, table: str, allowed: set[str] | tuple[str, ...], required=()) -> Mapping:
        if not isinstance(data, Mapping):
            raise ValueError(f"{self.filename}: [{table}] must be a table, got {data!r}")
        for key in data:
            if key not in allowed:
                raise self.fail(table, f"unknown key {key!r} (known: {', '.join(sorted(allowed))})")
        for key in required:
            if key not in data:
                raise self.fail(table, f"{key} is missing")
        return data

    def positive_int(self, table: str, key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(table, f"{key} must be a positive integer, got {value!r}")
        return value

    def number(self, table: str, key: str, value: Any, *, positive: bool) -> float:
        ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
        if not ok or value < 0 or (positive and value == 0):
            kind = "a positive number" if positive else "a non-negative number"
            raise self.fail(table, f"{key} must be {kind}, got {value!r}")
        return float(value)

    def choice(self, table: str, key: str, value: Any, choices: tuple[str, ...]) -> str:
        if value not in choices:
            raise self.fail(table, f"{key} must be one of {', '.join(choices)}, got {value!r}")
        return value

    def string(self, table: str, key: str, value: Any, pattern: re.Pattern | None = None, what: str = "a string") -> str:
        if not isinstance(value, str) or not value or (pattern is not None and not pattern.match(value)):
            raise self.fail(table, f"{key} must be {what}, got {value!r}")
        return value


def load_config(path: str | Path | None = None) -> GradingConfig:
    """Read and validate grading.toml (default: the repository's); ValueError names any problem."""
    path = Path(path) if path is not None else GRADING_TOML
    with open(path, "rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{path.name}: not valid TOML: {error}") from None
    return parse_config(data, path.name)


def parse_config(data: Mapping, filename: str = "grading.toml") -> GradingConfig:
    """A GradingConfig from grading.toml's parsed tables."""
    from .exercises import REGISTRY

    read = _Reader(filename)
    sections = ("grader", "limits", "policy", "tolerance", "gradcheck", "exercises")
    # Read by `convlab scoreboard`, the sandbox and grades/ (late work, overrides); validated here too.
    optional = ("scoreboard", "isolation", "late", "overrides")
    optional += ("assignments",)  # each assignment's own settings ([assignments.<id>])
    for section in data:
        if section not in sections + optional:
            raise ValueError(f"{filename}: unknown section [{section}] (known: {', '.join(sections + optional)})")
    for section in sections:
        if section not in data:
            raise ValueError(f"{filename}: section [{section}] is missing")
    if "scoreboard" in data:
        from .scoreboard.settings import SettingsError, validate

        try:
            validate(data["scoreboard"], f"{filename}: [scoreboard]")
        except SettingsError as error:
            raise ValueError(str(error)) from None

    if "late" in data or "overrides" in data:
        from .grades.late import PolicyError
        from .grades.policy import parse_policy

        try:
            parse_policy(data, filename=filename)
        except PolicyError as error:
            raise ValueError(str(error)) from None

    grader = read.table(data["grader"], "grader", ("oracle_device", "public_seed", "seed_env", "hidden_cases"),
                        required=("oracle_device", "public_seed", "seed_env"))
    if grader["oracle_device"] not in DEVICE_SETTINGS:
        raise read.fail("grader", f"oracle_device must be one of {', '.join(DEVICE_SETTINGS)}, got {grader['oracle_device']!r}")
    seed = grader["public_seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise read.fail("grader", f"public_seed must be a non-negative integer, got {seed!r}")
    settings = GraderSettings(
        oracle_device=grader["oracle_device"],
        public_seed=seed,
        seed_env=read.string("grader", "seed_env", grader["seed_env"], ENV_NAME, "an environment variable name"),
        hidden_cases=read.choice("grader", "hidden_cases", grader.get("hidden_cases", "per_course"), HIDDEN_CASE_MODES),
    )
    isolation = _isolation(read, data.get("isolation", {}))

    limit_names = tuple(f.name for f in fields(LimitSettings))
    raw_limits = read.table(data["limits"], "limits", limit_names, required=limit_names)
    limits = LimitSettings(
        **{
            name: read.number("limits", name, raw_limits[name], positive=True)
            if name.endswith("_seconds")
            else read.positive_int("limits", name, raw_limits[name])
            for name in limit_names
        }
    )
    if limits.memory_mb < MIN_MEMORY_MB:
        # Python and numpy alone take about 100 MB of address space: less and no call can start.
        raise read.fail("limits", f"memory_mb must be at least {MIN_MEMORY_MB}, got {limits.memory_mb}")

    policy = read.table(data["policy"], "policy", ("allowed_modules",), required=("allowed_modules",))
    modules = policy["allowed_modules"]
    if not isinstance(modules, list):
        raise read.fail("policy", f"allowed_modules must be a list of module names, got {modules!r}")
    allowed = tuple(read.string("policy", "allowed_modules", m, MODULE_NAME, "a list of module names") for m in modules)

    tolerance = _tolerance(read, data["tolerance"], "tolerance")
    gradcheck = _tolerance(read, data["gradcheck"], "gradcheck")

    raw_exercises = data["exercises"]
    if not isinstance(raw_exercises, Mapping) or not raw_exercises:
        raise ValueError(f"{filename}: [exercises] must name at least one exercise with its points")
    exercises = []
    for exercise_id, table in raw_exercises.items():
        if exercise_id not in REGISTRY:
            raise ValueError(f"{filename}: [exercises.{exercise_id}] is not a known exercise (known: {', '.join(REGISTRY)})")
        exercises.append(_exercise(read, exercise_id, table, REGISTRY[exercise_id].check_ids, tolerance, gradcheck))
    config = GradingConfig(settings, limits, allowed, tolerance, gradcheck, tuple(exercises), source=filename,
                           isolation=isolation)
    if not config.total_points > 0:
        raise ValueError(f"{filename}: [exercises] points must add up to a positive total, got {config.total_points!r}")
    assignments = _assignments(read, data.get("assignments", {}), config.assignment_ids)
    return replace(config, assignment_settings=assignments)


def _assignments(read: _Reader, data: Any, used: tuple[str, ...]) -> dict[str, AssignmentSettings]:
    """The [assignments.<id>] tables: each must name an assignment some exercise belongs to."""
    data = read.table(data, "assignments", used)
    settings = {}
    for assignment, table in data.items():
        where = f"assignments.{assignment}"
        table = read.table(table, where, ASSIGNMENT_KEYS)
        settings[assignment] = AssignmentSettings(
            **{key: read.number(where, key, table[key], positive=False) for key in ASSIGNMENT_KEYS if key in table}
        )
    return settings


def _isolation(read: _Reader, data: Any) -> IsolationSettings:
    data = read.table(data, "isolation", ("level", "floor"))
    defaults = IsolationSettings()
    return IsolationSettings(
        level=read.choice("isolation", "level", data.get("level", defaults.level), ISOLATION_SETTINGS),
        floor=read.choice("isolation", "floor", data.get("floor", defaults.floor), ISOLATION_LEVELS),
    )


def _tolerance(read: _Reader, data: Any, table: str) -> Tolerance:
    data = read.table(data, table, TOLERANCE_KEYS, required=TOLERANCE_KEYS)
    return Tolerance(**{key: read.number(table, key, data[key], positive=False) for key in TOLERANCE_KEYS})


def _exercise(read: _Reader, exercise_id: str, data: Any, check_ids, tolerance: Tolerance, gradcheck: Tolerance) -> ExercisePolicy:
    table = f"exercises.{exercise_id}"
    data = read.table(data, table, ("points", "checks", "assignment", *EXERCISE_TOLERANCE_KEYS), required=("points", "checks"))
    points = read.number(table, "points", data["points"], positive=True)
    try:
        assignment = assignment_of(exercise_id, data, read.filename)
    except PolicyError as error:
        raise ValueError(str(error)) from None
    checks = read.table(data["checks"], f"{table}.checks", check_ids, required=check_ids)
    check_points = {c: read.number(f"{table}.checks", c, checks[c], positive=False) for c in check_ids}
    if abs(sum(check_points.values()) - points) > POINTS_SLACK * max(1.0, points):
        raise read.fail(f"{table}.checks", f"points add up to {sum(check_points.values())!r}, but points = {points!r}")
    overrides = {"tolerance": dict(vars(tolerance)), "gradcheck": dict(vars(gradcheck))}
    for key, group in EXERCISE_TOLERANCE_KEYS.items():
        if key in data:
            overrides[group][key.removeprefix("gradcheck_")] = read.number(table, key, data[key], positive=False)
    return ExercisePolicy(
        exercise_id, points, check_points, Tolerance(**overrides["tolerance"]), Tolerance(**overrides["gradcheck"]), assignment
    )
