"""Part 4: max and mean pooling, forward and backward."""
from __future__ import annotations

from ..cells import Cell, code, markdown
from . import Context, Part

LECTURE_POOL = "[[1, 3, 0, 3], [2, 2, 4, 1], [4, 2, 0, 0], [3, 3, 3, 1]]"


def body(ctx: Context) -> list[Cell]:
    return [
        markdown(
            """
            ## 1. Pooling

            A pooling layer summarises each $F \\times F$ window, moving in steps of $S$:
            max pooling keeps the largest value, mean pooling the average. Each channel is pooled
            on its own, so the depth is unchanged, and there is nothing to learn.
            The lecture's example, $2 \\times 2$ windows with stride 2: max `[[3, 4], [4, 3]]`,
            mean `[[2, 2], [3, 1]]`.
            """
        ),
        ctx.card("max_pool"),
        ctx.card("avg_pool"),
        code(
            f"""
            x = np.array({LECTURE_POOL}, dtype=float)[None, None]  # (1, 1, 4, 4)
            show_matrices(
                [x[0, 0], max_pool_forward(x, 2, 2)[0, 0], avg_pool_forward(x, 2, 2)[0, 0]],
                ["input 4x4", "max pool 2x2, S=2", "mean pool 2x2, S=2"],
            )
            """,
            alt="Three matrices from your pooling functions: the lecture's 4x4 input, its 2x2 max pooling and its 2x2 mean pooling at stride 2.",
        ),
        markdown(
            """
            ### Max versus mean on a photo

            With $8 \\times 8$ windows the difference shows: max pooling keeps the brightest pixel of
            each window, so thin dark lines (the tripod's legs) vanish and bright ones survive;
            mean pooling blurs everything evenly.
            """
        ),
        code(
            """
            from skimage import data

            photo = data.camera()[None, None] / 255.0  # (1, 1, 512, 512)
            show_images(
                [photo[0, 0], max_pool_forward(photo, 8, 8)[0, 0], avg_pool_forward(photo, 8, 8)[0, 0]],
                ["photo 512x512", "max pool 8x8, S=8: 64x64", "mean pool 8x8, S=8: 64x64"],
                robust=False,
            )
            """,
            alt='The camera photo at 512x512 and its 64x64 versions after your 8x8 max pooling and your 8x8 mean pooling.',
        ),
        markdown(
            """
            ## 2. Pooling backward

            Max pooling sends each window's delta to the position that held the maximum (on a tie,
            the first one in row-major order, as PyTorch does on the CPU); the other positions get 0.
            Mean pooling shares it equally: each position gets $\\delta / (F \\cdot F)$. Where windows
            overlap ($S < F$), the contributions add up.
            """
        ),
        code(
            """
            delta_in = np.array([[1.0, 2.0], [3.0, 4.0]])[None, None]
            show_matrices(
                [x[0, 0], delta_in[0, 0], max_pool_backward(delta_in, x, 2, 2)[0, 0], avg_pool_backward(delta_in, x, 2, 2)[0, 0]],
                ["input", "delta_in", "max_pool_backward", "avg_pool_backward"],
            )
            tie = np.array([[5.0, 5.0], [1.0, 5.0]])[None, None]
            print("a tie: only the first maximum gets the delta:", max_pool_backward(np.ones((1, 1, 1, 1)), tie, 2, 2)[0, 0].tolist())
            """,
            alt="Four matrices from your pooling backward passes: the input, delta_in, the gradient max_pool_backward sends to each window's maximum, and the gradient avg_pool_backward spreads evenly.",
        ),
        ctx.grade("max_pool"),
        ctx.grade("avg_pool"),
    ]


PART = Part(
    name="part4_pooling",
    key="part4",
    title="Part 4 · Pooling",
    intro="""
    Max and mean pooling, forward and backward: what the lecture's LeNet uses between its
    convolutions to halve the maps, and where the gradient goes on the way back.
    """,
    exercises=("max_pool", "avg_pool"),
    body=body,
    imports="""
    from assignments.pooling import avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward
    """,
)
