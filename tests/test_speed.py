"""The speed ratios the scoreboard shows: student time over reference time, same run."""
from autograder.config import load_config
from autograder.speed import measure_speed
from submissions import build_submission

CONFIG = load_config()
LIMITS = CONFIG.limits.sandbox_limits()


def test_a_slow_conv2d_forward_shows_as_a_large_ratio(tmp_path):
    slow = build_submission(
        tmp_path / "slow",
        {"conv_forward": [("    x = np.asarray(x)\n    w = np.asarray(w)\n", "    import time\n    time.sleep(0.25)\n    x = np.asarray(x)\n    w = np.asarray(w)\n")]},
    )
    ratios = measure_speed(slow, LIMITS, CONFIG.allowed_modules)
    assert set(ratios) == {"conv2d_forward", "lenet_step"}
    assert ratios["conv2d_forward"] > 5  # the reference's call takes a few milliseconds
    assert ratios["lenet_step"] > 1  # LeNet calls conv2d_forward twice


def test_the_reference_against_itself_is_near_one(tmp_path):
    ratios = measure_speed(build_submission(tmp_path / "same"), LIMITS, CONFIG.allowed_modules)
    assert set(ratios) == {"conv2d_forward", "lenet_step"}
    assert all(0.2 < ratio < 5 for ratio in ratios.values()), ratios


def test_nothing_is_reported_for_what_cannot_be_timed(tmp_path):
    stubs_missing_lenet = build_submission(tmp_path / "partial", omit=("lenet",))
    assert set(measure_speed(stubs_missing_lenet, LIMITS, CONFIG.allowed_modules)) == {"conv2d_forward"}
    # The student release carries no reference: no ratio at all.
    assert measure_speed(stubs_missing_lenet, LIMITS, CONFIG.allowed_modules, reference_dir=tmp_path / "none") == {}
