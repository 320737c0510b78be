"""Moving, turning and resizing digits: the lecture's question of invariance, as image transforms.

Provided whole, in numpy; part 6 uses them to measure how far a trained LeNet still
recognises a digit that is shifted, rotated or scaled, and to train one that has seen such
digits. Every function takes images (N, C, H, W) and returns new images of the same shape;
what moves in from outside the image is 0 (the background), what moves out is lost.

    from assignments.transforms import rotate, scale, shift
    rotate(x_test, 90)      # every digit turned 90 degrees anticlockwise about the image centre
    scale(x_test, 0.5)      # half the size, still centred
    shift(x_test, 8)        # 8 pixels to the right
"""
import numpy as np


def shift(images, dx, dy=0):
    """Move each image dx pixels to the right and dy pixels down (whole pixels; negative: left, up).

    Example: shift([[[[1, 2, 3]]]], 1) == [[[[0, 1, 2]]]]
    """
    images = np.asarray(images)
    h, w = images.shape[-2:]
    out = np.zeros_like(images)
    dx, dy = int(dx), int(dy)
    if abs(dx) >= w or abs(dy) >= h:
        return out
    out[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = images[..., max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def rotate(images, degrees):
    """Turn each image by `degrees` anticlockwise (as seen on the screen) about its centre.

    degrees: one angle for every image, or one per image (N,). Pixels are interpolated
    bilinearly; a quarter turn moves pixels exactly (rotate(x, 90) equals np.rot90 of each
    square image).
    """
    angle = np.deg2rad(np.asarray(degrees, dtype=np.float64))
    cos, sin = np.cos(angle), np.sin(angle)
    # Output pixel (row, col) shows the input at R(-angle) applied about the centre. Rows grow
    # downwards, so "anticlockwise on screen" turns (col, -row) by +angle.
    return affine(images, np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2))


def scale(images, factor):
    """Resize each image's content by `factor` about its centre (0.5: half as large), same image size.

    factor: one number for every image, or one per image (N,).
    """
    factor = np.asarray(factor, dtype=np.float64)
    inverse = 1.0 / factor
    zero = np.zeros_like(inverse)
    return affine(images, np.stack([np.stack([inverse, zero], -1), np.stack([zero, inverse], -1)], -2))


def affine(images, matrix, offset=None):
    """The general map behind rotate and scale: out[..., p] = in[..., centre + matrix @ (p - centre) + offset].

    p = (row, col) of an output pixel; the centre is ((H - 1) / 2, (W - 1) / 2). matrix is
    (2, 2), or (N, 2, 2) with one per image; offset (2,) or (N, 2), default 0. The input is
    read with bilinear interpolation; points outside it read 0.
    """
    images = np.asarray(images)
    n, c, h, w = images.shape
    matrix = np.broadcast_to(np.asarray(matrix, dtype=np.float64), (n, 2, 2))
    offset = np.zeros((n, 2)) if offset is None else np.broadcast_to(np.asarray(offset, dtype=np.float64), (n, 2))
    centre = np.array([(h - 1) / 2, (w - 1) / 2])
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    grid = np.stack([rows.ravel(), cols.ravel()]) - centre[:, None]  # (2, H*W)
    source = np.einsum("nij,jp->nip", matrix, grid) + (centre + offset)[:, :, None]  # (N, 2, H*W)
    top, left = np.floor(source[:, 0]), np.floor(source[:, 1])
    down, right = source[:, 0] - top, source[:, 1] - left
    out = np.zeros((n, c, h * w))
    for row_step, row_weight in ((0, 1 - down), (1, down)):
        for col_step, col_weight in ((0, 1 - right), (1, right)):
            r, q = (top + row_step).astype(int), (left + col_step).astype(int)
            inside = (r >= 0) & (r < h) & (q >= 0) & (q < w)
            flat = np.where(inside, r * w + q, 0)
            values = np.take_along_axis(images.reshape(n, c, h * w), np.broadcast_to(flat[:, None], (n, c, h * w)), axis=2)
            out += values * (row_weight * col_weight * inside)[:, None]
    return out.reshape(n, c, h, w).astype(np.result_type(images, np.float32), copy=False)


def random_transforms(images, rng, max_shift=8, max_degrees=180.0, scales=(0.5, 1.5)):
    """Each image moved, turned or resized at random, one of the three chosen per image: a
    horizontal shift of up to max_shift pixels either way, or a rotation of up to max_degrees
    either way, or a scale drawn uniformly from scales. What part 6 trains its augmented
    LeNet on (all three at once on every image is more than LeNet learns from 4,000 digits)."""
    n = len(images)
    kind = rng.integers(0, 3, size=n)
    angle = np.deg2rad(np.where(kind == 1, rng.uniform(-max_degrees, max_degrees, size=n), 0.0))
    inverse = 1.0 / np.where(kind == 2, rng.uniform(*scales, size=n), 1.0)
    dx = np.where(kind == 0, rng.integers(-max_shift, max_shift + 1, size=n), 0)
    cos, sin = np.cos(angle) * inverse, np.sin(angle) * inverse
    matrix = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)
    return affine(images, matrix, np.stack([np.zeros(n), -dx.astype(np.float64)], -1))
