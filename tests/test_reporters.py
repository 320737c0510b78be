"""The reporters: the terminal table, Gradescope's results.json, the scoreboard summary, atomic files.

Every reporter renders a SubmissionResult built here by hand, so these tests pin
the output exactly without running the grader.
"""
from __future__ import annotations

import json
import os
import re
import stat

import pytest

from autograder.report.atomic import write_json_atomic, write_text_atomic
from autograder.report.gradescope import gradescope_results
from autograder.report.overview import render_overview
from autograder.report.summary import SUMMARY_FORMAT, summary
from autograder.messages import catalog
from autograder.report.cjk import wrapping
from autograder.report.console import render
from autograder.report.table import render_table
from autograder.report.text import format_points
from rich.cells import cell_len
from autograder.results import CaseResult, CheckResult, ExerciseResult, SubmissionResult

HIDDEN_SEED = 987654321
HIDDEN_MESSAGE = "delta_out differs; the values match assigning instead of adding."
VISIBLE_MESSAGE = "delta_out differs at [0, 0, 1, 1]: expected 3.5, got 2. Overlapping windows must add their gradients."
ENVIRONMENT = {"device": "cpu", "torch": "2.13.0", "numpy": "2.4.6", "python": "3.11.7"}


def pooling_result(seed: int = 2021, seed_kind: str = "public") -> SubmissionResult:
    """One exercise: a passing check, and a check with 1 of 3 cases passed (one failure hidden)."""
    return SubmissionResult(
        submission="bob",
        seed=seed,
        seed_kind=seed_kind,
        exercises=[
            ExerciseResult(
                "pooling",
                "Max and mean pooling",
                checks=[
                    CheckResult("lecture", "lecture examples", 2.0, [CaseResult("lecture example 1", True, "fine")]),
                    CheckResult(
                        "overlap",
                        "overlapping windows",
                        6.0,
                        [
                            CaseResult("random case 1", True),
                            CaseResult("random case 2", False, VISIBLE_MESSAGE, "assign_instead_of_add"),
                            CaseResult("hidden case 1", False, HIDDEN_MESSAGE, "assign_instead_of_add", hidden=True),
                        ],
                    ),
                ],
            )
        ],
        environment=ENVIRONMENT,
        timings={"total": 1.5, "oracle": 0.25},
        grader_version="0.1.0",
    )


def two_exercise_result(seed: int = HIDDEN_SEED, seed_kind: str = "hidden") -> SubmissionResult:
    """pooling_result plus an exercise that could not run at all."""
    result = pooling_result(seed, seed_kind)
    result.exercises.append(
        ExerciseResult(
            "conv_forward",
            "Forward pass of a convolution layer",
            error="timed out after 20 s in conv2d_forward",
            checks=[CheckResult("random", "random shapes", 4.0, [CaseResult("hidden case 1", False, "timed out", hidden=True)])],
        )
    )
    return result


def two_assignment_result() -> SubmissionResult:
    """pooling_result (assignment cnn) plus a residual block of the part 6 assignment."""
    result = pooling_result()
    result.exercises.append(
        ExerciseResult(
            "residual_block",
            "ResNet's residual block, forward and backward",
            checks=[
                CheckResult("forward", "forward with the identity shortcut", 3.0, [CaseResult("hidden case 1", True, hidden=True)]),
                CheckResult("gradcheck", "agrees with the slope", 5.0, [CaseResult("hidden case 1", False, "slope", hidden=True)]),
            ],
            assignment="classic_networks",
        )
    )
    return result


# --- terminal table -------------------------------------------------------------------------------

EXPECTED_TABLE = """\
convlab · bob
════════════════════════════════════════════════════════════════════════
PART   pooling  Max and mean pooling                               4 / 8
         PASS   lecture examples                                   2 / 2
         PART   overlapping windows · 2 of 3 cases failed          2 / 6
           random case 2 · likely mistake: assign_instead_of_add
             delta_out differs at [0, 0, 1, 1]: expected 3.5, got 2.
             Overlapping windows must add their gradients.
           hidden case 1 (hidden)
             likely mistake: assign_instead_of_add
             delta_out differs; the values match assigning instead of
             adding.
────────────────────────────────────────────────────────────────────────
Total                                                              4 / 8
seed 2021 (public) · device cpu · torch 2.13.0 · numpy 2.4.6
python 3.11.7
time 1.50 s (oracle 0.25 s)
grader 0.1.0"""


def not_implemented(lang: str = "en") -> str:
    """The message the grader gives a case whose call raised NotImplementedError."""
    return catalog(lang).text("call.not_implemented") + catalog(lang).text("diagnosis.end")


def unfinished_result() -> SubmissionResult:
    """pooling_result, then two exercises whose every call raised NotImplementedError."""
    result = pooling_result()
    for exercise_id, title in (("max_pool", "Max pooling, forward and backward"), ("lenet", "LeNet forward and backward")):
        checks = [
            CheckResult(check, check, 2.0, [CaseResult(f"{check} case {i}", False, not_implemented(), hidden=i > 1) for i in (1, 2, 3)])
            for check in ("forward", "backward")
        ]
        result.exercises.append(ExerciseResult(exercise_id, title, checks))
    return result


def test_table_shows_partial_credit_failed_cases_and_footer():
    assert render_table(pooling_result(), width=72) == EXPECTED_TABLE


EXPECTED_TWO_ASSIGNMENTS = """\
convlab · bob
════════════════════════════════════════════════════════════════════════
cnn · Parts 1 to 5: convolution, pooling and LeNet
PART   pooling  Max and mean pooling                               4 / 8
         PASS   lecture examples                                   2 / 2
         PART   overlapping windows · 2 of 3 cases failed          2 / 6
           random case 2 · likely mistake: assign_instead_of_add
             delta_out differs at [0, 0, 1, 1]: expected 3.5, got 2.
             Overlapping windows must add their gradients.
           hidden case 1 (hidden)
             likely mistake: assign_instead_of_add
             delta_out differs; the values match assigning instead of
             adding.
────────────────────────────────────────────────────────────────────────
Total  cnn                                                         4 / 8

classic_networks · Part 6: the classic networks after LeNet
PART   residual_block  ResNet's residual block, forward and        3 / 8
       backward
         PASS   forward with the identity shortcut                 3 / 3
         FAIL   agrees with the slope · 1 of 1 cases failed        0 / 5
           hidden case 1 (hidden)
             slope
────────────────────────────────────────────────────────────────────────
Total  classic_networks                                            3 / 8
seed 2021 (public) · device cpu · torch 2.13.0 · numpy 2.4.6
python 3.11.7
time 1.50 s (oracle 0.25 s)
grader 0.1.0"""


def test_each_assignment_has_its_heading_and_its_own_total():
    assert render_table(two_assignment_result(), width=72) == EXPECTED_TWO_ASSIGNMENTS
    chinese = render_table(two_assignment_result(), width=72, lang="zh").splitlines()
    assert "classic_networks · 第 6 部分：LeNet 之后的经典网络" in chinese
    assert [line.split() for line in chinese if line.startswith("总分")] == [["总分", "cnn", "4", "/", "8"], ["总分", "classic_networks", "3", "/", "8"]]


def test_one_assignment_keeps_a_single_total_line():
    table = render_table(pooling_result(), width=72)
    assert "Total · " not in table and "cnn" not in table


def test_a_passed_exercise_and_a_passing_check_take_one_line_and_hide_their_messages():
    result = pooling_result()
    table = render_table(result, width=80)
    assert [line for line in table.splitlines() if "lecture examples" in line] == ["         PASS   lecture examples" + " " * 43 + "2 / 2"]
    assert "fine" not in table
    result.exercises[0].checks[1].cases = [CaseResult("random case 1", True)]
    lines = render_table(result, width=80).splitlines()
    assert lines[2] == "PASS   pooling  Max and mean pooling" + " " * 39 + "8 / 8"
    assert lines[3].startswith("────")


def test_an_exercise_not_started_takes_one_line_naming_what_to_write_and_where():
    lines = render_table(unfinished_result(), width=88).splitlines()
    assert lines[10:12] == [
        "TODO   max_pool  write max_pool_forward, max_pool_backward in pooling.py           0 / 4",
        "TODO   lenet  write LeNet.forward, LeNet.backward in lenet.py                      0 / 4",
    ]
    assert lines[12].startswith("────")
    assert not any("case" in line for line in lines[10:])
    zh = render_table(unfinished_result(), width=88, lang="zh").splitlines()
    assert zh[10] == "待完成    max_pool  请在 pooling.py 中编写 max_pool_forward、max_pool_backward     0 / 4"


def test_a_check_not_started_takes_one_line_inside_a_started_exercise():
    result = unfinished_result()
    forward, backward = result.exercises[1].checks
    forward.cases[0] = CaseResult("forward case 1", True)
    lines = render_table(result, width=88).splitlines()
    start = lines.index(next(line for line in lines if line.startswith("PART   max_pool")))
    assert lines[start + 1] == "         PART   forward · 2 of 3 cases failed" + " " * 35 + "0.67 / 2"
    assert lines[start + 6] == "         TODO   backward · not implemented yet" + " " * 37 + "0 / 2"
    assert lines[start + 7].startswith("TODO   lenet")


def test_another_failure_is_never_taken_for_not_started():
    result = unfinished_result()
    result.exercises[1].checks[0].cases[2] = CaseResult("forward case 3", False, "raised ValueError: no", hidden=True)
    table = render_table(result, width=88)
    assert "TODO   max_pool" not in table and "FAIL   max_pool" in table
    assert "raised ValueError: no" in table


@pytest.mark.parametrize("width", [60, 80, 100])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_line_fits_the_terminal(width, lang):
    result = two_exercise_result()
    result.exercises += unfinished_result().exercises[1:]
    result.exercises[0].checks[1].cases[1].message = "最大值池化的反向传播：重叠窗口的梯度必须相加，而不是覆盖。" * 4
    table = render_table(result, width=width, lang=lang)
    assert max(cell_len(line) for line in table.splitlines()) <= width
    assert "最大值池化的反向传播：重叠窗口的梯度必须相加，而不是覆盖。" * 4 in "".join(line.strip() for line in table.splitlines())


def test_hidden_seed_is_never_printed_and_public_seed_is():
    hidden = render_table(two_exercise_result(HIDDEN_SEED, "hidden"), width=100)
    assert str(HIDDEN_SEED) not in hidden
    assert "seed hidden" in hidden
    assert "seed 2021 (public)" in render_table(pooling_result(2021, "public"), width=100)


def test_exercise_error_is_shown_under_its_exercise():
    lines = render_table(two_exercise_result(), width=88).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ERROR  conv_forward"))
    assert lines[start].endswith("0 / 4")
    assert lines[start + 1] == "         ERROR  could not run: timed out after 20 s in conv2d_forward"
    assert lines[start + 2].startswith("         FAIL   random shapes · 1 of 1 cases failed")


def test_no_colour_unless_asked_and_status_coloured_when_asked():
    plain = render_table(pooling_result(), width=80)
    coloured = render_table(pooling_result(), width=80, color=True)
    assert "\033[" not in plain
    assert "\033[32mPASS" in coloured and "\033[33mPART" in coloured


def test_many_failed_cases_are_counted_not_listed():
    result = pooling_result()
    result.exercises[0].checks[1].cases = [CaseResult(f"random case {i}", False, f"wrong {i}") for i in range(1, 6)]
    table = render_table(result, width=80)
    assert "random case 3" in table and "random case 4" not in table
    assert "           … and 2 more failed cases" in table.splitlines()
    compact = render_table(result, width=80, compact=True)
    assert "random case 2" not in compact and "… and 4 more failed cases" in compact


def test_compact_table_leaves_out_passing_checks_and_cuts_messages():
    result = pooling_result()
    result.exercises[0].checks[1].cases[1].message = "word " * 100
    compact = render_table(result, width=80, compact=True)
    assert "lecture examples" not in compact
    assert "pooling  Max and mean pooling" in compact and "overlapping windows" in compact
    assert "           … and 1 more failed case" in compact.splitlines()
    message = [line for line in compact.splitlines() if line.startswith("             word")]
    assert len(message) == 2 and message[1].endswith("…")


def test_compact_footer_keeps_only_the_timing():
    compact = render_table(pooling_result(), width=80, compact=True).splitlines()
    assert compact[-1] == "time 1.50 s (oracle 0.25 s)"
    assert not any("torch" in line for line in compact)


def test_a_long_check_title_wraps_under_itself():
    result = pooling_result()
    result.exercises[0].checks[1].title = "backward: overlapping windows, uncovered rows and a slope check"
    lines = render_table(result, width=72).splitlines()
    start = next(i for i, line in enumerate(lines) if "backward:" in line)
    assert lines[start : start + 2] == [
        "         PART   backward: overlapping windows, uncovered rows and  2 / 6",
        "                a slope check · 2 of 3 cases failed",
    ]


def test_a_long_case_name_puts_the_likely_mistake_on_its_own_line():
    result = pooling_result()
    result.exercises[0].checks[1].cases[2].name = "hidden case 1: x (2, 1, 7, 6), F=3, S=2"
    lines = render_table(result, width=72).splitlines()
    start = lines.index("           hidden case 1: x (2, 1, 7, 6), F=3, S=2 (hidden)")
    assert lines[start + 1] == "             likely mistake: assign_instead_of_add"
    assert lines[start + 2].startswith("             delta_out differs;")


def test_footer_sums_up_a_detailed_isolation_record():
    result = pooling_result()
    result.environment = {**ENVIRONMENT, "isolation": {"namespaces": ["pid", "net"], "rlimits": {"RLIMIT_AS": 1}}}
    assert "isolation: namespaces, rlimits" in render_table(result, width=100)
    result.environment["isolation"]["summary"] = "own namespaces, rlimits, no network"
    table = render_table(result, width=100)
    assert "isolation: own namespaces, rlimits, no network" in table and "RLIMIT_AS" not in table


def test_chinese_throughout():
    result = unfinished_result()
    result.exercises += two_exercise_result().exercises[1:]
    result.environment = {**ENVIRONMENT, "isolation": {"namespaces": ["pid"], "rlimits": {"RLIMIT_AS": 1}, "uid": "x"}}
    result.timings = {"total": 3.5, "process_start": 1.0, "oracle": 0.5, "student_calls": 1.0, "gradient_checks": 0.2}
    table = render_table(result, width=100, lang="zh")
    for word in ("总分", "种子 2021（公开）", "hidden case 1 （隐藏）", "部分通过", "通过", "待完成", "出错", "未通过",
                 "隔离：命名空间、资源限制、用户 ID", "用时 3.50 s (启动进程 1.00 s · 标准答案计算 0.50 s · 调用你的代码 1.00 s · 梯度检查 0.20 s)"):
        assert word in table, word
    # Only what the result itself holds (ids, titles, messages, library names) stays in English.
    english = ["PASS", "PART", "FAIL", "ERROR", "TODO", "Total", "seed", "isolation", "time", "oracle", "process", "grader", "device", "write"]
    assert not [word for word in english if re.search(rf"\b{word}\b", table)]


def test_chinese_wraps_between_characters_and_keeps_closing_punctuation():
    sentence = "重叠窗口的梯度必须相加，而不是覆盖。" * 3
    lines = render([wrapping(sentence)], width=20).splitlines()
    assert all(cell_len(line) <= 20 for line in lines)
    assert "".join(lines) == sentence
    assert [cell_len(line) for line in lines[:-1]] == [20, 20, 20, 20, 20]  # no line is cut short
    assert not any(line.startswith(("，", "。")) for line in lines)
    assert render([wrapping("one two three")], width=9).splitlines() == ["one two", "three"]
    assert render([wrapping("隐藏用例 1：未通过。assign_instead_of_add")], width=20).splitlines() == [
        "隐藏用例 1：未通过。", "assign_instead_of_ad", "d",
    ]


def test_points_drop_useless_zeros():
    assert [format_points(p) for p in (5.0, 12.5, 10 / 3, 0.0)] == ["5", "12.5", "3.33", "0"]


def test_overview_has_one_row_per_submission():
    second = pooling_result()
    second.submission = "samples/no_rot180"
    table = render_overview([pooling_result(), second], width=88)
    assert table.splitlines() == [
        "submission         Total  pooling",
        "─" * 33,
        "max                    8        8",
        "bob                    4        4",
        "samples/no_rot180      4        4",
    ]


def test_overview_adds_a_total_per_assignment_when_there_are_several():
    table = render_overview([two_assignment_result(), pooling_result()], width=100)
    assert table.splitlines() == [
        "submission  Total  cnn  classic_networks  pooling  residual_block",
        "─" * 65,
        "max            16    8                 8        8               8",
        "bob             7    4                 3        4               3",
        "bob             4    4                 -        4               -",
    ]


def test_overview_splits_headings_and_deals_columns_into_blocks_when_too_wide():
    ids = ["conv1d_full", "conv_output_size", "pad2d", "conv2d_forward", "conv2d_backward", "max_pool", "lenet"]
    result = SubmissionResult("reference", 2021, "public", [ExerciseResult(i, i, [CheckResult("c", "c", 2.5, [CaseResult("x", True)])]) for i in ids])
    wide = render_overview([result], width=120).splitlines()
    assert wide[0].split() == ["submission", "Total", *ids]
    narrow = render_overview([result], width=60)
    assert narrow == """\
                             conv
                   conv1d  output          conv2d    conv2d
submission  Total    full    size  pad2d  forward  backward
───────────────────────────────────────────────────────────
max          17.5     2.5     2.5    2.5      2.5       2.5
reference    17.5     2.5     2.5    2.5      2.5       2.5

             max
submission  pool  lenet
───────────────────────
max          2.5    2.5
reference    2.5    2.5"""
    assert max(cell_len(line) for line in narrow.splitlines()) <= 60


# --- Gradescope results.json ----------------------------------------------------------------------


def test_gradescope_scores_add_up_to_the_total():
    doc = gradescope_results(two_exercise_result())
    assert doc["score"] == 4.0 and doc["extra_data"] == {"max_score": 12.0} and "max_score" not in doc
    assert sum(t["score"] for t in doc["tests"]) == pytest.approx(doc["score"])
    assert sum(t["max_score"] for t in doc["tests"]) == pytest.approx(doc["extra_data"]["max_score"])
    assert doc["execution_time"] == 1.5
    assert doc["stdout_visibility"] == "hidden"
    json.dumps(doc, allow_nan=False)


def test_gradescope_lists_each_assignments_total_and_scores_their_sum():
    doc = gradescope_results(two_assignment_result())
    assert (doc["score"], sum(test["max_score"] for test in doc["tests"])) == (7.0, 16.0)
    assert doc["output"].splitlines()[:2] == [
        "Total · cnn (Parts 1 to 5: convolution, pooling and LeNet): 4 / 8",
        "Total · classic_networks (Part 6: the classic networks after LeNet): 3 / 8",
    ]
    assert gradescope_results(pooling_result())["output"].splitlines()[0] == "Total: 4 / 8"


def test_summary_totals_each_assignment():
    data = summary(two_assignment_result())
    assert data["assignments"] == {"cnn": {"points": 4.0, "points_possible": 8.0}, "classic_networks": {"points": 3.0, "points_possible": 8.0}}
    assert data["exercises"]["residual_block"]["assignment"] == "classic_networks"
    assert (data["points"], data["points_possible"]) == (7.0, 16.0)
    assert two_assignment_result().to_dict()["assignments"] == [
        {"assignment": "cnn", "points": 4.0, "points_possible": 8.0},
        {"assignment": "classic_networks", "points": 3.0, "points_possible": 8.0},
    ]


def test_grades_csv_adds_each_assignments_totals_when_there_are_several():
    import csv
    import io

    from autograder.batch.export import grades_csv

    def record(name, result):
        exercises = [{"id": e.exercise_id, "points": e.points, "points_possible": e.points_possible, "assignment": e.assignment} for e in result.exercises]
        return {"submission": name, "student": name, "status": "graded", "points": result.points, "points_possible": result.points_possible, "exercises": exercises}

    older = record("carol", pooling_result())
    for exercise in older["exercises"]:
        del exercise["assignment"]  # a record written before assignments existed: the default one
    rows = list(csv.DictReader(io.StringIO(grades_csv([record("bob", two_assignment_result()), older]))))
    per_assignment = [f"{column}_{name}" for name in ("cnn", "classic_networks") for column in ("raw_points", "penalty", "final_points", "points_possible")]
    assert list(rows[0])[:17] == ["submission", "student", "status", "submitted_at", "raw_points", "days_late", "penalty",
                                  "final_points", "points_possible", *per_assignment]
    assert [[r[column] for column in per_assignment] for r in rows] == [["4", "", "4", "8", "3", "", "3", "8"], ["4", "", "4", "8", "", "", "", ""]]
    single = list(csv.DictReader(io.StringIO(grades_csv([older]))))
    assert not any(column.endswith("_cnn") for column in single[0])


def test_gradescope_has_one_test_per_check_plus_hidden_details():
    doc = gradescope_results(two_exercise_result())
    assert [(t["name"], t["score"], t["max_score"], t["visibility"]) for t in doc["tests"]] == [
        ("pooling: lecture examples", 2.0, 2.0, "visible"),
        ("pooling: overlapping windows", 2.0, 6.0, "visible"),
        ("pooling: overlapping windows · hidden cases", 0.0, 0.0, "after_published"),
        ("conv_forward: random shapes", 0.0, 4.0, "visible"),
        ("conv_forward: random shapes · hidden cases", 0.0, 0.0, "after_published"),
    ]
    for test in doc["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility", "status"}


def test_gradescope_keeps_hidden_case_details_until_published():
    doc = gradescope_results(two_exercise_result())
    overlap, details = doc["tests"][1], doc["tests"][2]
    assert VISIBLE_MESSAGE in overlap["output"]
    assert "1 of 1 hidden cases failed" in overlap["output"]
    assert HIDDEN_MESSAGE in details["output"] and "hidden case 1" in details["output"]
    for test in doc["tests"]:
        if test["visibility"] != "after_published":
            assert HIDDEN_MESSAGE not in test["output"]
            assert "hidden case 1" not in test["output"]
    assert HIDDEN_MESSAGE not in doc["output"]


def test_gradescope_never_holds_a_hidden_seed():
    hidden = json.dumps(gradescope_results(two_exercise_result(HIDDEN_SEED, "hidden")))
    assert str(HIDDEN_SEED) not in hidden and "seed hidden" in hidden
    public = gradescope_results(pooling_result(2021, "public"))
    assert "seed 2021 (public)" in public["output"]


def test_gradescope_reports_an_exercise_that_could_not_run():
    doc = gradescope_results(two_exercise_result())
    assert doc["tests"][3]["output"].startswith("could not run: timed out after 20 s")
    result = two_exercise_result()
    result.exercises[1].checks = []
    lone = gradescope_results(result)["tests"][-1]
    assert (lone["name"], lone["score"], lone["max_score"], lone["visibility"]) == (
        "conv_forward: Forward pass of a convolution layer", 0.0, 0.0, "visible")


# --- scoreboard summary ---------------------------------------------------------------------------


def test_summary_for_the_scoreboard():
    assert summary(two_exercise_result()) == {
        "format": SUMMARY_FORMAT,
        "submission": "bob",
        "points": 4.0,
        "points_possible": 12.0,
        "exercises": {
            "pooling": {"points": 4.0, "points_possible": 8.0, "ran": True, "assignment": "cnn"},
            "conv_forward": {"points": 0.0, "points_possible": 4.0, "ran": False, "assignment": "cnn"},
        },
        "assignments": {"cnn": {"points": 4.0, "points_possible": 12.0}},
        "seed_kind": "hidden",
        "environment": ENVIRONMENT,
        "timings": {"total": 1.5, "oracle": 0.25},
        "grader_version": "0.1.0",
    }


def test_summary_shows_only_a_public_seed():
    assert summary(pooling_result(2021, "public"))["seed"] == 2021
    assert str(HIDDEN_SEED) not in json.dumps(summary(two_exercise_result(HIDDEN_SEED, "hidden")))


# --- atomic writes --------------------------------------------------------------------------------


def test_atomic_write_creates_folders_and_replaces(tmp_path):
    target = tmp_path / "out" / "results.json"
    write_json_atomic(target, {"score": 1})
    write_json_atomic(target, {"score": 2})
    assert json.loads(target.read_text()) == {"score": 2}
    assert os.listdir(target.parent) == ["results.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_atomic_write_keeps_an_existing_files_mode(tmp_path):
    target = tmp_path / "summary.json"
    target.write_text("{}")
    target.chmod(0o600)
    write_json_atomic(target, {"points": 3})
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_failure_mid_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    target.write_text('{"score": "old"}')

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_text_atomic(target, '{"score": "new", "tests": [')
    assert target.read_text() == '{"score": "old"}'
    assert os.listdir(tmp_path) == ["results.json"]


def test_unserializable_data_leaves_the_old_file_intact(tmp_path):
    target = tmp_path / "summary.json"
    target.write_text('{"points": 1}')
    with pytest.raises(ValueError):
        write_json_atomic(target, {"points": float("nan")})
    assert target.read_text() == '{"points": 1}'
    assert os.listdir(tmp_path) == ["summary.json"]
