"""The native container: round trips, memory mapping, and refusal of damaged files."""
import contextlib
import gzip
import json
import os
import struct

import numpy as np
import pytest

from w2vlib import _native
from w2vlib._native import ALIGNMENT, NativeFormatError, load_native, save_native

PRELUDE = struct.Struct("<8sIQ")


def sample_arrays():
    rng = np.random.default_rng(0)
    return {
        "vectors": rng.standard_normal((7, 5)).astype(np.float32),
        "counts": np.arange(7, dtype=np.int64),
        "codes": np.array([1, 0, 1], dtype=np.uint8),
        "flags": np.array([True, False]),
        "big_endian": np.arange(3, dtype=">f8"),
        "empty": np.zeros((0, 5), dtype=np.float32),
        "scalar": np.array(2.5),
        "half": np.ones(3, dtype=np.float16),
    }


META = {"keys": ["król", "królowa", "", "a b", "\u00e9", "x" * 300, "z"], "vector_size": 5, "alpha": 0.025,
        "nested": {"list": [1, 2, None], "flag": True}}


def parse_file(path):
    """The prelude and header of a native file, read by hand (an independent reader)."""
    raw = open(path, "rb").read()
    magic, version, length = PRELUDE.unpack_from(raw)
    header = json.loads(raw[PRELUDE.size:PRELUDE.size + length])
    data_start = -(-(PRELUDE.size + length) // ALIGNMENT) * ALIGNMENT
    return raw, magic, version, length, header, data_start


@pytest.mark.parametrize("mmap", [None, "r", "c"])
def test_round_trip(tmp_path, mmap):
    path = tmp_path / "model.w2v"
    arrays = sample_arrays()
    save_native(path, "KeyedVectors", META, arrays)
    kind, meta, loaded = load_native(path, mmap=mmap)
    assert kind == "KeyedVectors" and meta == META
    assert set(loaded) == set(arrays)
    for name, array in arrays.items():
        assert loaded[name].shape == array.shape
        assert loaded[name].dtype == array.dtype.newbyteorder("<")
        np.testing.assert_array_equal(loaded[name], array)
    if mmap is not None:
        assert isinstance(loaded["vectors"], np.memmap)
    else:
        assert not isinstance(loaded["vectors"], np.memmap)
        loaded["vectors"][0, 0] = 1.0          # in-memory arrays are writable


def test_mmap_read_only_and_layout(tmp_path):
    path = tmp_path / "model.w2v"
    arrays = sample_arrays()
    save_native(path, "KeyedVectors", META, arrays)
    raw, magic, version, length, header, data_start = parse_file(path)
    assert magic == b"W2VLIB\x00\x01" and version == 1
    assert header["kind"] == "KeyedVectors" and header["meta"] == META
    assert data_start % ALIGNMENT == 0
    for entry in header["arrays"]:
        start = data_start + entry["offset"]
        assert start % ALIGNMENT == 0
        expected = np.ascontiguousarray(arrays[entry["name"]], dtype=np.dtype(entry["dtype"]))
        assert raw[start:start + entry["nbytes"]] == expected.tobytes()
    _, _, loaded = load_native(path, mmap="r")
    with pytest.raises(ValueError):
        loaded["vectors"][0, 0] = 1.0


def test_numpy_scalars_in_metadata(tmp_path):
    path = tmp_path / "model.w2v"
    save_native(path, "KV", {"count": np.int64(3), "alpha": np.float32(0.5), "flag": np.bool_(True)}, {})
    _, meta, arrays = load_native(path)
    assert meta == {"count": 3, "alpha": 0.5, "flag": True} and arrays == {}
    assert type(meta["count"]) is int


def test_compressed_file_without_mmap(tmp_path):
    path = tmp_path / "model.w2v.gz"
    save_native(path, "Word2Vec", META, sample_arrays())
    assert gzip.open(path).read(8) == b"W2VLIB\x00\x01"
    kind, meta, loaded = load_native(path)
    np.testing.assert_array_equal(loaded["vectors"], sample_arrays()["vectors"])
    with pytest.raises(ValueError, match="local uncompressed"):
        load_native(path, mmap="r")


def test_refuses_what_cannot_be_stored(tmp_path):
    path = tmp_path / "model.w2v"
    with pytest.raises(ValueError, match="cannot be stored"):
        save_native(path, "KV", {}, {"keys": np.array(["a", None], dtype=object)})
    with pytest.raises(ValueError, match="cannot be stored"):
        save_native(path, "KV", {}, {"keys": np.array(["a", "b"])})
    with pytest.raises(ValueError, match="JSON"):
        save_native(path, "KV", {"alpha": float("nan")}, {})
    with pytest.raises(ValueError, match="JSON"):
        save_native(path, "KV", {"what": object()}, {})
    with pytest.raises(ValueError, match="names must be strings"):
        save_native(path, "KV", {}, {1: np.zeros(2)})
    with pytest.raises(ValueError, match="mmap"):
        load_native(path, mmap="w+")
    assert not path.exists()


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.w2v"
    save_native(path, "KV", {"version": "old"}, {"a": np.zeros(3)})
    original = path.read_bytes()
    real_atomic_open = _native.atomic_open

    @contextlib.contextmanager
    def breaking_atomic_open(target, mode):
        with real_atomic_open(target, mode) as fout:
            writes = []

            class Breaking:
                def write(self, data):
                    writes.append(len(data))
                    if len(writes) == 3:
                        raise OSError("disk full")
                    return fout.write(data)

            yield Breaking()

    monkeypatch.setattr(_native, "atomic_open", breaking_atomic_open)
    with pytest.raises(OSError, match="disk full"):
        save_native(path, "KV", {"version": "new"}, {"a": np.ones(3), "b": np.ones(4)})
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["model.w2v"]


def write_damaged(tmp_path, edit):
    """Save a valid file, let ``edit(raw, header, length, data_start)`` return new bytes."""
    path = tmp_path / "model.w2v"
    save_native(path, "KeyedVectors", {"keys": ["a", "b"]},
                {"vectors": np.ones((2, 3), np.float32), "counts": np.arange(2)})
    raw, _, _, length, header, data_start = parse_file(path)
    path.write_bytes(edit(bytearray(raw), header, length, data_start))
    return path


def with_header(raw, header, length):
    """Replace the JSON header, keeping the data where it was (padding absorbs the change)."""
    text = json.dumps(header).encode().ljust(length)       # JSON allows trailing blanks
    assert len(text) <= length + (-(PRELUDE.size + length) % ALIGNMENT)
    return bytes(raw[:8]) + struct.pack("<IQ", 1, len(text)) + text + bytes(raw[PRELUDE.size + len(text):])


def edit_array(field, value, index=0):
    def edit(raw, header, length, data_start):
        header["arrays"][index][field] = value
        return with_header(raw, header, length)
    return edit


DAMAGE = [
    (lambda raw, h, n, d: b"PK\x03\x04" + raw[4:], r"byte offset 0: not a w2vlib native file"),
    (lambda raw, h, n, d: raw[:8] + struct.pack("<I", 99) + raw[12:], r"byte offset 8: unsupported version 99"),
    (lambda raw, h, n, d: raw[:12] + struct.pack("<Q", 10 ** 12) + raw[20:], r"byte offset 12: header length"),
    (lambda raw, h, n, d: raw[:10], r"byte offset 10: file ends inside the prelude"),
    (lambda raw, h, n, d: raw[:20] + b"{not json" + raw[29:], r"byte offset 20: header is not UTF-8 JSON"),
    (lambda raw, h, n, d: raw[:-1], r"array 'counts': 16 bytes from here run past the file size"),
    (edit_array("dtype", "|O"), r"byte offset 20: array 'vectors': dtype '\|O' is not allowed"),
    (edit_array("dtype", "<U1"), r"dtype '<U1' is not allowed"),
    (edit_array("offset", 3), r"array 'vectors': offset 3 is not a multiple of 64"),
    (edit_array("offset", 64 * 10 ** 9), r"run past the file size"),
    (edit_array("shape", [2, 4]), r"array 'vectors': shape \[2, 4\] does not match 24 bytes"),
    (edit_array("shape", [-2, -3]), r"must be non-negative integers"),
    (edit_array("nbytes", "24"), r"must be non-negative integers"),
    (edit_array("offset", 0, index=1), r"overlaps the previous array"),
    (edit_array("name", "vectors", index=1), r"duplicate array names"),
]


@pytest.mark.parametrize("edit,message", DAMAGE)
@pytest.mark.parametrize("mmap", [None, "r"])
def test_refuses_damaged_files(tmp_path, edit, message, mmap):
    path = write_damaged(tmp_path, edit)
    with pytest.raises(NativeFormatError, match=message) as info:
        load_native(path, mmap=mmap)
    assert str(info.value).startswith(f"{path}: byte offset ")


def test_refuses_damaged_compressed_stream(tmp_path):
    path = write_damaged(tmp_path, lambda raw, h, n, d: raw)
    compressed = tmp_path / "model.w2v.gz"
    compressed.write_bytes(gzip.compress(path.read_bytes()[:-4]))
    with pytest.raises(NativeFormatError, match="file ends inside the array 'counts'"):
        load_native(compressed)
    header_lie = bytearray(path.read_bytes())
    header_lie[12:20] = struct.pack("<Q", 10 ** 12)
    compressed.write_bytes(gzip.compress(bytes(header_lie)))
    with pytest.raises(NativeFormatError, match="file ends inside the header"):
        load_native(compressed)


def test_header_fields_are_exact(tmp_path):
    def edit(raw, header, length, data_start):
        header["kond"] = header.pop("kind")
        return with_header(raw, header, length)
    with pytest.raises(NativeFormatError, match="exactly 'kind', 'meta' and 'arrays'"):
        load_native(write_damaged(tmp_path, edit))
