"""grade_submission: grade one submission folder into the result model.

For each configured exercise (two at a time on a small thread pool, or one at a time in a
batch worker, where the batch already runs one worker per core):
  1. start a sandbox session: one child process that imports the student's modules;
  2. prepare the cases and their expected values (cached per exercise, seed and device:
     batch grading computes them once for the whole class);
  3. call the student's functions, compare, name known mistakes, run the gradient checks.
Student code never runs in this process and never sees an expected value or the seed:
only the cases' arguments cross into the child.

An exercise's result depends only on the submission, the seed and the versions: not on
the order, the concurrency, or the other exercises (a crash, timeout or forbidden import
costs that exercise only). The per-submission time limit stops further calls; the cases
not run fail with a message that says so.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from . import __version__
from .cases import Case
from .compare import Problem, Tolerance, changed_arguments, close, compare, diagnose, type_name
from .config import ExercisePolicy, GradingConfig, load_config
from .exercises import REGISTRY, Check, Exercise, Mistake
from .exercises.spec import Raised, Raises
from .gradcheck import GradCase, run_grad_case
from .messages import Catalog, catalog
from .paths import API
from .results import CaseResult, CheckResult, ExerciseResult, SubmissionResult
from .safe_text import one_line
from .sandbox.outcome import CallOutcome

# Exercises graded at once: a sandbox child starting while another exercise is compared
# keeps a second core busy, so one `convlab grade` finishes sooner.
GRADER_WORKERS = 2
SEED_KINDS = ("public", "hidden")
TIMING_KEYS = ("process_start", "oracle", "student_calls", "gradient_checks")
# Expected values kept for this many (exercise, seed, device) keys: a class graded with one
# seed needs 15; a grader process that changes seeds does not grow without bound.
CACHE_ENTRIES = 64
ERROR_CHARS = 300
# A message lists the problems of at most this many parts of a result (LeNet has ten).
PARTS_SHOWN = 3

# The diagnosis of a function that changed its arguments in place (no mistake function needed).
INPUT_MUTATED = Mistake("input_mutated", {})
# Outcomes the engine gives itself, without calling (the sandbox never reports these).
DEADLINE, SKIPPED_TIMEOUT, SKIPPED_FORBIDDEN = "deadline", "skipped_timeout", "skipped_forbidden"


def grade_submission(
    submission_dir: Path,
    *,
    seed: int,
    seed_kind: str = "hidden",
    config: GradingConfig | None = None,
    only: Sequence[str] | None = None,
    lang: str = "en",
    measure_speed: bool = False,
    exercise_threads: int = GRADER_WORKERS,
) -> SubmissionResult:
    """Grade every exercise of grading.toml (or those in `only`) of the submission in submission_dir.

    measure_speed: also time the student's conv2d_forward and a LeNet training step against
    the reference (autograder/speed.py), for the scoreboard; it never changes a score.
    exercise_threads: exercises graded at once. The results do not depend on it; a batch
    worker passes 1, so that each worker uses one core and N workers grade N times as fast.
    """
    start = time.perf_counter()
    config = config or load_config()
    text = catalog(lang)
    submission_dir = Path(submission_dir)
    if seed_kind not in SEED_KINDS:
        raise ValueError(f"seed_kind must be one of {', '.join(SEED_KINDS)}, got {seed_kind!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not submission_dir.is_dir():
        raise ValueError(f"not a folder: {submission_dir}")
    if isinstance(exercise_threads, bool) or not isinstance(exercise_threads, int) or exercise_threads < 1:
        raise ValueError(f"exercise_threads must be a positive integer, got {exercise_threads!r}")
    policies = _selected(config, only)

    from . import oracle
    from .sandbox import isolation_report

    deadline = start + config.limits.submission_seconds
    with ThreadPoolExecutor(1, "convlab-oracle") as setup_pool, ThreadPoolExecutor(exercise_threads, "convlab-grade") as pool:
        # Importing and configuring torch takes a second or two: it runs while the first
        # sandbox children start, and each exercise waits for it before its oracle runs.
        setup = setup_pool.submit(_timed, oracle.configure, config.grader.oracle_device)

        def open_session():
            from .sandbox import SandboxSession

            return SandboxSession(submission_dir, config.limits.sandbox_limits(), config.allowed_modules,
                                  config.isolation.level)

        def run(policy: ExercisePolicy) -> tuple[ExerciseResult, dict]:
            exercise = REGISTRY[policy.exercise_id]
            return _ExerciseRun(exercise, policy, seed, config, text, deadline, setup, open_session).grade()

        outcomes = list(pool.map(run, policies))
        environment, setup_seconds = setup.result()

    speed = {}
    if measure_speed:
        from .speed import measure_speed as measure

        speed = measure(submission_dir, config.limits.sandbox_limits(), config.allowed_modules)

    timings = {key: sum(t[key] for _, t in outcomes) for key in TIMING_KEYS}
    timings["oracle"] += setup_seconds  # importing torch and configuring it is the oracle's cost
    timings["total"] = time.perf_counter() - start
    return SubmissionResult(
        submission=submission_dir.resolve().name,
        seed=seed,
        seed_kind=seed_kind,
        exercises=[result for result, _ in outcomes],
        environment={**environment, "isolation": isolation_report(config.isolation.level)},
        timings={key: round(value, 4) for key, value in timings.items()},
        grader_version=__version__,
        speed=speed,
    )


def grade_checks(exercise_id: str, check_ids: Sequence[str], open_caller, *, seed: int,
                 config: GradingConfig | None = None, lang: str = "en", reveal: bool = False) -> ExerciseResult:
    """Some checks of one exercise through open_caller() (e.g. the visible tests' in-process caller).

    The same engine as grade_submission: the same cases for the seed, the same
    comparisons, diagnoses and words; no submission time limit. reveal: the seed is
    public, so every case may show its values and the student's own messages.
    """
    from . import oracle

    config = config or load_config()
    setup = _Done(oracle.configure(config.grader.oracle_device))
    run = _ExerciseRun(REGISTRY[exercise_id], config.exercise(exercise_id), seed, config, catalog(lang),
                       float("inf"), setup, open_caller, reveal=reveal)
    return run.grade(check_ids)[0]


class _Done:
    """A finished future holding `value` (grade_checks configures the oracle before it starts)."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def _timed(function, *args):
    """(function(*args), the seconds it took)."""
    begin = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - begin


def _selected(config: GradingConfig, only: Sequence[str] | None) -> list[ExercisePolicy]:
    """The exercises to grade, always in grading.toml's order (whatever the order of `only`)."""
    if only is None:
        return list(config.exercises)
    if isinstance(only, str):
        only = [only]
    for exercise_id in only:
        if exercise_id not in config.exercise_ids:
            known = ", ".join(config.exercise_ids)
            raise ValueError(f"no exercise {exercise_id!r} in {config.source or 'grading.toml'} (known: {known})")
    return [policy for policy in config.exercises if policy.exercise_id in set(only)]


# --- expected values, cached ------------------------------------------------------------------------------


@dataclass
class PreparedCheck:
    check: Check
    cases: list
    expected: list  # per case: the oracle's value (None for gradient checks and cases that must raise)


@dataclass
class PreparedExercise:
    checks: dict[str, PreparedCheck]
    mistake_outputs: dict = field(default_factory=dict)  # (check id, case index) -> [(mistake id, output)]
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache: dict[tuple, PreparedExercise] = {}
_cache_lock = threading.Lock()
_key_locks: dict[tuple, threading.Lock] = {}


def forget_prepared() -> None:
    """Empty the cache of prepared exercises, so the next grading computes its expected values again."""
    with _cache_lock:
        _cache.clear()


def prepare(exercise: Exercise, seed: int) -> tuple[PreparedExercise, float]:
    """The exercise's cases and expected values for this seed, and the seconds spent computing them (0 if cached)."""
    from . import oracle
    from .cases import case_rng

    key = (exercise.id, seed, oracle.device_name())
    with _cache_lock:
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:
        if key in _cache:
            return _cache[key], 0.0
        start = time.perf_counter()
        checks = {}
        for check in exercise.checks:
            cases = list(check.cases(case_rng(seed, exercise.id, check.id)))
            expected = [None if check.gradcheck else check.expected(case) for case in cases]
            checks[check.id] = PreparedCheck(check, cases, expected)
        prepared = PreparedExercise(checks)
        with _cache_lock:
            if len(_cache) >= CACHE_ENTRIES:
                _cache.clear()
            _cache[key] = prepared
        return prepared, time.perf_counter() - start


def mistake_outputs(exercise: Exercise, prepared: PreparedExercise, check: Check, index: int) -> list[tuple[Mistake, Any]]:
    """Each known mistake's answer for one case (a value, a Raised, or None where it cannot apply).

    Computed on first need (a submission that passes never pays for them) and kept
    with the expected values, so a class graded with one seed computes them once.
    """
    key = (check.id, index)
    with prepared.lock:
        if key in prepared.mistake_outputs:
            return prepared.mistake_outputs[key]
    case = prepared.checks[check.id].cases[index]
    target = check.target_of(case)
    outputs = []
    for mistake in exercise.mistakes_for(target):
        try:
            if mistake.applies is not None and not mistake.applies(*case.args, **case.kwargs):
                outputs.append((mistake, None))
                continue
            value = mistake.outputs[target](*case.args, **case.kwargs)
            outputs.append((mistake, value[case.pick] if case.pick is not None else value))
        except Raises as raised:
            outputs.append((mistake, Raised(raised.error_type, raised.pattern)))
        except Exception:  # this mistake cannot apply to this case (e.g. a transposed non-square kernel)
            outputs.append((mistake, None))
    with prepared.lock:
        prepared.mistake_outputs[key] = outputs
    return outputs


# --- one exercise ----------------------------------------------------------------------------------------------

# Outcomes the engine gives itself, without calling: a status for CallOutcome.
ENGINE_STATUSES = (DEADLINE, SKIPPED_TIMEOUT, SKIPPED_FORBIDDEN)


class _ExerciseRun:
    """Grades one exercise through one caller (a sandbox session, or the visible tests' in-process one).

    Order of the calls: first the exercise's modules are imported (an import that fails or
    is refused is the exercise's error, reported up front, never inside a hidden case);
    then every visible case, then every hidden one. Whatever a student's code says in a
    visible case's message (an exception's text) was said before it saw any hidden input.
    A hidden case's message holds no text the student's code chose: no exception message,
    no class or module name.
    """

    def __init__(self, exercise, policy, seed, config, text: Catalog, deadline: float, setup, open_caller,
                 reveal: bool = False):
        self.exercise = exercise
        self.policy = policy
        self.seed = seed
        self.config = config
        self.text = text
        self.deadline = deadline
        self.setup = setup  # the future of the oracle's configuration, running in its own thread
        self.open_caller = open_caller
        self.timings = dict.fromkeys(TIMING_KEYS, 0.0)
        self.bucket = "student_calls"
        self.error: str | None = None
        self.caller = None
        self.memo: dict[str, CallOutcome] = {}
        self.prepared: PreparedExercise | None = None
        self.hidden_phase = False
        self.reveal = reveal  # every case's inputs and messages may be shown (a public seed's, in the visible tests)

    def _hidden(self, case) -> bool:
        """Whether what a case says must stay secret (a hidden case, unless this run reveals all)."""
        return case.hidden and not self.reveal

    def grade(self, check_ids: Sequence[str] | None = None) -> tuple[ExerciseResult, dict]:
        """The exercise's result (only the checks in check_ids, when given) and its timings."""
        start = time.perf_counter()
        with self.open_caller() as caller:
            self.caller = caller
            self.timings["process_start"] = time.perf_counter() - start
            self.setup.result()
            self.prepared, self.timings["oracle"] = prepare(self.exercise, self.seed)
            wanted = [self.prepared.checks[c] for c in (check_ids or self.exercise.check_ids)]
            self._load()
            by_check = self._run_cases(wanted)
        checks = [
            CheckResult(
                check_id=prepared.check.id,
                title=self.text.text(f"check.{self.exercise.id}.{prepared.check.id}"),
                points_possible=self.policy.check_points[prepared.check.id],
                cases=[result for result, _ in by_check[prepared.check.id]],
                seconds=round(sum(seconds for _, seconds in by_check[prepared.check.id]), 4),
            )
            for prepared in wanted
        ]
        result = ExerciseResult(
            exercise_id=self.exercise.id,
            title=self.text.text(f"exercise.{self.exercise.id}"),
            checks=checks,
            error=self.error,
            seconds=round(time.perf_counter() - start, 4),
            assignment=self.policy.assignment,
        )
        return result, self.timings

    def _load(self) -> None:
        """Import the modules the exercise's functions live in; a failure becomes the exercise's error."""
        modules = sorted({API[name] for name in self.exercise.api})
        start = time.perf_counter()
        outcome = self.caller.load(modules)
        self.timings["student_calls"] += time.perf_counter() - start
        if not outcome.ok:
            self.error = self.text.text("call.load_failed", module=outcome.module or modules[0],
                                        reason=self.outcome_text(outcome, hidden=False))

    def _run_cases(self, wanted: list[PreparedCheck]) -> dict[str, list[tuple[CaseResult, float]]]:
        """Every case of the wanted checks, visible ones first; results in each check's own order."""
        pending = [(prepared, index) for prepared in wanted for index in range(len(prepared.cases))]
        ordered = sorted(pending, key=lambda item: item[0].cases[item[1]].hidden)
        results: dict[str, dict[int, tuple[CaseResult, float]]] = {prepared.check.id: {} for prepared in wanted}
        timed_out: set[str] = set()
        for prepared, index in ordered:
            check, case = prepared.check, prepared.cases[index]
            self.hidden_phase = self.hidden_phase or self._hidden(case)
            begin = time.perf_counter()
            self.bucket = "gradient_checks" if check.gradcheck else "student_calls"
            if check.id in timed_out:
                result, status = self._case_result(case, False, self._failure(CallOutcome(SKIPPED_TIMEOUT), case)), SKIPPED_TIMEOUT
            elif check.gradcheck:
                result, status = self._grad_case(case, self.policy.gradcheck)
            else:
                result, status = self._compare_case(prepared, index, case, self.policy.tolerance)
            if status == "timeout":
                timed_out.add(check.id)
            result.status = status
            results[check.id][index] = (result, time.perf_counter() - begin)
        return {check_id: [by_index[i] for i in sorted(by_index)] for check_id, by_index in results.items()}

    # -- calls ------------------------------------------------------------------------------------------------

    def call(self, target: str, args: tuple, kwargs: dict, *, key: str | None = None, with_inputs: bool = False) -> CallOutcome:
        """One call into student code (or the engine's verdict when it may not call any more)."""
        if key is not None and key in self.memo:
            return self.memo[key]
        if self.error is not None:
            return CallOutcome(SKIPPED_FORBIDDEN)
        if time.perf_counter() >= self.deadline:
            return CallOutcome(DEADLINE)
        start = time.perf_counter()
        call = self.caller.call_with_inputs if with_inputs else self.caller.call
        outcome = call(target, *args, **kwargs)
        if with_inputs and outcome.ok:
            reply = outcome.value
            outcome.value = reply["result"]
            outcome.inputs_after = list(reply["args"]) + [reply["kwargs"].get(k) for k in kwargs]
        self.timings[self.bucket] += time.perf_counter() - start
        if outcome.status == "not_implemented" and raised_in_another_file(target, outcome.where):
            outcome.status = "needs_unfinished"
        if outcome.status == "forbidden_import":
            self.error = self.outcome_text(outcome, hidden=self.hidden_phase)
        if key is not None:
            self.memo[key] = outcome
        return outcome

    def _oracle_forward(self, target: str, args: tuple, kwargs: dict):
        from . import oracle

        start = time.perf_counter()
        value = oracle.ORACLES[target](*args, **kwargs)
        self.timings["oracle"] += time.perf_counter() - start
        return value

    def _mistake_outputs(self, check: Check, index: int) -> list[tuple[Mistake, Any]]:
        start = time.perf_counter()
        outputs = mistake_outputs(self.exercise, self.prepared, check, index)
        self.timings["oracle"] += time.perf_counter() - start
        return outputs

    def _failure(self, outcome: CallOutcome, case, found: list[tuple[str, Mistake]] = ()) -> str:
        """The message of a case whose call did not return normally, with any likely cause."""
        return self.outcome_text(outcome, hidden=self._hidden(case)) + self.text.text("diagnosis.end") + self._causes(found)

    def outcome_text(self, outcome: CallOutcome, *, hidden: bool) -> str:
        """The student-facing sentence for a call that did not return normally.

        hidden: the call was a hidden case's (or came after one): say nothing its code
        chose (an exception's message or class name, a module's name, an exit code).
        """
        status = outcome.status
        params = {
            "error_type": outcome.error_type if not hidden else outcome.builtin_type,
            "error": _short(outcome.error),
            "where": outcome.where,
            "seconds": _seconds(self.config.limits.call_seconds),
            "limit": _seconds(self.config.limits.submission_seconds),
            "allowed": ", ".join(("numpy",) if not self.config.allowed_modules else self.config.allowed_modules),
            "module": outcome.module,
        }
        key = f"call.{status}"
        if status == "exception":
            key = "call.exception_hidden" if hidden else ("call.exception_at" if outcome.where else "call.exception")
        elif status in ("not_implemented", "needs_unfinished"):
            key = f"call.{status}_at" if outcome.where and not hidden else key
        elif status == "forbidden_import":
            key = "call.forbidden_import_hidden" if hidden or not outcome.error else key
        elif status == "crashed" and hidden:
            key = "call.crashed_hidden"
            params["error"] = outcome.signal or "exit"
        elif status == "bad_output" and hidden:
            key = "call.bad_output_hidden"
        return self.text.text(key, **params)

    # -- checks ----------------------------------------------------------------------------------------------

    def _case_result(self, case, passed: bool, message: str = "", diagnosis: str | None = None) -> CaseResult:
        label = case.label
        if case.hidden and self.reveal:
            public = getattr(case, "public_label", None)
            label = public or type(label)(label.key.replace("case.hidden", "case.public"), label.params)
        name = self.text.text(label.key, **label.params)
        return CaseResult(name=name, passed=passed, message=message, diagnosis=diagnosis, hidden=self._hidden(case))

    def _compare_case(self, prepared: PreparedCheck, index: int, case: Case, tol: Tolerance) -> tuple[CaseResult, str]:
        check = prepared.check
        outcome = self.call(check.target_of(case), case.args, case.kwargs, key=case.call_key, with_inputs=True)
        if case.expect_error:
            return self._error_case(prepared, index, case, outcome, tol), outcome.status
        if not outcome.ok:
            found = self._raised_diagnosis(prepared, index, outcome)
            return self._case_result(case, False, self._failure(outcome, case, found), _first(found)), outcome.status
        expected = prepared.expected[index]
        problems = _picked(outcome.value, case.pick)
        got = outcome.value[case.pick] if case.pick is not None and not problems else outcome.value
        problems = problems or compare(got, expected, tol, leaf_names=check.leaves, hidden=self._hidden(case))
        if outcome.inputs_after is not None:
            changed = changed_arguments(case.named_arguments(), outcome.inputs_after)
            problems += [Problem("compare.mutated", {"arg": name}) for name in changed]
        if not problems:
            return self._case_result(case, True), outcome.status
        failing = [p.leaf for p in problems if p.key != "compare.mutated"]
        found = []
        if failing:
            found = diagnose(got, expected, failing, self._mistake_outputs(check, index), tol, check.leaves)
        if not found and len(failing) < len(problems):
            found = [("", INPUT_MUTATED)]
        message = self._render(problems) + self._causes(found)
        return self._case_result(case, False, message, _first(found)), outcome.status

    def _raised_diagnosis(self, prepared: PreparedCheck, index: int, outcome: CallOutcome) -> list[tuple[str, Mistake]]:
        """A known mistake that raises the same exception on this case, if the student's call raised."""
        if outcome.status != "exception":
            return []
        for mistake, output in self._mistake_outputs(prepared.check, index):
            if isinstance(output, Raised) and output.matches(outcome):
                return [("", mistake)]
        return []

    def _error_case(self, prepared: PreparedCheck, index: int, case: Case, outcome: CallOutcome, tol: Tolerance) -> CaseResult:
        """A case whose call must raise case.expect_error (or a subclass of it)."""
        if outcome.raised(case.expect_error):
            return self._case_result(case, True)
        found: list[tuple[str, Mistake]] = []
        if outcome.status == "exception":
            error_type = outcome.builtin_type if self._hidden(case) else outcome.error_type
            error = "…" if self._hidden(case) else _short(outcome.error)
            message = self.text.text("call.wrong_exception", expected=case.expect_error, error_type=error_type, error=error)
            found = self._raised_diagnosis(prepared, index, outcome)
        elif outcome.ok:
            message = self.text.text("call.no_exception", expected=case.expect_error, got=_short(_shown(outcome.value)))
            candidates = self._mistake_outputs(prepared.check, index)
            found = [("", m) for m, output in candidates if not isinstance(output, Raised) and close(outcome.value, output, tol)][:1]
        else:
            return self._case_result(case, False, self._failure(outcome, case))
        return self._case_result(case, False, message + self.text.text("diagnosis.end") + self._causes(found), _first(found))

    def _grad_case(self, case: GradCase, tol: Tolerance) -> tuple[CaseResult, str]:
        def call(target, args, kwargs, key=None):
            return self.call(target, args, kwargs, key=key)

        verdict = run_grad_case(case, call, self._oracle_forward, tol.rtol, tol.atol)
        if verdict.failed_call is not None:
            return self._case_result(case, False, self._failure(verdict.failed_call, case)), verdict.failed_call.status
        if verdict.passed:
            return self._case_result(case, True), "ok"
        return self._case_result(case, False, self._render(verdict.problems)), "ok"

    def _render(self, problems: list[Problem]) -> str:
        """The problems as one sentence, each prefixed by the part it concerns ("dw: ...; db: ...")."""
        parts = []
        for problem in problems[:PARTS_SHOWN]:
            sentence = self.text.text(problem.key, **problem.params)
            parts.append(f"{problem.leaf}: {sentence}" if problem.leaf else sentence)
        if len(problems) > PARTS_SHOWN:
            parts.append(self.text.text("compare.more_parts", count=len(problems) - PARTS_SHOWN))
        return "; ".join(parts) + self.text.text("diagnosis.end")

    def _causes(self, found: list[tuple[str, Mistake]]) -> str:
        """ " Likely cause: ..." for each (part, mistake) the diagnosis found."""
        text = ""
        for leaf, mistake in found:
            cause = self.text.text(mistake.message_key, **mistake.params)
            text += self.text.text("diagnosis.likely_part" if leaf else "diagnosis.likely", part=leaf, cause=cause)
        return text


def _first(found: list[tuple[str, Mistake]]) -> str | None:
    return found[0][1].id if found else None


def _picked(got: Any, pick: str | None) -> list[Problem]:
    """Problems with a dict result before one of its entries can be compared."""
    if pick is None:
        return []
    if not isinstance(got, dict):
        return [Problem("compare.not_dict", {"got": type_name(got)})]
    if pick not in got:
        return [Problem("compare.missing_keys", {"keys": pick})]
    return []


def _shown(value: Any) -> str:
    """A short description of a returned value for a message: numbers as they are, arrays by shape."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value) if not isinstance(value, int) or abs(value) < 10**12 else "a very large int"
    return type_name(value)


def _short(text: str) -> str:
    return one_line(text, ERROR_CHARS)


def _seconds(value: float) -> str:
    return f"{value:g}"


def raised_in_another_file(target: str, where: str) -> bool:
    """Whether a NotImplementedError at where ("conv_backward.py:40") lies outside the file that
    holds target (an API function, or a LeNet operation "LeNet.forward"): the function called
    is written, one it calls is not."""
    module = API.get(target.split(".")[0])
    file = where.rsplit(":", 1)[0]
    return bool(module and file) and file != f"{module}.py"
