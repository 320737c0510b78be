"""Output sizes; arguments are validated through operator.index."""
import operator


def _as_int(name, value, smallest):
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, not a bool")
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None
    if value < smallest:
        raise ValueError(f"{name} must be >= {smallest}, got {value}")
    return value


def conv_output_size(in_size, kernel_size, stride=1, padding=0):
    in_size = _as_int("in_size", in_size, 1)
    kernel_size = _as_int("kernel_size", kernel_size, 1)
    stride = _as_int("stride", stride, 1)
    padding = _as_int("padding", padding, 0)
    room = in_size + 2 * padding - kernel_size
    if room < 0:
        raise ValueError("kernel larger than the padded input")
    return room // stride + 1


def pool_output_size(in_size, pool_size, stride):
    in_size = _as_int("in_size", in_size, 1)
    pool_size = _as_int("pool_size", pool_size, 1)
    stride = _as_int("stride", stride, 1)
    room = in_size - pool_size
    if room < 0:
        raise ValueError("window larger than the input")
    return room // stride + 1
