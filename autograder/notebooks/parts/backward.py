"""Part 3: the backward pass of a convolution layer, as the lecture derives it."""
from __future__ import annotations

from ..cells import Cell, code, markdown
from . import Context, Part
from .sizes_forward import LECTURE_5X5

LECTURE_KERNEL = "[[1, 0, 1], [-1, 1, 0], [0, 1, -1]]"


def body(ctx: Context) -> list[Cell]:
    return [
        markdown(
            r"""
            ## 1. What flows back

            `delta_in` $= \partial J / \partial Z$ arrives from the layer above. The layer passes
            `delta_out` $= \partial J / \partial A$ on to the layer below and computes its own
            gradients `dw` and `db`. The lecture's result (formulas 8 to 15):

            - `delta_out` $= \sum_m \operatorname{pad}(\delta^{in}_m, K-1) * \operatorname{rot180}(W_m)$,
              then crop $P$ from each side when the forward pass padded;
            - `dw` $= A * \delta^{in}$ (the input cross-correlated with the delta, summed over the batch);
            - `db` $= \sum \delta^{in}$ over the batch and all positions, one value per filter.

            First the two helpers: rotating a kernel by 180 degrees, and spreading a delta for stride $S$.
            """
        ),
        ctx.card("rot180"),
        code(
            """
            print(rot180(np.array([[1, 2], [3, 4]])))
            print(rot180(np.arange(9).reshape(3, 3)))
            """
        ),
        ctx.grade("rot180"),
        markdown(
            """
            ## 2. Stride: zeros between the deltas

            A stride-$S$ output is the stride-1 output sampled every $S$ positions (part 1's picture).
            So the backward pass first puts each delta back where its output sat on the stride-1
            grid, with $S - 1$ zeros between neighbours: an $M \\times N$ delta becomes
            $((M-1)S+1) \\times ((N-1)S+1)$, the lecture's $2 \\times 3 \\to 4 \\times 7$ at $S = 3$.
            (The lecture's prose says $MS \\times NS$; its own examples say otherwise. Follow the examples.)
            """
        ),
        ctx.card("dilate"),
        code(
            """
            d = np.array([[1, 2, 3], [4, 5, 6]])
            show_matrices([d, dilate(d, 3)], ["delta 2x3", "dilate(delta, 3): 4x7"])
            """,
            alt='Two matrices from your dilate: a 2x3 delta and the 4x7 result of dilate(delta, 3), with zeros inserted between its entries.',
        ),
        ctx.grade("dilate"),
        markdown(
            """
            ## 3. Delta maps flowing back through a conv layer

            Every output $z[i, j]$ was computed from one window of the input, so its delta goes
            back to that window, weighted by the kernel. Below, the lecture's $5 \\times 5$ input and
            kernel at stride 2: for each of the four outputs a `delta_in` that is 1 there and 0
            elsewhere. `delta_out` shows the kernel's weights laid on the window that output saw.
            """
        ),
        ctx.card("conv2d_backward"),
        code(
            f"""
            x5 = np.array({LECTURE_5X5}, dtype=float)[None, None]  # (1, 1, 5, 5)
            w = np.array([[{LECTURE_KERNEL}]], dtype=float)  # (1, 1, 3, 3)
            panels, titles = [], []
            for i in range(2):
                for j in range(2):
                    one_hot = np.zeros((1, 1, 2, 2))
                    one_hot[0, 0, i, j] = 1.0
                    delta_out, dw, db = conv2d_backward(one_hot, x5, w, stride=2)
                    panels.append(delta_out[0, 0])
                    titles.append(f"delta_in = 1 at ({{i}}, {{j}})")
            show_matrices(panels, titles)
            """,
            alt='Four 5x5 delta maps from your conv2d_backward at stride 2: for a single 1 at each of the four positions of the 2x2 delta_in, the delta_out it sends back, a copy of the kernel placed where that output was computed.',
        ),
        markdown(
            """
            The same thing step by step, for a whole `delta_in`: spread it back onto the stride-1
            grid, pad it by $K - 1 = 2$ zeros, and cross-correlate with the rotated kernel.
            """
        ),
        code(
            """
            delta_in = np.array([[1.0, 2.0], [3.0, 4.0]])[None, None]
            spread = dilate(delta_in, 2)[0, 0]  # 3x3: back on the stride-1 grid
            padded = np.pad(spread, 2)  # K - 1 = 2 zeros on each side: 7x7
            delta_out, dw, db = conv2d_backward(delta_in, x5, w, stride=2)
            show_matrices(
                [delta_in[0, 0], spread, padded, rot180(w)[0, 0], delta_out[0, 0]],
                ["delta_in", "dilate(delta_in, 2)", "padded by K - 1", "rot180(w)", "delta_out"],
            )
            print("dw =", dw[0, 0].tolist(), "   db =", db)
            """,
            alt='The backward pass at stride 2, step by step with your functions: delta_in, dilate(delta_in, 2), the result padded by K - 1, rot180 of the kernel, and delta_out.',
        ),
        markdown(
            """
            **Is it right?** Compare with your own forward pass: for $J = \\sum Z \\cdot \\delta^{in}$,
            $\\partial J / \\partial Z$ is exactly `delta_in`, so a central difference of $J$ must match
            each entry of `dw` and `delta_out`. The grader does this for every entry, on hidden shapes.
            """
        ),
        code(
            """
            rng = np.random.default_rng(0)
            x = rng.normal(size=(2, 3, 7, 6))
            w = rng.normal(size=(4, 3, 3, 2))
            b = rng.normal(size=4)
            delta_in = rng.normal(size=conv2d_forward(x, w, b, stride=2, padding=1).shape)
            delta_out, dw, db = conv2d_backward(delta_in, x, w, stride=2, padding=1)

            def J(x, w):
                return np.sum(conv2d_forward(x, w, b, stride=2, padding=1) * delta_in)

            eps = 1e-6
            step = np.zeros_like(w)
            step[1, 2, 0, 1] = eps
            print("dw[1, 2, 0, 1]        ", dw[1, 2, 0, 1], "  numeric", (J(x, w + step) - J(x, w - step)) / (2 * eps))
            step = np.zeros_like(x)
            step[0, 1, 6, 5] = eps
            print("delta_out[0, 1, 6, 5] ", delta_out[0, 1, 6, 5], "  numeric", (J(x + step, w) - J(x - step, w)) / (2 * eps))
            """
        ),
        ctx.grade("conv2d_backward"),
    ]


PART = Part(
    name="part3_backward",
    key="part3",
    title="Part 3 · The backward pass",
    intro="""
    How a convolution layer passes gradients back, following the lecture's derivation:
    rotate the kernel, spread the deltas for stride $S$, pad, and cross-correlate again.
    """,
    exercises=("rot180", "dilate", "conv2d_backward"),
    body=body,
    imports="""
    from assignments.conv_backward import conv2d_backward, dilate, rot180
    from assignments.conv_forward import conv2d_forward
    """,
)
