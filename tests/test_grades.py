"""Late policy, overrides, final grades, grades.csv and the LMS exports: exact numbers, no grader run.

The records here are written by hand in the shape `convlab batch` stores them, so every
figure below can be checked with pencil and paper: 80 points, 10 % per started day late,
capped at 50 %, 15 minutes of grace.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from autograder import cli
from autograder.batch.export import grades_csv
from autograder.batch.finalize import finalize, grades_of
from autograder.batch.fingerprint import policy_fingerprint
from autograder.batch.store import write_manifest
from autograder.config import load_config
from autograder.grades.final import grade_of
from autograder.grades.late import LatePolicy, PolicyError, parse_late_table
from autograder.grades.lms import canvas_csv, generic_csv, moodle_csv, Graded
from autograder.grades.overrides import parse_overrides
from autograder.grades.policy import Assignment, GradePolicy, parse_policy
from autograder.paths import GRADING_TOML

CET = timezone(timedelta(hours=1))
DEADLINE = datetime(2026, 12, 1, 23, 59, tzinfo=CET)
LATE_TABLE = {
    "deadline": DEADLINE,
    "grace_minutes": 15,
    "penalty_per_day": 10,
    "max_penalty": 50,
    "extensions": {"s042": 2, "s107": datetime(2026, 12, 5, 12, 0, tzinfo=CET)},
}
LATE = parse_late_table(LATE_TABLE)
EXERCISES = ("relu", "lenet")
POLICY = GradePolicy((Assignment("cnn", EXERCISES),), LATE)
POSSIBLE = {"relu": 4.0, "lenet": 96.0}


def at(text: str) -> str:
    return datetime.fromisoformat(text).isoformat()


# --- the late policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "submitted, days, percent",
    [
        ("2026-12-01T23:59:00+01:00", 0, 0),  # at the deadline
        ("2026-12-02T00:14:00+01:00", 0, 0),  # within the 15 minutes of grace
        ("2026-12-02T00:20:00+01:00", 1, 10),  # 21 minutes late: one started day
        ("2026-12-01T23:20:00+00:00", 1, 10),  # the same moment's neighbour, written in UTC
        ("2026-12-02T23:59:00+01:00", 1, 10),  # exactly one day late
        ("2026-12-03T23:59:30+01:00", 3, 30),  # two days and 30 seconds: three started days
        ("2026-12-11T09:00:00+01:00", 10, 50),  # ten days: capped at 50 %
    ],
)
def test_days_late_and_percent(submitted, days, percent):
    lateness = LATE.assess("s001", submitted)
    assert (lateness.days_late, lateness.penalty_percent) == (days, percent)


def test_penalty_is_a_percentage_of_the_points_earned():
    lateness = LATE.assess("s001", "2026-12-03T23:59:30+01:00")  # 3 days: 30 %
    assert lateness.penalty(80.0) == 24.0
    assert lateness.penalty(33.33) == 9.999
    assert lateness.penalty(0.0) == 0.0
    assert lateness.note == "2 d 0 h late (3 days): 30% off"


def test_extensions_move_the_deadline_of_one_student():
    assert LATE.deadline_for("s042") == datetime(2026, 12, 3, 23, 59, tzinfo=CET)
    assert LATE.assess("s042", "2026-12-03T12:00:00+01:00").days_late == 0
    assert LATE.assess("s001", "2026-12-03T12:00:00+01:00").days_late == 2
    assert LATE.assess("s107", "2026-12-05T12:10:00+01:00").days_late == 0  # within the grace of their own deadline
    assert LATE.assess("s107", "2026-12-05T13:00:00+01:00").days_late == 1


def test_no_deadline_or_no_time_is_never_late():
    assert LatePolicy().assess("s001", "2030-01-01T00:00:00+00:00").days_late == 0
    unknown = LATE.assess("s001", None)
    assert unknown.days_late == 0 and unknown.note == "no submission time known: counted as on time"
    # nbgrader writes "2026-12-02 00:20:00.000000 UTC"; naive times are UTC
    assert LATE.assess("s001", "2026-12-01 23:20:00 UTC").days_late == 1


@pytest.mark.parametrize(
    "table, message",
    [
        ({"deadline": "2026-12-01T23:59:00"}, "deadline must be a date and time with its UTC offset"),
        ({"deadline": "tomorrow"}, "deadline must be a date and time such as 2026-12-01T23:59:00+01:00, got 'tomorrow'"),
        ({"penalty_per_day": 120}, "penalty_per_day must be a number from 0 to 100, got 120"),
        ({"grace_minutes": -1}, "grace_minutes must be a number of at least 0, got -1"),
        ({"extensions": {"s042": 2}}, "extensions.s042: days of extension need a deadline"),
        ({"cap": 50}, "unknown key 'cap'"),
    ],
)
def test_bad_late_tables_are_refused(table, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        parse_late_table(table)


def test_grading_toml_validates_the_late_table(tmp_path):
    original = GRADING_TOML.read_text()
    path = tmp_path / "grading.toml"
    path.write_text(original + '\n[late]\ndeadline = 2026-12-01T23:59:00+01:00\npenalty_per_day = 10\n')
    assert load_config(path).assignment_points("cnn") == 100
    path.write_text(original + '\n[late]\ndeadline = 2026-12-01T23:59:00+01:00\npenalty = 10\n')
    with pytest.raises(ValueError, match=r"grading.toml: \[late\] unknown key 'penalty'"):
        load_config(path)
    path.write_text(original + '\n[overrides]\nfile = 3\n')
    with pytest.raises(ValueError, match=r"grading.toml: \[overrides\] file must be a file path, got 3"):
        load_config(path)


def test_the_late_policy_does_not_change_the_grading_fingerprint(tmp_path):
    original = GRADING_TOML.read_text()
    path = tmp_path / "grading.toml"
    path.write_text(original)
    before = policy_fingerprint(path)
    path.write_text(original + '\n[late]\ndeadline = 2026-12-01T23:59:00+01:00\n\n[overrides]\nfile = "o.csv"\n')
    assert policy_fingerprint(path) == before
    path.write_text(original.replace("call_seconds = 20", "call_seconds = 21"))
    assert policy_fingerprint(path) != before


# --- overrides ----------------------------------------------------------------------------------

OVERRIDES = """student,exercise,points,reason
s001,relu,4,regrade request: the tie case
s002,total,90,agreed after the hearing
"""


def test_overrides_are_parsed_and_total_names_the_assignment():
    found = parse_overrides(OVERRIDES, EXERCISES, ("cnn",))
    assert [(o.student, o.target, o.points, o.line) for o in found] == [("s001", "relu", 4.0, 2), ("s002", "cnn", 90.0, 3)]


@pytest.mark.parametrize(
    "line, message",
    [
        ("s001,conv,4,why", "line 2: 'conv' is neither an exercise nor an assignment"),
        ("s001,relu,-1,why", "line 2: points must be a number of 0 or more, got '-1'"),
        ("s001,relu,4,", "line 2: give the reason for this override"),
        ("s001,relu,4", "line 2: expected 4 fields"),
        ("s001,relu,4,why\ns001,relu,3,again", "line 3 overrides s001 relu again (first on line 2)"),
    ],
)
def test_bad_overrides_are_refused_naming_the_line(line, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        parse_overrides("student,exercise,points,reason\n" + line + "\n", EXERCISES, ("cnn",))


def test_total_is_ambiguous_with_two_assignments():
    with pytest.raises(PolicyError, match="'total' is neither an exercise nor an assignment"):
        parse_overrides("student,exercise,points,reason\ns001,total,4,why\n", ("relu", "pool"), ("part1", "part2"))


# --- final grades ---------------------------------------------------------------------------------


def test_exercise_override_then_penalty_then_total_override():
    overrides = parse_overrides(OVERRIDES, EXERCISES, ("cnn",))
    two_days = "2026-12-03T20:00:00+01:00"  # 2 started days: 20 %
    alice = grade_of("s001", two_days, {"relu": 2.0, "lenet": 78.0}, POSSIBLE, POLICY, overrides)
    part = alice.assignments[0]
    assert (part.graded_points, part.raw_points, part.penalty, part.final_points) == (80.0, 82.0, 16.4, 65.6)
    assert part.overrides == [{"exercise": "relu", "from": 2.0, "to": 4.0, "reason": "regrade request: the tie case"}]
    bob = grade_of("s002", two_days, {"relu": 4.0, "lenet": 76.0}, POSSIBLE, POLICY, overrides)
    assert (bob.raw_points, bob.penalty, bob.final_points) == (80.0, 16.0, 90.0)
    assert bob.assignments[0].overrides == [{"exercise": "total", "from": 64.0, "to": 90.0, "reason": "agreed after the hearing"}]


def test_two_assignments_are_totalled_and_penalised_apart():
    policy = GradePolicy((Assignment("part1", ("relu",)), Assignment("part2", ("lenet", "avg_pool"))), LATE)
    overrides = parse_overrides("student,exercise,points,reason\ns001,part2,50,excused\n", ("relu", "lenet", "avg_pool"), ("part1", "part2"))
    grade = grade_of("s001", "2026-12-02T01:00:00+01:00", {"relu": 4.0, "lenet": 60.0, "avg_pool": 30.0},
                     {"relu": 4.0, "lenet": 70.0, "avg_pool": 30.0}, policy, overrides)
    assert [(a.assignment, a.raw_points, a.penalty, a.final_points, a.points_possible) for a in grade.assignments] == [
        ("part1", 4.0, 0.4, 3.6, 4.0),
        ("part2", 90.0, 9.0, 50.0, 100.0),
    ]
    assert (grade.raw_points, grade.final_points, grade.points_possible) == (94.0, 53.6, 104.0)


# --- grades.csv, grade.json ------------------------------------------------------------------------


def record(key: str, student: str, submitted_at: str | None, relu: float, lenet: float, **extra) -> dict:
    return {
        "format": "convlab-batch-record/1",
        "key": key,
        "submission": key,
        "student": student,
        "status": "graded",
        "submitted_at": submitted_at,
        "points": relu + lenet,
        "points_possible": 100.0,
        "exercises": [
            {"id": "relu", "title": "ReLU", "points": relu, "points_possible": 4.0, "ran": True},
            {"id": "lenet", "title": "LeNet", "points": lenet, "points_possible": 96.0, "ran": True},
        ],
        "notes": [],
        **extra,
    }


RECORDS = [
    record("s001", "s001", "2026-12-03T20:00:00+01:00", 2.0, 78.0),
    record("s002", "s002", "2026-12-01T12:00:00+01:00", 4.0, 76.0),
    record("s042", "s042", "2026-12-03T20:00:00+01:00", 4.0, 90.0),
]


def test_grades_csv_carries_submission_time_raw_penalty_and_final():
    overrides = parse_overrides(OVERRIDES, EXERCISES, ("cnn",))
    text = grades_csv(RECORDS, grades_of(RECORDS, POLICY, overrides))
    assert text.splitlines() == [
        "submission,student,status,submitted_at,raw_points,days_late,penalty,final_points,points_possible,relu,lenet,"
        "speed_conv2d_forward,speed_conv2d_forward_uncertainty,speed_lenet_step,speed_lenet_step_uncertainty,overrides,notes",
        "s001,s001,graded,2026-12-03T20:00:00+01:00,82,2,16.4,65.6,100,4,78,,,,,relu: 2 -> 4 (regrade request: the tie case),",
        "s002,s002,graded,2026-12-01T12:00:00+01:00,80,0,0,90,100,4,76,,,,,total: 80 -> 90 (agreed after the hearing),",
        "s042,s042,graded,2026-12-03T20:00:00+01:00,94,0,0,94,100,4,90,,,,,,",
    ]


def write_results(folder, records):
    for item in records:
        path = folder / "submissions" / item["key"] / "record.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(item))
    write_manifest(folder, {"submissions": [{"key": r["key"], "name": r["submission"]} for r in records], "finished": True})
    return folder


def test_grade_json_records_the_overrides_and_survives_a_rerun(tmp_path):
    results = write_results(tmp_path / "RESULTS", RECORDS)
    overrides = parse_overrides(OVERRIDES, EXERCISES, ("cnn",))
    finalize(results, RECORDS, POLICY, overrides)
    grade = json.loads((results / "submissions" / "s001" / "grade.json").read_text())
    assert (grade["raw_points"], grade["penalty"], grade["final_points"]) == (82.0, 16.4, 65.6)
    assert grade["assignments"][0]["late"]["days_late"] == 2
    assert grade["assignments"][0]["overrides"][0]["reason"] == "regrade request: the tie case"
    # a regrade rewrites the record (here: lenet improved); the override is applied again
    regraded = [record("s001", "s001", "2026-12-03T20:00:00+01:00", 1.0, 88.0), *RECORDS[1:]]
    finalize(results, regraded, POLICY, overrides)
    grade = json.loads((results / "submissions" / "s001" / "grade.json").read_text())
    assert (grade["raw_points"], grade["penalty"], grade["final_points"]) == (92.0, 18.4, 73.6)
    assert grade["assignments"][0]["overrides"] == [{"exercise": "relu", "from": 1.0, "to": 4.0, "reason": "regrade request: the tie case"}]


# --- LMS exports ------------------------------------------------------------------------------------


def graded_students() -> dict[str, Graded]:
    overrides = parse_overrides(OVERRIDES, EXERCISES, ("cnn",))
    return {
        r["student"]: Graded(grade_of(r["student"], r["submitted_at"], {e["id"]: e["points"] for e in r["exercises"]}, POSSIBLE, POLICY, overrides))
        for r in RECORDS
    }


def test_canvas_without_and_with_a_roster():
    text, warnings = canvas_csv(graded_students(), {"cnn": "CNN lab (4711)"})
    assert text.splitlines() == [
        "Student,ID,SIS User ID,SIS Login ID,Section,CNN lab (4711)",
        "s001,,,s001,,65.6",
        "s002,,,s002,,90",
        "s042,,,s042,,94",
    ]
    roster = list(csv.DictReader(io.StringIO(
        "Student,ID,SIS User ID,SIS Login ID,Section,CNN lab (4711)\n"
        "    Points Possible,,,,,100\n"
        '"Lovelace, Ada",101,U-1,s002,CS-1,\n'
        '"Turing, Alan",102,U-2,alan,CS-1,\n'
        '"Hopper, Grace",103,s001,ghopper,CS-2,\n'
    )))
    text, warnings = canvas_csv(graded_students(), {"cnn": "CNN lab (4711)"}, roster)
    assert text.splitlines() == [
        "Student,ID,SIS User ID,SIS Login ID,Section,CNN lab (4711)",
        '"Lovelace, Ada",101,U-1,s002,CS-1,90',
        '"Turing, Alan",102,U-2,alan,CS-1,',
        '"Hopper, Grace",103,s001,ghopper,CS-2,65.6',
    ]
    assert warnings == ["s042: not in the roster, left out"]


def test_moodle_has_points_and_feedback_columns():
    text, _ = moodle_csv(graded_students(), {"cnn": "CNN lab"})
    assert text.splitlines() == [
        "First name,Last name,ID number,Email address,CNN lab (Real),CNN lab (Feedback)",
        ",,s001,,65.6,\"late: 1 d 20 h late (2 days): 20% off, -16.4 points; relu set to 4 by the instructor: regrade request: the tie case\"",
        ",,s002,,90,total set to 90 by the instructor: agreed after the hearing",
        ",,s042,,94,",
    ]


def test_generic_csv_one_row_per_student_and_assignment():
    rows = list(csv.DictReader(io.StringIO(generic_csv(graded_students()))))
    assert [(r["student"], r["days_late"], r["raw_points"], r["penalty"], r["final_points"], r["deadline"]) for r in rows] == [
        ("s001", "2", "82", "16.4", "65.6", "2026-12-01T23:59:00+01:00"),
        ("s002", "0", "80", "0", "90", "2026-12-01T23:59:00+01:00"),
        ("s042", "0", "94", "0", "94", "2026-12-03T23:59:00+01:00"),
    ]


def test_export_command_end_to_end(tmp_path, capsys):
    results = write_results(tmp_path / "RESULTS", RECORDS)
    config = tmp_path / "grading.toml"
    config.write_text(GRADING_TOML.read_text() + '\n[late]\ndeadline = 2026-12-01T23:59:00+01:00\ngrace_minutes = 15\n'
                      'penalty_per_day = 10\nmax_penalty = 50\n\n[late.extensions]\ns042 = 2\n\n[overrides]\nfile = "private/overrides.csv"\n')
    (tmp_path / "private").mkdir()
    # The repository's grading.toml has two assignments: a total override names the one it sets.
    (tmp_path / "private" / "overrides.csv").write_text(OVERRIDES.replace(",total,", ",cnn,") + "zed,relu,1,typo\n")
    out = tmp_path / "canvas.csv"
    assert cli.main(["export", str(results), "--format", "canvas", "--out", str(out), "--config", str(config), "--column", "CNN lab (4711)"]) == 0
    assert out.read_text().splitlines()[1:] == ["s001,,,s001,,65.6", "s002,,,s002,,90", "s042,,,s042,,94"]
    err = capsys.readouterr().err
    assert "convlab export: note: overrides line 4: no grade for 'zed'" in err
    assert "convlab export: 3 students (1 late, 2 with overrides); wrote" in err
    assert json.loads((results / "submissions" / "s002" / "grade.json").read_text())["final_points"] == 90.0
    bad = tmp_path / "bad.csv"
    bad.write_text("student,exercise,points,reason\ns001,relu,x,why\n")
    assert cli.main(["export", str(results), "--format", "csv", "--out", str(out), "--config", str(config), "--overrides", str(bad)]) == 1
    assert "bad.csv line 2: points must be a number of 0 or more, got 'x'" in capsys.readouterr().err


def test_repository_policy_has_the_graders_assignments():
    """One notion of assignment: grades/policy.py and the grader's config read the same `assignment` keys."""
    import tomllib

    policy = parse_policy(tomllib.loads(GRADING_TOML.read_text()))
    config = load_config()
    assert policy.assignment_names == config.assignment_ids == ("cnn", "classic_networks")
    assert policy.exercise_ids == config.exercise_ids
    for assignment in policy.assignments:
        assert assignment.exercise_ids == tuple(p.exercise_id for p in config.assignment_exercises(assignment.name))


def test_each_assignment_gets_its_own_total_and_penalty_and_an_ungraded_one_no_grade():
    import tomllib

    policy = parse_policy(tomllib.loads(GRADING_TOML.read_text() + '\n[late]\ndeadline = 2026-12-01T23:59:00+01:00\npenalty_per_day = 10\n'))
    config = load_config()
    possible = {p.exercise_id: p.points for p in config.exercises}
    points = {**possible, "lenet": 5.0, "dense_block": 8.0}
    grade = grade_of("s001", "2026-12-02T20:00:00+01:00", points, possible, policy)
    assert [(a.assignment, a.raw_points, a.penalty, a.final_points, a.points_possible) for a in grade.assignments] == [
        ("cnn", 90.0, 9.0, 81.0, 100.0), ("classic_networks", 90.0, 9.0, 81.0, 100.0),
    ]
    only_cnn = {e: v for e, v in possible.items() if e in policy.assignments[0].exercise_ids}
    alone = grade_of("s001", None, only_cnn, only_cnn, policy)
    assert [a.assignment for a in alone.assignments] == ["cnn"]  # a batch of parts 1 to 5 says nothing of part 6


def test_the_scoreboard_ranks_final_points(tmp_path):
    from autograder.scoreboard.collect import build_board

    results = write_results(tmp_path / "RESULTS", RECORDS)
    overrides = parse_overrides(OVERRIDES, EXERCISES, ("cnn",))
    raw = {row.student: row.points for row in build_board([results], "best").rows}
    assert raw == {"s001": 80.0, "s002": 80.0, "s042": 94.0}
    final = {row.student: (row.points, row.exercises["relu"]) for row in build_board([results], "best", POLICY, overrides).rows}
    assert final == {"s001": (65.6, 4.0), "s002": (90.0, 4.0), "s042": (94.0, 4.0)}


def test_the_commented_example_in_grading_toml_is_a_valid_policy(tmp_path):
    text = GRADING_TOML.read_text()
    block = text.split("# Late work and manual overrides")[1].splitlines()[2:]
    path = tmp_path / "grading.toml"
    path.write_text(text + "\n" + "\n".join(line[2:] for line in block if line.startswith("# ")) + "\n")
    config = load_config(path)  # validated like the rest of the file
    import tomllib

    policy = parse_policy(tomllib.loads(path.read_text()), tmp_path)
    assert (policy.late.deadline, policy.late.penalty_per_day, policy.late.max_penalty) == (DEADLINE, 10.0, 50.0)
    assert policy.late.deadline_for("s042") == DEADLINE + timedelta(days=2) and policy.overrides_file == tmp_path / "private/overrides.csv"
    assert config.assignment_points("cnn") == config.assignment_points("classic_networks") == 100


def test_convlab_autograde_gives_nbgrader_the_deadline_of_grading_toml(tmp_path, monkeypatch):
    import os
    import sys

    from nbgrader.api import Gradebook

    from autograder.notebooks.autograde import sync_duedate

    monkeypatch.setenv("PATH", os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))  # nbgrader runs alembic
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        gradebook.add_assignment("cnn")
    assert sync_duedate(tmp_path, "cnn", None) is None
    assert sync_duedate(tmp_path, "cnn", DEADLINE).startswith("set the due date of cnn in gradebook.db to grading.toml's deadline 2026-12-01T23:59:00+01:00")
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        assert gradebook.find_assignment("cnn").duedate == datetime(2026, 12, 1, 22, 59)  # naive UTC, as nbgrader stores it
    assert sync_duedate(tmp_path, "cnn", DEADLINE) is None
