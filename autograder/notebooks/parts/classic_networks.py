"""Part 6: the classic networks after LeNet, and the lecture's opening question on invariance.

Every table and picture comes from the student's functions: AlexNet's and VGG-16's shapes and
parameters, receptive fields on a digit, a plain and a residual deep network trained side by
side, and a LeNet measured under shifts, rotations and scalings before and after it was
trained on such digits (the transformations are the course's, in assignments/transforms.py).
While nbgrader grades, nothing trains. Every prose cell is in English, then in Chinese.
"""
from __future__ import annotations

from ..cells import Cell, code, markdown
from . import Context, Part


def body(ctx: Context) -> list[Cell]:
    return [
        markdown(
            """
            ## 1. AlexNet, layer by layer

            The lecture's AlexNet: five convolutions and three fully connected layers, written
            below as a list of layers (your `network_shapes` and `parameter_count` read it). The
            lecture gives the input as 3x224x224 and the first feature maps as 96x55x55. Compute
            both with your functions, and compare with the lecture's column.

            讲义中的 AlexNet：五个卷积层和三个全连接层，下面把它写成一个层的列表（你的 `network_shapes`
            和 `parameter_count` 读取它）。讲义写输入为 3x224x224、第一层特征图为 96x55x55。用你的函数
            算一算，再与讲义那一列比较。
            """
        ),
        ctx.card("network_shapes"),
        ctx.card("parameter_count"),
        code(
            '''
            def conv(channels, kernel, stride=1, padding=0):
                return {"type": "conv", "out_channels": channels, "kernel": kernel, "stride": stride, "padding": padding}


            def pool(size, stride):
                return {"type": "pool", "size": size, "stride": stride}


            FLATTEN = {"type": "flatten"}


            def fc(out):
                return {"type": "fc", "out": out}


            ALEXNET = [
                conv(96, 11, stride=4), pool(3, 2), conv(256, 5, padding=2), pool(3, 2),
                conv(384, 3, padding=1), conv(384, 3, padding=1), conv(256, 3, padding=1), pool(3, 2),
                FLATTEN, fc(4096), fc(4096), fc(1000),
            ]
            LECTURE = ["96x55x55", "96x27x27", "256x27x27", "256x13x13", "384x13x13", "384x13x13",
                       "256x13x13", "256x6x6", "", "4096", "4096", "1000"]


            def describe(layer):
                if layer["type"] == "conv":
                    return f"conv {layer['out_channels']}@{layer['kernel']}x{layer['kernel']} S={layer['stride']} P={layer['padding']}"
                if layer["type"] == "pool":
                    return f"pool {layer['size']}x{layer['size']} S={layer['stride']}"
                return "flatten" if layer["type"] == "flatten" else f"fc {layer['out']}"


            def size(shape):
                return "x".join(str(n) for n in shape)


            at_224 = network_shapes((3, 224, 224), ALEXNET)
            at_227 = network_shapes((3, 227, 227), ALEXNET)
            total, per_layer = parameter_count((3, 227, 227), ALEXNET)
            print(f"{'layer':26}{'lecture':>11}{'224 input':>12}{'227 input':>12}{'parameters':>13}")
            for layer, lecture, a, b, count in zip(ALEXNET, LECTURE, at_224, at_227, per_layer):
                print(f"{describe(layer):26}{lecture:>11}{size(a):>12}{size(b):>12}{count:>13,}")
            print(f"total at 227: {total:,} parameters; at 224: {parameter_count((3, 224, 224), ALEXNET)[0]:,}")
            neurons = sum(int(np.prod(shape)) for layer, shape in zip(ALEXNET, at_227) if layer["type"] in ("conv", "fc"))
            print(f"neurons (outputs of the conv and fc layers) at 227: {neurons:,}")
            '''
        ),
        markdown(
            r"""
            With the floor formula $H_{out} = \lfloor (H - K + 2P)/S \rfloor + 1$, a 224 input gives
            $\lfloor 213/4 \rfloor + 1 = 54$, not 55, and the error carries through to a 256x5x5 map
            before the first fully connected layer. A 227 input gives 55 and every number of the
            lecture's table. (Random 224x224 crops of the 256x256 images were the training data;
            the first layer must have seen 227, or 224 with padding.) The table also counts about
            62 million parameters, the lecture's "60 million" (the original ran the convolutions
            as two groups, one per GPU, with fewer), and about 650,000 neurons, not 65,000.

            用向下取整的公式 $H_{out} = \lfloor (H - K + 2P)/S \rfloor + 1$，224 的输入得到
            $\lfloor 213/4 \rfloor + 1 = 54$ 而不是 55，误差一路传到第一个全连接层之前的 256x5x5。
            输入为 227 时得到 55，以及讲义表中的每一个数。（训练数据是从 256x256 的图片中随机裁出的
            224x224，第一层实际看到的应是 227，或者带填充的 224。）这张表也数出约 6200 万个参数，即讲义的
            "60 million"（原论文把卷积分成两组、每块 GPU 一组，参数更少），以及约 65 万个神经元，而不是 6.5 万。
            """
        ),
        ctx.grade("network_shapes"),
        ctx.grade("parameter_count"),
        markdown(
            """
            ### VGG-16

            Thirteen 3x3 convolutions in five blocks, each block ending in a 2x2 pool: the maps
            shrink and the channels grow, monotonically. Then the three fully connected layers.

            五个模块共十三个 3x3 卷积，每个模块以 2x2 池化结束：特征图单调变小，通道数单调变多。
            最后是三个全连接层。
            """
        ),
        code(
            """
            VGG16 = [
                layer
                for repeats, channels in [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]
                for layer in [conv(channels, 3, padding=1)] * repeats + [pool(2, 2)]
            ] + [FLATTEN, fc(4096), fc(4096), fc(1000)]
            vgg_shapes = network_shapes((3, 224, 224), VGG16)
            vgg_total, vgg_per_layer = parameter_count((3, 224, 224), VGG16)
            for layer, shape, count in zip(VGG16, vgg_shapes, vgg_per_layer):
                print(f"{describe(layer):26}{size(shape):>12}{count:>13,}")
            print(f"VGG-16: {vgg_total:,} parameters; the first fc layer holds {max(vgg_per_layer) / vgg_total:.0%} of them")
            """
        ),
        *ctx.question(
            "alexnet_input",
            """
            The lecture's AlexNet table says 224x224 in and 96x55x55 out of the first layer. Which
            of the two is wrong by the floor formula, which input size makes every row of the table
            right, and how does a one-pixel difference at the input change the parameter count?

            讲义的 AlexNet 表写着输入 224x224、第一层输出 96x55x55。按向下取整的公式，两者中哪一个不对？
            哪个输入尺寸能让表中每一行都正确？输入差一个像素，参数量会有什么变化，为什么？
            """,
        ),
        markdown(
            """
            ## 2. Where the parameters live, and global average pooling

            Most of VGG-16's parameters sit in its first fully connected layer: 512x7x7 inputs times
            4096 outputs. Network-in-network replaces the fully connected layers by a 1x1
            convolution to one map per class and global average pooling: each map's mean is that
            class's score, and no layer there learns a 25,088-wide matrix.

            VGG-16 的参数大多在第一个全连接层：512x7x7 个输入乘 4096 个输出。NIN 用一个 1x1 卷积
            （每个类别一张特征图）和全局平均池化代替全连接层：每张图的平均值就是该类别的得分，
            不再需要学习一个 25,088 宽的矩阵。
            """
        ),
        ctx.card("global_avg_pool"),
        code(
            """
            NIN_HEAD = VGG16[:-4] + [conv(1000, 1), pool(7, 7), FLATTEN]  # 7x7 average = global average pooling
            nin_total, nin_per_layer = parameter_count((3, 224, 224), NIN_HEAD)
            assert network_shapes((3, 224, 224), NIN_HEAD)[-1] == (1000,)
            maps = np.random.default_rng(0).normal(size=(2, 1000, 7, 7))
            print("global_avg_pool_forward on (2, 1000, 7, 7):", global_avg_pool_forward(maps).shape)
            print(f"VGG-16 {vgg_total:,} parameters; with a global-average-pooling head {nin_total:,}")
            plot_parameters({
                "VGG-16": [(describe(layer), count) for layer, count in zip(VGG16, vgg_per_layer) if count],
                "VGG-16 convs + 1x1 conv + global average pooling": [
                    (describe(layer), count) for layer, count in zip(NIN_HEAD, nin_per_layer) if count
                ],
            })
            """,
            alt="Two bar charts of parameters per layer on a log scale, from your parameter_count: VGG-16, its first "
            "fully connected layer in red holding most of them, and VGG-16's convolutions with a 1x1 convolution and "
            "global average pooling as the head.",
        ),
        ctx.grade("global_avg_pool"),
        *ctx.question(
            "parameters",
            """
            Where do VGG-16's parameters live, and how many does the global-average-pooling head
            save? What does a network give up when its head has no fully connected layer?

            VGG-16 的参数主要在哪里？换成全局平均池化的头部能省下多少？头部没有全连接层，网络会失去什么？
            """,
        ),
        markdown(
            """
            ## 3. Receptive fields

            VGG's argument for 3x3 kernels: two stacked 3x3 convolutions see what one 5x5 sees,
            three see what one 7x7 sees, with more non-linearity and fewer weights. Below, the
            square is the side your `receptive_field` computes; the red pixels are where the
            gradient of the centre output pixel, sent back through the stacked convolutions with
            your `conv2d_backward`, is not zero: what that pixel really sees.

            VGG 选择 3x3 卷积核的理由：两个堆叠的 3x3 卷积看到的范围与一个 5x5 相同，三个与一个 7x7 相同，
            但非线性更多、权重更少。下图中方框的边长由你的 `receptive_field` 计算；红色像素是中心输出像素的梯度
            经你的 `conv2d_backward` 穿过堆叠的卷积传回后不为零的位置：它真正看到的区域。
            """
        ),
        ctx.card("receptive_field"),
        code(
            """
            x_train, y_train, x_test, y_test = load_digits()
            digit = x_test[0, 0]


            CENTRE = (16, 16)


            def seen_by_centre(layers_count):
                \"\"\"The input pixels output pixel CENTRE of stacked 3x3 convs (padding 1, weights 1) depends on.\"\"\"
                ones = np.ones((1, 1, 3, 3))
                delta = np.zeros((1, 1, 32, 32))
                delta[0, 0, CENTRE[0], CENTRE[1]] = 1.0
                for _ in range(layers_count):
                    delta, _, _ = conv2d_backward(delta, np.zeros((1, 1, 32, 32)), ones, 1, 1)
                return delta[0, 0] != 0


            fields = []
            for count in (1, 2, 3):
                side = receptive_field([conv(1, 3, padding=1)] * count)
                fields.append((f"{count} stacked 3x3: {side}x{side}", side, seen_by_centre(count)))
            show_receptive_fields(digit, fields, CENTRE)
            print("VGG-16's convolutions and pools see", receptive_field(VGG16[:-4]), "pixels across;",
                  "AlexNet's see", receptive_field(ALEXNET[:8]))
            """,
            alt="A test digit three times, each with a yellow square of the side your receptive_field computes for one, "
            "two and three stacked 3x3 convolutions, and in red the pixels the centre output pixel depends on by your "
            "conv2d_backward.",
        ),
        ctx.grade("receptive_field"),
        *ctx.question(
            "receptive_fields",
            """
            Two stacked 3x3 convolutions see a 5x5 region, like one 5x5 convolution. With C channels
            in and out, compare their weights (2 x 9C² against 25C²) and say what else the stack adds.
            Why does a stride multiply the growth of every layer after it?

            两个堆叠的 3x3 卷积和一个 5x5 卷积一样看到 5x5 的区域。输入输出都是 C 个通道时，比较二者的权重数
            （2 x 9C² 对 25C²），并说明堆叠还带来了什么。为什么一个步长会使其后每一层的增长都成倍增加？
            """,
        ),
        markdown(
            """
            ## 4. Batch normalization

            DenseNet's layers (and ResNet's, in the papers) normalize each channel over the batch
            before the ReLU: zero mean and unit variance per channel, then a learned scale gamma and
            shift beta. The backward pass must remember that every input moved its channel's mean
            and variance.

            DenseNet 的每一层（论文中的 ResNet 也一样）在 ReLU 之前把每个通道在整个批次上归一化：
            每个通道均值为 0、方差为 1，再乘以可学习的缩放 gamma、加上平移 beta。反向传播要记住：
            每个输入都改变了它所在通道的均值和方差。
            """
        ),
        ctx.card("batchnorm2d"),
        code(
            """
            maps = conv2d_forward(x_test[:32], np.random.default_rng(1).normal(size=(4, 1, 3, 3)), np.arange(4.0), 1, 1)
            normed = batchnorm2d_forward(maps, np.ones(4), np.zeros(4))
            print("per-channel mean before:", maps.mean(axis=(0, 2, 3)).round(3), " after:", normed.mean(axis=(0, 2, 3)).round(3))
            print("per-channel std  before:", maps.std(axis=(0, 2, 3)).round(3), " after:", normed.std(axis=(0, 2, 3)).round(3))
            """
        ),
        ctx.grade("batchnorm2d"),
        markdown(
            """
            ## 5. Why residual connections help

            Two networks of the same depth on 16x16 digits: a 3x3 stem, eight blocks of two 3x3
            convolutions (8 channels), 4x4 average pooling and a fully connected layer. The plain one
            stacks the blocks; the residual one adds each block's input back (your
            `residual_block_forward` and `_backward`). Both start from PyTorch's default
            initialisation. Left: how large the gradient of each convolution's weights is at the
            start; right: the training loss over a few hundred steps of SGD with momentum.

            两个深度相同的网络，输入为 16x16 的数字：一个 3x3 的起始卷积，八个各含两个 3x3 卷积（8 个通道）的模块，
            4x4 平均池化和一个全连接层。普通网络直接堆叠这些模块；残差网络把每个模块的输入加回去（用你的
            `residual_block_forward` 和 `_backward`）。两者都从 PyTorch 的默认初始化开始。左图：开始时每个卷积层
            权重梯度的大小；右图：带动量的 SGD 训练几百步的损失。
            """
        ),
        ctx.card("residual_block"),
        ctx.card("bottleneck_block"),
        code(
            '''
            WIDTH, DEPTH, DEEP_BATCH, DEEP_RATE = 8, 8, 32, 0.02
            small_digits = avg_pool_forward(x_train, 2, 2)  # (4000, 1, 16, 16)
            HEAD = WIDTH * 4 * 4  # 4x4 average pooling of the 16x16 maps, flattened


            def init_deep(seed):
                """PyTorch's default initialisation: uniform in +-1/sqrt(fan_in)."""
                rng = np.random.default_rng(seed)
                params = {"stem.weight": rng.uniform(-1, 1, (WIDTH, 1, 3, 3)) / 3, "stem.bias": rng.uniform(-1, 1, WIDTH) / 3}
                bound = 1 / np.sqrt(9 * WIDTH)
                for i in range(DEPTH):
                    for j in (1, 2):
                        params[f"block{i}.conv{j}.weight"] = rng.uniform(-bound, bound, (WIDTH, WIDTH, 3, 3))
                        params[f"block{i}.conv{j}.bias"] = rng.uniform(-bound, bound, WIDTH)
                params["fc.weight"] = rng.uniform(-1, 1, (10, HEAD)) / np.sqrt(HEAD)
                params["fc.bias"] = rng.uniform(-1, 1, 10) / np.sqrt(HEAD)
                return params


            def block_of(params, i):
                return {f"conv{j}.{kind}": params[f"block{i}.conv{j}.{kind}"] for j in (1, 2) for kind in ("weight", "bias")}


            def plain_block(x, p):
                """The residual block without its shortcut: ReLU(conv2(ReLU(conv1(x))))."""
                z1 = conv2d_forward(x, p["conv1.weight"], p["conv1.bias"], 1, 1)
                z2 = conv2d_forward(relu_forward(z1), p["conv2.weight"], p["conv2.bias"], 1, 1)
                return relu_forward(z2), (z1, z2)


            def plain_block_backward(delta, x, p, cache):
                z1, z2 = cache
                da1, dw2, db2 = conv2d_backward(relu_backward(delta, z2), relu_forward(z1), p["conv2.weight"], 1, 1)
                dx, dw1, db1 = conv2d_backward(relu_backward(da1, z1), x, p["conv1.weight"], 1, 1)
                return {"conv1.weight": dw1, "conv1.bias": db1, "conv2.weight": dw2, "conv2.bias": db2, "x": dx}


            def deep_loss_and_grads(params, x, y, residual):
                """Forward and backward through stem, blocks, 4x4 average pooling and fc."""
                z0 = conv2d_forward(x, params["stem.weight"], params["stem.bias"], 1, 1)
                h = relu_forward(z0)
                inputs, caches = [], []
                for i in range(DEPTH):
                    inputs.append(h)
                    if residual:
                        h = residual_block_forward(h, block_of(params, i))
                    else:
                        h, cache = plain_block(h, block_of(params, i))
                        caches.append(cache)
                pooled = avg_pool_forward(h, 4, 4).reshape(len(h), HEAD)
                loss, dlogits = softmax_cross_entropy(pooled @ params["fc.weight"].T + params["fc.bias"], y)
                grads = {"fc.weight": dlogits.T @ pooled, "fc.bias": dlogits.sum(axis=0)}
                delta = avg_pool_backward((dlogits @ params["fc.weight"]).reshape(len(h), WIDTH, 4, 4), h, 4, 4)
                for i in reversed(range(DEPTH)):
                    p = block_of(params, i)
                    if residual:
                        g = residual_block_backward(delta, inputs[i], p)
                    else:
                        g = plain_block_backward(delta, inputs[i], p, caches[i])
                    grads.update({f"block{i}.{name}": g[name] for name in p})
                    delta = g["x"]
                _, grads["stem.weight"], grads["stem.bias"] = conv2d_backward(relu_backward(delta, z0), x, params["stem.weight"], 1, 1)
                return loss, grads


            CONV_LAYERS = ["stem"] + [f"block{i}.conv{j}" for i in range(DEPTH) for j in (1, 2)]
            steps = nbgrade.scaled(300, quick=20)
            if steps == 0:
                print("Training is skipped while the notebook is graded.")
            else:
                norms, losses = {}, {}
                rng = np.random.default_rng(0)
                first = rng.choice(len(small_digits), 64, replace=False)
                for name, residual in (("plain", False), ("residual", True)):
                    params = init_deep(seed=0)
                    _, grads = deep_loss_and_grads(params, small_digits[first], y_train[first], residual)
                    norms[name] = [float(np.linalg.norm(grads[f"{layer}.weight"])) for layer in CONV_LAYERS]
                    velocity, curve = {}, []
                    order = np.random.default_rng(1)
                    for step in range(steps):
                        batch = order.choice(len(small_digits), DEEP_BATCH, replace=False)
                        loss, grads = deep_loss_and_grads(params, small_digits[batch], y_train[batch], residual)
                        sgd_momentum_step(params, grads, velocity, DEEP_RATE, MOMENTUM)
                        curve.append(loss)
                    losses[name] = curve
                    print(f"{name:9} |dJ/dW| at the first conv {norms[name][0]:.2e}, at the last {norms[name][-1]:.2e};"
                          f" loss over the last 20 steps {np.mean(curve[-20:]):.3f}")
                plot_depth(norms, losses)
            ''',
            alt="Left: the norm of each convolution's weight gradient at initialisation, input side first, for the plain "
            "and the residual network (log scale); right: their training losses step by step.",
        ),
        ctx.grade("residual_block"),
        markdown(
            """
            The bottleneck block does the same at lower cost for wide networks: a 1x1 convolution
            shrinks the channels, the 3x3 works on few of them, a second 1x1 restores them.

            瓶颈残差模块对很宽的网络用更少的计算做同样的事：一个 1x1 卷积先减少通道数，3x3 卷积只在少数通道上计算，
            再由另一个 1x1 卷积恢复通道数。
            """
        ),
        code(
            """
            rng = np.random.default_rng(2)
            wide = rng.normal(size=(1, 64, 8, 8))
            bottleneck = {"conv1.weight": rng.normal(size=(16, 64, 1, 1)) / 8, "conv1.bias": np.zeros(16),
                          "conv2.weight": rng.normal(size=(16, 16, 3, 3)) / 12, "conv2.bias": np.zeros(16),
                          "conv3.weight": rng.normal(size=(64, 16, 1, 1)) / 4, "conv3.bias": np.zeros(64)}
            print("bottleneck block:", bottleneck_block_forward(wide, bottleneck).shape,
                  f"{sum(v.size for v in bottleneck.values()):,} parameters against {2 * (64 * 64 * 9 + 64):,} for two 3x3 convolutions of 64 channels")
            """
        ),
        ctx.grade("bottleneck_block"),
        *ctx.question(
            "residual",
            """
            In the left plot, how does the gradient at the first layers of the plain network compare
            with the residual one's, and what does that do to its training loss? Explain with the
            backward pass of x + F(x) why the residual network's gradient does not fade.

            左图中，普通网络前几层的梯度与残差网络相比如何？这对它的训练损失有什么影响？请用 x + F(x) 的反向传播
            解释为什么残差网络的梯度不会逐层消失。
            """,
        ),
        markdown(
            """
            ## 6. DenseNet's dense block

            Each layer of a dense block sees the concatenation of the block's input and every
            earlier layer's output, and adds k new channels (the growth rate): features are reused
            instead of learned again.

            稠密块中的每一层都看到模块输入和之前每一层输出的拼接，并新增 k 个通道（增长率）：特征被重复利用，
            而不是重新学习。
            """
        ),
        ctx.card("dense_block"),
        code(
            """
            rng = np.random.default_rng(3)
            channels, growth, layers = 8, 4, 4
            dense = {}
            for i in range(layers):
                dense[f"layer{i}.weight"] = rng.normal(size=(growth, channels + i * growth, 3, 3)) * 0.1
                dense[f"layer{i}.bias"] = np.zeros(growth)
            out = dense_block_forward(rng.normal(size=(1, channels, 8, 8)), dense, layers)
            print(f"{layers} layers with growth rate {growth}: {channels} channels in, {out.shape[1]} out,",
                  f"{sum(v.size for v in dense.values()):,} parameters")
            """
        ),
        ctx.grade("dense_block"),
        markdown(
            """
            ## 7. The lecture's question: shifted, rotated, scaled

            An "8" moved to a corner, turned, or shrunk is still an 8 to a person. How far does a
            trained LeNet follow? Below: its test accuracy as the digits are shifted right, rotated
            and scaled (the transformations are the course's own, `assignments/transforms.py`),
            first for a LeNet trained on the digits as they are, then for one trained on digits
            each randomly shifted (up to 8 pixels), rotated (up to 180 degrees) or scaled (0.5 to 1.5).

            一个移到角落、旋转了或缩小了的 "8"，人仍然认得出。训练好的 LeNet 能做到什么程度？下面是它在数字被右移、
            旋转和缩放时的测试准确率（变换由课程提供，见 `assignments/transforms.py`）：先是用原样的数字训练的 LeNet，
            再是用随机平移（最多 8 个像素）、旋转（最多 180 度）或缩放（0.5 到 1.5 倍）的数字训练的 LeNet。
            """
        ),
        code(
            '''
            rng = np.random.default_rng(4)
            examples = x_test[:1].repeat(4, axis=0)
            show_images([digit, shift(examples, 6)[0, 0], rotate(examples, 60)[0, 0], scale(examples, 0.6)[0, 0]],
                        ["digit", "shifted 6 px", "rotated 60 degrees", "scaled 0.6"], ncols=4, size=2.2)

            epochs = nbgrade.scaled(3, quick=1)
            n_train = nbgrade.scaled(4000, quick=256)
            n_test = nbgrade.scaled(500, quick=100)
            SHIFTS = list(range(0, 9))
            ANGLES = list(range(0, 181, 15))
            SCALES = [round(0.5 + 0.1 * i, 1) for i in range(11)]


            def train_lenet(augment, epochs, seed=0):
                """Mini-batch SGD with momentum, the rate falling linearly to 0; augment: each digit of
                every batch randomly shifted, rotated or scaled."""
                model, velocity, rng = LeNet(seed=seed), {}, np.random.default_rng(seed)
                total, step = epochs * -(-n_train // BATCH_SIZE), 0
                for _ in range(epochs):
                    order = rng.permutation(n_train)
                    for first in range(0, n_train, BATCH_SIZE):
                        batch = order[first:first + BATCH_SIZE]
                        x = random_transforms(x_train[batch], rng) if augment else x_train[batch]
                        _, dlogits = softmax_cross_entropy(model.forward(x), y_train[batch])
                        rate = LEARNING_RATE * (1 - step / total)
                        sgd_momentum_step(model.params, model.backward(dlogits), velocity, rate, MOMENTUM)
                        step += 1
                return model


            def accuracy_under(model):
                x, y = x_test[:n_test], y_test[:n_test]
                return {
                    "shift": [evaluate(model, shift(x, s), y) for s in SHIFTS],
                    "rotation": [evaluate(model, rotate(x, a), y) for a in ANGLES],
                    "scale": [evaluate(model, scale(x, f), y) for f in SCALES],
                }


            if epochs == 0:
                print("Training is skipped while the notebook is graded.")
            else:
                plain = accuracy_under(train_lenet(augment=False, epochs=epochs))
                augmented = accuracy_under(train_lenet(augment=True, epochs=2 * epochs))
                for kind, amounts in (("shift", SHIFTS), ("rotation", ANGLES), ("scale", SCALES)):
                    print(f"{kind:9}", " ".join(f"{a}:{p:.0%}/{q:.0%}" for a, p, q in zip(amounts, plain[kind], augmented[kind])))
                plot_accuracy_under({
                    "shifted right": ("pixels", SHIFTS, {"trained as is": plain["shift"], "trained augmented": augmented["shift"]}),
                    "rotated": ("degrees", ANGLES, {"trained as is": plain["rotation"], "trained augmented": augmented["rotation"]}),
                    "scaled": ("factor", SCALES, {"trained as is": plain["scale"], "trained augmented": augmented["scale"]}),
                })
            ''',
            alt="A test digit as it is, shifted 6 pixels, rotated 60 degrees and scaled by 0.6; then three panels of test "
            "accuracy against the shift in pixels, the rotation in degrees and the scale factor, for a LeNet trained on "
            "the digits as they are and one trained on randomly transformed digits.",
        ),
        *ctx.question(
            "invariance",
            """
            How far does the LeNet trained on the digits as they are follow a shift, a rotation and a
            change of scale? Which of its parts (convolution, max pooling, the fully connected layers)
            gives it the little invariance it has, and which invariance came only from the augmented
            data? What did augmentation cost on the untransformed digits, and why can no amount of
            rotation make a 6 and a 9 both right?

            只用原样数字训练的 LeNet 能在多大程度上应付平移、旋转和尺度变化？它那一点点不变性来自哪些部分（卷积、
            最大池化、全连接层）？哪些不变性只来自数据增强？数据增强在未变换的数字上付出了什么代价？为什么再多的旋转
            也无法让 6 和 9 同时被认对？
            """,
        ),
    ]


PART = Part(
    name="part6_classic_networks",
    key="part6",
    title="Part 6 · The classic networks after LeNet",
    intro="""
    AlexNet, VGG, network-in-network, ResNet and DenseNet, from the lecture's last third: their
    shapes and parameters computed with your functions, receptive fields, global average
    pooling, batch normalization, residual and dense blocks built from your own layers, and the
    lecture's opening question answered with measurements: does a CNN still recognise a digit
    that is shifted, rotated or scaled?

    **Before you start:** this part builds on your parts 1 to 5. Copy your `warmup.py`,
    `sizes.py`, `conv_forward.py`, `kernels.py`, `conv_backward.py`, `pooling.py`, `layers.py`
    and `lenet.py` into this folder's `assignments/`, where the stubs raise NotImplementedError.
    Five written questions, one under each picture, are answered in the notebook itself: the
    cell under each question is the one cell of a notebook you edit; they are graded by hand.

    LeNet 之后的经典网络：AlexNet、VGG、NIN、ResNet 和 DenseNet（讲义的最后三分之一）。用你的函数计算它们的形状和
    参数量、感受野，用你自己的层搭出全局平均池化、批归一化、残差模块和稠密块，并用测量回答讲义开头的问题：
    数字平移、旋转或缩放后，卷积网络还认得出吗？**开始之前：** 本部分基于第 1 至 5 部分，请把你的
    `warmup.py` 到 `lenet.py` 八个文件复制到本文件夹的 `assignments/` 中。五道书面问题各在一张图下面，
    答案直接写在问题下方的单元格里（这是笔记本中唯一需要你编辑的单元格），由助教人工评分。
    """,
    exercises=(
        "network_shapes", "parameter_count", "global_avg_pool", "receptive_field",
        "batchnorm2d", "residual_block", "bottleneck_block", "dense_block",
    ),
    body=body,
    imports="""
    from assignments.blocks import (
        batchnorm2d_forward, bottleneck_block_forward, dense_block_forward,
        global_avg_pool_forward, residual_block_backward, residual_block_forward,
    )
    from assignments.conv_backward import conv2d_backward
    from assignments.conv_forward import conv2d_forward
    from assignments.data import load_digits
    from assignments.layers import relu_backward, relu_forward, softmax_cross_entropy
    from assignments.lenet import LeNet
    from assignments.networks import network_shapes, parameter_count, receptive_field
    from assignments.pooling import avg_pool_backward, avg_pool_forward
    from assignments.training import BATCH_SIZE, LEARNING_RATE, MOMENTUM, evaluate, sgd_momentum_step
    from assignments.transforms import random_transforms, rotate, scale, shift
    from autograder.notebooks.plots import plot_accuracy_under, plot_depth, plot_parameters, show_receptive_fields
    """,
)
