"""The bug zoo: realistic student mistakes, each planted in a copy of the reference.

Every entry changes a line or two of one reference module (exact text replacements,
applied by tests.submissions.build_submission, which raises when the text no longer
occurs exactly once). `loses` is the set of exercises that must lose points: the
exercise that owns the broken function, plus every exercise whose function calls it
AND whose cases can see the difference (a sizes bug that only matters with padding
does not touch LeNet, which never pads). Every other exercise must keep full marks.
`diagnosis` is the known-mistake id (autograder/exercises/, or the engine's generic
input_mutated) the grader should name on a failing case of one of those exercises;
None where the grader knows no such mistake (the entry then counts as unnamed).

Several mistakes are invisible on the lecture's examples (stride 1, one input channel,
batch of one, symmetric kernels, square images, no ties, no overlapping windows):
only the hidden cases can catch them, which is what these entries check.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    name: str
    module: str  # the student module the replacements apply to
    replacements: tuple[tuple[str, str], ...]
    loses: frozenset[str]  # exercise ids that must lose points
    diagnosis: str | None  # known-mistake id the grader should name, None if it has none
    what: str  # the misconception, in a few words


def _m(name, module, replacements, loses, diagnosis, what):
    return Mistake(name, module, tuple(replacements), frozenset(loses), diagnosis, what)


CONV_USERS = {"conv2d_forward", "conv_relu_pool", "conv2d_backward", "lenet"}
POOL_USERS = {"max_pool", "avg_pool", "conv_relu_pool", "lenet"}
# Part 6: the exercises built on the student's size functions, and on their conv layers.
SHAPE_USERS = {"network_shapes", "parameter_count"}
BLOCKS = {"residual_block", "bottleneck_block", "dense_block"}

MISTAKES = (
    # --- warm-up ----------------------------------------------------------------------
    _m("conv1d_no_flip", "warmup",
       [("products = np.multiply.outer(f, g)", "products = np.multiply.outer(f, g[::-1])")],
       {"conv1d_full"}, "conv1d_no_flip",
       "slides g without reversing it (cross-correlation); invisible for symmetric g such as the dice"),

    # --- sizes ------------------------------------------------------------------------
    _m("conv_size_true_division", "sizes",
       [("return (padded - kernel_size) // stride + 1", "return (padded - kernel_size) / stride + 1")],
       {"conv_output_size"} | CONV_USERS | SHAPE_USERS | BLOCKS, "size_true_division",
       "/ instead of //: a float size, which every caller then fails to slice with"),
    _m("conv_size_rounded", "sizes",
       [("return (padded - kernel_size) // stride + 1", "return round((padded - kernel_size) / stride) + 1")],
       {"conv_output_size", "conv2d_backward"} | SHAPE_USERS, "size_rounded",
       "rounds the fraction instead of truncating; conv2d_forward's window slice clips it, backward does not"),
    _m("conv_size_padding_once", "sizes",
       [("padded = in_size + 2 * padding", "padded = in_size + padding")],
       {"conv_output_size", "conv2d_forward", "conv2d_backward"} | SHAPE_USERS | BLOCKS, "size_padding_once",
       "adds the padding on one side only; LeNet and the colour demo never pad"),
    _m("conv_size_no_type_checks", "sizes",
       [('    in_size = _require_int("in_size", in_size, 1)\n'
         '    kernel_size = _require_int("kernel_size", kernel_size, 1)\n'
         '    stride = _require_int("stride", stride, 1)\n'
         '    padding = _require_int("padding", padding, 0)\n', "")],
       {"conv_output_size"}, "size_no_validation",
       "validates only that the kernel fits: 3.0, True, stride 0 and negative padding get through"),
    _m("sizes_reject_numpy_int", "sizes",
       [("not isinstance(value, numbers.Integral)", "not isinstance(value, int)")],
       {"conv_output_size", "pool_output_size"}, "size_rejects_numpy_int",
       "isinstance(value, int) rejects np.int64(3), which the contract accepts"),
    _m("pool_size_rounded", "sizes",
       [("return (in_size - pool_size) // stride + 1", "return int((in_size - pool_size) / stride + 0.5) + 1")],
       {"pool_output_size"} | SHAPE_USERS, "size_rounded",
       "rounds half up (7, 2, 2 gives 4); the pooling functions' window slice clips it"),
    _m("pool_size_true_division", "sizes",
       [("return (in_size - pool_size) // stride + 1", "return (in_size - pool_size) / stride + 1")],
       {"pool_output_size"} | POOL_USERS | SHAPE_USERS, "size_true_division",
       "/ instead of //: a float size breaks every pooling function"),
    _m("pool_size_no_window_check", "sizes",
       [("    if pool_size > in_size:\n        raise ValueError(", "    if pool_size > in_size:\n        pass  # raise ValueError(")],
       {"pool_output_size", "network_shapes"}, "size_no_validation",
       "no ValueError for a window larger than the input (returns 0 or less)"),

    # --- convolution forward ----------------------------------------------------------
    _m("pad2d_every_axis", "conv_forward",
       [("return np.pad(x, widths)", "return np.pad(x, padding)")],
       {"pad2d", "conv2d_forward", "conv2d_backward"} | BLOCKS, "pad_all_axes",
       "np.pad(x, P) pads the batch and channel axes too; fine on a 2-D example"),
    _m("pad2d_one_side", "conv_forward",
       [("[(padding, padding), (padding, padding)]", "[(0, 2 * padding), (0, 2 * padding)]")],
       {"pad2d", "conv2d_forward", "conv2d_backward"} | BLOCKS, "pad_one_side",
       "puts all 2P zeros after the data: right shape, shifted values"),
    _m("conv_kernel_flipped", "conv_forward",
       [("    w = np.asarray(w)\n", "    w = np.asarray(w)[:, :, ::-1, ::-1]\n")],
       {"conv2d_forward", "conv_relu_pool", "lenet"} | BLOCKS, "kernel_flipped",
       "true convolution in a conv layer; invisible for kernels symmetric under rot180"),
    _m("conv_bias_missing", "conv_forward",
       [("    z += b.astype(dtype, copy=False)", "    pass  # z += b.astype(dtype, copy=False)")],
       {"conv2d_forward", "lenet"} | BLOCKS, "bias_missing",
       "never adds the bias; the colour demo has no bias, so it cannot tell"),
    _m("conv_bias_per_input_channel", "conv_forward",
       [("    z += b.astype(dtype, copy=False)", "    z += x.shape[1] * b.astype(dtype, copy=False)")],
       {"conv2d_forward", "lenet"} | BLOCKS, "bias_per_input_channel",
       "adds the bias once per input channel; invisible with one input channel"),
    _m("conv_stride_ignored", "conv_forward",
       [("[:, :, ::stride, ::stride][:, :, :h_out, :w_out]", "[:, :, :h_out, :w_out]")],
       {"conv2d_forward", "residual_block"}, "stride_ignored",
       "steps the window by 1: the stride-1 output cut to H_out x W_out"),
    _m("conv_padding_ignored", "conv_forward",
       [("xp = pad2d(x.astype(dtype, copy=False), padding)", "xp = x.astype(dtype, copy=False)")],
       {"conv2d_forward"} | BLOCKS, "padding_ignored",
       "computes H_out with the padding but never pads the input"),
    _m("conv_h_w_swapped", "conv_forward",
       [("conv_output_size(x.shape[2], kh", "conv_output_size(x.shape[3], kh"),
        ("conv_output_size(x.shape[3], kw", "conv_output_size(x.shape[2], kw")],
       {"conv2d_forward", "conv_relu_pool"} | BLOCKS, "height_width_swapped",
       "takes H_out from the width and W_out from the height; invisible on square images"),

    # --- kernels and the colour demo --------------------------------------------------
    _m("blur_point_11", "kernels",
       [('"blur": np.full((3, 3), 1 / 9)', '"blur": np.full((3, 3), 0.11)')],
       {"classic_kernels"}, "blur_rounded",
       "copies the lecture's printed 0.11 instead of 1/9"),
    _m("edge_kernels_swapped", "kernels",
       [('"vertical_edge": [[0, 0, 0], [-1, 2, -1], [0, 0, 0]]', '"vertical_edge": [[0, -1, 0], [0, 2, 0], [0, -1, 0]]'),
        ('"horizontal_edge": [[0, -1, 0], [0, 2, 0], [0, -1, 0]]', '"horizontal_edge": [[0, 0, 0], [-1, 2, -1], [0, 0, 0]]')],
       {"classic_kernels"}, "edge_kernels_swapped",
       "names the edge kernels by the direction their numbers run, not by the lines they find"),
    _m("sobel_x_flipped", "kernels",
       [('"sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]', '"sobel_x": [[1, 0, -1], [2, 0, -2], [1, 0, -1]]')],
       {"classic_kernels"}, "kernel_sign_flipped",
       "writes Sobel-x flipped (as true convolution would need it)"),
    _m("colour_reshape", "kernels",
       [("x = image.transpose(2, 0, 1)[np.newaxis]", "x = image.reshape(1, 3, image.shape[0], image.shape[1])")],
       {"conv_relu_pool"}, "reshape_instead_of_transpose",
       "reshapes (H, W, 3) to (1, 3, H, W): right shape, scrambled channels"),

    # --- convolution backward ---------------------------------------------------------
    _m("rot180_transposed", "conv_backward",
       [("np.asarray(w)[..., ::-1, ::-1]", "np.swapaxes(np.asarray(w), -1, -2)")],
       {"rot180", "conv2d_backward", "lenet"} | BLOCKS, "transpose_instead_of_rot180",
       "transposes the kernel instead of rotating it"),
    _m("rot180_one_axis", "conv_backward",
       [("np.asarray(w)[..., ::-1, ::-1]", "np.asarray(w)[..., ::-1, :]")],
       {"rot180", "conv2d_backward", "lenet"} | BLOCKS, "rot180_one_axis",
       "flips up-down only"),
    _m("delta_out_no_rot180", "conv_backward",
       [("rotated = rot180(w)", "rotated = w")],
       {"conv2d_backward", "lenet"} | BLOCKS, "delta_out_no_rot180",
       "correlates the padded delta with w itself; only symmetric kernels survive"),
    _m("dw_rotated", "conv_backward",
       [("    db = delta_in.sum(axis=(0, 2, 3))", "    dw = rot180(dw)\n    db = delta_in.sum(axis=(0, 2, 3))")],
       {"conv2d_backward", "lenet"} | BLOCKS, "dw_rotated",
       "rotates dw by 180 degrees as if it were delta_out"),
    _m("no_dilation", "conv_backward",
       [("dilated = dilate(delta_in, stride)", "dilated = delta_in"),
        # delta_out then has only the rows the undilated delta reaches
        ("delta_out = np.zeros((x.shape[0], h, wid,", "h, wid = min(h, spread.shape[1] - kh + 1), min(wid, spread.shape[2] - kw + 1)\n    delta_out = np.zeros((x.shape[0], h, wid,")],
       {"conv2d_backward", "residual_block"}, "no_dilation",
       "forgets to insert S - 1 zeros between delta values when S > 1"),
    _m("dilate_m_times_s", "conv_backward",
       [("((m - 1) * stride + 1, (n - 1) * stride + 1)", "(m * stride, n * stride)")],
       {"dilate"}, "dilate_m_times_s",
       "follows the lecture's prose, (M*S) x (N*S); conv2d_backward's padding hides the extra zeros"),
    _m("no_crop", "conv_backward",
       [("    spread = spread[:, padding:, padding:, :]\n", ""),
        ("delta_out = np.zeros((x.shape[0], h, wid,", "h, wid = h + 2 * padding, wid + 2 * padding\n    delta_out = np.zeros((x.shape[0], h, wid,")],
       {"conv2d_backward"} | BLOCKS, "padding_not_cropped",
       "returns the gradient of the padded input"),
    _m("crop_one_side", "conv_backward",
       [("    spread = spread[:, padding:, padding:, :]\n", "")],
       {"conv2d_backward"} | BLOCKS, "crop_one_side",
       "crops all 2P rows and columns from the bottom and right"),
    _m("no_rest_padding", "conv_backward",
       [("+ rest_h, m_cols + 2 * (kw - 1) + rest_w, c_out)", ", m_cols + 2 * (kw - 1), c_out)"),
        ("delta_out = np.zeros((x.shape[0], h, wid,", "h, wid = h - rest_h, wid - rest_w\n    delta_out = np.zeros((x.shape[0], h, wid,")],
       {"conv2d_backward", "residual_block"}, "uncovered_rows_missing",
       "forgets the rows a strided window never reaches when (H + 2P - K) % S != 0"),
    _m("db_averaged", "conv_backward",
       [("db = delta_in.sum(axis=(0, 2, 3))", "db = delta_in.sum(axis=(2, 3)).mean(axis=0)")],
       {"conv2d_backward", "lenet"} | BLOCKS, "db_averaged",
       "averages db over the batch; invisible with one image"),
    _m("db_wrong_axes", "conv_backward",
       [("db = delta_in.sum(axis=(0, 2, 3))", "db = delta_in.sum(axis=(1, 2, 3))")],
       {"conv2d_backward", "lenet"} | BLOCKS, "db_wrong_axes",
       "sums over the channels instead of the batch"),
    _m("dw_averaged", "conv_backward",
       [("    db = delta_in.sum(axis=(0, 2, 3))", "    dw = dw / delta_in.shape[0]\n    db = delta_in.sum(axis=(0, 2, 3))")],
       {"conv2d_backward", "lenet"} | BLOCKS, "dw_averaged",
       "averages dw over the batch; invisible with one image"),

    # --- pooling ----------------------------------------------------------------------
    _m("max_pool_overwrite", "pooling",
       [("    delta_out = np.bincount(flat_index.ravel(), weights=delta_in.ravel(), minlength=x.size)",
         "    delta_out = np.zeros(x.size)\n    delta_out[flat_index.ravel()] = delta_in.ravel()")],
       {"max_pool"}, "max_pool_overwrite",
       "fancy-index assignment keeps one gradient where overlapping windows share a maximum"),
    _m("max_pool_all_ties", "pooling",
       # The planted lines return early; the reference's lines after them never run.
       [("    first_max = windows.reshape(n, c, h_out, w_out, size * size).argmax(axis=4)\n",
         "    is_max = windows == windows.max(axis=(4, 5), keepdims=True)\n"
         "    delta_out = np.zeros(x.shape, dtype=np.result_type(delta_in, x, np.float32))\n"
         "    for u in range(size):\n"
         "        for v in range(size):\n"
         "            delta_out[:, :, u:u + (h_out - 1) * stride + 1:stride, v:v + (w_out - 1) * stride + 1:stride]"
         " += is_max[..., u, v] * delta_in\n"
         "    return delta_out\n")],
       {"max_pool"}, "max_pool_all_ties",
       "a mask x == max sends the gradient to every tied maximum"),
    _m("max_pool_last_max", "pooling",
       [("    first_max = windows.reshape(n, c, h_out, w_out, size * size).argmax(axis=4)\n",
         "    backwards = windows.reshape(n, c, h_out, w_out, size * size)[..., ::-1]\n"
         "    first_max = size * size - 1 - backwards.argmax(axis=4)\n")],
       {"max_pool"}, "max_pool_last_max",
       "routes a tie to the last maximum (a >= scan) instead of the first"),
    _m("avg_pool_no_divide", "pooling",
       [("share = delta_in.astype(dtype) / (size * size)", "share = delta_in.astype(dtype)")],
       {"avg_pool"}, "avg_pool_no_divide",
       "copies delta to every window position without the 1/(F*F)"),
    _m("avg_pool_overwrite", "pooling",
       [("] += share", "] = share")],
       {"avg_pool"}, "avg_pool_overwrite",
       "= instead of += : overlapping windows overwrite each other"),
    _m("max_pool_backward_stride_as_size", "pooling",
       [("np.arange(h_out)[:, None] * stride", "np.arange(h_out)[:, None] * size"),
        ("np.arange(w_out)[None, :] * stride", "np.arange(w_out)[None, :] * size")],
       {"max_pool"}, "stride_is_size",
       "places window (i, j) at (i*F, j*F), as if windows never overlapped; LeNet's 2x2/2 pooling cannot tell"),
    _m("avg_pool_sum", "pooling",
       [(".mean(axis=(4, 5))", ".sum(axis=(4, 5))")],
       {"avg_pool"}, "avg_pool_sum",
       "sums each window instead of averaging it"),
    _m("pool_stride_ignored", "pooling",
       [("[:, :, ::stride, ::stride][:, :, :h_out, :w_out]", "[:, :, :h_out, :w_out]")],
       POOL_USERS, "stride_ignored",
       "steps the pooling window by 1 instead of by the stride"),

    # --- ReLU and the loss ------------------------------------------------------------
    _m("relu_grad_at_zero", "layers",
       [("np.where(z > 0, delta_in, 0)", "np.where(z >= 0, delta_in, 0)")],
       {"relu"}, "relu_grad_at_zero",
       "z >= 0 passes the gradient at z == 0"),
    _m("relu_mask_from_delta", "layers",
       [("np.where(z > 0, delta_in, 0)", "np.where(delta_in > 0, delta_in, 0)")],
       {"relu", "lenet"} | BLOCKS, "relu_mask_from_delta",
       "masks with the incoming gradient instead of the forward input"),
    _m("relu_in_place", "layers",
       [("    return np.maximum(z, 0)", "    return np.maximum(z, 0, out=z)")],
       {"relu", "conv_relu_pool"}, "input_mutated",
       "writes the ReLU into the caller's array; the demo's conv output is then clipped too"),
    _m("softmax_grad_not_averaged", "layers",
       [("return loss, dlogits / n", "return loss, dlogits")],
       {"softmax_cross_entropy"}, "softmax_grad_no_mean",
       "forgets the 1/N of the mean in dlogits; invisible with one sample"),
    _m("softmax_unstable", "layers",
       [("shifted = logits - logits.max(axis=1, keepdims=True)", "shifted = logits")],
       {"softmax_cross_entropy"}, "softmax_unstable",
       "exp of raw logits: inf/nan once logits reach the hundreds"),
    _m("softmax_loss_summed", "layers",
       [("loss = float(-log_p[rows, labels].mean())", "loss = float(-log_p[rows, labels].sum())")],
       {"softmax_cross_entropy"}, "softmax_loss_sum",
       "sums the loss over the batch instead of averaging"),
    _m("softmax_shift_by_column_max", "layers",
       [("logits.max(axis=1, keepdims=True)", "logits.max(axis=0, keepdims=True)")],
       {"softmax_cross_entropy"}, None,
       "subtracts each column's maximum: a different shift per class changes the softmax"),
    _m("softmax_shift_in_place", "layers",
       [("    shifted = logits - logits.max(axis=1, keepdims=True)",
         "    logits -= logits.max(axis=1, keepdims=True)\n    shifted = logits")],
       {"softmax_cross_entropy"}, "input_mutated",
       "subtracts the row maxima in the caller's array"),

    # --- LeNet ------------------------------------------------------------------------
    _m("lenet_flatten_hwc", "lenet",
       [("flat = s2.reshape(s2.shape[0], -1)", "flat = s2.transpose(0, 2, 3, 1).reshape(s2.shape[0], -1)")],
       {"lenet"}, "flatten_order",
       "flattens in (H, W, C) order, so fc1.weight meets the wrong features"),
    _m("lenet_missing_relu", "lenet",
       [("a4 = relu_forward(z4)", "a4 = z4")],
       {"lenet"}, "lenet_missing_relu",
       "no ReLU after fc2"),
    _m("lenet_unflatten_hwc", "lenet",
       [('d_s2 = (d3 @ p["fc1.weight"]).reshape(s2.shape)',
         'd_s2 = (d3 @ p["fc1.weight"]).reshape(s2.shape[0], 5, 5, 16).transpose(0, 3, 1, 2)')],
       {"lenet"}, "flatten_order",
       "un-flattens the fc1 gradient in a different order than forward flattened"),
    _m("lenet_params_copied_at_init", "lenet",
       [("        self.params = init_params(seed)\n", "        self.params = init_params(seed)\n        self.weights = self.params\n"),
        ("        p = self.params\n        x = np.asarray(x)", "        p = self.weights\n        x = np.asarray(x)"),
        ("        p = self.params\n        x, z1", "        p = self.weights\n        x, z1")],
       {"lenet"}, None,
       "keeps its own reference to the initial parameters, so replacing net.params changes nothing"),
    _m("lenet_bias_grad_averaged", "lenet",
       [('"fc3.bias": dlogits.sum(axis=0)', '"fc3.bias": dlogits.mean(axis=0)')],
       {"lenet"}, "bias_grad_averaged",
       "averages the fc3 bias gradient over the batch; invisible with one image"),

    # --- part 6: network arithmetic ---------------------------------------------------------
    _m("params_no_bias", "networks",
       [("per_layer.append(shape_out[0] * shape_in[0] * kh * kw + shape_out[0])", "per_layer.append(shape_out[0] * shape_in[0] * kh * kw)"),
        ("per_layer.append(shape_out[0] * shape_in[0] + shape_out[0])", "per_layer.append(shape_out[0] * shape_in[0])")],
       {"parameter_count"}, "params_no_bias",
       "counts the weights and forgets the biases"),
    _m("field_strides_ignored", "networks",
       [("        jump *= stride\n", "")],
       {"receptive_field"}, "field_strides_ignored",
       "adds up K - 1 for every layer without growing the jump by the strides"),
    _m("pool_default_stride_one", "networks",
       [('if "stride" in layer else (fh, fw)', 'if "stride" in layer else (1, 1)')],
       SHAPE_USERS, "pool_default_stride_one",
       "a pool without a stride steps by 1; the lecture's AlexNet gives every pool its stride"),
    _m("flatten_drops_channels", "networks",
       [("return (channels * height * width,)", "return (height * width,)")],
       SHAPE_USERS, "flatten_drops_channels",
       "flattens one channel's H * W instead of C * H * W"),
    _m("shapes_fill_defaults_in_place", "networks",
       [('stride, padding = layer.get("stride", 1), layer.get("padding", 0)',
         'stride, padding = layer.setdefault("stride", 1), layer.setdefault("padding", 0)')],
       SHAPE_USERS, "input_mutated",
       "writes the default stride and padding into the caller's layer dicts"),

    # --- part 6: the blocks -----------------------------------------------------------------
    _m("gap_backward_no_divide", "blocks",
       [("share = delta_in.astype(dtype) / (h * w)", "share = delta_in.astype(dtype)")],
       {"global_avg_pool"}, "gap_backward_no_divide",
       "copies delta to every position without the mean's 1 / (H * W)"),
    _m("bn_unbiased_variance", "blocks",
       [("std = np.sqrt((centred * centred).mean(axis=BN_AXES, keepdims=True) + eps)",
         "std = np.sqrt(x.var(axis=BN_AXES, keepdims=True, ddof=1) + eps)")],
       {"batchnorm2d"}, "bn_unbiased_variance",
       "divides the variance by M - 1 (ddof=1), as torch.var does by default"),
    _m("bn_backward_no_mean_term", "blocks",
       [("dx = (g - g.mean(axis=BN_AXES, keepdims=True) - x_hat", "dx = (g - x_hat")],
       {"batchnorm2d"}, "bn_backward_no_mean_term",
       "treats the batch mean as a constant in the backward pass"),
    _m("bn_backward_no_variance_term", "blocks",
       [(" - x_hat * (g * x_hat).mean(axis=BN_AXES, keepdims=True)) / std", ") / std")],
       {"batchnorm2d"}, "bn_backward_no_variance_term",
       "treats the batch variance as a constant in the backward pass"),
    _m("relu_before_add", "blocks",
       [("    s = _add_shortcut(z2, x, p, stride)\n", "    s = _add_shortcut(relu_forward(z2), x, p, stride)\n"),
        ("    _, _, _, s = _residual_parts(x, params, stride)\n    return relu_forward(s)", "    _, _, _, s = _residual_parts(x, params, stride)\n    return s")],
       {"residual_block"}, "relu_before_add",
       "ReLU(F(x)) + x: the ReLU on the branch instead of on the sum"),
    _m("no_projection", "blocks",
       [('    """(branch + shortcut(x)): x itself, or the 1x1 projection shortcut.weight (stride S, no bias)."""\n',
         '    """(branch + shortcut(x)): x itself, or the 1x1 projection shortcut.weight (stride S, no bias)."""\n    return branch + x\n')],
       BLOCKS - {"dense_block"}, "no_projection",
       "always adds x itself: numpy broadcasts one input channel, and refuses other shape changes"),
    _m("shortcut_gradient_missing", "blocks",
       [("    dx = dx + _shortcut_backward(ds, x, p, stride, grads)\n", "    _shortcut_backward(ds, x, p, stride, grads)\n")],
       {"residual_block"}, "shortcut_gradient_missing",
       "dJ/dx from the branch alone: the gradient down the shortcut is dropped"),
    _m("dense_grad_assigned", "blocks",
       [("grads[j] = grads[j] + share", "grads[j] = share")],
       {"dense_block"}, "dense_grad_not_summed",
       "assigns each layer's share to a feature's gradient instead of adding it"),
    _m("dense_concat_newest_first", "blocks",
       [("        z = np.concatenate(features, axis=1)\n", "        z = np.concatenate(features[::-1], axis=1)\n"),
        ("    return np.concatenate(features, axis=1)\n", "    return np.concatenate(features[::-1], axis=1)\n")],
       {"dense_block"}, "dense_concat_order",
       "concatenates the newest feature first, against the order the weights expect"),
)

BY_NAME = {mistake.name: mistake for mistake in MISTAKES}
assert len(BY_NAME) == len(MISTAKES), "zoo names must be unique"
