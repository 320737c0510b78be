"""classic_kernels and conv_relu_pool: the lecture's nine kernels and its colour-image demo."""
import numpy as np
import pytest

from . import mistakes, oracles
from .feedback import call_student, check_array, describe_call, fail

# The lecture's table, row by row.
NINE_KERNELS = {
    "sharpness": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "vertical_edge": [[0, 0, 0], [-1, 2, -1], [0, 0, 0]],
    "surround": [[1, 1, 1], [1, -9, 1], [1, 1, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "horizontal_edge": [[0, -1, 0], [0, 2, 0], [0, -1, 0]],
    "blur": [[1 / 9] * 3] * 3,
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "emboss": [[2, 0, 0], [0, -1, 0], [0, 0, -1]],
}
SWAPPED_WITH = {
    "vertical_edge": "horizontal_edge",
    "horizontal_edge": "vertical_edge",
    "sobel_x": "sobel_y",
    "sobel_y": "sobel_x",
}


def expected_kernel(name):
    return np.array(NINE_KERNELS[name], dtype=np.float64)


@pytest.mark.classic_kernels
def test_classic_kernels_has_the_nine_names(impl):
    kernels = impl.classic_kernels()
    if not isinstance(kernels, dict) or set(kernels) != set(NINE_KERNELS):
        names = sorted(kernels) if isinstance(kernels, dict) else type(kernels).__name__
        fail(f"classic_kernels(): expected a dict with the keys {sorted(NINE_KERNELS)}, got {names}.")


@pytest.mark.classic_kernels
@pytest.mark.parametrize("name", list(NINE_KERNELS))
def test_classic_kernel_values(impl, name):
    got = impl.classic_kernels().get(name)
    known = []
    if name in SWAPPED_WITH:
        other = SWAPPED_WITH[name]
        known.append((f"that is {other}: the name says which LINES the kernel finds, not which way its numbers run.",
                      expected_kernel(other)))
    if name == "blur":
        known.append(("0.11 is the lecture's rounded print: use exactly 1/9.", np.full((3, 3), 0.11)))
    check_array(f'classic_kernels()["{name}"]', got, expected_kernel(name), mistakes=known, rtol=0, atol=0)


@pytest.mark.classic_kernels
def test_blur_is_exactly_one_ninth(impl):
    blur = impl.classic_kernels()["blur"]
    check_array('classic_kernels()["blur"]', blur, np.full((3, 3), 1 / 9), rtol=0, atol=0,
                mistakes=[("0.11 is the lecture's rounded print: use exactly 1/9.", np.full((3, 3), 0.11))])


def run_demo(impl, image, kernel):
    what = describe_call("conv_relu_pool", image=image, kernel=kernel)
    result = call_student(what, impl.conv_relu_pool, {"image": image, "kernel": kernel})
    if not isinstance(result, tuple) or len(result) != 3:
        fail(f"{what}: expected a tuple (conv, relu, pool), got {type(result).__name__}"
             + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "") + ".")
    return what, result


def check_demo(what, result, image, kernel):
    expected = oracles.conv_relu_pool(image.transpose(2, 0, 1), kernel)
    for stage, (got, want) in enumerate(zip(result, expected)):
        label = ("conv", "relu", "pool")[stage]

        def wrong_answers(stage=stage):
            return [(explanation, triple[stage]) for explanation, triple in mistakes.conv_relu_pool(image, kernel)]

        check_array(f"{what}, its {label} output", got, want, mistakes=wrong_answers,
                    hint="move the channel axis first with image.transpose(2, 0, 1)[None]; the filter is (1, 3, 3, 3).")


@pytest.mark.conv_relu_pool
def test_colour_demo_80x80(impl):
    # An 80x80 colour image as OpenCV reads it: (H, W, C) with channels B, G, R.
    image = np.random.default_rng(80).integers(0, 256, size=(80, 80, 3)).astype(np.float64)
    kernel = expected_kernel("sobel_x")
    what, result = run_demo(impl, image, kernel)
    shapes = tuple(np.shape(stage) for stage in result)
    if shapes != ((1, 1, 78, 78), (1, 1, 78, 78), (1, 1, 39, 39)):
        fail(f"{what}: expected shapes conv (1, 1, 78, 78), relu (1, 1, 78, 78), pool (1, 1, 39, 39), got {shapes}.")
    check_demo(what, result, image, kernel)


@pytest.mark.conv_relu_pool
def test_colour_demo_non_square(impl):
    # H != W and an asymmetric kernel, so swapped axes and a flipped kernel show.
    image = np.random.default_rng(13).normal(size=(9, 12, 3))
    kernel = expected_kernel("emboss")
    what, result = run_demo(impl, image, kernel)
    check_demo(what, result, image, kernel)
