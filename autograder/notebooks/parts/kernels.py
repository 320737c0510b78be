"""Part 2: the nine classic kernels on a real photo, ReLU, and the lecture's colour demo."""
from __future__ import annotations

from ..cells import Cell, code, markdown
from . import Context, Part


def body(ctx: Context) -> list[Cell]:
    return [
        markdown(
            """
            ## 1. What a kernel does

            A convolutional network works because of its kernels. A $3 \\times 3$ kernel slid over an
            image asks the same question at every pixel, and its map answers it: how much the
            neighbourhood looks like the kernel. In a network the kernels are learned by
            backpropagation; the lecture first shows nine classic ones chosen by hand.

            | kernel | rows | responds to |
            |---|---|---|
            | sharpness | `0,-1,0 / -1,5,-1 / 0,-1,0` | a pixel brighter than its neighbours gets brighter |
            | vertical edge | `0,0,0 / -1,2,-1 / 0,0,0` | a -1,2,-1 run across a row: vertical lines |
            | surround | `1,1,1 / 1,-9,1 / 1,1,1` | boosts the surround, flattens uniform areas |
            | Sobel-y | `-1,-2,-1 / 0,0,0 / 1,2,1` | brightness changing down the image: horizontal edges |
            | identity ("nothing") | `0,0,0 / 0,1,0 / 0,0,0` | nothing: the output is the input |
            | horizontal edge | `0,-1,0 / 0,2,0 / 0,-1,0` | the same run down a column: horizontal lines |
            | blur | `1/9` everywhere | the local mean (the lecture prints 0.11) |
            | Sobel-x | `-1,0,1 / -2,0,2 / -1,0,1` | brightness changing across the image: vertical edges |
            | emboss | `2,0,0 / 0,-1,0 / 0,0,-1` | a relief, lit from the top left |
            """
        ),
        ctx.card("classic_kernels"),
        markdown(
            """
            Below, each kernel runs over a real photo (scikit-image's `camera`, halved to
            $256 \\times 256$) through **your** `conv2d_forward` from part 1, with $P = 1$ so every map
            keeps the photo's size. Grey is scaled per map: for the edge kernels mid-grey is 0,
            white a strong positive response, black a strong negative one.
            """
        ),
        code(
            """
            from skimage import data

            photo = data.camera()[::2, ::2] / 255.0  # 256x256, grey, values in [0, 1]
            kernels = classic_kernels()
            maps = {
                name: conv2d_forward(photo[None, None], kernel[None, None], np.zeros(1), padding=1)[0, 0]
                for name, kernel in kernels.items()
            }
            show_images(list(maps.values()), list(maps), ncols=3)
            """,
            alt="The nine classic kernels applied by your conv2d_forward to scikit-image's camera photo, one grey map per kernel, each titled with the kernel's name.",
        ),
        ctx.grade("classic_kernels"),
        markdown(
            """
            ## 2. ReLU

            After each convolution the lecture applies ReLU, $\\max(z, 0)$: negative responses become 0.
            Its backward pass lets `delta_in` through where the forward input was positive and
            blocks it elsewhere (at exactly 0 too, as PyTorch does).
            """
        ),
        ctx.card("relu"),
        code(
            """
            z = np.array([-2.0, -0.5, 0.0, 1.5])
            print("relu_forward:", relu_forward(z))
            print("relu_backward:", relu_backward(np.ones(4), z))
            """
        ),
        ctx.grade("relu"),
        markdown(
            """
            ## 3. The colour demo: conv, ReLU, max pool

            The lecture reads an $80 \\times 80$ colour image with OpenCV: shape $(H, W, C)$ with the
            channels in **B, G, R** order. One Sobel-x **filter** spans the three channels: three
            $3 \\times 3$ kernels, one per channel, whose responses add up to **one** map. Then ReLU,
            then $2 \\times 2$ max pooling with stride 2: $(1, 1, 78, 78) \\to (1, 1, 78, 78) \\to (1, 1, 39, 39)$.

            The lecture writes that filter as $3 \\times 1 \\times 3 \\times 3$ (input channels first);
            this course, like PyTorch, stores $(C_{out}, C_{in}, K_H, K_W) = (1, 3, 3, 3)$.
            `conv_relu_pool` calls your `max_pool_forward` from `assignments/pooling.py` (part 4):
            write that one first if you get here before part 4.
            """
        ),
        ctx.card("conv_relu_pool"),
        code(
            """
            from skimage.transform import resize

            face = data.astronaut()[20:220, 150:350]  # 200x200, RGB
            rgb = (resize(face, (80, 80), anti_aliasing=True) * 255).round().astype(np.uint8)
            image = rgb[:, :, ::-1]  # B, G, R: the order OpenCV reads
            sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)  # the table's Sobel-x
            conv, relu, pool = conv_relu_pool(image, sobel_x)
            print("image", image.shape, "-> conv", conv.shape, "-> ReLU", relu.shape, "-> max pool", pool.shape)
            show_images(
                [rgb, conv[0, 0], relu[0, 0], pool[0, 0]],
                [f"input {image.shape} (shown in RGB)", f"conv {conv.shape}", f"ReLU {relu.shape}", f"max pool {pool.shape}"],
                ncols=4, robust=False,
            )
            """,
            alt="The lecture's colour demo through your conv_relu_pool: an astronaut's face in colour, the Sobel-x convolution map, the map after ReLU, and the map after 2x2 max pooling.",
        ),
        ctx.grade("conv_relu_pool"),
    ]


PART = Part(
    name="part2_kernels",
    key="part2",
    title="Part 2 · The nine kernels and the colour demo",
    intro="""
    What convolution layers compute, seen on real photos: the lecture's nine classic $3 \\times 3$
    kernels, the ReLU that follows each convolution, and the colour demo that chains a
    three-channel filter, ReLU and max pooling.
    """,
    exercises=("classic_kernels", "relu", "conv_relu_pool"),
    body=body,
    imports="""
    from assignments.conv_forward import conv2d_forward
    from assignments.kernels import classic_kernels, conv_relu_pool
    from assignments.layers import relu_backward, relu_forward
    """,
)
