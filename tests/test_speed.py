"""The speed ratios (`convlab batch --speed`): student time over reference time, timed by the grader."""
import pytest

from autograder.config import load_config
from autograder.speed import MAX_UNCERTAINTY, agrees, measure_speed, median_with_uncertainty
from submissions import build_submission

CONFIG = load_config()
LIMITS = CONFIG.limits.sandbox_limits()

# Student code that rebinds the clock the sandbox child reports its call times with.
REBIND_CLOCK = (
    "import sys as _sys\n"
    "for _name, _module in list(_sys.modules.items()):\n"
    "    if _name.endswith('child.server'):\n"
    "        _module._clock = lambda: 0.0\n"
)


def test_median_and_its_uncertainty():
    assert median_with_uncertainty([1.0] * 9) == (1.0, 0.0)
    median, uncertainty = median_with_uncertainty([1.2, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15])
    assert median == 1.0 and uncertainty == pytest.approx(0.1)  # from the 3rd (0.9) to the 7th (1.1) of 9 sorted values
    # An outlier (a call slowed by another process) moves neither.
    assert median_with_uncertainty([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 9.0]) == (1.0, 0.0)


def test_agreement_uses_the_graders_tolerance():
    import numpy as np

    expected = np.array([[1.0, -2.0], [3.0, 100.0]])
    assert agrees(expected + 1e-4, expected) and agrees(expected.astype(np.float32), expected)
    assert not agrees(expected + 0.1, expected) and not agrees(expected[:1], expected) and not agrees("x", expected)
    assert agrees({"w": expected}, {"w": expected}) and not agrees({"w": expected}, {"w": expected, "b": expected})


@pytest.fixture
def ungated(monkeypatch):
    """Every ratio reported, however uncertain: on a loaded machine the +-10 % gate may drop any of them."""
    from autograder import speed

    monkeypatch.setattr(speed, "MAX_UNCERTAINTY", float("inf"))


@pytest.mark.slow
def test_a_slow_conv2d_forward_shows_as_a_large_ratio(tmp_path, ungated):
    slow = build_submission(
        tmp_path / "slow",
        {"conv_forward": [("    x = np.asarray(x)\n    w = np.asarray(w)\n", "    import time\n    time.sleep(0.25)\n    x = np.asarray(x)\n    w = np.asarray(w)\n")]},
    )
    found = measure_speed(slow, LIMITS, CONFIG.allowed_modules)
    assert found["conv2d_forward"]["ratio"] > 3  # the reference's call takes a few tens of milliseconds


@pytest.mark.slow
def test_the_reference_against_itself_is_near_one_or_not_shown(tmp_path, monkeypatch):
    from autograder import speed

    same = build_submission(tmp_path / "same")
    found = measure_speed(same, LIMITS, CONFIG.allowed_modules)
    for value in found.values():  # a run too noisy to be within +-10 % shows nothing
        assert value["uncertainty"] <= MAX_UNCERTAINTY
        assert 0.7 < value["ratio"] < 1.4, found
    monkeypatch.setattr(speed, "MAX_UNCERTAINTY", float("inf"))
    found = measure_speed(same, LIMITS, CONFIG.allowed_modules)
    assert set(found) == {"conv2d_forward", "lenet_step"}
    assert all(0.5 < value["ratio"] < 2 for value in found.values()), found


@pytest.mark.slow
def test_the_childs_clock_does_not_count(tmp_path, ungated):
    cheat = build_submission(tmp_path / "cheat")
    (cheat / "conv_forward.py").write_text(REBIND_CLOCK + (cheat / "conv_forward.py").read_text())
    found = measure_speed(cheat, LIMITS, CONFIG.allowed_modules)
    # The child now reports 0 s for every call; the grader's own clock still sees the work.
    assert set(found) == {"conv2d_forward", "lenet_step"}
    assert all(value["ratio"] > 0.5 for value in found.values()), found


@pytest.mark.slow
def test_a_wrong_or_remembered_answer_gets_no_ratio(tmp_path, ungated):
    wrong = build_submission(tmp_path / "wrong", {"conv_forward": [("    w = np.asarray(w)\n", "    w = np.asarray(w)[:, :, ::-1, ::-1]\n")]})
    assert "conv2d_forward" not in measure_speed(wrong, LIMITS, CONFIG.allowed_modules)
    # Answering every call with the first answer: each round's inputs are fresh, so it is wrong.
    memo = build_submission(tmp_path / "memo", {"conv_forward": [("def conv2d_forward(", "_FIRST = []\n\n\ndef _conv2d_forward(")]})
    source = (memo / "conv_forward.py").read_text()
    source += (
        "\n\ndef conv2d_forward(*args, **kwargs):\n"
        "    if not _FIRST:\n"
        "        _FIRST.append(_conv2d_forward(*args, **kwargs))\n"
        "    return _FIRST[0]\n"
    )
    (memo / "conv_forward.py").write_text(source)
    assert "conv2d_forward" not in measure_speed(memo, LIMITS, CONFIG.allowed_modules)
    assert "conv2d_forward" in measure_speed(build_submission(tmp_path / "right"), LIMITS, CONFIG.allowed_modules)  # the check can pass


def test_nothing_is_reported_without_a_reference(tmp_path):
    partial = build_submission(tmp_path / "partial", omit=("lenet",))
    # The student release carries no reference: no ratio at all.
    assert measure_speed(partial, LIMITS, CONFIG.allowed_modules, reference_dir=tmp_path / "none") == {}


@pytest.mark.slow
def test_what_cannot_be_timed_is_absent(tmp_path, ungated):
    partial = build_submission(tmp_path / "partial", omit=("lenet",))
    assert set(measure_speed(partial, LIMITS, CONFIG.allowed_modules)) == {"conv2d_forward"}
