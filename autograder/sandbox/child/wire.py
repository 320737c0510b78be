"""The protocol between grader and child: length-prefixed frames of JSON and .npy bytes.

A frame is a 4-byte big-endian header length, a JSON header, then the blobs the
header lists (their byte sizes in header["blobs"]). Values travel as a tagged
tree inside the header:

    ["none"]  ["bool", b]  ["int", "123"]  ["float", "0x1.8p+1"]  ["str", s]
    ["list", [...]]  ["tuple", [...]]  ["dict", [[key, node], ...]]
    ["array", i]  ["scalar", i]        (blob i: .npy bytes; "scalar" is a 0-d array
                                        rebuilt as a numpy scalar)

Decoding trusts nothing: every size is capped, every node checked, every blob
used exactly once, and each array is rebuilt by numpy from a header this module
has validated, with allow_pickle=False. Nothing is unpickled or evaluated.

numpy is imported inside the functions that need it: the child imports this
module before its isolation is in place and numpy only after (bootstrap.py).
"""
from __future__ import annotations

import io
import json
import math
import re
import struct

MAX_HEADER_BYTES = 1 << 20
MAX_NODES = 20_000
MAX_DEPTH = 32
MAX_STRING_CHARS = 100_000
MAX_INT_DIGITS = 1_000
MAX_NPY_HEADER_BYTES = 10_000
NUMERIC_KINDS = "biuf"  # bool, signed int, unsigned int, float
ACCEPTED_VALUES = (
    "numpy arrays of bool/int/uint/float, Python int/float/bool/str/None, "
    "and lists, tuples and dicts (str keys) of these, or their subclasses"
)

_LENGTH = struct.Struct(">I")
_INT_TEXT = re.compile(r"-?[0-9]{1,%d}" % MAX_INT_DIGITS)


class WireError(Exception):
    """A frame or value that breaks the protocol; the message says how."""


class UnsupportedValue(WireError):
    """A value of a kind that may not cross (an object, an ndarray subclass, object dtype...)."""


# ---------------------------------------------------------------- encoding


def encode(header: dict, value: object = None, *, with_value: bool = False) -> bytes:
    """One frame: header (a JSON-able dict) plus, with_value, `value` as header["value"]."""
    blobs: list[bytes] = []
    header = dict(header)
    if with_value:
        header["value"] = _encode_node(value, blobs, depth=0, budget=[MAX_NODES])
    header["blobs"] = [len(blob) for blob in blobs]
    text = json.dumps(header, allow_nan=False, separators=(",", ":")).encode()
    if len(text) > MAX_HEADER_BYTES:
        raise UnsupportedValue(f"the value's description is larger than {MAX_HEADER_BYTES} bytes")
    return b"".join([_LENGTH.pack(len(text)), text, *blobs])


def _encode_node(value, blobs, depth, budget):
    """One node of the tagged tree.

    Subclasses of the basic types travel as their base type (an OrderedDict as a dict,
    a namedtuple as a tuple, an IntEnum as an int): their contents are read with the base
    type's own methods, so an override of items() or __iter__ changes nothing. numpy
    scalars travel as numpy scalars; an ndarray subclass (np.matrix, a masked array) is
    refused, since its operators mean something else.
    """
    import numpy as np

    budget[0] -= 1
    if budget[0] < 0:
        raise UnsupportedValue(f"the value has more than {MAX_NODES} parts")
    if depth > MAX_DEPTH:
        raise UnsupportedValue(f"the value is nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if value is None:
        return ["none"]
    if kind is bool:
        return ["bool", value]
    if kind is np.ndarray:
        blobs.append(_npy_bytes(value))
        return ["array", len(blobs) - 1]
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        blobs.append(_npy_bytes(np.asarray(value)))
        return ["scalar", len(blobs) - 1]
    if isinstance(value, np.ndarray):
        raise UnsupportedValue(f"an ndarray subclass ({_name(kind)}); return a plain np.ndarray")
    if isinstance(value, int):
        text = int.__repr__(value)
        if len(text) > MAX_INT_DIGITS:
            raise UnsupportedValue(f"an int with more than {MAX_INT_DIGITS} digits")
        return ["int", text]
    if isinstance(value, float):
        return ["float", float.hex(value)]
    if isinstance(value, str):
        text = str.__str__(value)
        if len(text) > MAX_STRING_CHARS:
            raise UnsupportedValue(f"a str longer than {MAX_STRING_CHARS} characters")
        return ["str", text]
    if isinstance(value, (list, tuple)):
        is_list = isinstance(value, list)
        items = list(list.__iter__(value)) if is_list else list(tuple.__iter__(value))
        return ["list" if is_list else "tuple", [_encode_node(v, blobs, depth + 1, budget) for v in items]]
    if isinstance(value, dict):
        pairs = []
        for key, item in list(dict.items(value)):
            if not isinstance(key, str):
                raise UnsupportedValue(f"a dict key of type {_name(type(key))} (keys must be str)")
            pairs.append([str.__str__(key), _encode_node(item, blobs, depth + 1, budget)])
        return ["dict", pairs]
    raise UnsupportedValue(f"a value of type {_name(kind)}")


def _name(kind: type) -> str:
    name = getattr(kind, "__name__", "")
    return name if isinstance(name, str) and name.isidentifier() else "object"


def _npy_bytes(array) -> bytes:
    import numpy as np

    _check_dtype(array.dtype)
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _check_dtype(dtype) -> None:
    if dtype.kind not in NUMERIC_KINDS or dtype.hasobject or dtype.names is not None or dtype.subdtype is not None:
        raise UnsupportedValue(f"an array of dtype {dtype}")


# ---------------------------------------------------------------- framing


def read_frame(read_exactly, max_blob_bytes: int) -> tuple[dict, list[bytes]]:
    """Read one frame with read_exactly(n) -> bytes; return (header, blobs), both unchecked in content."""
    (length,) = _LENGTH.unpack(read_exactly(_LENGTH.size))
    if length > MAX_HEADER_BYTES:
        raise WireError(f"a header of {length} bytes (the limit is {MAX_HEADER_BYTES})")
    try:
        header = json.loads(read_exactly(length).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise WireError(f"a header that is not valid JSON ({type(error).__name__})") from None
    if type(header) is not dict:
        raise WireError("a header that is not a JSON object")
    sizes = header.get("blobs")
    if type(sizes) is not list or any(type(s) is not int or s < 0 for s in sizes):
        raise WireError("a header without a valid list of blob sizes")
    if sum(sizes) > max_blob_bytes:
        raise WireError(f"{sum(sizes)} bytes of arrays (the limit is {max_blob_bytes})")
    return header, [read_exactly(size) for size in sizes]


# ---------------------------------------------------------------- decoding


def decode_value(node: object, blobs: list[bytes]) -> object:
    """Rebuild the value a header's "value" node describes; raise WireError on anything unexpected."""
    used = [False] * len(blobs)
    value = _decode_node(node, blobs, used, depth=0, budget=[MAX_NODES])
    if not all(used):
        raise WireError("a frame with arrays its value does not use")
    return value


def _decode_node(node, blobs, used, depth, budget):
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise WireError("a value that is too large or too deeply nested")
    if type(node) is not list or not node or type(node[0]) is not str:
        raise WireError("a malformed value node")
    tag, rest = node[0], node[1:]
    if tag == "none" and not rest:
        return None
    if len(rest) != 1:
        raise WireError(f"a malformed {tag!r} node")
    (payload,) = rest
    if tag == "bool" and type(payload) is bool:
        return payload
    if tag == "int" and type(payload) is str and _INT_TEXT.fullmatch(payload):
        return int(payload)
    if tag == "float" and type(payload) is str and len(payload) <= 40:
        try:
            return float.fromhex(payload)
        except ValueError:
            raise WireError("a malformed float") from None
    if tag == "str" and type(payload) is str and len(payload) <= MAX_STRING_CHARS:
        return payload
    if tag in ("list", "tuple") and type(payload) is list:
        items = [_decode_node(item, blobs, used, depth + 1, budget) for item in payload]
        return items if tag == "list" else tuple(items)
    if tag == "dict" and type(payload) is list:
        result = {}
        for pair in payload:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str or pair[0] in result:
                raise WireError("a malformed dict entry")
            result[pair[0]] = _decode_node(pair[1], blobs, used, depth + 1, budget)
        return result
    if tag in ("array", "scalar") and type(payload) is int and 0 <= payload < len(blobs):
        if used[payload]:
            raise WireError("an array used twice")
        used[payload] = True
        array = load_array(blobs[payload])
        if tag == "scalar":
            if array.ndim != 0:
                raise WireError("a numpy scalar that is not 0-dimensional")
            return array[()]
        return array
    raise WireError(f"a malformed or unknown {tag!r} node")


def load_array(blob: bytes):
    """A plain ndarray from .npy bytes, after checking that the header describes exactly these bytes."""
    import numpy as np

    stream = io.BytesIO(blob)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream, max_header_size=MAX_NPY_HEADER_BYTES)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream, max_header_size=MAX_NPY_HEADER_BYTES)
        else:
            raise WireError(f".npy format version {version}")
    except WireError:
        raise
    except Exception as error:  # numpy reports a bad header with several exception types
        raise WireError(f"an array whose .npy header is invalid ({type(error).__name__})") from None
    try:
        _check_dtype(dtype)
    except UnsupportedValue as error:
        raise WireError(str(error)) from None
    if type(shape) is not tuple or any(type(n) is not int or n < 0 for n in shape):
        raise WireError("an array with an invalid shape")
    # Checked before numpy allocates: a header may promise far more than the blob holds.
    if math.prod(shape) * dtype.itemsize != len(blob) - stream.tell():
        raise WireError("an array whose data size does not match its shape")
    stream.seek(0)
    array = np.lib.format.read_array(stream, allow_pickle=False)
    if type(array) is not np.ndarray:
        raise WireError("an array numpy could not rebuild as a plain ndarray")
    return array
