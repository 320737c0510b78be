"""`convlab scoreboard`: the static site, its privacy rules, and the page in a real browser.

The RESULTS folders here are written by the batch's own storage code
(batch.run.store_outcome) from result-model objects, so the scoreboard reads
exactly what `convlab batch` writes, without grading anything. The browser test
opens the page from disk in headless Chromium, sorts it by clicking, measures the
histograms and saves a screenshot (also to $CONVLAB_ARTIFACTS when set).
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.batch.discover import FOLDER, Submission
from autograder.batch.intake import Intake
from autograder.batch.run import store_outcome
from autograder.batch.store import RunFingerprint, write_manifest
from autograder.batch.worker import GradeOutcome
from autograder.paths import REPO_ROOT
from autograder.results import CaseResult, CheckResult, ExerciseResult, SubmissionResult
from autograder.scoreboard.collect import Row, rank_rows
from autograder.scoreboard.histogram import bin_counts
from autograder.scoreboard.pseudonyms import PseudonymMap, acceptable_choice, assign
from autograder.scoreboard.settings import ScoreboardSettings, SettingsError, load_settings, validate

CHROMIUM = os.environ.get("CONVLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
EXERCISES = (("conv2d_forward", "Convolution forward", 14.0), ("conv2d_backward", "Convolution backward", 18.0), ("lenet", "LeNet-5", 15.0))
RUN = RunFingerprint("scrypt:" + "ab" * 32, "hidden", "0.1.0", "sha256:" + "cd" * 32, "en")
DRIVER = (
    "import sys\n"
    "from autograder import cli\n"
    "cli.SUBCOMMANDS.setdefault('scoreboard', ('autograder.commands.scoreboard', 'scoreboard', 'build the static scoreboard site'))\n"
    "sys.exit(cli.main(sys.argv[1:]))\n"
)


def result_for(student: str, fractions: tuple[float, ...], speed: dict | None) -> SubmissionResult:
    """A result whose exercises pass the given fraction of 20 cases each."""
    exercises = []
    for (exercise_id, title, points), fraction in zip(EXERCISES, fractions, strict=True):
        passed = round(20 * fraction)
        cases = [CaseResult(f"case {i}", i < passed) for i in range(20)]
        exercises.append(ExerciseResult(exercise_id, title, [CheckResult("all", "all cases", points, cases)]))
    result = SubmissionResult(submission=student, seed=424242, seed_kind="hidden", exercises=exercises, grader_version="0.1.0")
    result.timings = {"total": 3.0}
    result.speed = speed or {}  # what `convlab batch --speed` measures: never published
    return result


def write_results(folder: Path, students: list[tuple]) -> Path:
    """RESULTS as `convlab batch` writes it: (student, fractions, speed, pseudonym.txt, submitted_at) each."""
    entries = []
    for index, (student, fractions, speed, choice, submitted_at) in enumerate(students):
        key = f"{student}-{index}"
        submission = Submission(student, key, folder / key, FOLDER, student, submitted_at)
        intake = Intake(files={"warmup.py": b""}, pseudonym_choice=choice)
        outcome = GradeOutcome(key, result=result_for(student, fractions, speed), seconds=1.0)
        assert store_outcome(folder, submission, intake, intake.fingerprint, RUN, outcome, "en") == "graded"
        entries.append({"key": key, "name": student})
    write_manifest(folder, {**RUN.as_dict(), "shard": None, "discovered": len(entries), "submissions": entries, "finished": True})
    return folder


def _speed(conv: float, lenet: float) -> dict:
    return {"conv2d_forward": {"ratio": conv, "uncertainty": 0.031, "rounds": 9}, "lenet_step": {"ratio": lenet, "uncertainty": 0.047, "rounds": 9}}


COURSE = [
    ("s1001-alice", (1.0, 1.0, 1.0), _speed(0.8137, 1.1), "Neural Ninja", "2024-03-01T10:00:00+00:00"),
    ("s1002-bob", (1.0, 0.5, 0.0), _speed(2.5, 4.0), None, "2024-03-01T11:00:00+00:00"),
    ("s1003-carol", (0.5, 0.5, 0.5), None, "opt-out", "2024-03-01T12:00:00+00:00"),
    ("s1004-dave", (0.25, 0.0, 0.0), _speed(1.6, 1.6), "s1001-alice", "2024-03-01T12:30:00+00:00"),
    ("s1005-erin", (1.0, 1.0, 0.5), _speed(1.0, 1.2), "Kernel Queen", "2024-03-01T13:00:00+00:00"),
    ("s1006-frank", (1.0, 1.0, 0.5), None, "Kernel Queen", "2024-03-01T13:30:00+00:00"),
    ("s1007-grace", (0.75, 0.25, 0.0), _speed(3.2, 2.9), "=cmd|calc", "2024-03-01T14:00:00+00:00"),
    ("s1008-heidi", (0.0, 0.0, 0.0), None, None, "2024-03-01T15:00:00+00:00"),
    ("s1002-bob", (1.0, 0.75, 0.25), _speed(2.0, 3.0), "Backprop Bob", "2024-03-02T09:00:00+00:00"),
    ("s1001-alice", (0.5, 0.5, 0.5), None, "Neural Ninja", "2024-03-02T10:00:00+00:00"),
]
STUDENT_IDS = sorted({student for student, *_ in COURSE})


def run_scoreboard(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", DRIVER, "scoreboard", *map(str, args)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def site_rows(site: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO((site / "scoreboard.csv").read_text(encoding="utf-8"))))


@pytest.fixture
def results(tmp_path):
    return write_results(tmp_path / "RESULTS", COURSE)


@pytest.fixture
def built(results, tmp_path):
    site, private = tmp_path / "site", tmp_path / "private" / "pseudonyms.json"
    process = run_scoreboard(results, "--out", site, "--pseudonyms", private, "--title", "CNN lab <2024>")
    assert process.returncode == 0, process.stderr
    return site, private, process


# --- settings, names, ranks, histograms -----------------------------------------------------------


def test_settings_defaults_and_validation(tmp_path):
    assert load_settings(tmp_path / "missing.toml") == ScoreboardSettings()
    toml = tmp_path / "grading.toml"
    toml.write_text('[grader]\npublic_seed = 1\n\n[scoreboard]\npick = "latest"\nhistogram_bins = 5\n')
    assert load_settings(toml) == ScoreboardSettings(pick="latest", histogram_bins=5)
    for table, message in [({"pick": "worst"}, "pick: 'best' or 'latest', got 'worst'"), ({"histogram_bins": 1}, "histogram_bins: a whole number from 2 to 50"), ({"colour": "red"}, "unknown key 'colour'"), ({"show_speed": True}, "unknown key 'show_speed'")]:
        with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
            validate(table)


def test_chosen_names():
    ids = {"s1001-alice", "s1002-bob"}
    assert acceptable_choice("  Neural   Ninja ", ids) == "Neural Ninja"
    assert acceptable_choice("Zoë_3", ids) == "Zoë_3"
    for refused in ("S1001-ALICE", "=cmd|calc", "<script>", "x", "a" * 25, "opt-out", "-dash first", "", None):
        assert acceptable_choice(refused, ids) is None, refused


def test_assign_names_opt_outs_and_clashes(tmp_path):
    mapping = PseudonymMap.load(tmp_path / "map.json")
    choices = {"a": "Neural Ninja", "b": None, "c": "opt-out", "d": "Same Name", "e": "same name", "f": "b"}
    shown, opted_out, refused = assign(choices, mapping)
    assert opted_out == {"c"} and refused == 3
    assert shown["a"] == "Neural Ninja"
    generated = {s: shown[s] for s in "bdef"}
    assert all(name == mapping.pseudonyms[s] for s, name in generated.items())
    assert len(set(shown.values())) == len(shown)
    mapping.save()
    assert stat.S_IMODE((tmp_path / "map.json").stat().st_mode) == 0o600
    again = PseudonymMap.load(tmp_path / "map.json")
    assert assign(choices, again)[0] == shown and not again.changed
    again.opt_out.add("a")
    assert "a" not in assign(choices, again)[0]


def test_a_chosen_name_cannot_take_another_students_random_name(tmp_path):
    mapping = PseudonymMap.load(tmp_path / "map.json")
    first, _, _ = assign({"a": None}, mapping)
    shown, _, refused = assign({"a": None, "b": first["a"]}, mapping)
    assert shown["a"] == first["a"] and shown["b"] != first["a"] and refused == 1


def test_ranks_share_ties():
    rows = [Row(s, p, 10, {}, pseudonym=s) for s, p in [("c", 5), ("a", 9), ("b", 9), ("d", 1)]]
    assert [(r.pseudonym, r.rank) for r in rank_rows(rows)] == [("a", 1), ("b", 1), ("c", 3), ("d", 4)]


def test_histogram_bins():
    assert bin_counts([0.0, 0.05, 0.1, 0.5, 0.99, 1.0, 1.0], 10) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 3]
    assert bin_counts([], 4) == [0, 0, 0, 0]


# --- the site ------------------------------------------------------------------------------------------------


def test_site_holds_one_row_per_student_best_submission(built):
    site, private, process = built
    assert sorted(p.name for p in site.iterdir()) == [".nojekyll", "index.html", "scoreboard.css", "scoreboard.csv", "scoreboard.js", "scoreboard.json"]
    rows = site_rows(site)
    mapping = json.loads(private.read_text())["pseudonyms"]
    by_name = {row["pseudonym"]: row for row in rows}
    assert len(rows) == 7  # eight students, carol opted out
    assert by_name["Neural Ninja"]["points"] == "47"  # her best submission, not her latest
    assert by_name["Backprop Bob"]["points"] == "31.25"  # bob's best is his latest, and his latest name counts
    assert by_name[mapping["s1004-dave"]]["points"] == "3.5"  # dave may not call himself alice
    assert "Kernel Queen" not in by_name  # erin and frank both chose it
    assert {mapping["s1005-erin"], mapping["s1006-frank"]} <= set(by_name)
    assert by_name[mapping["s1007-grace"]]["conv2d_backward"] == "4.5"
    assert [row["rank"] for row in rows] == ["1", "2", "2", "4", "5", "6", "7"]
    assert [float(row["points"]) for row in rows] == sorted((float(row["points"]) for row in rows), reverse=True)
    assert set(mapping) == {"s1004-dave", "s1005-erin", "s1006-frank", "s1007-grace", "s1008-heidi"}
    assert "7 students shown, 1 opted out, 4 chosen names not accepted, 5 new pseudonyms" in process.stderr


def test_site_never_shows_who_is_who(built, results):
    site, private, _ = built
    published = "".join(p.read_text(encoding="utf-8") for p in site.iterdir())
    keys = [json.loads(p.read_text())["key"] for p in results.glob("submissions/*/record.json")]
    for secret in [*STUDENT_IDS, *keys, "scrypt", "424242", "Kernel Queen", "=cmd"]:
        assert secret not in published, secret
    # Speed is too noisy to publish next to names: it stays in the instructors' grades.csv.
    assert "speed" not in published.lower() and "0.8137" not in published
    assert json.loads((results / "submissions" / "s1001-alice-0" / "record.json").read_text())["speed"]["conv2d_forward"]["ratio"] == 0.8137
    assert "CNN lab &lt;2024&gt;" in (site / "index.html").read_text()
    assert not private.resolve().is_relative_to(site.resolve())


def test_pseudonyms_stay_the_same_from_run_to_run(built, results, tmp_path):
    site, private, _ = built
    first = site_rows(site)
    again = run_scoreboard(results, "--out", tmp_path / "site2", "--pseudonyms", private)
    assert again.returncode == 0 and "0 new pseudonyms" in again.stderr
    assert [r["pseudonym"] for r in site_rows(tmp_path / "site2")] == [r["pseudonym"] for r in first]


def test_latest_pick_and_json(results, tmp_path):
    process = run_scoreboard(results, "--out", tmp_path / "site", "--pseudonyms", tmp_path / "map.json", "--pick", "latest")
    assert process.returncode == 0, process.stderr
    data = json.loads((tmp_path / "site" / "scoreboard.json").read_text())
    assert data["format"] == "convlab-scoreboard/1" and data["pick"] == "latest"
    assert [e["id"] for e in data["exercises"]] == [e[0] for e in EXERCISES]
    alice = next(r for r in data["rows"] if r["pseudonym"] == "Neural Ninja")
    assert alice["points"] == 23.5 and "speed" not in alice
    assert data["histograms"]["bins"] == 10 and sum(data["histograms"]["counts"]["total"]) == len(data["rows"]) == 7


def test_a_board_of_two_assignments_totals_each(tmp_path):
    folder = tmp_path / "RESULTS"
    write_results(folder, [("s1", (1.0, 0.5, 0.25), None, None, "2024-03-01T10:00:00+00:00"),
                           ("s2", (0.5, 1.0, 1.0), None, None, "2024-03-01T11:00:00+00:00")])
    for record_file in folder.glob("submissions/*/record.json"):  # lenet's points become part 6's dense block's
        record = json.loads(record_file.read_text())
        for exercise in record["exercises"]:
            if exercise["id"] == "lenet":
                exercise.update(id="dense_block", title="DenseNet's dense block, forward and backward")
            exercise["assignment"] = "classic_networks" if exercise["id"] == "dense_block" else "cnn"
        record_file.write_text(json.dumps(record))
    site = tmp_path / "site"
    process = run_scoreboard(folder, "--out", site, "--pseudonyms", tmp_path / "private" / "map.json")
    assert process.returncode == 0, process.stderr
    rows = site_rows(site)
    assert list(rows[0])[:6] == ["rank", "pseudonym", "points", "points_possible", "points_cnn", "points_classic_networks"]
    assert sorted((r["points"], r["points_cnn"], r["points_classic_networks"]) for r in rows) == [("26.75", "23", "3.75"), ("40", "25", "15")]
    data = json.loads((site / "scoreboard.json").read_text())
    assert data["assignments"] == [{"id": "cnn", "points_possible": 32.0}, {"id": "classic_networks", "points_possible": 15.0}]
    page = (site / "index.html").read_text()
    assert '<button type="button">The classic networks after LeNet</button><span class="max">of 15</span>' in page


def test_one_assignment_adds_no_columns(built):
    site, _, _ = built
    assert list(site_rows(site)[0])[4] == "conv2d_forward"
    assert json.loads((site / "scoreboard.json").read_text())["assignments"] == []


def test_the_map_must_stay_out_of_the_site(results, tmp_path):
    site = tmp_path / "site"
    process = run_scoreboard(results, "--out", site, "--pseudonyms", site / "private.json")
    assert process.returncode == 2
    assert "lies inside the site folder" in process.stderr and not site.exists()
    missing = run_scoreboard(tmp_path, "--out", site, "--pseudonyms", tmp_path / "map.json")
    assert missing.returncode == 2 and "holds no batch.json" in missing.stderr


def test_a_lost_or_other_map_cannot_publish_over_the_last_publication(built, results, tmp_path):
    site, private, _ = built
    published = json.loads((site / "scoreboard.json").read_text())
    assert published["pseudonym_map"] == json.loads(private.read_text())["id"]
    before = (site / "index.html").read_bytes()
    private.rename(tmp_path / "kept.json")  # the map is lost (an evicted cache, say)
    lost = run_scoreboard(results, "--out", site, "--pseudonyms", private)
    assert lost.returncode == 2
    assert f"was published with a pseudonym map ({published['pseudonym_map']}), but {private} does not exist" in lost.stderr
    assert (site / "index.html").read_bytes() == before and not private.exists()
    # The last publication may live elsewhere (CI fetches it from the published site).
    elsewhere = run_scoreboard(results, "--out", tmp_path / "fresh", "--pseudonyms", private, "--published", site / "scoreboard.json")
    assert elsewhere.returncode == 2 and "does not exist" in elsewhere.stderr
    other = run_scoreboard(results, "--out", site, "--pseudonyms", tmp_path / "other.json", "--published", site)
    assert other.returncode == 2  # a new, empty map is not the one the site was published with
    (tmp_path / "kept.json").rename(private)
    again = run_scoreboard(results, "--out", site, "--pseudonyms", private)
    assert again.returncode == 0, again.stderr
    assert [r["pseudonym"] for r in site_rows(site)] == [r["pseudonym"] for r in json.loads((site / "scoreboard.json").read_text())["rows"]]
    private.unlink()
    on_purpose = run_scoreboard(results, "--out", site, "--pseudonyms", private, "--new-pseudonyms")
    assert on_purpose.returncode == 0, on_purpose.stderr
    assert json.loads((site / "scoreboard.json").read_text())["pseudonym_map"] == json.loads(private.read_text())["id"] != published["pseudonym_map"]


def test_nothing_published_yet_needs_no_map(results, tmp_path):
    process = run_scoreboard(results, "--out", tmp_path / "site", "--pseudonyms", tmp_path / "map.json", "--published", tmp_path / "never" / "scoreboard.json")
    assert process.returncode == 0, process.stderr
    assert json.loads((tmp_path / "map.json").read_text())["format"] == "convlab-pseudonyms/1"


# --- the page in a real browser -------------------------------------------------------------------------


def _browser_or_skip():
    required = os.environ.get("CONVLAB_REQUIRE_EXTRAS") == "1"  # CI: a missing browser fails, never skips
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            raise
        pytest.skip("playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).is_file():
        if required:
            pytest.fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    return sync_playwright


def _column(page, index: int) -> list[str]:
    """The ranking's column `index`, top to bottom (a name cell: the name, not its folded details)."""
    return page.eval_on_selector_all(
        "#scoreboard > tbody > tr", f"rows => rows.map(r => (r.cells[{index}].querySelector('summary') || r.cells[{index}]).textContent.trim())"
    )


def full_course(folder: Path, students: int = 30) -> Path:
    """RESULTS of a class that did every exercise of grading.toml, with long chosen names."""
    from autograder.config import load_config
    from autograder.messages import catalog

    config = load_config()
    entries = []
    for index in range(students):
        exercises = []
        for number, policy in enumerate(config.exercises):
            fraction = ((index * 7 + number * 3) % 11) / 10
            cases = [CaseResult(f"case {i}", i < round(20 * min(fraction, 1.0))) for i in range(20)]
            exercises.append(ExerciseResult(policy.exercise_id, catalog("en").text(f"exercise.{policy.exercise_id}"), [CheckResult("all", "all cases", policy.points, cases)]))
        result = SubmissionResult(submission=f"s{index}", seed=1, seed_kind="hidden", exercises=exercises, grader_version="0.1.0")
        key = f"student-{index:02d}"
        submission = Submission(key, key, folder / key, FOLDER, key, "2024-03-01T10:00:00+00:00")
        intake = Intake(files={"warmup.py": b""}, pseudonym_choice=f"Backpropagation Fan {index:02d}")
        assert store_outcome(folder, submission, intake, intake.fingerprint, RUN, GradeOutcome(key, result=result), "en") == "graded"
        entries.append({"key": key, "name": key})
    write_manifest(folder, {**RUN.as_dict(), "shard": None, "discovered": students, "submissions": entries, "finished": True})
    return folder


LAPTOP = {"width": 1280, "height": 800}
VISIBLE = """() => {
  const wrap = document.querySelector('.table-wrap');
  const cells = [...document.querySelectorAll('#scoreboard thead th')].map(th => th.getBoundingClientRect());
  return {
    cells: cells.map(r => [r.left, r.right, r.top, r.bottom]),
    wrapScroll: wrap.scrollWidth - wrap.clientWidth,
    pageScroll: document.documentElement.scrollWidth - window.innerWidth,
  };
}"""


def _launch(playwright, profile: Path, **options):
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS, viewport=LAPTOP, **options
    )


def test_page_sorts_and_draws_in_a_real_browser(built, tmp_path):
    sync_playwright = _browser_or_skip()
    site, _, _ = built
    problems, requests = [], []
    with sync_playwright() as playwright:
        context = _launch(playwright, tmp_path / "profile")
        try:
            page = context.new_page()
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto((site / "index.html").as_uri())
            assert page.title() == "CNN lab <2024>"
            headers = page.eval_on_selector_all("#scoreboard thead th button", "buttons => buttons.map(b => b.textContent)")
            assert headers == ["Rank", "Name", "Total", "Sizes and the forward pass", "The backward pass", "LeNet"]
            assert page.locator("#scoreboard > tbody > tr").count() == 7
            totals = [float(t) for t in _column(page, 2)]
            assert totals == sorted(totals, reverse=True)

            page.get_by_role("button", name="Name").click()
            names = _column(page, 1)
            assert names == sorted(names, key=str.lower)
            assert page.locator("th", has=page.get_by_role("button", name="Name")).get_attribute("aria-sort") == "ascending"
            page.get_by_role("button", name="Name").click()
            assert _column(page, 1) == sorted(names, key=str.lower, reverse=True)

            page.get_by_role("button", name="The backward pass").click()
            backward = [float(t) for t in _column(page, 4)]
            assert backward == sorted(backward, reverse=True)
            page.get_by_role("button", name="The backward pass").click()
            assert [float(t) for t in _column(page, 4)] == sorted(backward)

            # Each name opens that student's points per exercise.
            ninja = page.locator("td.name details", has=page.locator("summary", has_text="Neural Ninja"))
            assert not ninja.locator("table.exercises").is_visible()
            ninja.locator("summary").click()
            details = ninja.locator("table.exercises tr:not(.group)")
            assert details.count() == len(EXERCISES) and details.first.is_visible()
            assert details.all_inner_texts()[0].split("\t") == ["Convolution forward", "14 / 14"]

            figures = page.locator("figure.histogram-card")
            assert figures.count() == 1 + len(EXERCISES)
            for i in range(figures.count()):
                box = figures.nth(i).locator("svg").bounding_box()
                assert box["width"] > 200 and box["height"] > 80
                assert figures.nth(i).locator("rect.bar").count() == 10
                drawn = figures.nth(i).locator("svg").evaluate("svg => [...svg.querySelectorAll('rect.bar')].reduce((s, r) => s + r.getBoundingClientRect().height, 0)")
                assert drawn > 0
            page.get_by_role("button", name="Total").click()
            shot = tmp_path / "scoreboard.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            context.close()
    assert shot.stat().st_size > 10_000
    if os.environ.get("CONVLAB_ARTIFACTS"):
        target = Path(os.environ["CONVLAB_ARTIFACTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target / "scoreboard.png")
    assert problems == []
    assert all(url.startswith("file://") for url in requests), requests


def test_a_whole_course_fits_a_laptop_screen_with_or_without_javascript(tmp_path):
    from autograder.config import load_config

    sync_playwright = _browser_or_skip()
    results = full_course(tmp_path / "RESULTS")
    site = tmp_path / "site"
    process = run_scoreboard(results, "--out", site, "--pseudonyms", tmp_path / "map.json")
    assert process.returncode == 0, process.stderr
    exercise_ids = {policy.exercise_id for policy in load_config().exercises}
    with sync_playwright() as playwright:
        for javascript in (True, False):
            context = _launch(playwright, tmp_path / f"profile-{javascript}", java_script_enabled=javascript)
            try:
                page = context.new_page()
                page.goto((site / "index.html").as_uri())
                headers = page.eval_on_selector_all("#scoreboard thead th button", "buttons => buttons.map(b => b.textContent)")
                assert len(headers) <= 9  # rank, name, total and one column per part of the course
                assert not exercise_ids & set(headers) and all(" " in h or h.isalpha() for h in headers)  # words, not ids
                layout = page.evaluate(VISIBLE)
                assert layout["wrapScroll"] <= 0 and layout["pageScroll"] <= 0, layout  # nothing to scroll sideways
                for left, right, top, bottom in layout["cells"]:
                    assert 0 <= left < right <= LAPTOP["width"] and 0 <= top < bottom <= LAPTOP["height"], layout
                assert page.get_by_text("Sorting needs JavaScript, which is off").is_visible() is (not javascript)
                totals = [float(t) for t in _column(page, 2)]
                assert totals == sorted(totals, reverse=True)
                summary = page.locator("td.name summary").first
                summary.click()
                assert page.locator("td.name details[open] table.exercises tr:not(.group)").count() == len(exercise_ids)
                if javascript:
                    page.screenshot(path=str(tmp_path / "laptop.png"))
            finally:
                context.close()
    if os.environ.get("CONVLAB_ARTIFACTS"):
        target = Path(os.environ["CONVLAB_ARTIFACTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "laptop.png", target / "scoreboard-1280x800.png")
