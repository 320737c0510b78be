"""Part 1: the true convolution (warm-up), output sizes, padding, and the forward pass."""
from __future__ import annotations

from ..cells import Cell, code, markdown
from . import Context, Part

LECTURE_4X4 = "[[2, 5, 0, 1], [6, 7, 1, 2], [3, 0, 4, 0], [3, 9, 7, 4]]"
LECTURE_5X5 = "[[1, 3, 0, 2, 4], [4, 7, 4, 1, 0], [4, 6, 0, 0, 6], [3, 2, 8, 1, 2], [3, 5, 0, 7, 3]]"


def body(ctx: Context) -> list[Cell]:
    return [
        markdown(
            r"""
            ## 1. The true convolution, and why layers do not flip

            The mathematicians' convolution reverses one sequence before sliding it:
            $h[n] = \sum_t f[t]\, g[n-t]$. The lecture's example is two dice: with $f = g$ the
            probabilities of one die, $h$ is the distribution of their sum, and
            $P(\text{sum} = 4) = f(1)g(3) + f(2)g(2) + f(3)g(1) = 3/36$.
            """
        ),
        ctx.card("conv1d_full"),
        code(
            """
            die = np.full(6, 1 / 6)
            two_dice = conv1d_full(die, die)  # index n holds P(sum = n + 2)
            print("P(sum = 4) =", two_dice[2], "  3/36 =", 3 / 36)

            plt.figure(figsize=(6, 2.4))
            plt.bar(np.arange(2, 13), two_dice)
            plt.xlabel("sum of two dice")
            plt.ylabel("probability")
            plt.title("conv1d_full(die, die)")
            plt.show()
            """,
            alt='Bar chart of conv1d_full(die, die) as computed by your code: the probability of each sum of two dice from 2 to 12, rising to 6/36 at 7 and falling again.',
        ),
        markdown(
            """
            A convolution **layer** does not flip its kernel: it slides the kernel as it is
            (cross-correlation). The lecture calls that convolution too, as every framework does;
            this warm-up is the only place in the course where the flip happens.
            """
        ),
        ctx.grade("conv1d_full"),
        markdown(
            r"""
            ## 2. Output sizes

            A $K_H \times K_W$ kernel moving in steps of $S$ over an input padded with $P$ zeros on
            each side fits $H_{out} = \lfloor (H - K_H + 2P) / S \rfloor + 1$ times down the image, and
            likewise across. Fractions are truncated, never rounded: $(5 - 3 + 0)/2 + 1 = 2$ and
            $(4 - 3 + 2)/1 + 1 = 4$. A pooling window of size $F$ gives $(W_1 - F)/S + 1$ and keeps
            the depth.
            """
        ),
        ctx.card("conv_output_size"),
        ctx.card("pool_output_size"),
        code(
            """
            for H, K, S, P in [(5, 3, 2, 0), (4, 3, 1, 1), (6, 3, 2, 0), (32, 5, 1, 0)]:
                H_out = conv_output_size(H, K, stride=S, padding=P)
                print(f"H={H}, K={K}, S={S}, P={P}:  ({H} - {K} + 2*{P}) // {S} + 1 = {H_out}")
            print("LeNet's first pooling: 28 ->", pool_output_size(28, 2, 2))
            """
        ),
        ctx.grade("conv_output_size"),
        ctx.grade("pool_output_size"),
        markdown(
            """
            ## 3. Zero padding

            Padding adds $P$ rows and columns of zeros around each image, so a layer can keep
            the input's size (a $3 \\times 3$ kernel with $P = 1$) and the border pixels are seen as
            often as the others. Only the last two axes are padded, never the batch or the channels.
            """
        ),
        ctx.card("pad2d"),
        code(
            """
            print(pad2d(np.array([[1, 2], [3, 4]]), 1))
            """
        ),
        ctx.grade("pad2d"),
        markdown(
            r"""
            ## 4. The forward pass: $Z = W * A + b$

            Each output channel $m$ has one filter: one kernel per input channel and **one** bias.
            Its map is the sum over the input channels of each channel cross-correlated with its kernel,
            plus the bias:
            $z[n, m, i, j] = b[m] + \sum_{c,u,v} A[n, c, iS + u, jS + v]\; w[m, c, u, v]$.
            Weights are stored $(C_{out}, C_{in}, K_H, K_W)$, PyTorch's layout.

            The lecture's example: one $4 \times 4$ input channel and two kernels, hence two output channels.
            """
        ),
        ctx.card("conv2d_forward"),
        code(
            f"""
            x = np.array({LECTURE_4X4}, dtype=float)[None, None]  # (N, C_in, H, W) = (1, 1, 4, 4)
            w = np.array([[[[1, 0, 1], [-1, 1, 0], [0, 1, -1]]],
                          [[[-1, 1, 0], [0, 1, -1], [1, 0, 1]]]], dtype=float)  # (C_out, C_in, KH, KW) = (2, 1, 3, 3)
            z = conv2d_forward(x, w, np.zeros(2))
            print("z", z.shape)
            print(z[0, 0], "  the lecture: [[-1, 4], [6, 16]]")
            print(z[0, 1], "  the lecture: [[16, -6], [7, 11]]")
            """
        ),
        markdown(
            """
            ### Stride 1 and stride 2

            On the lecture's $5 \\times 5$ input the first kernel gives a $3 \\times 3$ map at stride 1
            and a $2 \\times 2$ map at stride 2. The stride-2 map is the stride-1 map sampled at every
            second position (framed below). Keep this picture for part 3: the backward pass of a
            strided layer first puts `delta_in` back on the stride-1 grid, with zeros in between.
            """
        ),
        code(
            f"""
            x5 = np.array({LECTURE_5X5}, dtype=float)[None, None]
            kernel = w[:1]  # (1, 1, 3, 3)
            stride1 = conv2d_forward(x5, kernel, np.zeros(1), stride=1)[0, 0]  # the lecture: [[10, 2, -5], [4, 9, 3], [8, 5, 3]]
            stride2 = conv2d_forward(x5, kernel, np.zeros(1), stride=2)[0, 0]  # the lecture: [[10, -5], [8, 3]]
            kept = np.zeros((3, 3), dtype=bool)
            kept[::2, ::2] = True  # the positions stride 2 keeps
            show_matrices([x5[0, 0], kernel[0, 0], stride1, stride2],
                          ["input 5x5", "kernel 3x3", "stride 1: 3x3", "stride 2: 2x2"], marks={{2: kept}})
            """,
            alt="Four matrices as computed by your conv2d_forward: the lecture's 5x5 input, the 3x3 kernel, the 3x3 map at stride 1, and the 2x2 map at stride 2, whose entries are the marked positions of the stride-1 map.",
        ),
        ctx.grade("conv2d_forward"),
    ]


PART = Part(
    name="part1_sizes_and_forward",
    key="part1",
    title="Part 1 · Sizes and the forward pass",
    intro="""
    The convolution layer's forward pass, built up from the lecture: the true convolution
    (and why layers do not flip the kernel), the output-size formula, zero padding, and the
    multi-channel forward pass $Z = W * A + b$ with stride and padding.
    """,
    exercises=("conv1d_full", "conv_output_size", "pool_output_size", "pad2d", "conv2d_forward"),
    body=body,
    imports="""
    from assignments.conv_forward import conv2d_forward, pad2d
    from assignments.sizes import conv_output_size, pool_output_size
    from assignments.warmup import conv1d_full
    """,
)
