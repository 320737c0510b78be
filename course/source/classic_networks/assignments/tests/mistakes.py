"""Known mistakes, each as the wrong answer it produces: (explanation, wrong_answer) pairs.

A failing check compares the student's result with these; a match names the misconception.
The wrong answers come from PyTorch (or a few lines of numpy written here), never from the
solutions.
"""
import numpy as np

from . import oracles

FLIPPED_KERNEL = (
    "you flipped the kernel: conv layers use cross-correlation (no flip); "
    "flipping is the warm-up's true convolution."
)


def _rotated(w):
    return np.asarray(w)[..., ::-1, ::-1]


def conv1d_full(f, g):
    return [
        ("g slides without being reversed: that is cross-correlation; true convolution flips one sequence.",
         oracles.conv1d_full(f, np.asarray(g, dtype=np.float64)[::-1])),
    ]


def pad2d(x, padding):
    return [
        ("every axis was padded (np.pad(x, P) pads batch and channels too); pad only the last two axes.",
         np.pad(x, padding)),
        ("zeros were added on one side only; P zeros go on EACH side.",
         np.pad(x, [(0, 0)] * (x.ndim - 2) + [(padding, 0), (padding, 0)])),
        ("zeros were added on one side only; P zeros go on EACH side.",
         np.pad(x, [(0, 0)] * (x.ndim - 2) + [(0, padding), (0, padding)])),
    ]


def conv2d_forward(x, w, b, stride, padding):
    n_in = x.shape[1]
    known = [
        (FLIPPED_KERNEL, oracles.conv2d(x, _rotated(w), b, stride, padding)),
        ("the bias is missing: add b[m] once to every output of filter m.",
         oracles.conv2d(x, w, np.zeros_like(b), stride, padding)),
    ]
    if n_in > 1:
        known.append(("the bias was added once per input channel; a filter has ONE bias, added once.",
                      oracles.conv2d(x, w, b * n_in, stride, padding)))
    if stride > 1:
        known.append(("the stride was ignored: the window must move S positions at a time.",
                      oracles.conv2d(x, w, b, 1, padding)))
    fits_unpadded = x.shape[2] >= w.shape[2] and x.shape[3] >= w.shape[3]
    if padding > 0 and fits_unpadded:
        known.append(("the padding is missing: pad P zeros on each side before sliding the kernel.",
                      oracles.conv2d(x, w, b, stride, 0)))
    return known


def rot180(w):
    return [
        ("that is a transpose (rows became columns); rot180 flips up-down AND left-right.", np.swapaxes(w, -1, -2)),
        ("it was flipped up-down only; rot180 also flips left-right.", w[..., ::-1, :]),
        ("it was flipped left-right only; rot180 also flips up-down.", w[..., :, ::-1]),
    ]


def dilate(delta, stride):
    m, n = delta.shape[-2:]
    too_big = np.zeros(delta.shape[:-2] + (m * stride, n * stride), dtype=delta.dtype)
    too_big[..., ::stride, ::stride] = delta
    return [
        ("you made it (M*S) x (N*S), as the lecture's prose says; its worked example has no zeros after the"
         " last value: ((M-1)*S + 1) x ((N-1)*S + 1).", too_big),
    ]


def conv2d_backward_delta_out(delta_in, x, w, stride, padding):
    known = [
        ("delta_out matches the UNROTATED kernel: correlate the padded delta with rot180(w), not with w.",
         oracles.conv2d_grads(delta_in, x, _rotated(w), stride, padding)[0]),
    ]
    if padding > 0:
        full = oracles.conv2d_padded_input_grad(delta_in, x, w, stride, padding)
        h, wid = x.shape[2:]
        known += [
            ("the padding was not cropped: delta_out must have the input's shape; crop P from EACH side.", full),
            ("the padding was cropped from one side only (2P from the bottom/right); crop P from each side.",
             full[:, :, :h, :wid]),
            ("the padding was cropped from one side only (2P from the top/left); crop P from each side.",
             full[:, :, 2 * padding:, 2 * padding:]),
        ]
    return known


def conv2d_backward_dw(delta_in, x, w, stride, padding):
    _, dw, _ = oracles.conv2d_grads(delta_in, x, w, stride, padding)
    return [
        ("dw was rotated by 180 degrees: dw = A * delta_in is a plain cross-correlation, no rotation.", _rotated(dw)),
        ("dw was averaged over the batch: SUM over the batch (the loss already did any averaging).",
         dw / x.shape[0]),
    ]


def conv2d_backward_db(delta_in):
    n, _, h_out, w_out = delta_in.shape
    db = delta_in.sum(axis=(0, 2, 3))
    return [
        ("db was averaged over the batch: SUM delta_in over the batch and all positions.", db / n),
        ("db was averaged over positions: SUM delta_in over the batch and all positions.", db / (h_out * w_out)),
        ("db was averaged: SUM delta_in over the batch and all positions.", db / (n * h_out * w_out)),
    ]


def max_pool_forward(x, size, stride):
    known = [
        ("that is mean pooling; max pooling keeps each window's largest value.", oracles.avg_pool(x, size, stride)),
    ]
    if stride != 1:
        known.append(("the stride was ignored: windows start every S positions.", oracles.max_pool(x, size, 1)))
    return known


def _route(delta_in, x, size, stride, pick, assign):
    """Max-pool backward with a chosen rule: pick(window) -> mask of receivers; assign: = instead of +=."""
    out = np.zeros(x.shape)
    n, c, h_out, w_out = delta_in.shape
    for i in range(n):
        for j in range(c):
            for r in range(h_out):
                for s in range(w_out):
                    rows = slice(r * stride, r * stride + size)
                    cols = slice(s * stride, s * stride + size)
                    mask = pick(x[i, j, rows, cols])
                    if assign:
                        out[i, j, rows, cols][mask] = delta_in[i, j, r, s]
                    else:
                        out[i, j, rows, cols][mask] += delta_in[i, j, r, s]
    return out


def _first_max(window):
    mask = np.zeros(window.shape, dtype=bool)
    mask[np.unravel_index(np.argmax(window), window.shape)] = True
    return mask


def _last_max(window):
    flat = window.ravel()
    mask = np.zeros(flat.shape, dtype=bool)
    mask[flat.size - 1 - np.argmax(flat[::-1])] = True
    return mask.reshape(window.shape)


def max_pool_backward(delta_in, x, size, stride):
    return [
        ("overlapping windows overwrite each other (=); ADD (+=) the gradients of every window "
         "a position is the max of.",
         _route(delta_in, x, size, stride, _first_max, assign=True)),
        ("every tied maximum got the gradient (x == max marks several positions); only the FIRST maximum in"
         " row-major order gets it.", _route(delta_in, x, size, stride, lambda win: win == win.max(), assign=False)),
        ("the LAST tied maximum got the gradient; ties go to the FIRST maximum in row-major order"
         " (np.argmax does that).", _route(delta_in, x, size, stride, _last_max, assign=False)),
        ("the gradient went to every position of the window; only the maximum's position gets it.",
         _route(delta_in, x, size, stride, lambda win: np.ones(win.shape, dtype=bool), assign=False)),
        ("the gradient was spread evenly as in mean pooling; max pooling routes it to the maximum only.",
         oracles.avg_pool_grad(delta_in, x, size, stride)),
    ]


def avg_pool_forward(x, size, stride):
    known = [
        ("that is the window's SUM; divide by F*F for the mean.", oracles.avg_pool(x, size, stride) * size * size),
        ("that is max pooling; mean pooling averages each window.", oracles.max_pool(x, size, stride)),
    ]
    if stride != 1:
        known.append(("the stride was ignored: windows start every S positions.", oracles.avg_pool(x, size, 1)))
    return known


def avg_pool_backward(delta_in, x, size, stride):
    grad = oracles.avg_pool_grad(delta_in, x, size, stride)
    return [
        ("delta was copied to each window position without dividing by F*F.", grad * size * size),
        ("delta was divided by F instead of F*F (the window has F*F positions).", grad * size),
    ]


def relu_backward(delta_in, z):
    return [
        ("the gradient passed where z == 0: use z > 0, not z >= 0 (PyTorch's gradient at 0 is 0).",
         np.where(z >= 0, delta_in, 0.0)),
        ("the mask came from delta_in; it must come from the forward input z.", np.where(delta_in > 0, delta_in, 0.0)),
        ("delta_in was multiplied by relu(z); the local gradient is 1 where z > 0, else 0.",
         delta_in * oracles.relu(z)),
    ]


def softmax_cross_entropy_grad(logits, labels):
    _, dlogits = oracles.softmax_cross_entropy(logits, labels)
    return [("the 1/N is missing: the loss is a MEAN over the batch, so dlogits = (p - onehot) / N.",
             dlogits * len(labels))]


def softmax_cross_entropy_loss(logits, labels):
    loss, _ = oracles.softmax_cross_entropy(logits, labels)
    return [("that is the SUM over the batch; the loss is the mean.", loss * len(labels))]


def conv_relu_pool(image, kernel):
    """Wrong (conv, relu, pool) triples for the colour demo."""
    h, w, c = image.shape
    return [
        ("the (H, W, 3) image was reshaped to (1, 3, H, W) instead of transposed; use image.transpose(2, 0, 1)[None].",
         oracles.conv_relu_pool(image.reshape(c, h, w), kernel)),
        ("H and W were swapped: image.transpose(2, 0, 1) gives (C, H, W); transpose(2, 1, 0) gives (C, W, H).",
         oracles.conv_relu_pool(image.transpose(2, 1, 0), kernel)),
        (FLIPPED_KERNEL, oracles.conv_relu_pool(image.transpose(2, 0, 1), _rotated(kernel))),
    ]
