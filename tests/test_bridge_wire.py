"""Wire format: arrays round-trip bit-exactly in raw frames; every malformed input is a WireError."""

from __future__ import annotations

import msgpack
import numpy as np
import pytest
import zmq

from lohovla.bridge.wire import DTYPES, Limits, WireError, decode, encode, to_plain


def test_round_trip_every_dtype_and_nesting() -> None:
    rng = np.random.default_rng(0)
    arrays = {name: (rng.random((2, 3, 4)) * 100).astype(name) for name in DTYPES}
    header = {"type": "act", "id": 3, "nested": {"list": [arrays["uint8"], {"deep": arrays["float64"]}]}, **arrays}
    frames = encode(header)
    assert len(frames) == 1 + len(DTYPES) + 2
    out = decode([bytes(memoryview(f)) for f in frames])
    for name in DTYPES:
        assert out[name].dtype == np.dtype(name) and out[name].shape == (2, 3, 4)
        np.testing.assert_array_equal(out[name], arrays[name])
        assert out[name].flags.writeable
    np.testing.assert_array_equal(out["nested"]["list"][1]["deep"], arrays["float64"])
    assert out["type"] == "act" and out["id"] == 3


def test_non_contiguous_big_endian_and_scalar_arrays() -> None:
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    big = np.arange(5, dtype=">i4")
    out = decode(encode({"a": base[:, ::2], "b": big, "c": np.array(7.5), "d": np.float32(2.5)}))
    np.testing.assert_array_equal(out["a"], base[:, ::2])
    np.testing.assert_array_equal(out["b"], np.arange(5))
    assert out["c"].shape == () and out["c"] == 7.5
    assert out["d"] == 2.5 and isinstance(out["d"], float)


def test_header_is_plain_msgpack_without_pickle() -> None:
    frames = encode({"x": np.zeros((2, 2), np.uint8)})
    header = msgpack.unpackb(frames[0])
    assert header == {"x": {"$array": 0, "dtype": "uint8", "shape": [2, 2]}}
    with pytest.raises(TypeError):
        encode({"x": np.array([object()])})


def _error(frames: list, limits: Limits | None = None) -> str:
    with pytest.raises(WireError) as info:
        decode(frames, limits or Limits())
    return info.value.code


def _header(value: object) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        ([], "malformed"),
        ([b"\xc1"], "malformed"),  # never-used msgpack byte
        ([b"\x92\x01"], "malformed"),  # truncated array
        ([_header([1, 2])], "malformed"),  # not a map
        ([_header({1: 2})], "malformed"),  # non-string key
        ([_header({"a": b"raw"})], "malformed"),  # bytes belong in frames
        ([_header({"a": {"$array": 0, "dtype": "uint8", "shape": [4]}})], "bad_array"),  # frame missing
        ([_header({"a": {"$array": 0, "dtype": "object", "shape": [1]}}), b"x"], "bad_array"),
        ([_header({"a": {"$array": 0, "dtype": "uint8", "shape": [5]}}), b"1234"], "bad_array"),  # size mismatch
        ([_header({"a": {"$array": 0, "dtype": "uint8", "shape": [-4]}}), b"1234"], "bad_array"),
        ([_header({"a": {"$array": 0, "dtype": "uint8", "shape": [1 << 40, 1 << 40]}}), b"1"], "bad_array"),
        ([_header({"a": {"$array": 0, "dtype": "uint8", "shape": "4"}}), b"1234"], "bad_array"),
        ([_header({"a": {"$array": 0, "dtype": "uint8", "shape": [2.0]}}), b"12"], "bad_array"),
        ([_header({"a": {"$array": 1, "dtype": "uint8", "shape": [1]}}), b"1"], "bad_array"),  # out of range
        ([_header({"a": {"$array": 0, "dtype": "uint8", "shape": [1], "x": 1}}), b"1"], "bad_array"),
        ([_header({"a": {"$array": 0, "dtype": "uint8", "shape": [1]}}), b"1", b"2"], "bad_array"),  # unused
        ([_header({"a": [{"$array": 0, "dtype": "uint8", "shape": [1]}] * 2}), b"1"], "bad_array"),  # reused
    ],
)
def test_malformed_messages_are_wire_errors(frames: list, code: str) -> None:
    assert _error(frames) == code


def test_limits() -> None:
    small = Limits(max_message_bytes=1000, max_header_bytes=100, max_frames=2, max_depth=3, max_ndim=2)
    assert _error([_header({"a": "x" * 200})], small) == "too_large"
    assert _error([_header({}), b"1", b"2", b"3"], small) == "too_large"
    assert _error([_header({}), b"x" * 2000], small) == "too_large"
    assert _error([_header({"a": [[[[[1]]]]]})], small) == "malformed"
    three = {"a": {"$array": 0, "dtype": "uint8", "shape": [1, 1, 1]}}
    assert _error([_header(three), b"1"], small) == "bad_array"
    deep = b"\x91" * 100_000 + b"\x00"  # 100k nested arrays: msgpack's own depth guard must hold
    assert _error([deep]) == "malformed"


def test_to_plain_makes_msgpack_able_data() -> None:
    info = {"oracle": {"pick": (np.array([0.1, 0.2]), np.float64(1.5)), "ok": np.bool_(True)}, 3: None}
    plain = to_plain(info)
    assert plain == {"oracle": {"pick": [[0.1, 0.2], 1.5], "ok": True}, "3": None}
    assert msgpack.unpackb(msgpack.packb(plain)) == plain


def test_arrays_from_received_zmq_frames_are_zero_copy_and_writable() -> None:
    height = np.arange(320 * 160, dtype=np.float32).reshape(320, 160)
    with zmq.Context() as ctx, ctx.socket(zmq.PAIR) as a, ctx.socket(zmq.PAIR) as b:
        a.bind("inproc://wire-test")
        b.connect("inproc://wire-test")
        a.send_multipart(encode({"height": height}), copy=False)
        frames = b.recv_multipart(copy=False)
    out = decode(frames)["height"]
    np.testing.assert_array_equal(out, height)
    assert out.flags.writeable and not out.flags.owndata  # a view on the received frame
    out[0, 0] = -1.0
    assert out[0, 0] == -1.0


def _frames_of_total(total: int, n_arrays: int) -> list[bytes]:
    """A valid message of exactly `total` bytes: a header and n uint8 arrays sharing the rest evenly."""
    sizes = [0] * n_arrays
    for _ in range(10):  # the header's length depends on the sizes it names: iterate to the fixed point
        header = _header({f"a{i}": {"$array": i, "dtype": "uint8", "shape": [n]} for i, n in enumerate(sizes)})
        rest = total - len(header)
        new = [rest // n_arrays + (1 if i < rest % n_arrays else 0) for i in range(n_arrays)]
        if new == sizes:
            return [header, *(b"\x07" * n for n in sizes)]
        sizes = new
    raise AssertionError(f"no message of {total} bytes")


def test_total_size_cap_counts_every_frame_at_the_limit_and_one_byte_over() -> None:
    limits = Limits(max_message_bytes=4000, max_header_bytes=1000, max_frames=8)
    exact = _frames_of_total(4000, 4)
    assert sum(len(f) for f in exact) == 4000 and max(len(f) for f in exact) < 1100  # no frame near the cap alone
    out = decode(exact, limits)
    assert sum(a.nbytes for k, a in out.items() if k.startswith("a")) == 4000 - len(exact[0])
    over = _frames_of_total(4001, 4)
    with pytest.raises(WireError, match="message is 4001 bytes; at most 4000") as info:
        decode(over, limits)
    assert info.value.code == "too_large"


def test_frame_count_cap_at_the_limit_and_one_over() -> None:
    limits = Limits(max_frames=3)
    arrays = {f"a{i}": np.full(2, i, np.uint8) for i in range(4)}
    three = encode({k: arrays[k] for k in ("a0", "a1", "a2")})
    assert len(three) == 4 and decode(three, limits)["a2"].tolist() == [2, 2]
    with pytest.raises(WireError, match="4 array frames; at most 3") as info:
        decode(encode(arrays), limits)
    assert info.value.code == "too_large"


def test_header_cap_at_the_limit_and_one_byte_over() -> None:
    limits = Limits(max_header_bytes=100)
    exact = _header({"pad": "y" * 93})
    assert len(exact) == 100 and decode([exact], limits)["pad"] == "y" * 93
    over = _header({"pad": "y" * 94})
    assert len(over) == 101
    with pytest.raises(WireError, match="header is 101 bytes; at most 100") as info:
        decode([over, b"a frame after it is not the header"], limits)
    assert info.value.code == "too_large"


def test_unreferenced_frames_are_counted_in_the_message() -> None:
    spec = {"a": {"$array": 0, "dtype": "uint8", "shape": [1]}}
    with pytest.raises(WireError, match="2 array frames but 1 referenced"):
        decode([_header(spec), b"1", b"2"])


def _nested(depth: int) -> object:
    """A value `depth` containers deep: maps and lists in turn, a number at the bottom."""
    value: object = 1
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return value


def test_nesting_at_the_depth_cap_passes_and_one_deeper_is_malformed() -> None:
    limits = Limits(max_depth=4)
    # the header map is level 0, so under one of its keys _nested(d) puts its number at level d + 1
    assert decode([_header({"a": _nested(3)})], limits)["a"] == _nested(3)
    assert _error([_header({"a": _nested(4)})], limits) == "malformed"
    assert _error([_header({"a": {"k": _nested(3)}})], limits) == "malformed"  # a map one level deeper


def test_to_plain_refuses_values_nested_past_its_cap() -> None:
    assert to_plain(_nested(16)) == _nested(16)
    with pytest.raises(ValueError, match="nested too deeply"):
        to_plain(_nested(17))
    with pytest.raises(ValueError, match="nested too deeply"):
        to_plain({"k": _nested(16)})
    assert to_plain(_nested(3), max_depth=3) == _nested(3)


def test_the_default_caps_are_the_documented_ones_at_the_limit_and_one_over() -> None:
    """docs/bridge.md: 8 MiB a message, 1 MiB a header, 16 array frames, values at most 16 levels below the
    header map, 6 dimensions."""
    arrays = {f"a{i}": np.zeros(1, np.uint8) for i in range(16)}
    assert len(decode(encode(arrays))) == 16
    assert _error(encode({**arrays, "b": np.zeros(1, np.uint8)})) == "too_large"
    big = _frames_of_total(8 << 20, 8)
    assert len(decode(big)) == 8 and _error(_frames_of_total((8 << 20) + 1, 8)) == "too_large"
    header = _header({"pad": "z" * ((1 << 20) - 10)})
    assert len(header) == 1 << 20 and decode([header])["pad"][:1] == "z"
    assert _error([_header({"pad": "z" * ((1 << 20) - 9)})]) == "too_large"
    assert decode([_header({"a": _nested(15)})])["a"] == _nested(15)
    assert _error([_header({"a": _nested(16)})]) == "malformed"
    six = np.zeros((1,) * 6, np.uint8)
    assert decode(encode({"a": six}))["a"].shape == six.shape
    assert _error(encode({"a": np.zeros((1,) * 7, np.uint8)})) == "bad_array"


@pytest.mark.parametrize(
    ("spec", "frame", "message"),
    [
        ({"$array": -1, "dtype": "uint8", "shape": [1]}, b"1", "index -1"),  # never the last frame by accident
        ({"$array": 5, "dtype": "uint8", "shape": [1]}, b"1", "index 5"),
        ({"$array": 0, "dtype": "uint8", "shape": [0, 1 << 40]}, b"", "not a small non-negative int"),  # 0 bytes
        ({"$array": 0, "dtype": "uint8", "shape": [-1, -1]}, b"1", "not a small non-negative int"),
        ({"$array": 0, "dtype": "uint8"}, b"1", "placeholder keys"),  # a key missing, none extra
        ({"$array": 0, "dtype": "uint8", "size": [1]}, b"1", "placeholder keys"),
    ],
)
def test_placeholders_that_lie_are_bad_arrays(spec: dict, frame: bytes, message: str) -> None:
    with pytest.raises(WireError, match=message) as info:
        decode([_header({"a": spec}), frame])
    assert info.value.code == "bad_array"


def test_a_frame_longer_than_its_shape_is_a_bad_array() -> None:
    with pytest.raises(WireError, match="frame 0 has 3 bytes; uint8\\[2\\] needs 2") as info:
        decode([_header({"a": {"$array": 0, "dtype": "uint8", "shape": [2]}}), b"123"])
    assert info.value.code == "bad_array"


def test_a_dimension_may_be_as_large_as_the_message_cap() -> None:
    limits = Limits(max_message_bytes=1000)
    out = decode([_header({"a": {"$array": 0, "dtype": "uint8", "shape": [0, 1000]}}), b""], limits)
    assert out["a"].shape == (0, 1000)
    assert _error([_header({"a": {"$array": 0, "dtype": "uint8", "shape": [0, 1001]}}), b""], limits) == "bad_array"


def test_empty_arrays_round_trip() -> None:
    out = decode(encode({"a": np.zeros((0, 3), np.float32), "b": np.zeros(0, np.uint8)}))
    assert out["a"].shape == (0, 3) and out["a"].dtype == np.float32 and out["b"].shape == (0,)


def test_msgpack_extension_types_are_refused_even_tiny_ones() -> None:
    for data in (b"", b"x", b"xy"):
        assert _error([msgpack.packb({"a": msgpack.ExtType(1, data)})]) == "malformed"


def test_bytes_put_in_a_header_stay_bytes_and_are_refused() -> None:
    """The encoder packs bytes as msgpack bin (never as a str a peer would take for text); the decoder refuses them."""
    frames = encode({"a": b"xyz"})
    assert msgpack.unpackb(frames[0], raw=False) == {"a": b"xyz"}
    assert _error(frames) == "malformed"
