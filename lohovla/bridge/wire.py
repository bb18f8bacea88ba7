"""The bridge's wire format: one msgpack header frame, then one raw frame per array.

Arrays never go through msgpack: in the header an array is a placeholder map
``{"$array": k, "dtype": "float32", "shape": [320, 160]}`` and frame k (0-based, counted after the
header) holds its bytes, C order, little-endian. That keeps images zero-copy, lets any language with
msgpack and ZeroMQ speak the protocol, and never runs pickle. Every limit is checked before a byte is
interpreted, so a hostile message costs a `WireError`, never a crash or a huge allocation.
Numpy and msgpack only: the robot computer imports this.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgpack
import numpy as np

ARRAY_KEY = "$array"
#: The dtypes the wire carries, by their numpy names; always little-endian on the wire.
DTYPES = (
    "bool", "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64",
    "float16", "float32", "float64",
)  # fmt: skip
# Lookup tables: numpy's dtype.name is computed in Python and costs ~15 us, too much per message.
_WIRE = {name: np.dtype(name).newbyteorder("<") for name in DTYPES}
_NATIVE = {name: np.dtype(name) for name in DTYPES}
_NAME = {np.dtype(name): name for name in DTYPES}


class WireError(ValueError):
    """A message that cannot be decoded; `code` is the protocol's error code for the reply."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Limits:
    """Caps on what a peer may send: total bytes, header bytes, array frames, nesting, dims."""

    max_message_bytes: int = 8 << 20
    max_header_bytes: int = 1 << 20
    max_frames: int = 16
    max_depth: int = 16
    max_ndim: int = 6


def encode(header: dict[str, Any]) -> list[Any]:
    """Header dict (arrays anywhere inside) -> [header bytes, array buffers...] ready for send_multipart."""
    buffers: list[np.ndarray] = []

    def walk(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            array = value if value.flags.c_contiguous else value.copy(order="C")
            name = _NAME.get(array.dtype)
            if name is None and array.dtype.byteorder == ">":
                name = _NAME.get(array.dtype.newbyteorder("="))
            if name is None:
                raise TypeError(f"dtype {array.dtype} cannot go on the wire")
            if array.dtype != _WIRE[name]:
                array = array.astype(_WIRE[name])
            buffers.append(array)
            return {ARRAY_KEY: len(buffers) - 1, "dtype": name, "shape": list(array.shape)}
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(item) for item in value]
        if isinstance(value, np.generic):
            return value.item()
        return value

    packed = msgpack.packb(walk(header), use_bin_type=True)
    return [packed, *(array.reshape(-1).view(np.uint8) for array in buffers)]


DEFAULT_LIMITS = Limits()


def decode(frames: Sequence[Any], limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """[header, buffers...] -> header dict with arrays restored (writable); WireError if bad."""
    if not frames:
        raise WireError("malformed", "empty message")
    if len(frames) - 1 > limits.max_frames:
        raise WireError("too_large", f"{len(frames) - 1} array frames; at most {limits.max_frames}")
    views = [memoryview(frame) for frame in frames]
    total = sum(view.nbytes for view in views)
    if total > limits.max_message_bytes:
        raise WireError("too_large", f"message is {total} bytes; at most {limits.max_message_bytes}")
    if views[0].nbytes > limits.max_header_bytes:
        raise WireError("too_large", f"header is {views[0].nbytes} bytes; at most {limits.max_header_bytes}")
    header = unpack_header(views[0], limits)
    used: set[int] = set()
    restored = _restore(header, views[1:], used, limits, depth=0)
    if len(used) != len(views) - 1:
        raise WireError("bad_array", f"{len(views) - 1} array frames but {len(used)} referenced")
    return restored


def unpack_header(data: Any, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """msgpack bytes -> dict, refusing anything that is not a map with string keys."""
    n = limits.max_header_bytes
    try:
        header = msgpack.unpackb(
            data, raw=False, strict_map_key=True, max_str_len=n, max_bin_len=n,
            max_array_len=n, max_map_len=n, max_ext_len=0, ext_hook=_no_extensions,
        )  # fmt: skip
    except Exception as exc:  # msgpack raises many types (ValueError, ExtraData, FormatError, StackError)
        raise WireError("malformed", f"header is not valid msgpack: {type(exc).__name__}: {exc}") from None
    if not isinstance(header, dict):
        raise WireError("malformed", f"header must be a map, got {type(header).__name__}")
    return header


def _no_extensions(code: int, data: bytes) -> Any:
    """max_ext_len=0 still lets an empty extension through; the protocol has none at all."""
    raise ValueError(f"msgpack extension type {code} in the header")


def _restore(value: Any, frames: list[memoryview], used: set[int], limits: Limits, depth: int) -> Any:
    if depth > limits.max_depth:
        raise WireError("malformed", f"header nested deeper than {limits.max_depth}")
    if isinstance(value, dict):
        if ARRAY_KEY in value:
            return _array(value, frames, used, limits)
        return {key: _restore(item, frames, used, limits, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore(item, frames, used, limits, depth + 1) for item in value]
    if isinstance(value, bytes):
        raise WireError("malformed", "raw bytes in the header; send arrays as frames")
    return value


def _array(spec: dict[str, Any], frames: list[memoryview], used: set[int], limits: Limits) -> np.ndarray:
    index, dtype, shape = spec.get(ARRAY_KEY), spec.get("dtype"), spec.get("shape")
    if set(spec) != {ARRAY_KEY, "dtype", "shape"}:
        raise WireError("bad_array", f"array placeholder keys {sorted(spec)}; expected $array, dtype, shape")
    if type(index) is not int or not 0 <= index < len(frames) or index in used:
        raise WireError("bad_array", f"array frame index {index!r} is missing, out of range or reused")
    if dtype not in DTYPES:
        raise WireError("bad_array", f"dtype {dtype!r} is not one of {', '.join(DTYPES)}")
    if not isinstance(shape, list) or len(shape) > limits.max_ndim:
        raise WireError("bad_array", f"shape must be a list of at most {limits.max_ndim} sizes")
    if not all(type(n) is int and 0 <= n <= limits.max_message_bytes for n in shape):
        raise WireError("bad_array", f"shape {shape!r} holds a size that is not a small non-negative int")
    expected = math.prod(shape) * _WIRE[dtype].itemsize
    frame = frames[index]
    if frame.nbytes != expected:
        raise WireError("bad_array", f"frame {index} has {frame.nbytes} bytes; {dtype}{shape} needs {expected}")
    used.add(index)
    array = np.frombuffer(frame, dtype=_WIRE[dtype]).reshape(shape)
    if array.dtype != _NATIVE[dtype] or not array.flags.writeable:  # big-endian host, or bytes frames
        array = array.astype(_NATIVE[dtype], copy=True)
    return array  # a received zmq frame is writable: zero-copy, and the array keeps the frame alive


def to_plain(value: Any, depth: int = 0, max_depth: int = 16) -> Any:
    """Turn numpy arrays/scalars and tuples into lists and Python scalars so msgpack can carry them.

    For small structured data such as the simulator's info dict; big arrays belong in frames.
    """
    if depth > max_depth:
        raise ValueError("value nested too deeply to send")
    if isinstance(value, dict):
        return {str(k): to_plain(v, depth + 1, max_depth) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v, depth + 1, max_depth) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
