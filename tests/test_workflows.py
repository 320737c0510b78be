"""The CI workflows in .github/workflows/: valid, free of known security smells, shaped as intended.

Two linters from the package index check the files: check-jsonschema against the
GitHub workflow schema it vendors (no network), and zizmor's offline audits at its
strictest persona (injection, credentials left on disk, unpinned actions, secrets
outside an environment, undocumented permissions, ...). Then the structure: the
matrix of shards, who needs whom, which job may do what, and where the seed goes.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.paths import REPO_ROOT

if os.environ.get("CONVLAB_REQUIRE_EXTRAS") == "1":
    import yaml
else:
    yaml = pytest.importorskip("yaml")

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
COURSE = WORKFLOWS / "course-grade.yml"
STUDENT = WORKFLOWS / "student-check.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=os.path.dirname(sys.executable))
    if found is None:
        if os.environ.get("CONVLAB_REQUIRE_EXTRAS") == "1":  # CI: a missing linter fails, never skips
            pytest.fail(f"{name} is not installed (pip install check-jsonschema zizmor)")
        pytest.skip(f"{name} is not installed (pip install check-jsonschema zizmor)")
    return found


def steps(job: dict) -> list[dict]:
    return job["steps"]


def test_workflows_match_the_github_schema():
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(COURSE), str(STUDENT)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_at_its_strictest():
    result = subprocess.run([tool("zizmor"), "--offline", "--persona", "auditor", "--no-progress", str(WORKFLOWS)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_every_action_is_pinned_to_a_commit():
    for path in (COURSE, STUDENT):
        for job in load(path)["jobs"].values():
            for step in steps(job):
                if "uses" in step:
                    assert PINNED.match(step["uses"]), f"{path.name}: {step['uses']}"


def test_course_grade_shards_merge_and_publish():
    workflow = load(COURSE)
    assert workflow["permissions"] == {}
    assert set(workflow["on"]) == {"workflow_dispatch"}
    grade, board, deploy = (workflow["jobs"][name] for name in ("grade", "scoreboard", "deploy"))

    shards = grade["strategy"]["matrix"]["shard"]
    assert shards == [1, 2, 3, 4] and grade["strategy"]["fail-fast"] is False
    grading = next(s for s in steps(grade) if "convlab batch" in s.get("run", ""))
    assert f'--shard "$SHARD/{len(shards)}"' in grading["run"]
    assert "--network none" in grading["run"] and "-e CONVLAB_SEED" in grading["run"]
    # The documented deployment gets full isolation, or the job fails (the batch refuses).
    assert "--isolation full" in grading["run"] and "--cap-add SYS_ADMIN" in grading["run"] and "--user 0" in grading["run"]
    assert grading["env"]["CONVLAB_SEED"] == "${{ secrets.CONVLAB_SEED }}"
    assert grade["environment"] == "grading" and grade["permissions"] == {"contents": "read"}

    secret_steps = [s for job in workflow["jobs"].values() for s in steps(job) if "secrets." in str(s)]
    assert secret_steps == [grading]  # the seed reaches one step only
    for job in workflow["jobs"].values():
        for step in steps(job):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False

    assert board["needs"] == "grade" and board["permissions"] == {"contents": "write"}  # it commits the map
    runs = " ".join(s.get("run", "") for s in steps(board))
    assert "convlab merge shards/results-shard-*" in runs and "convlab scoreboard results/merged --out site" in runs
    # The map lives in the private repository, committed before the site is handed to Pages; no cache.
    names = [s["name"] for s in steps(board)]
    keep = next(i for i, s in enumerate(steps(board)) if "git add --force private/pseudonyms.json" in s.get("run", ""))
    build = next(i for i, s in enumerate(steps(board)) if "convlab scoreboard" in s.get("run", ""))
    hand = next(i for i, s in enumerate(steps(board)) if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert build < keep < hand, names
    assert "--published published/scoreboard.json" in runs
    assert not any(s.get("uses", "").startswith("actions/cache") for job in workflow["jobs"].values() for s in steps(job))
    uploads = [s for s in steps(board) if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert [s["with"]["path"] for s in uploads] == ["site"]
    scoreboard = re.search(r"convlab scoreboard \S+ --out (\S+) --pseudonyms (\S+)", runs)
    site, private = Path(scoreboard.group(1)), Path(scoreboard.group(2))
    assert not private.is_relative_to(site)  # the pseudonym map is never published

    assert deploy["needs"] == "scoreboard"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in steps(deploy)] == ["actions/deploy-pages"]
    assert all("pages" not in job.get("permissions", {}) for name, job in workflow["jobs"].items() if name != "deploy")


def test_student_check_writes_the_table_to_the_summary():
    workflow = load(STUDENT)
    assert workflow["permissions"] == {"contents": "read"}
    assert {"push", "pull_request"} <= set(workflow["on"])
    check = workflow["jobs"]["check"]
    assert "secrets." not in STUDENT.read_text()
    run = next(s for s in steps(check) if "convlab check" in s.get("run", ""))["run"]
    assert "convlab check 2>&1 | tee check.txt" in run and '>> "$GITHUB_STEP_SUMMARY"' in run
    assert "set -o pipefail" in run and 'exit "$status"' in run
