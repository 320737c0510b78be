"""LeNet: the same network in PyTorch is the oracle for its parameters, forward and backward."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from .feedback import call_student, check_array, fail

BATCH = 3
STALE = "the OLD parameters were used: read self.params[...] inside forward and backward, not copies taken earlier."


class TorchLeNet(nn.Module):
    """The lecture's LeNet-5 as the course builds it: ReLU after each conv and hidden FC, 2x2 max pools."""

    def __init__(self, flatten_hwc=False):
        super().__init__()
        self.flatten_hwc = flatten_hwc  # the flatten-order mistake, for diagnosis
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2, 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2, 2)
        x = torch.flatten(x.permute(0, 2, 3, 1) if self.flatten_hwc else x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def torch_net(params, flatten_hwc=False):
    """A float64 TorchLeNet holding copies of the numpy params."""
    net = TorchLeNet(flatten_hwc).double()
    net.load_state_dict({name: torch.tensor(np.asarray(value, dtype=np.float64)) for name, value in params.items()})
    return net


def torch_forward_backward(params, x, dlogits, flatten_hwc=False):
    """(logits, grads) of the torch network with these params; grads of sum(logits * dlogits)."""
    net = torch_net(params, flatten_hwc)
    logits = net(torch.tensor(x))
    logits.backward(torch.tensor(dlogits))
    grads = {name: p.grad.numpy().copy() for name, p in net.named_parameters()}
    return logits.detach().numpy().copy(), grads


def fresh_params(seed):
    """Parameters in the state_dict layout, from PyTorch's own initialisation."""
    torch.manual_seed(seed)
    return {name: value.double().numpy().copy() for name, value in TorchLeNet().state_dict().items()}


def inputs(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(BATCH, 1, 32, 32)), rng.normal(size=(BATCH, 10)) / BATCH


def forward(net, x):
    return call_student(f"LeNet.forward(x {x.shape})", net.forward, {"x": x})


def forward_backward(net, x, dlogits):
    logits = forward(net, x)
    grads = call_student(f"LeNet.backward(dlogits {dlogits.shape})", net.backward, {"dlogits": dlogits})
    if not isinstance(grads, dict):
        fail(f"LeNet.backward returned {type(grads).__name__}; expected a dict keyed like self.params.")
    return logits, grads


def check_grads(what, grads, expected):
    if list(grads) != list(expected):
        fail(f"{what}: gradient keys {list(grads)}, expected {list(expected)} (the keys of self.params, in order).")
    for name, want in expected.items():
        check_array(f"{what}: grads['{name}']", grads[name], want,
                    mistakes=[("the gradient was averaged over the batch again: dlogits already carries the 1/N.",
                               want / BATCH)],
                    hint="run the layers in reverse, each with its own backward; sum weight gradients over the batch.")


@pytest.mark.lenet
def test_params_match_the_torch_state_dict(impl):
    net = impl.LeNet(seed=0)
    state = TorchLeNet().state_dict()
    expected = {name: tuple(value.shape) for name, value in state.items()}
    got = {name: np.shape(value) for name, value in net.params.items()}
    if list(got.items()) != list(expected.items()):
        fail(f"LeNet().params: expected {expected}, got {got}.")
    x, dlogits = inputs(1)
    _, grads = forward_backward(net, x, dlogits)
    shapes = {name: np.shape(value) for name, value in grads.items()}
    if list(shapes.items()) != list(expected.items()):
        fail(f"LeNet.backward: expected gradients keyed and shaped like the params {expected}, got {shapes}.")


@pytest.mark.lenet
def test_init_bounds_are_one_over_sqrt_fan_in(impl):
    net = impl.LeNet(seed=3)
    for name, value in TorchLeNet().state_dict().items():
        layer = name.split(".")[0]
        fan_in = int(np.prod(net.params[f"{layer}.weight"].shape[1:]))
        bound = 1.0 / np.sqrt(fan_in)
        param = np.asarray(net.params[name])
        if np.abs(param).max() > bound or not param.any():
            fail(f"LeNet().params['{name}']: values must be uniform in +-1/sqrt(fan_in) = +-{bound:.4f} "
                 f"(fan_in {fan_in}, as PyTorch initialises); got values in [{param.min():.4f}, {param.max():.4f}].")
    # A freshly initialised network must already run (its values are checked in the forward tests).
    x, _ = inputs(2)
    logits = forward(net, x)
    if np.shape(logits) != (BATCH, 10) or not np.all(np.isfinite(logits)):
        fail(f"LeNet(seed=3).forward(x {x.shape}): expected finite logits of shape ({BATCH}, 10), "
             f"got shape {np.shape(logits)}.")


FLATTEN_HWC = ("the (N, 16, 5, 5) maps were flattened in (H, W, C) order; flatten in (C, H, W) order: "
               "s2.reshape(N, 400), as torch.flatten does.")
LAYERS = ("conv1 -> ReLU -> pool -> conv2 -> ReLU -> pool -> flatten in (C, H, W) order -> "
          "fc1 -> ReLU -> fc2 -> ReLU -> fc3, with y = x @ W.T + b.")


@pytest.mark.lenet
def test_forward_matches_torch(impl):
    net = impl.LeNet(seed=4)
    x, _ = inputs(4)
    no_grad = np.zeros((BATCH, 10))
    expected, _ = torch_forward_backward(net.params, x, no_grad)
    check_array("LeNet(seed=4).forward(x (3, 1, 32, 32))", forward(net, x), expected, hint=LAYERS,
                mistakes=lambda: [(FLATTEN_HWC, torch_forward_backward(net.params, x, no_grad, flatten_hwc=True)[0])])


@pytest.mark.lenet
def test_backward_matches_torch_autograd(impl):
    net = impl.LeNet(seed=5)
    x, dlogits = inputs(5)
    expected_logits, expected_grads = torch_forward_backward(net.params, x, dlogits)
    logits, grads = forward_backward(net, x, dlogits)
    check_array("LeNet(seed=5).forward(x (3, 1, 32, 32))", logits, expected_logits, hint=LAYERS)
    check_grads("LeNet(seed=5).backward(dlogits (3, 10))", grads, expected_grads)


@pytest.mark.lenet
def test_forward_reads_params_at_call_time(impl):
    net = impl.LeNet(seed=0)
    x, _ = inputs(6)
    no_grad = np.zeros((BATCH, 10))
    before = forward(net, x)
    net.params["fc3.bias"] = net.params["fc3.bias"] + 1.0
    after = forward(net, x)
    check_array("LeNet.forward after params['fc3.bias'] was replaced by fc3.bias + 1", after, np.asarray(before) + 1.0,
                mistakes=[(STALE, before)])
    net.params["conv1.weight"] = fresh_params(7)["conv1.weight"]
    expected, _ = torch_forward_backward(net.params, x, no_grad)
    now = forward(net, x)
    check_array("LeNet.forward after params['conv1.weight'] was replaced", now, expected, mistakes=[(STALE, after)])
    net.params = fresh_params(8)
    expected, _ = torch_forward_backward(net.params, x, no_grad)
    check_array("LeNet.forward after self.params was replaced by a new dict", forward(net, x), expected,
                mistakes=[(STALE, now)])


@pytest.mark.lenet
def test_backward_reads_params_at_call_time(impl):
    net = impl.LeNet(seed=0)
    x, dlogits = inputs(8)
    stale_logits, _ = forward_backward(net, x, dlogits)
    stale = {name: np.array(value, copy=True) for name, value in net.params.items()}
    for name, value in fresh_params(9).items():
        net.params[name] = value
    logits, grads = forward_backward(net, x, dlogits)
    expected_logits, expected_grads = torch_forward_backward(net.params, x, dlogits)
    check_array("LeNet.forward after every entry of self.params was replaced", logits, expected_logits,
                mistakes=[(STALE, stale_logits)])
    _, stale_grads = torch_forward_backward(stale, x, dlogits)
    if list(grads) == list(stale_grads) and all(np.allclose(grads[k], stale_grads[k]) for k in grads):
        fail(f"LeNet.backward after every entry of self.params was replaced: {STALE}")
    check_grads("LeNet.backward after every entry of self.params was replaced", grads, expected_grads)
