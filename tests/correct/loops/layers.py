"""ReLU and softmax cross-entropy, one row at a time."""
import math

import numpy as np


def relu_forward(z):
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > 0, z, 0.0)


def relu_backward(delta_in, z):
    delta_in = np.asarray(delta_in, dtype=np.float64)
    z = np.asarray(z)
    return np.where(z > 0, delta_in, 0.0)


def softmax_cross_entropy(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels)
    n, k = logits.shape
    loss = 0.0
    dlogits = np.zeros((n, k))
    for i in range(n):
        row = logits[i] - np.max(logits[i])
        exps = np.exp(row)
        total = np.sum(exps)
        label = int(labels[i])
        loss -= row[label] - math.log(total)
        dlogits[i] = exps / total
        dlogits[i, label] -= 1.0
    return loss / n, dlogits / n
