"""ReLU and the softmax cross-entropy loss: the pieces around the convolutions."""
import numpy as np


def relu_forward(z):
    """ReLU: max(z, 0), elementwise. Shape unchanged.

    Example: relu_forward(np.array([-1.0, 0.0, 2.0])) == [0, 0, 2]
    """
    z = np.asarray(z)
    return np.maximum(z, 0).astype(np.result_type(z, np.float32), copy=False)


def relu_backward(delta_in, z):
    """Backward pass of ReLU: delta_in where z > 0, else 0.

    Shapes: delta_in and z (the forward INPUT) have the same shape; so has the result.
    At z == 0 exactly the gradient is 0, as in PyTorch.

    Example: relu_backward(np.array([5., 6., 7.]), np.array([-1., 0., 2.])) == [0, 0, 7]

    Common mistake: using z >= 0, which passes the gradient at 0.
    """
    delta_in = np.asarray(delta_in)
    z = np.asarray(z)
    return np.where(z > 0, delta_in, 0).astype(np.result_type(delta_in, np.float32), copy=False)


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
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels)
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = float(-log_p[rows, labels].mean())
    dlogits = np.exp(log_p)
    dlogits[rows, labels] -= 1.0
    return loss, dlogits / n
