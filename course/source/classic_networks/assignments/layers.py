# Generated from reference/ by `convlab release`. This is your copy to edit: replace
# each TODO(student) and the raise below it with your implementation.
"""ReLU and the softmax cross-entropy loss: the pieces around the convolutions."""
import numpy as np


def relu_forward(z):
    """ReLU: max(z, 0), elementwise. Shape unchanged.

    Example: relu_forward(np.array([-1.0, 0.0, 2.0])) == [0, 0, 2]
    """
    # TODO(student): implement relu_forward — see the docstring above.
    raise NotImplementedError("relu_forward: not implemented yet")


def relu_backward(delta_in, z):
    """Backward pass of ReLU: delta_in where z > 0, else 0.

    Shapes: delta_in and z (the forward INPUT) have the same shape; so has the result.
    At z == 0 exactly the gradient is 0, as in PyTorch.

    Example: relu_backward(np.array([5., 6., 7.]), np.array([-1., 0., 2.])) == [0, 0, 7]

    Common mistake: using z >= 0, which passes the gradient at 0.
    """
    # TODO(student): implement relu_backward — see the docstring above.
    raise NotImplementedError("relu_backward: not implemented yet")


def softmax_cross_entropy(logits, labels):
    """Mean softmax cross-entropy loss over a batch, and its gradient.

    Shapes: logits (N, K), labels (N,) integers in [0, K) -> (loss: float, dlogits (N, K)).

    Formula: p = softmax(logits) row by row; loss = -mean_n log p[n, labels[n]];
        dlogits = (p - onehot(labels)) / N     (the 1/N because the loss is a mean).
    Numerically stable: subtract each row's maximum before exp, and compute
    log p as (logits - max) - log(sum(exp(logits - max))), so logits in the
    thousands give finite results.

    Example: logits [[0, 0]] and labels [1]: loss = log 2 = 0.693..., dlogits = [[0.5, -0.5]].

    Common mistakes: exp() of raw logits (overflow to inf/nan for large logits);
    forgetting the 1/N in dlogits.
    """
    # TODO(student): implement softmax_cross_entropy — see the docstring above.
    raise NotImplementedError("softmax_cross_entropy: not implemented yet")
