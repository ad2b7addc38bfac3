"""The native container: one pickle-free, memory-mappable file holding arrays and metadata.

Layout (all integers little-endian)::

    offset 0   magic  b"W2VLIB\\x00\\x01"            8 bytes
    offset 8   format version                        uint32
    offset 12  header length H                       uint64
    offset 20  header: UTF-8 JSON                    H bytes
               {"kind": str, "meta": {...},
                "arrays": [{"name", "dtype", "shape", "offset", "nbytes"}, ...]}
    data D     the first multiple of 64 at or after 20 + H
    D+offset   each array's raw C-order bytes; every offset is a multiple of 64

Nothing is ever unpickled: metadata is JSON and arrays are plain numbers of a whitelisted
dtype. Loading checks the magic, the version, the header length against the file size, every
dtype against the whitelist and every array's offset and size against the file, and raises
:class:`NativeFormatError` (a ``ValueError``) naming the file and the byte offset.

>>> import os, tempfile
>>> import numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "model.w2v")
>>> save_native(path, "KeyedVectors", {"keys": ["king", "queen"]},
...             {"vectors": np.eye(2, dtype=np.float32)})
>>> kind, meta, arrays = load_native(path, mmap="r")
>>> kind, meta["keys"], arrays["vectors"].tolist()
('KeyedVectors', ['king', 'queen'], [[1.0, 0.0], [0.0, 1.0]])
"""
import json
import math
import os
import re
import struct

import numpy as np
import smart_open

from w2vlib._atomic import atomic_open, local_path
from w2vlib._compressed import is_compressed
from w2vlib._checks import is_count

MAGIC = b"W2VLIB\x00\x01"
VERSION = 1
PRELUDE = struct.Struct("<8sIQ")            # magic, version, header length
ALIGNMENT = 64
DTYPES = frozenset({
    "|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8",
    "<f2", "<f4", "<f8", "<c8", "<c16",
})
ARRAY_FIELDS = ("name", "dtype", "shape", "offset", "nbytes")
MMAP_MODES = ("r", "r+", "c")
READ_CHUNK_BYTES = 1 << 20
MAX_NDIM = 32                               # numpy 1.x's limit (2.x allows 64)
SNIFF_BYTES = 4096                          # bytes examined to say what a foreign file is
PICKLE_PROTO = 0x80                         # first byte of a pickle of protocol 2 or later
PICKLE_PROTOCOLS = range(2, 6)
NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"
GENSIM_CLASS = re.compile(rb"gensim\.models\.(\w+)")
#: How to get the vectors out of a gensim file, by the module its pickle names.
GENSIM_VECTORS = {"keyedvectors": "gensim.models.KeyedVectors.load(path)",
                  "word2vec": "gensim.models.Word2Vec.load(path).wv",
                  "fasttext": "gensim.models.FastText.load(path).wv",
                  "doc2vec": "gensim.models.Doc2Vec.load(path).wv"}
WORD2VEC_HEADER = re.compile(rb"\s*\d+\s+\d+\s*\r?(\n|$)")


class NativeFormatError(ValueError):
    """A native file that is not what it should be; the message names the file and offset."""

    def __init__(self, path, offset, detail):
        super().__init__(f"{path}: byte offset {offset}: {detail}")


def save_native(path, kind, meta, arrays):
    """Write ``kind``, ``meta`` and ``arrays`` into one native file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Target path or URI (a ``.gz``/``.bz2`` name is compressed, but then cannot be mmapped).
    kind : str
        What the file holds (e.g. ``'KeyedVectors'``), returned by :func:`load_native`.
    meta : dict
        JSON-serialisable metadata: strings, numbers (numpy scalars included), lists, dicts,
        booleans and None; no NaN or infinity. Tuples come back as lists.
    arrays : dict of str to numpy.ndarray
        Arrays of a numeric or boolean dtype; stored little-endian, C order, 64-byte aligned.

    Raises
    ------
    ValueError
        For an object (or other non-whitelisted) dtype or metadata JSON cannot represent.
    """
    if not isinstance(kind, str):
        raise ValueError(f"kind must be a string, got {type(kind).__name__}")
    table, stored, offset = [], [], 0
    for name, array in arrays.items():
        if not isinstance(name, str):
            raise ValueError(f"array names must be strings, got {name!r}")
        array = np.asarray(array)
        little = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
        if little.str not in DTYPES:
            raise ValueError(f"array {name!r}: dtype {array.dtype} cannot be stored (numbers and bools only)")
        array = array.astype(little, order="C", copy=False)
        table.append({"name": name, "dtype": little.str, "shape": list(array.shape),
                      "offset": offset, "nbytes": array.nbytes})
        stored.append(array)
        offset = _align(offset + array.nbytes)
    header = _encode_header(kind, meta, table)
    data_start = _align(PRELUDE.size + len(header))
    with atomic_open(path, "wb") as fout:
        fout.write(PRELUDE.pack(MAGIC, VERSION, len(header)))
        fout.write(header)
        position = PRELUDE.size + len(header)
        for entry, array in zip(table, stored):
            fout.write(bytes(data_start + entry["offset"] - position))
            if array.nbytes:
                fout.write(memoryview(array).cast("B"))
            position = data_start + entry["offset"] + array.nbytes


def load_native(path, mmap=None):
    """Read a file written by :func:`save_native`.

    Parameters
    ----------
    path : str or os.PathLike
        Path or URI; memory mapping needs a local, uncompressed file.
    mmap : {None, 'r', 'r+', 'c'}
        ``None`` reads the arrays into memory; otherwise they are :class:`numpy.memmap` views
        opened with this mode (``'r'`` read-only, ``'c'`` copy-on-write).

    Returns
    -------
    kind : str
    meta : dict
    arrays : dict of str to numpy.ndarray

    Raises
    ------
    NativeFormatError
        If the file is not a valid native file (bad magic, version, header or array table).
    """
    if mmap is not None and mmap not in MMAP_MODES:
        raise ValueError(f"mmap must be None or one of {MMAP_MODES}, got {mmap!r}")
    local = local_path(path)
    name = os.fspath(path)
    plain = local is not None and not is_compressed(local)
    if mmap is not None and not plain:
        raise ValueError(f"{name}: memory mapping needs a local uncompressed file")
    with open(local, "rb") if plain else smart_open.open(name, "rb") as fin:
        size = os.fstat(fin.fileno()).st_size if plain else None
        kind, meta, table, header_end = _read_header(fin, name, size)
        if mmap is not None:
            arrays = {e["name"]: _map(local, e, _align(header_end), mmap) for e in table}
        else:
            arrays = _read_arrays(fin, name, table, header_end, validated=size is not None)
    return kind, meta, arrays


def _align(offset):
    return -(-offset // ALIGNMENT) * ALIGNMENT


def _encode_header(kind, meta, table):
    try:
        return encode_json({"kind": kind, "meta": meta, "arrays": table})
    except (TypeError, ValueError) as err:
        raise ValueError(f"metadata cannot be stored as JSON: {err}") from None


def encode_json(value):
    """``value`` as the header stores it: strict JSON (no NaN), UTF-8, numpy scalars as numbers.

    Raises
    ------
    TypeError, ValueError
        If `value` holds something else (an array, NaN, a str that is not valid Unicode ...).
    """
    return json.dumps(value, ensure_ascii=False, allow_nan=False,
                      default=_numpy_scalar).encode("utf8")


def _numpy_scalar(value):
    """Let numpy scalars (np.int64 counts, np.float32 parameters ...) into the JSON metadata."""
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _read_exact(fin, nbytes, name, offset, what):
    """Read ``nbytes`` in bounded chunks (a corrupt length must not size one allocation)."""
    data = bytearray()
    while len(data) < nbytes:
        chunk = fin.read(min(READ_CHUNK_BYTES, nbytes - len(data)))
        if not chunk:
            raise NativeFormatError(name, offset + len(data), f"file ends inside the {what}")
        data += chunk
    return data


def _read_some(fin, nbytes):
    """Up to ``nbytes`` bytes: fewer only at the end of the file."""
    data = bytearray()
    while len(data) < nbytes:
        chunk = fin.read(nbytes - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def describe_foreign(head):
    """Say what a file that is not a native file seems to be, from its first bytes `head`, and
    what to do with it (the detail of the error that refuses it)."""
    if not head:
        return "not a w2vlib native file: the file is empty"
    if len(head) > 1 and head[0] == PICKLE_PROTO and head[1] in PICKLE_PROTOCOLS:
        found = GENSIM_CLASS.search(head)
        refusal = ("w2vlib never unpickles a file, because unpickling can run arbitrary code "
                   "hidden in it")
        if found is None:
            return f"not a w2vlib native file: this is a Python pickle, and {refusal}"
        module = found.group(1).decode("ascii")
        if module == "phrases":
            return (f"not a w2vlib native file: this is a gensim phrase model (a Python pickle), "
                    f"and {refusal}. If you trust the file, convert it once: "
                    f"w2vlib.phrases.FrozenPhrases(gensim.models.phrases.Phrases.load(path))"
                    f".save('phrases.w2v')")
        vectors = GENSIM_VECTORS.get(module, "the object gensim loads")
        return (f"not a w2vlib native file: this is a gensim model saved by gensim's save() (a "
                f"Python pickle, with any .npy files beside it), and {refusal}. If you trust the file, convert its vectors "
                f"once with gensim: {vectors}.save_word2vec_format('vectors.bin', binary=True), "
                "then load them with KeyedVectors.load_word2vec_format('vectors.bin', binary=True)")
    if head.startswith(NPY_MAGIC):
        return ("not a w2vlib native file: this is a numpy .npy array (gensim saves the large "
                "arrays of a model in such files beside its pickle)")
    if head.startswith(ZIP_MAGIC):
        return "not a w2vlib native file: this is a zip archive (such as an .npz file)"
    if WORD2VEC_HEADER.match(head):
        return ("not a w2vlib native file: this looks like a word2vec text or binary file; read "
                "it with KeyedVectors.load_word2vec_format(path, binary=...)")
    return f"not a w2vlib native file (it starts with {head[:len(MAGIC)]!r})"


def _read_header(fin, name, size):
    """Parse and validate the prelude, the JSON header and the array table."""
    head = _read_some(fin, PRELUDE.size)
    if not head.startswith(MAGIC):
        raise NativeFormatError(name, 0, describe_foreign(head + _read_some(fin, SNIFF_BYTES)))
    if len(head) < PRELUDE.size:
        raise NativeFormatError(name, len(head), "file ends inside the prelude")
    magic, version, length = PRELUDE.unpack(head)
    if version != VERSION:
        raise NativeFormatError(name, len(MAGIC), f"unsupported version {version} (this w2vlib reads {VERSION})")
    if size is not None and PRELUDE.size + length > size:
        raise NativeFormatError(name, len(MAGIC) + 4, f"header length {length} exceeds the file size {size}")
    raw = _read_exact(fin, length, name, PRELUDE.size, "header")
    try:
        header = json.loads(raw.decode("utf8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as err:      # UnicodeDecodeError is a ValueError
        raise NativeFormatError(name, PRELUDE.size, f"header is not UTF-8 JSON: {err}") from None
    if (not isinstance(header, dict) or set(header) != {"kind", "meta", "arrays"}
            or not isinstance(header["kind"], str) or not isinstance(header["meta"], dict)
            or not isinstance(header["arrays"], list)):
        raise NativeFormatError(name, PRELUDE.size, "header must hold exactly 'kind', 'meta' and 'arrays'")
    data_start = _align(PRELUDE.size + length)
    table = header["arrays"]
    for entry in table:
        _check_entry(entry, name, data_start, size)
    _check_layout(table, name)
    return header["kind"], header["meta"], table, PRELUDE.size + length


def _refuse_constant(word):
    """Strict JSON: NaN and Infinity (which save_native never writes) are not numbers."""
    raise ValueError(f"{word} is not allowed")



def _check_entry(entry, name, data_start, size):
    """Validate one row of the array table (types, dtype, alignment, bounds)."""
    if not isinstance(entry, dict) or set(entry) != set(ARRAY_FIELDS):
        raise NativeFormatError(name, PRELUDE.size, f"array entry must have fields {ARRAY_FIELDS}: {entry!r}")
    label = f"array {entry['name']!r}"
    if not isinstance(entry["name"], str):
        raise NativeFormatError(name, PRELUDE.size, f"{label}: the name must be a string")
    if not isinstance(entry["dtype"], str) or entry["dtype"] not in DTYPES:
        raise NativeFormatError(name, PRELUDE.size, f"{label}: dtype {entry['dtype']!r} is not allowed")
    if not (is_count(entry["offset"]) and is_count(entry["nbytes"]) and isinstance(entry["shape"], list)
            and len(entry["shape"]) <= MAX_NDIM and all(is_count(d) for d in entry["shape"])):
        raise NativeFormatError(name, PRELUDE.size, f"{label}: offset, nbytes and shape (at most {MAX_NDIM} "
                                                    "dimensions) must be non-negative integers")
    offset, nbytes = entry["offset"], entry["nbytes"]
    if math.prod(entry["shape"]) * np.dtype(entry["dtype"]).itemsize != nbytes:
        raise NativeFormatError(name, PRELUDE.size, f"{label}: shape {entry['shape']} does not match {nbytes} bytes")
    if offset % ALIGNMENT:
        raise NativeFormatError(name, PRELUDE.size, f"{label}: offset {offset} is not a multiple of {ALIGNMENT}")
    start = data_start + offset
    if size is not None and start + nbytes > size:
        if start <= size:          # a truncated file: located at the array
            raise NativeFormatError(name, start, f"{label}: {nbytes} bytes from here run past the file size {size}")
        raise NativeFormatError(name, PRELUDE.size, f"{label}: {nbytes} bytes at byte offset {start} run past "
                                                    f"the file size {size}")


def _check_layout(table, name):
    """Array names are unique and array bytes do not overlap."""
    names = [entry["name"] for entry in table]
    if len(set(names)) != len(names):
        raise NativeFormatError(name, PRELUDE.size, f"duplicate array names in {names}")
    previous_end = 0
    for entry in sorted(table, key=lambda e: e["offset"]):
        if entry["offset"] < previous_end:
            raise NativeFormatError(name, PRELUDE.size, f"array {entry['name']!r} overlaps the previous array")
        previous_end = entry["offset"] + entry["nbytes"]


def _map(local, entry, data_start, mode):
    shape = tuple(entry["shape"])
    if entry["nbytes"] == 0:
        return np.empty(shape, dtype=entry["dtype"])
    return np.memmap(local, dtype=entry["dtype"], mode=mode, offset=data_start + entry["offset"], shape=shape)


def _read_arrays(fin, name, table, header_end, validated):
    """Read the arrays in file order from a stream positioned at ``header_end``.

    With ``validated`` (sizes already checked against the file) each array is read straight
    into its final memory; otherwise in bounded chunks, so a lying header cannot size an
    allocation beyond the data actually present.
    """
    arrays, position, data_start = {}, header_end, _align(header_end)
    for entry in sorted(table, key=lambda e: e["offset"]):
        start = data_start + entry["offset"]
        label = f"array {entry['name']!r}"
        _skip(fin, start - position, name, position, f"padding before {label}")
        if validated:
            array = np.empty(entry["shape"], dtype=entry["dtype"])
            _read_into(fin, memoryview(array).cast("B") if entry["nbytes"] else b"", name, start, label)
        else:
            data = _read_exact(fin, entry["nbytes"], name, start, label)
            array = np.frombuffer(data, dtype=entry["dtype"]).reshape(entry["shape"])
        arrays[entry["name"]] = array
        position = start + entry["nbytes"]
    return arrays


def _skip(fin, nbytes, name, offset, what):
    """Read and discard ``nbytes`` in bounded chunks."""
    while nbytes > 0:
        chunk = fin.read(min(READ_CHUNK_BYTES, nbytes))
        if not chunk:
            raise NativeFormatError(name, offset, f"file ends inside the {what}")
        nbytes -= len(chunk)
        offset += len(chunk)


def _read_into(fin, view, name, offset, what):
    """Fill ``view`` from ``fin`` (one read call may return less than asked)."""
    got = 0
    while got < len(view):
        more = fin.readinto(view[got:])
        if not more:
            raise NativeFormatError(name, offset + got, f"file ends inside the {what}")
        got += more
