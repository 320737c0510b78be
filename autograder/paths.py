"""Where things live, and which student module defines which API name."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = REPO_ROOT / "reference"
ASSIGNMENTS_DIR = REPO_ROOT / "assignments"
GRADING_TOML = REPO_ROOT / "grading.toml"
SAMPLES_DIR = REPO_ROOT / "samples"

# The files a student edits: each holds solution blocks in reference/.
STUDENT_MODULES = (
    "warmup",
    "sizes",
    "conv_forward",
    "kernels",
    "conv_backward",
    "pooling",
    "layers",
    "lenet",
    # Part 6: the classic networks.
    "networks",
    "blocks",
)

# The files the course provides whole (no solution blocks): the grader always
# uses its own copies, never a student's.
PROVIDED_MODULES = ("__init__", "data", "training", "transforms")

# API name -> the student module that defines it.
API = {
    "conv1d_full": "warmup",
    "conv_output_size": "sizes",
    "pool_output_size": "sizes",
    "pad2d": "conv_forward",
    "conv2d_forward": "conv_forward",
    "classic_kernels": "kernels",
    "conv_relu_pool": "kernels",
    "rot180": "conv_backward",
    "dilate": "conv_backward",
    "conv2d_backward": "conv_backward",
    "max_pool_forward": "pooling",
    "max_pool_backward": "pooling",
    "avg_pool_forward": "pooling",
    "avg_pool_backward": "pooling",
    "relu_forward": "layers",
    "relu_backward": "layers",
    "softmax_cross_entropy": "layers",
    "LeNet": "lenet",
    # Part 6: the classic networks.
    "network_shapes": "networks",
    "parameter_count": "networks",
    "receptive_field": "networks",
    "global_avg_pool_forward": "blocks",
    "global_avg_pool_backward": "blocks",
    "batchnorm2d_forward": "blocks",
    "batchnorm2d_backward": "blocks",
    "residual_block_forward": "blocks",
    "residual_block_backward": "blocks",
    "bottleneck_block_forward": "blocks",
    "bottleneck_block_backward": "blocks",
    "dense_block_forward": "blocks",
    "dense_block_backward": "blocks",
}
