"""The PyTorch oracle: deterministic float64, the lecture's numbers, and the reference's answers."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

import reference
from autograder import oracle
from autograder.paths import REPO_ROOT
from autograder.cases import case_rng
from autograder.exercises import REGISTRY
from autograder.inprocess import InProcessCaller

LECTURE_X4 = np.array([[2, 5, 0, 1], [6, 7, 1, 2], [3, 0, 4, 0], [3, 9, 7, 4]], dtype=float)
LECTURE_X5 = np.array([[1, 3, 0, 2, 4], [4, 7, 4, 1, 0], [4, 6, 0, 0, 6], [3, 2, 8, 1, 2], [3, 5, 0, 7, 3]], dtype=float)
K1 = np.array([[1, 0, 1], [-1, 1, 0], [0, 1, -1]], dtype=float)
K2 = np.array([[-1, 1, 0], [0, 1, -1], [1, 0, 1]], dtype=float)
POOL_X = np.array([[1, 3, 0, 3], [2, 2, 4, 1], [4, 2, 0, 0], [3, 3, 3, 1]], dtype=float)


def image(a):
    return a[np.newaxis, np.newaxis]


@pytest.fixture(scope="module", autouse=True)
def cpu_oracle():
    return oracle.configure("cpu")


def test_configure_makes_torch_exact_and_records_the_environment(cpu_oracle):
    assert cpu_oracle["device"] == "cpu"
    assert cpu_oracle["versions"] == {
        "python": cpu_oracle["versions"]["python"],
        "numpy": np.__version__,
        "torch": torch.__version__,
    }
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.backends.cuda.matmul.allow_tf32 is False
    assert torch.backends.cudnn.allow_tf32 is False
    assert torch.get_num_threads() == 1
    with pytest.raises(ValueError, match="oracle device must be one of auto, cpu, cuda, got 'tpu'"):
        oracle.configure("tpu")


def test_configure_is_deterministic_without_importing_the_compiler():
    # A fresh interpreter: this one may have imported anything already.
    code = (
        "import sys, torch\n"
        "from autograder import oracle\n"
        "assert not torch.are_deterministic_algorithms_enabled()\n"
        "oracle.configure('cpu')\n"
        "print(torch.are_deterministic_algorithms_enabled(), 'torch._inductor' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    assert done.stdout.split() == ["True", "False"]


def test_the_lecture_worked_examples():
    zero = np.zeros(1)
    np.testing.assert_array_equal(oracle.conv2d_forward(image(LECTURE_X4), image(K1), zero)[0, 0], [[-1, 4], [6, 16]])
    two = oracle.conv2d_forward(image(LECTURE_X4), np.stack([K1, K2])[:, np.newaxis], np.zeros(2))
    np.testing.assert_array_equal(two[0, 1], [[16, -6], [7, 11]])
    np.testing.assert_array_equal(oracle.conv2d_forward(image(LECTURE_X5), image(K1), zero, 2)[0, 0], [[10, -5], [8, 3]])
    np.testing.assert_array_equal(
        oracle.conv2d_forward(image(LECTURE_X5), image(K1), zero, 1)[0, 0], [[10, 2, -5], [4, 9, 3], [8, 5, 3]]
    )
    np.testing.assert_array_equal(oracle.max_pool_forward(image(POOL_X), 2, 2)[0, 0], [[3, 4], [4, 3]])
    np.testing.assert_array_equal(oracle.avg_pool_forward(image(POOL_X), 2, 2)[0, 0], [[2, 2], [3, 1]])
    np.testing.assert_array_equal(
        oracle.dilate(np.array([[1.0, 2, 3], [4, 5, 6]]), 3),
        [[1, 0, 0, 2, 0, 0, 3], [0] * 7, [0] * 7, [4, 0, 0, 5, 0, 0, 6]],
    )
    dice = np.full(6, 1 / 6)
    assert oracle.conv1d_full(dice, dice)[2] == pytest.approx(3 / 36, abs=1e-15)
    np.testing.assert_allclose(oracle.conv1d_full([1.0, 2, 3], [0.0, 1, 0.5]), [0, 1, 2.5, 4, 1.5], atol=1e-15)
    assert (oracle.conv_output_size(5, 3, 2), oracle.conv_output_size(4, 3, 1, 1), oracle.pool_output_size(7, 2, 2)) == (2, 4, 3)
    assert oracle.classic_kernels()["blur"][0, 0] == 1 / 9
    conv, relu, pool = oracle.conv_relu_pool(np.ones((80, 80, 3)), oracle.classic_kernels()["sobel_x"])
    assert (conv.shape, relu.shape, pool.shape) == ((1, 1, 78, 78), (1, 1, 78, 78), (1, 1, 39, 39))


def test_backward_rules_the_lecture_states():
    # Docstring example: only z[0, 0] matters, so delta_out holds w top-left, dw = x[:2, :2], db = [1].
    x, w = np.arange(1.0, 10.0).reshape(1, 1, 3, 3), np.array([[[[1.0, 2], [3, 4]]]])
    delta_out, dw, db = oracle.conv2d_backward(np.array([[[[1.0, 0], [0, 0]]]]), x, w)
    np.testing.assert_array_equal(delta_out[0, 0], [[1, 2, 0], [3, 4, 0], [0, 0, 0]])
    np.testing.assert_array_equal(dw[0, 0], [[1, 2], [4, 5]])
    np.testing.assert_array_equal(db, [1])
    # Max pooling: a tie goes to the first maximum in row-major order; overlapping windows add.
    tie = image(np.array([[2.0, 2], [2, 1]]))
    np.testing.assert_array_equal(oracle.max_pool_backward(np.array([[[[5.0]]]]), tie, 2, 2)[0, 0], [[5, 0], [0, 0]])
    row = image(np.array([[0.0, 3, 1]]).repeat(2, axis=0))
    np.testing.assert_array_equal(oracle.max_pool_backward(np.array([[[[1.0, 2]]]]), row, 2, 1)[0, 0], [[0, 3, 0], [0, 0, 0]])
    np.testing.assert_array_equal(oracle.avg_pool_backward(np.array([[[[8.0]]]]), np.zeros((1, 1, 2, 2)), 2, 2)[0, 0], [[2, 2], [2, 2]])
    # ReLU passes no gradient at exactly 0.
    np.testing.assert_array_equal(oracle.relu_backward(np.array([5.0, 6, 7]), np.array([-1.0, 0, 2])), [0, 0, 7])
    loss, dlogits = oracle.softmax_cross_entropy(np.array([[0.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(np.log(2), abs=1e-15)
    np.testing.assert_allclose(dlogits, [[0.5, -0.5]], atol=1e-15)


def test_written_out_cross_entropy_matches_torch_loss_and_gradient():
    # The oracle's loss on CUDA, checked here on CPU tensors against F.cross_entropy.
    import torch

    rng = np.random.default_rng(5)
    for scale in (1.0, 1000.0):  # logits in the thousands: log_softmax keeps both finite
        logits = rng.standard_normal((7, 10)) * scale
        target = torch.as_tensor(rng.integers(0, 10, size=7))
        ours, theirs = (torch.tensor(logits, requires_grad=True) for _ in range(2))
        written = oracle.mean_cross_entropy(ours, target)
        library = torch.nn.functional.cross_entropy(theirs, target)
        (ours_grad,), (theirs_grad,) = torch.autograd.grad(written, ours), torch.autograd.grad(library, theirs)
        assert written.item() == pytest.approx(library.item(), rel=1e-14, abs=1e-14)
        np.testing.assert_allclose(ours_grad.numpy(), theirs_grad.numpy(), rtol=1e-13, atol=1e-16)
    with pytest.raises(IndexError, match="Target 10 is out of bounds"):
        oracle.mean_cross_entropy(torch.zeros((2, 10), dtype=torch.float64), torch.tensor([3, 10]))


def test_results_are_float64_numpy_copies():
    x = np.ones((1, 1, 3, 3), dtype=np.float32)
    out = oracle.conv2d_forward(x, np.ones((1, 1, 2, 2)), np.zeros(1))
    assert type(out) is np.ndarray and out.dtype == np.float64
    out[...] = 7
    assert (x == 1).all()


REFERENCE = InProcessCaller("reference", ("numpy",))


def _reference_call(target, args, kwargs):
    """What the reference returns, called as the sandbox child calls a student's code."""
    outcome = REFERENCE.call(target, *args, **kwargs)
    if not outcome.ok:
        raise ValueError(f"{target}: {outcome.status} {outcome.error_type}: {outcome.error}")
    return outcome.value


def _assert_same(ours, theirs, where):
    if isinstance(ours, dict):
        assert list(ours) == list(theirs), where
        for key in ours:
            _assert_same(ours[key], theirs[key], f"{where}[{key}]")
    elif isinstance(ours, (tuple, list)):
        assert len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _assert_same(a, b, f"{where}[{i}]")
    else:
        np.testing.assert_allclose(np.asarray(theirs, dtype=float), np.asarray(ours, dtype=float), rtol=1e-10, atol=1e-12, err_msg=where)


@pytest.mark.parametrize("seed", [2021, 31337])
def test_the_oracle_agrees_with_the_reference_on_every_case(seed):
    checked = 0
    for exercise in REGISTRY.values():
        for check in exercise.checks:
            if check.gradcheck:
                continue
            for n, case in enumerate(check.cases(case_rng(seed, exercise.id, check.id))):
                if case.expect_error:
                    assert REFERENCE.call(check.target, *case.args, **case.kwargs).raised(case.expect_error)
                    continue
                theirs = _reference_call(check.target_of(case), case.args, case.kwargs)
                if case.pick is not None:
                    theirs = theirs[case.pick]
                _assert_same(check.expected(case), theirs, f"{exercise.id}/{check.id}/{n}")
                checked += 1
    assert checked > 100


def test_lenet_params_load_by_state_dict_key():
    from autograder.exercises.lenet import digits, random_params

    rng = np.random.default_rng(5)
    params = random_params(rng)
    assert list(params) == list(oracle.LENET_PARAM_SHAPES) == list(reference.lenet.PARAM_SHAPES)
    net = oracle.lenet_module(params)
    assert list(net.state_dict()) == list(params)
    with pytest.raises(RuntimeError):
        oracle.lenet_module({**params, "fc4.weight": np.zeros((1, 1))})
    x = digits(rng, 2)
    _assert_same(oracle.lenet_forward(params, x), _reference_call("LeNet.forward", (params, x), {}), "forward")


# --- part 6: the figures the lecture and the literature quote ---------------------------------------


def test_the_classic_networks_figures():
    from autograder.exercises.networks import ALEXNET, LENET, VGG16

    # VGG-16: 138,357,544 parameters (Simonyan and Zisserman), three quarters of them in fc6.
    total, per_layer = oracle.parameter_count((3, 224, 224), VGG16)
    assert total == 138_357_544 == reference.parameter_count((3, 224, 224), VGG16)[0]
    assert per_layer[VGG16.index({"type": "fc", "out": 4096})] == 25088 * 4096 + 4096 == max(per_layer)
    # The lecture's AlexNet: 227 in gives its 96x55x55 ... 256x6x6 table and about 60 million
    # parameters (62,378,344 without the original's two GPU groups); the 224 it writes gives 54.
    shapes = oracle.network_shapes((3, 227, 227), ALEXNET)
    assert shapes[:8] == ((96, 55, 55), (96, 27, 27), (256, 27, 27), (256, 13, 13), (384, 13, 13), (384, 13, 13), (256, 13, 13), (256, 6, 6))
    assert oracle.parameter_count((3, 227, 227), ALEXNET)[0] == 62_378_344
    assert oracle.network_shapes((3, 224, 224), ALEXNET)[0] == (96, 54, 54)
    assert oracle.parameter_count((3, 224, 224), ALEXNET)[0] == 50_844_008
    # Its "65,000 neurons" are 659,272 outputs of the conv and fc layers: about 650,000.
    layers = [layer["type"] for layer in ALEXNET]
    assert sum(int(np.prod(s)) for kind, s in zip(layers, shapes) if kind in ("conv", "fc")) == 659_272
    assert oracle.parameter_count((1, 32, 32), LENET)[0] == 61_706
    # VGG's argument: stacked 3x3 convolutions see 3, 5, 7 pixels; the whole VGG-16 stack 212, AlexNet's 195.
    conv3 = {"type": "conv", "out_channels": 1, "kernel": 3}
    assert [oracle.receptive_field([conv3] * n) for n in (1, 2, 3)] == [3, 5, 7]
    assert oracle.receptive_field(VGG16[:-4]) == reference.receptive_field(VGG16[:-4]) == 212
    assert oracle.receptive_field(ALEXNET[:8]) == reference.receptive_field(ALEXNET[:8]) == 195
