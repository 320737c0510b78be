"""Configuration of the visible tests: which package is under test, markers, short failure reports.

    pytest assignments/                      test your code (the package `assignments`)
    pytest assignments/ -m conv2d_forward    only the tests of one exercise
    pytest assignments/ --impl=reference     the same tests against the instructors' solutions
"""
import importlib
import sys
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
# The packages live side by side in ROOT; make them importable whatever pytest's import mode.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assignments.tests.feedback import StudentFeedback  # noqa: E402

IMPLEMENTATIONS = ("assignments", "reference")

# One marker per exercise: `pytest assignments/ -m <marker>` runs that exercise's tests.
EXERCISE_MARKERS = {
    "conv1d_full": "warm-up: the true (flipped) 1-D convolution",
    "conv_output_size": "output size of a convolution",
    "pool_output_size": "output size of a pooling layer",
    "pad2d": "zero padding of the last two axes",
    "conv2d_forward": "forward pass of a convolution layer",
    "classic_kernels": "the lecture's nine 3x3 kernels",
    "conv_relu_pool": "the colour demo: conv, ReLU, max pool",
    "rot180": "180-degree rotation of kernels",
    "dilate": "zeros between delta values for stride S",
    "conv2d_backward": "backward pass of a convolution layer",
    "max_pool_forward": "max pooling, forward",
    "max_pool_backward": "max pooling, backward",
    "avg_pool_forward": "mean pooling, forward",
    "avg_pool_backward": "mean pooling, backward",
    "relu_forward": "ReLU, forward",
    "relu_backward": "ReLU, backward",
    "softmax_cross_entropy": "softmax cross-entropy loss and its gradient",
    "lenet": "LeNet: parameters, forward and backward",
    # Part 6: the classic networks.
    "network_shapes": "the shape after each layer of a network",
    "parameter_count": "a network's weights and biases, per layer",
    "receptive_field": "the input region one output pixel sees",
    "global_avg_pool_forward": "global average pooling, forward",
    "global_avg_pool_backward": "global average pooling, backward",
    "batchnorm2d_forward": "batch normalization (training mode), forward",
    "batchnorm2d_backward": "batch normalization, backward",
    "residual_block_forward": "ResNet's residual block, forward",
    "residual_block_backward": "ResNet's residual block, backward",
    "bottleneck_block_forward": "ResNet's bottleneck block, forward",
    "bottleneck_block_backward": "ResNet's bottleneck block, backward",
    "dense_block_forward": "DenseNet's dense block, forward",
    "dense_block_backward": "DenseNet's dense block, backward",
}


def pytest_addoption(parser):
    parser.addoption(
        "--impl",
        default="assignments",
        choices=IMPLEMENTATIONS,
        help="package under test: 'assignments' (your code, the default) or 'reference' (instructors only)",
    )


def pytest_configure(config):
    for name, description in EXERCISE_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    wants_reference = config.getoption("impl", default="assignments") == "reference"
    if wants_reference and not (ROOT / "reference" / "__init__.py").is_file():
        raise pytest.UsageError(
            f"--impl=reference needs the instructors' package {ROOT / 'reference'}, which is not there "
            "(the student release ships assignments/ only). Run `pytest assignments/` to test your own code."
        )


def pytest_collection_modifyitems(items):
    """Run (and report) the exercises in lecture order, the order EXERCISE_MARKERS lists them."""
    order = {name: rank for rank, name in enumerate(EXERCISE_MARKERS)}

    def rank(item):
        ranks = [order[mark.name] for mark in item.iter_markers() if mark.name in order]
        return min(ranks, default=len(order))

    items.sort(key=rank)


def pytest_report_header(config):
    return f"convlab: testing the package '{config.getoption('impl', default='assignments')}'"


@pytest.fixture(scope="session")
def impl(pytestconfig):
    """The package under test: `assignments` (default) or `reference` (with --impl=reference)."""
    name = pytestconfig.getoption("impl", default="assignments")
    module = importlib.import_module(name)
    if Path(module.__file__).resolve().parent != ROOT / name:
        pytest.exit(f"'import {name}' found {module.__file__}, not the package in {ROOT / name}", returncode=4)
    return module


class OneParagraphRepr:
    """A failure report that prints a message as is, without a traceback.

    Duck-types pytest's exception representation: `toterminal` prints the body,
    `reprcrash.message` feeds the one-line short test summary.
    """

    def __init__(self, text, path, lineno):
        self.text = text
        self.reprcrash = _CrashLine(str(path), lineno, text.splitlines()[0] if text else "")

    def toterminal(self, tw):
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self):
        return self.text


class _CrashLine:
    def __init__(self, path, lineno, message):
        self.path = path
        self.lineno = lineno
        self.message = message

    def __str__(self):
        return f"{self.path}:{self.lineno}: {self.message}"


def _relative(path):
    path = Path(path).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def _not_implemented_repr(excinfo):
    """`conv2d_forward: not implemented yet (assignments/conv_forward.py)` for a stub's exception."""
    raised_at = excinfo.traceback[-1]
    message = str(excinfo.value) or "NotImplementedError"
    return OneParagraphRepr(f"{message} ({_relative(raised_at.path)})", raised_at.path, raised_at.lineno + 1)


def _feedback_repr(excinfo, item):
    """The check's message, plus the falsifying example when Hypothesis found the case."""
    notes = [note for note in getattr(excinfo.value, "__notes__", ()) if note.strip()]
    text = "\n".join([str(excinfo.value), *notes])
    path, lineno, _ = item.location
    return OneParagraphRepr(text, path, (lineno or 0) + 1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # --tb=long/native/line/no and --full-trace keep pytest's own report.
    default_style = item.config.getoption("tbstyle") in ("auto", "short") and not item.config.getoption("fulltrace")
    if report.failed and call.excinfo is not None and default_style:
        if call.excinfo.errisinstance(NotImplementedError):
            report.longrepr = _not_implemented_repr(call.excinfo)
        elif call.excinfo.errisinstance(StudentFeedback):
            report.longrepr = _feedback_repr(call.excinfo, item)
    return report
