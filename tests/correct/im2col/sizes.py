"""Output sizes, validated by one shared helper that reports every bad argument."""
import numbers


def _validate(**arguments):
    problems = []
    for name, (value, smallest) in arguments.items():
        if type(value) is bool or not isinstance(value, numbers.Integral):
            problems.append(f"{name}={value!r} is not an integer")
        elif value < smallest:
            problems.append(f"{name}={value} is below {smallest}")
    if problems:
        raise ValueError("; ".join(problems))


def conv_output_size(in_size, kernel_size, stride=1, padding=0):
    _validate(in_size=(in_size, 1), kernel_size=(kernel_size, 1), stride=(stride, 1), padding=(padding, 0))
    span = int(in_size) + 2 * int(padding) - int(kernel_size)
    if span < 0:
        raise ValueError(f"kernel_size={kernel_size} exceeds the padded input {int(in_size) + 2 * int(padding)}")
    return span // int(stride) + 1


def pool_output_size(in_size, pool_size, stride):
    _validate(in_size=(in_size, 1), pool_size=(pool_size, 1), stride=(stride, 1))
    span = int(in_size) - int(pool_size)
    if span < 0:
        raise ValueError(f"pool_size={pool_size} exceeds in_size={in_size}")
    return span // int(stride) + 1
