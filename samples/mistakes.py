"""Realistic student mistakes, as data: each one a text replacement in one reference module.

One description serves three users:

- the bug zoo (tests/test_bug_zoo.py) plants every entry in a copy of the reference and
  checks that the grader takes points exactly where `loses` says and names `diagnosis`;
- `convlab demo` grades the entries named in SAMPLES next to the reference and the stubs
  (samples/README.md tells what each costs), planting them when it runs;
- the project's other tests build submissions with `planted_sources`.

Every entry changes a line or two of one reference module (exact text replacements,
which raise PlantError when the text no longer occurs exactly once, so a reference edit
cannot silently turn a planted mistake into a correct submission). `loses` is the set of
exercises that must lose points: the exercise that owns the broken function, plus every
exercise whose function calls it AND whose cases can see the difference (a sizes bug that
only matters with padding does not touch LeNet, which never pads). Every other exercise
must keep full marks. `diagnosis` is the known-mistake id (autograder/exercises/, or the
engine's generic input_mutated) the grader should name on a failing case of one of those
exercises; None where the grader knows no such mistake (the entry then counts as unnamed).

Several mistakes are invisible on the lecture's examples (stride 1, one input channel,
batch of one, symmetric kernels, square images, no ties, no overlapping windows):
only the hidden cases can catch them, which is what these entries check.

The replacements quote the reference's solution lines, so this file stays in the course
repository: it is never part of the student release.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


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


def _rewritten(name, module, header, source, loses, diagnosis, what):
    """A mistake in a function written again in full (its API header stays; the old body
    stays in the file as _replaced_<name>, so the new one may call it)."""
    keyword, function = re.match(r"(def|class) (\w+)", header).groups()
    renamed = header.replace(f"{keyword} {function}", f"{keyword} _replaced_{function}", 1)
    return _m(name, module, [(header, source.strip("\n") + "\n\n\n" + renamed)], loses, diagnosis, what)


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
       [(", bias=b.astype(dtype, copy=False))", ")  # the bias is never added")],
       {"conv2d_forward", "lenet"} | BLOCKS, "bias_missing",
       "never adds the bias; the colour demo has no bias, so it cannot tell"),
    _m("conv_bias_per_input_channel", "conv_forward",
       [("bias=b.astype(dtype, copy=False)", "bias=x.shape[1] * b.astype(dtype, copy=False)")],
       {"conv2d_forward", "lenet"} | BLOCKS, "bias_per_input_channel",
       "adds the bias once per input channel; invisible with one input channel"),
    _m("conv_stride_ignored", "conv_forward",
       [("w.astype(dtype, copy=False), stride, bias=", "w.astype(dtype, copy=False), 1, bias=")],
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
       # delta_out then has only the rows the undilated delta reaches
       [("dilated = dilate(delta_in, stride) if stride > 1 else delta_in", "dilated = delta_in")],
       {"conv2d_backward", "residual_block"}, "no_dilation",
       "forgets to insert S - 1 zeros between delta values when S > 1"),
    _m("dilate_m_times_s", "conv_backward",
       [("((m - 1) * stride + 1, (n - 1) * stride + 1)", "(m * stride, n * stride)")],
       {"dilate"}, "dilate_m_times_s",
       "follows the lecture's prose, (M*S) x (N*S); conv2d_backward's padding hides the extra zeros"),
    _m("no_crop", "conv_backward",
       [("    spread = spread[:, :, padding:padding + h + kh - 1, padding:padding + wid + kw - 1]\n", "")],
       {"conv2d_backward"} | BLOCKS, "padding_not_cropped",
       "returns the gradient of the padded input"),
    _m("crop_one_side", "conv_backward",
       [("spread[:, :, padding:padding + h + kh - 1, padding:padding + wid + kw - 1]", "spread[:, :, :h + kh - 1, :wid + kw - 1]")],
       {"conv2d_backward"} | BLOCKS, "crop_one_side",
       "crops all 2P rows and columns from the bottom and right"),
    _m("no_rest_padding", "conv_backward",
       # the crop then finds fewer rows than the input has: delta_out is short of them
       [("m_rows + 2 * (kh - 1) + rest_h, m_cols + 2 * (kw - 1) + rest_w)", "m_rows + 2 * (kh - 1), m_cols + 2 * (kw - 1))")],
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
       # The planted lines route this part's gradients and skip the reference's loop.
       [("        unclaimed = np.ones(window_max.shape, dtype=bool)\n",
         "        first_index = windows.reshape(*window_max.shape, size * size).argmax(axis=4)\n"
         "        h_out, w_out = window_max.shape[2:]\n"
         "        rows = np.arange(h_out)[:, None] * stride + first_index // size\n"
         "        cols = np.arange(w_out)[None, :] * stride + first_index % size\n"
         "        images, channels = np.indices(window_max.shape[:2])[..., None, None]\n"
         "        delta_out[part][images, channels, rows, cols] = delta_in[part]\n"
         "        continue\n")],
       {"max_pool"}, "max_pool_overwrite",
       "fancy-index assignment keeps one gradient where overlapping windows share a maximum"),
    _m("max_pool_all_ties", "pooling",
       [("first_max = (windows[..., u, v] == window_max) & unclaimed", "first_max = windows[..., u, v] == window_max")],
       {"max_pool"}, "max_pool_all_ties",
       "a mask x == max sends the gradient to every tied maximum"),
    _m("max_pool_last_max", "pooling",
       [("        for u, v in np.ndindex(size, size):\n            first_max",
         "        for u, v in reversed(list(np.ndindex(size, size))):\n            first_max")],
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
       [("out_windows = _windows(delta_out[part], size, stride, writeable=True)",
         "out_windows = _windows(delta_out[part], size, size, writeable=True)")],
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

# Mistakes in functions written from scratch: they need no particular reference text.
REWRITTEN = (
    _rewritten("conv_backward_crop_minus_p", "conv_backward", "def conv2d_backward(delta_in, x, w, stride=1, padding=0):", """
def conv2d_backward(delta_in, x, w, stride=1, padding=0):
    d_padded, dw, db = _replaced_conv2d_backward(delta_in, pad2d(x, padding), w, stride, 0)
    p = padding
    return d_padded[:, :, p:-p, p:-p], dw, db
""", {"conv2d_backward", "lenet", "residual_block", "bottleneck_block"}, "crop_minus_p",
       "crops the padding with [p:-p], which leaves nothing when p = 0"),
    _rewritten("conv_forward_size_true_division", "conv_forward", "def conv2d_forward(x, w, b, stride=1, padding=0):", """
def conv2d_forward(x, w, b, stride=1, padding=0):
    n, _, h, wid = x.shape
    c_out, _, kh, kw = w.shape
    h_out = (h - kh + 2 * padding) / stride + 1
    w_out = (wid - kw + 2 * padding) / stride + 1
    z = np.zeros((n, c_out, h_out, w_out))
    z[...] = _replaced_conv2d_forward(x, w, b, stride, padding)
    return z
""", {"conv2d_forward", "conv_relu_pool", "lenet"} | BLOCKS, "layer_size_true_division",
       "works out H_out with /, a float that np.zeros refuses"),
    _rewritten("conv_forward_size_rounded", "conv_forward", "def conv2d_forward(x, w, b, stride=1, padding=0):", """
def conv2d_forward(x, w, b, stride=1, padding=0):
    x, w, b = np.asarray(x, dtype=float), np.asarray(w, dtype=float), np.asarray(b, dtype=float)
    n, _, h, wid = x.shape
    c_out, _, kh, kw = w.shape
    h_out = round((h - kh + 2 * padding) / stride) + 1
    w_out = round((wid - kw + 2 * padding) / stride) + 1
    xp = pad2d(x, padding)
    z = np.zeros((n, c_out, h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            z[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return z
""", {"conv2d_forward"}, "layer_size_rounded",
       "rounds H_out instead of flooring it: one window too many when the stride leaves half a step or more"),
    _rewritten("max_pool_forward_size_rounded", "pooling", "def max_pool_forward(x, size=2, stride=2):", """
def max_pool_forward(x, size=2, stride=2):
    import math

    x = np.asarray(x, dtype=float)
    h_out = math.ceil((x.shape[2] - size) / stride) + 1
    w_out = math.ceil((x.shape[3] - size) / stride) + 1
    out = np.zeros(x.shape[:2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(2, 3))
    return out
""", {"max_pool", "conv_relu_pool"}, "layer_size_rounded",
       "rounds the pooled size up: a last, clipped window where the stride leaves a remainder"),
    _rewritten("softmax_log_of_softmax", "layers", "def softmax_cross_entropy(logits, labels):", """
def softmax_cross_entropy(logits, labels):
    logits = np.asarray(logits, dtype=float)
    rows = np.arange(len(labels))
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[rows, labels])))
    grad = p.copy()
    grad[rows, labels] -= 1
    return loss, grad / len(labels)
""", {"softmax_cross_entropy"}, "softmax_log_of_softmax",
       "takes log of the softmax: a label far below its row's maximum gives log(0)"),
    _rewritten("softmax_log_eps", "layers", "def softmax_cross_entropy(logits, labels):", """
def softmax_cross_entropy(logits, labels):
    logits = np.asarray(logits, dtype=float)
    rows = np.arange(len(labels))
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[rows, labels] + 1e-12)))
    grad = p.copy()
    grad[rows, labels] -= 1
    return loss, grad / len(labels)
""", {"softmax_cross_entropy"}, "softmax_log_eps",
       "hides log(0) with log(p + 1e-12), and gets the loss wrong where p underflows"),
    _rewritten("lenet_grads_accumulate", "lenet", "class LeNet:", """
class LeNet:
    def __init__(self, seed=0):
        self._inner = _replaced_LeNet(seed)
        self.params = self._inner.params
        self._sums = None

    def forward(self, x):
        self._inner.params = self.params
        return self._inner.forward(x)

    def backward(self, dlogits):
        grads = self._inner.backward(dlogits)
        if self._sums is None:
            self._sums = {name: np.zeros_like(g) for name, g in grads.items()}
        for name, g in grads.items():
            self._sums[name] += g
        return {name: s.copy() for name, s in self._sums.items()}
""", {"lenet"}, "lenet_grads_accumulate",
       "adds each backward's gradients into buffers it never resets"),
    _rewritten("lenet_stale_cache", "lenet", "class LeNet:", """
class LeNet:
    def __init__(self, seed=0):
        self._inner = _replaced_LeNet(seed)
        self.params = self._inner.params
        self._first = None

    def forward(self, x):
        self._inner.params = self.params
        if self._first is None:
            self._first = x
        logits = self._inner.forward(x)
        self._inner.forward(self._first)  # what backward will use: the first batch's activations
        return logits

    def backward(self, dlogits):
        return self._inner.backward(dlogits)
""", {"lenet"}, "lenet_stale_cache",
       "keeps the activations of its first forward call and sends every later dlogits through them"),
)
# Mistakes that stop a whole module: they may cost only the exercises that need that module.
WHOLE_MODULE = (
    _rewritten("conv_forward_imports_scipy", "conv_forward", "def conv2d_forward(x, w, b, stride=1, padding=0):", """
def conv2d_forward(x, w, b, stride=1, padding=0):
    from scipy.signal import correlate

    return _replaced_conv2d_forward(x, w, b, stride, padding)
""", {"conv2d_forward", "conv_relu_pool", "lenet"} | BLOCKS, None,
       "imports scipy inside conv2d_forward: refused there and in its callers (conv2d_backward keeps its points)"),
    _m("layers_syntax_error", "layers",
       [("import numpy as np\n", "import numpy as np\n\ndef half_written(:\n    pass\n")],
       {"relu", "softmax_cross_entropy", "conv_relu_pool", "lenet", "global_avg_pool", "batchnorm2d"} | BLOCKS, None,
       "a half-written function breaks layers.py and blocks.py, which imports it: classic_kernels, which needs nothing from it, keeps its points"),
)
MISTAKES = MISTAKES + REWRITTEN + WHOLE_MODULE

BY_NAME = {mistake.name: mistake for mistake in MISTAKES}
assert len(BY_NAME) == len(MISTAKES), "zoo names must be unique"

# The mistakes `convlab demo` grades as sample submissions, in the order it shows them.
SAMPLES = ("conv_kernel_flipped", "delta_out_no_rot180", "max_pool_overwrite")


class PlantError(ValueError):
    """A replacement's text does not occur exactly once in the reference module."""


def replace_once(source: str, replacements, where: str) -> str:
    """source with each (old, new) applied; PlantError unless every old occurs exactly once."""
    for old, new in replacements:
        count = source.count(old)
        if count != 1:
            raise PlantError(f"{where}: expected exactly one occurrence of {old!r}, found {count}")
        source = source.replace(old, new)
    return source


def without_markers(source: str) -> str:
    """source without its solution-marker lines: the file as a student who solved it would have it."""
    from autograder.release import BEGIN_MARKER, END_MARKER

    return "".join(line for line in source.splitlines(keepends=True) if line.strip() not in (BEGIN_MARKER, END_MARKER))


def planted_sources(mistake: Mistake, reference_dir: Path | None = None) -> dict[str, str]:
    """File name -> source of every student module: the reference's, without markers, with mistake planted."""
    from autograder.paths import REFERENCE_DIR, STUDENT_MODULES

    reference_dir = Path(reference_dir or REFERENCE_DIR)
    files = {}
    for module in STUDENT_MODULES:
        source = without_markers((reference_dir / f"{module}.py").read_text(encoding="utf-8"))
        if module == mistake.module:
            source = replace_once(source, mistake.replacements, f"{mistake.name}: {module}.py")
        files[f"{module}.py"] = source
    return files
