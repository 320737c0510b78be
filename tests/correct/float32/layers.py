"""ReLU and softmax cross-entropy in float32."""
import numpy as np


def relu_forward(z):
    z = np.asarray(z, dtype=np.float32)
    return np.clip(z, np.float32(0), None)


def relu_backward(delta_in, z):
    delta_in = np.asarray(delta_in, dtype=np.float32)
    return np.where(np.asarray(z) > 0, delta_in, np.float32(0))


def softmax_cross_entropy(logits, labels):
    logits = np.asarray(logits, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    sums = exps.sum(axis=1)
    picked = shifted[np.arange(n), labels]
    loss = float(np.mean(np.log(sums) - picked, dtype=np.float32))
    onehot = np.zeros_like(logits)
    onehot[np.arange(n), labels] = 1
    dlogits = (exps / sums[:, None] - onehot) / np.float32(n)
    return loss, dlogits.astype(np.float32)
