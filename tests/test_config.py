"""grading.toml is validated on load, and the message catalog is complete in both languages."""
from __future__ import annotations

import re

import pytest

from autograder.config import load_config
from autograder.exercises import REGISTRY
from autograder.messages import LANGUAGES, catalog, placeholders
from autograder.paths import GRADING_TOML

ORIGINAL = GRADING_TOML.read_text()


def load_edited(tmp_path, old: str, new: str, name: str = "grading.toml"):
    """grading.toml with one exact edit (which must apply), loaded from tmp_path/name."""
    assert ORIGINAL.count(old) == 1, f"{old!r} does not occur exactly once in grading.toml"
    path = tmp_path / name
    path.write_text(ORIGINAL.replace(old, new))
    return load_config(path)


# --- the repository's policy -------------------------------------------------------------


def test_repository_policy_loads_with_every_exercise_and_100_points():
    config = load_config()
    assert config.exercise_ids == tuple(REGISTRY)
    assert config.assignment_ids == ("cnn", "classic_networks")
    assert [config.assignment_points(a) for a in config.assignment_ids] == [100, 100]
    assert config.total_points == 200
    for policy in config.exercises:
        assert tuple(policy.check_points) == REGISTRY[policy.exercise_id].check_ids
        assert sum(policy.check_points.values()) == pytest.approx(policy.points)
    assert config.exercise("conv2d_backward").points == 18
    assert config.exercise("lenet").check_points == {"forward": 5, "backward": 6, "gradcheck": 4}
    assert config.grader.public_seed == 2021 and config.grader.seed_env == "CONVLAB_SEED"
    assert config.grader.oracle_device == "auto"
    assert config.allowed_modules == ("numpy",)
    assert (config.isolation.level, config.isolation.floor, config.grader.hidden_cases) == ("auto", "minimal", "per_course")
    assert (config.tolerance.rtol, config.tolerance.atol) == (2e-4, 2e-5)
    assert (config.gradcheck.rtol, config.gradcheck.atol) == (2e-2, 1e-12)


def test_limits_become_the_sandbox_limits_without_submission_seconds():
    limits = load_config().limits
    assert limits.submission_seconds == 300
    sandbox = limits.sandbox_limits()
    assert (sandbox.call_seconds, sandbox.memory_mb, sandbox.output_kb) == (20, 2048, 64)
    assert (sandbox.file_size_mb, sandbox.open_files, sandbox.processes) == (8, 64, 32)
    assert not hasattr(sandbox, "submission_seconds")


def test_an_exercise_can_override_its_tolerances(tmp_path):
    config = load_edited(
        tmp_path,
        "[exercises.lenet]\npoints = 15\n",
        "[exercises.lenet]\npoints = 15\nrtol = 1e-3\ngradcheck_rtol = 5e-2\n",
    )
    lenet = config.exercise("lenet")
    assert (lenet.tolerance.rtol, lenet.tolerance.atol) == (1e-3, 2e-5)
    assert (lenet.gradcheck.rtol, lenet.gradcheck.atol) == (5e-2, 1e-12)
    assert config.exercise("relu").tolerance.rtol == 2e-4


def test_leaving_an_exercise_out_drops_it_from_grading(tmp_path):
    config = load_edited(tmp_path, "[exercises.dilate]\npoints = 4\nchecks = { lecture = 1, hidden = 3 }\n", "")
    assert "dilate" not in config.exercise_ids
    assert config.assignment_points("cnn") == 96 and config.assignment_points("classic_networks") == 100


def test_exercises_without_an_assignment_key_form_the_default_assignment(tmp_path):
    path = tmp_path / "grading.toml"
    text = ORIGINAL.replace('assignment = "classic_networks"\n', "")
    path.write_text(text[: text.index("[assignments.classic_networks]")] + text[text.index("[scoreboard]") :])
    config = load_config(path)
    assert config.assignment_ids == ("cnn",)
    assert {policy.assignment for policy in config.exercises} == {"cnn"}
    assert config.assignment_points("cnn") == config.total_points == 200


def test_part_six_is_an_assignment_of_its_own_with_written_question_points():
    config = load_config()
    part6 = ("network_shapes", "parameter_count", "receptive_field", "global_avg_pool",
             "batchnorm2d", "residual_block", "bottleneck_block", "dense_block")
    assert tuple(policy.exercise_id for policy in config.assignment_exercises("classic_networks")) == part6
    assert config.exercise("lenet").assignment == "cnn"
    assert config.assignment("classic_networks").written_points == 2
    assert config.assignment("cnn").written_points == 0
    with pytest.raises(KeyError):
        config.assignment("part7")


# --- every mistake is named, with file, table and key --------------------------------------

BAD_EDITS = [
    ("memory_mb = 2048", "memory_mb = -5", "grading.toml: [limits] memory_mb must be a positive integer, got -5"),
    ("memory_mb = 2048", "memory_mb = true", "grading.toml: [limits] memory_mb must be a positive integer, got True"),
    ("open_files = 64", "open_files = 6.5", "grading.toml: [limits] open_files must be a positive integer, got 6.5"),
    ("call_seconds = 20", 'call_seconds = "20"', "grading.toml: [limits] call_seconds must be a positive number, got '20'"),
    ("submission_seconds = 300", "submission_seconds = 0", "grading.toml: [limits] submission_seconds must be a positive number, got 0"),
    ("processes = 32", "processes = 32\nthreads = 4", "grading.toml: [limits] unknown key 'threads'"),
    ("processes = 32", "", "grading.toml: [limits] processes is missing"),
    ('oracle_device = "auto"', 'oracle_device = "tpu"', "grading.toml: [grader] oracle_device must be one of auto, cpu, cuda, got 'tpu'"),
    ("public_seed = 2021", "public_seed = -1", "grading.toml: [grader] public_seed must be a non-negative integer, got -1"),
    ('seed_env = "CONVLAB_SEED"', 'seed_env = "CONVLAB SEED"', "grading.toml: [grader] seed_env must be an environment variable name, got 'CONVLAB SEED'"),
    ('allowed_modules = ["numpy"]', 'allowed_modules = ["numpy!"]', "grading.toml: [policy] allowed_modules must be a list of module names, got 'numpy!'"),
    ('allowed_modules = ["numpy"]', 'forbidden_modules = ["torch"]', "grading.toml: [policy] unknown key 'forbidden_modules' (known: allowed_modules)"),
    ('level = "auto"', 'level = "strong"', "grading.toml: [isolation] level must be one of auto, full, userns, minimal, got 'strong'"),
    ('floor = "minimal"', 'floor = "auto"', "grading.toml: [isolation] floor must be one of full, userns, minimal, got 'auto'"),
    ('hidden_cases = "per_course"', 'hidden_cases = "per_class"', "grading.toml: [grader] hidden_cases must be one of per_course, per_student, got 'per_class'"),
    ("rtol = 2e-4", "rtol = -2e-4", "grading.toml: [tolerance] rtol must be a non-negative number, got -0.0002"),
    ("[gradcheck]\n", "[gradcheck]\nstep = 1e-3\n", "grading.toml: [gradcheck] unknown key 'step'"),
    ("[exercises.relu]", "[exercises.relu3d]", "grading.toml: [exercises.relu3d] is not a known exercise"),
    ("checks = { forward = 1, backward = 2, gradcheck = 1 }", "checks = { forward = 1, backward = 1, gradcheck = 1 }",
     "grading.toml: [exercises.relu.checks] points add up to 3.0, but points = 4.0"),
    ("checks = { forward = 1, backward = 2, gradcheck = 1 }", "checks = { forward = 1, backward = 2, gradcheck = 1, sideways = 0 }",
     "grading.toml: [exercises.relu.checks] unknown key 'sideways'"),
    ("checks = { forward = 1, backward = 2, gradcheck = 1 }", "checks = { forward = 2, backward = 2 }",
     "grading.toml: [exercises.relu.checks] gradcheck is missing"),
    ("checks = { forward = 1, backward = 2, gradcheck = 1 }", "checks = { forward = -1, backward = 4, gradcheck = 1 }",
     "grading.toml: [exercises.relu.checks] forward must be a non-negative number, got -1"),
    ("[exercises.relu]\npoints = 4", "[exercises.relu]\npoints = 0", "grading.toml: [exercises.relu] points must be a positive number, got 0"),
    ("[exercises.relu]\npoints = 4", "[exercises.relu]\npoints = 4\nweight = 2", "grading.toml: [exercises.relu] unknown key 'weight'"),
    ("[policy]", "[policies]", "grading.toml: unknown section [policies]"),
    ("memory_mb = 2048", "memory_mb = 100", "grading.toml: [limits] memory_mb must be at least 256, got 100"),
    ('pick = "best"', 'pick = "worst"', "grading.toml: [scoreboard] pick: 'best' or 'latest', got 'worst'"),
    ('[exercises.dense_block]\nassignment = "classic_networks"', '[exercises.dense_block]\nassignment = "Part 6"',
     "grading.toml: [exercises.dense_block] assignment must be a lower-case name (letters, digits, _), got 'Part 6'"),
    ("[assignments.classic_networks]", "[assignments.part7]", "grading.toml: [assignments] unknown key 'part7'"),
    ("written_points = 2", "written_points = -2", "grading.toml: [assignments.classic_networks] written_points must be a non-negative number, got -2"),
    ("written_points = 2", "written_points = 2\npoints = 100", "grading.toml: [assignments.classic_networks] unknown key 'points'"),
]


@pytest.mark.parametrize("old, new, message", BAD_EDITS, ids=[m.split("] ", 1)[-1][:40] for _, _, m in BAD_EDITS])
def test_a_bad_value_stops_loading_with_a_message_naming_it(tmp_path, old, new, message):
    with pytest.raises(ValueError) as error:
        load_edited(tmp_path, old, new)
    assert str(error.value).startswith(message)


def test_points_must_add_up_to_a_positive_total(tmp_path):
    start = ORIGINAL.index("[exercises.conv1d_full]")
    path = tmp_path / "grading.toml"
    path.write_text(ORIGINAL[:start] + "[exercises]\n")
    with pytest.raises(ValueError, match=re.escape("grading.toml: [exercises] must name at least one exercise with its points")):
        load_config(path)


def test_a_missing_section_and_broken_toml_are_named(tmp_path):
    section = ORIGINAL[ORIGINAL.index("[gradcheck]") : ORIGINAL.index("# Points per exercise")]
    with pytest.raises(ValueError, match=re.escape("grading.toml: section [gradcheck] is missing")):
        load_edited(tmp_path, section, "")
    path = tmp_path / "policy.toml"
    path.write_text("[grader\n")
    with pytest.raises(ValueError, match=re.escape("policy.toml: not valid TOML")):
        load_config(path)


def test_messages_name_the_file_that_was_loaded(tmp_path):
    with pytest.raises(ValueError, match=re.escape("course.toml: [limits] memory_mb must be a positive integer, got 0")):
        load_edited(tmp_path, "memory_mb = 2048", "memory_mb = 0", name="course.toml")


# --- the message catalog ---------------------------------------------------------------


def test_both_languages_have_the_same_keys_and_placeholders():
    en, zh = catalog("en"), catalog("zh")
    assert set(en.entries) == set(zh.entries)
    different = [key for key in en.entries if placeholders(en.entries[key]) != placeholders(zh.entries[key])]
    assert not different, different


def test_every_exercise_check_and_mistake_has_its_words():
    needed = {"mistake.input_mutated"}
    for exercise in REGISTRY.values():
        needed.add(f"exercise.{exercise.id}")
        needed |= {f"check.{exercise.id}.{check_id}" for check_id in exercise.check_ids}
        needed |= {mistake.message_key for mistake in exercise.mistakes}
    en = catalog("en")
    assert needed - set(en.entries) == set()
    unused = {key for key in en.entries if key.startswith(("mistake.", "exercise.", "check."))} - needed
    assert unused == set()


def test_every_mistake_sentence_formats_with_its_parameters():
    for lang in LANGUAGES:
        for exercise in REGISTRY.values():
            for mistake in exercise.mistakes:
                text = catalog(lang).text(mistake.message_key, **mistake.params)
                assert "{" not in text and text.strip()


def test_an_unknown_language_or_key_is_refused():
    with pytest.raises(ValueError, match="language must be one of en, zh, got 'fr'"):
        catalog("fr")
    with pytest.raises(KeyError, match="messages/en.toml has no message 'mistake.nope'"):
        catalog("en").text("mistake.nope")
