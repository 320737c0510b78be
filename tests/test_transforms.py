"""The course's image transforms (assignments/transforms.py, provided whole): exact where they must
be, and PyTorch's bilinear sampling everywhere else."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from assignments.transforms import affine, random_transforms, rotate, scale, shift


@pytest.fixture
def images():
    return np.random.default_rng(0).random((3, 2, 9, 9))


def test_quarter_turns_and_identities_are_exact(images):
    assert np.array_equal(rotate(images, 0), images) and np.array_equal(scale(images, 1.0), images)
    np.testing.assert_allclose(rotate(images, 90), np.rot90(images, axes=(2, 3)), atol=1e-12)  # anticlockwise
    np.testing.assert_allclose(rotate(images, 180), images[..., ::-1, ::-1], atol=1e-12)
    np.testing.assert_allclose(rotate(images, [90, 0, -90]), np.stack([np.rot90(images[0], axes=(1, 2)), images[1], np.rot90(images[2], k=-1, axes=(1, 2))]), atol=1e-12)


def test_shift_moves_whole_pixels_and_fills_with_zeros():
    row = np.array([[[[1.0, 2.0, 3.0, 4.0]]]])
    assert shift(row, 1).tolist() == [[[[0.0, 1.0, 2.0, 3.0]]]]
    assert shift(row, -2).tolist() == [[[[3.0, 4.0, 0.0, 0.0]]]]
    assert shift(row, 4).tolist() == [[[[0.0, 0.0, 0.0, 0.0]]]]
    column = row.transpose(0, 1, 3, 2)
    assert shift(column, 0, 1)[0, 0, :, 0].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert np.array_equal(affine(row, np.eye(2), [0, -1]), shift(row, 1))


@pytest.mark.parametrize("degrees, factor", [(30, 1.0), (-75, 1.0), (0, 0.6), (0, 1.4), (40, 0.8)])
def test_rotation_and_scale_sample_like_torch_grid_sample(images, degrees, factor):
    turned = scale(images, factor) if degrees == 0 else rotate(images, degrees)
    if degrees and factor != 1.0:
        turned = affine(images, _matrix(degrees, factor))
    np.testing.assert_allclose(turned, _torch_affine(images, _matrix(degrees, factor)), atol=1e-12)


def _matrix(degrees, factor):
    angle = np.deg2rad(degrees)
    return np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]]) / factor


def _torch_affine(images, matrix):
    """grid_sample reads (x, y) = (col, row) in [-1, 1], pixel centres at the ends (align_corners=True)."""
    theta = torch.tensor([[[matrix[1, 1], matrix[1, 0], 0.0], [matrix[0, 1], matrix[0, 0], 0.0]]], dtype=torch.float64)
    x = torch.tensor(images)
    grid = F.affine_grid(theta.expand(len(images), 2, 3), list(x.shape), align_corners=True)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True).numpy()


def test_random_transforms_apply_one_transformation_per_image():
    digit = np.zeros((1, 1, 32, 32))
    digit[0, 0, 10:22, 14:18] = 1.0
    batch = digit.repeat(300, axis=0)
    moved = random_transforms(batch, np.random.default_rng(1))
    assert moved.shape == batch.shape and moved.dtype == np.float64
    ink = moved.sum(axis=(1, 2, 3))
    assert len({round(float(v), 6) for v in ink}) > 50  # scales and rotations change the ink, shifts keep it
    assert np.array_equal(random_transforms(batch, np.random.default_rng(1)), moved)  # seeded
