"""What a loader may do with a damaged file, checked independently of the loaders.

* Raise only a ``ValueError`` (subclass) whose message names the file; the format errors
  (:class:`Word2VecFormatError`, :class:`NativeFormatError`) must also give a line or byte
  offset inside the file.
* Or succeed, and then the result must be consistent and equal to what a plain-Python reading of
  the same bytes gives (:func:`reference_word2vec`, :func:`reference_native`): a damaged file
  must never load as something other than what it says.
"""
import json
import math
import re
import struct

import numpy as np

from fuzz_seeds import BINARY_GAP_BYTES, FLOAT32_BYTES, NATIVE_ALIGNMENT, NATIVE_PRELUDE

LOCATION = re.compile(r": (line (\d+)|byte offset (\d+)): ")
SMOKE_KEYS = 20                      # words a loaded Word2Vec model is trained on, as a smoke test
#: Settings beyond these, read from a file, would make the smoke training run for hours or take
#: all memory (workers=10**9 allocates about 10 GB): reported instead of trained.
SMOKE_LIMITS = {"workers": 64, "negative": 1000, "window": 10000, "epochs": 1000}


class Finding(AssertionError):
    """A broken promise: ``kind`` groups findings of the same nature in reports; ``origin`` is
    the w2vlib source file to blame (set by the harness)."""

    def __init__(self, kind, detail, origin=None):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.origin = origin


class ReferenceRejects(Exception):
    """The plain-Python reading finds the file invalid."""


def check_error(err, path, data, format_error):
    """A raised ValueError must name the file and, for format errors, a location in it."""
    message = str(err)
    if path not in message:
        raise Finding(f"message-without-file:{type(err).__name__}", message[:300])
    if not format_error:
        return
    match = LOCATION.search(message[message.index(path) + len(path) - 2:])
    if match is None:
        raise Finding(f"message-without-location:{type(err).__name__}", message[:300])
    line, offset = match.group(2), match.group(3)
    if line is not None and not 1 <= int(line) <= data.count(b"\n") + 1:
        raise Finding("location-outside-file", message[:300])
    if offset is not None and not 0 <= int(offset) <= len(data):
        raise Finding("location-outside-file", message[:300])


# --- word2vec text and binary ------------------------------------------------------------------


def _header(line):
    fields = line.split()
    if len(fields) != 2:
        raise ReferenceRejects("header")
    rows, dims = int(fields[0]), int(fields[1])
    if rows < 0 or dims < 1:
        raise ReferenceRejects("header numbers")
    return rows, dims


def reference_word2vec(data, binary, no_header, limit, encoding, errors):
    """``(keys in file order, float64/float32 value rows)`` of the first rows to read, by a plain
    reading of the format as docs/design.md states it (values are ``float(token)``; binary values
    little-endian float32; blanks other than space skipped before a binary key)."""
    if binary:
        end = data.find(b"\n")
        end = len(data) if end < 0 else end          # a header alone needs no line end
        rows, dims = _header(data[:end])
        wanted = min(rows, limit) if limit else rows
        keys, values, pos = [], [], end + 1
        for _ in range(wanted):
            while pos < len(data) and data[pos] in BINARY_GAP_BYTES:
                pos += 1
            space = data.find(b" ", pos)
            if space < 0 or space + 1 + dims * FLOAT32_BYTES > len(data):
                raise ReferenceRejects("truncated record")
            keys.append(data[pos:space])
            values.append(np.frombuffer(data, "<f4", dims, space + 1))
            pos = space + 1 + dims * FLOAT32_BYTES
        return [k.decode(encoding, errors) for k in keys], np.array(values, dtype=np.float32).reshape(-1, dims)
    lines = data.split(b"\n")
    if no_header:
        first = next((line for line in lines if line.strip()), None)
        if first is None:
            raise ReferenceRejects("no rows")
        dims = len(first.rstrip().partition(b" ")[2].split())
        rows = sum(1 for line in lines if line.strip())
        body = lines
    else:
        rows, dims = _header(lines[0])
        body = lines[1:]
    wanted = min(rows, limit) if limit else rows
    keys, values = [], []
    for line in body:
        if len(keys) == wanted:
            break
        line = line.rstrip()
        if not line:
            continue
        key, _, rest = line.partition(b" ")
        tokens = rest.split()
        if len(tokens) != dims:
            raise ReferenceRejects("value count")
        try:
            values.append([float(token) for token in tokens])
        except ValueError:
            raise ReferenceRejects("not a number") from None
        keys.append(key)
    return [k.decode(encoding, errors) for k in keys], np.array(values, dtype=np.float64).reshape(-1, dims)


def check_word2vec_result(result, data, kwargs):
    """Consistency of ``read_word2vec``'s result and agreement with the plain reading."""
    keys, vectors, counts = result
    datatype = np.dtype(kwargs.get("datatype", np.float32))
    if not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
        raise Finding("invariant", "keys are not a list of str")
    if len(set(keys)) != len(keys):
        raise Finding("invariant", "repeated keys returned")
    if vectors.dtype != datatype or vectors.ndim != 2 or vectors.shape[0] != len(keys) or vectors.shape[1] < 1:
        raise Finding("invariant", f"vectors {vectors.dtype} {vectors.shape} for {len(keys)} keys")
    if counts.dtype != np.int64 or counts.shape != (len(keys),):
        raise Finding("invariant", f"counts {counts.dtype} {counts.shape}")
    if not kwargs.get("allow_nonfinite") and not np.isfinite(vectors).all():
        raise Finding("invariant", "non-finite values loaded without allow_nonfinite")
    try:
        ref_keys, ref_values = reference_word2vec(
            data, kwargs.get("binary", False), kwargs.get("no_header", False), kwargs.get("limit"),
            kwargs.get("encoding", "utf8"), kwargs.get("unicode_errors", "strict"))
    except (ReferenceRejects, UnicodeDecodeError) as err:
        raise Finding("accepted-invalid", f"loaded {len(keys)} rows; plain reading says {err!r}") from None
    first = {}
    for index, key in enumerate(ref_keys):
        first.setdefault(key, index)
    if keys != list(first):
        raise Finding("reference-mismatch", f"keys {keys[:5]} vs {list(first)[:5]}")
    expected = ref_values[list(first.values())].astype(datatype) if first else ref_values[:0].astype(datatype)
    if expected.shape != vectors.shape or not np.array_equal(expected, vectors, equal_nan=True):
        bad = np.argwhere(~((expected == vectors) | (np.isnan(expected) & np.isnan(vectors))))[:1]
        raise Finding("reference-mismatch", f"values differ at {bad.tolist()} shape {vectors.shape}")


def check_keyed_vectors(kv):
    """Internal consistency of a loaded KeyedVectors, then a query must work."""
    n = len(kv.index_to_key)
    if kv.vectors.ndim != 2 or kv.vectors.shape != (n, kv.vector_size):
        raise Finding("invariant", f"vectors {kv.vectors.shape} for {n} keys of size {kv.vector_size}")
    for key, index in kv.key_to_index.items():
        if not 0 <= index < n or kv.index_to_key[index] != key:
            raise Finding("invariant", f"key_to_index[{key!r}] = {index}")
    for attr, values in kv.expandos.items():
        if len(values) != n:
            raise Finding("invariant", f"attribute {attr!r} has {len(values)} entries for {n} keys")
    usable = [key for key in kv.index_to_key if key is not None and not isinstance(key, (list, dict))]
    if usable:
        kv.get_vector(usable[0])
        if n > 1:
            kv.most_similar(usable[0], topn=3)


def check_word2vec_model(model, writable):
    """Consistency of a loaded Word2Vec model; then, if its arrays are ``writable`` (not
    mapped read-only), it must train (one tiny epoch)."""
    check_keyed_vectors(model.wv)
    n, size = model.wv.vectors.shape
    for name, flag in (("syn1", model.hs), ("syn1neg", model.negative)):
        weights = getattr(model, name)
        if flag and (weights is None or weights.shape != (n, size)):
            raise Finding("invariant", f"{name} is {None if weights is None else weights.shape}, expected {(n, size)}")
    absurd = {name: getattr(model, name) for name, limit in SMOKE_LIMITS.items() if getattr(model, name) > limit}
    if absurd:
        raise Finding("absurd-parameters-loaded", f"the file sets {absurd}; train() would try them")
    words = [key for key in model.wv.index_to_key[:SMOKE_KEYS] if isinstance(key, str)]
    if words and writable:
        model.train([words] * 3, total_examples=3, epochs=1)


# --- native ---------------------------------------------------------------------------------------


def reference_native(data):
    """``(kind, meta, {name: raw little-endian bytes})`` by a plain reading of the layout."""
    try:
        _, _, length = NATIVE_PRELUDE.unpack_from(data)
        header = json.loads(data[NATIVE_PRELUDE.size:NATIVE_PRELUDE.size + length])
    except (struct.error, ValueError) as err:
        raise ReferenceRejects(repr(err)) from None
    data_start = -(-(NATIVE_PRELUDE.size + length) // NATIVE_ALIGNMENT) * NATIVE_ALIGNMENT
    raw = {}
    for entry in header["arrays"]:
        start = data_start + entry["offset"]
        raw[entry["name"]] = (entry, data[start:start + entry["nbytes"]])
    return header["kind"], header["meta"], raw


def check_native_result(result, data):
    kind, meta, arrays = result
    try:
        ref_kind, ref_meta, raw = reference_native(data)
    except ReferenceRejects as err:
        raise Finding("accepted-invalid", f"native file loaded; plain reading says {err}") from None
    if kind != ref_kind or json.dumps(meta, sort_keys=True) != json.dumps(ref_meta, sort_keys=True):
        raise Finding("reference-mismatch", "kind or meta differ from the JSON header")
    if set(arrays) != set(raw):
        raise Finding("reference-mismatch", f"arrays {sorted(arrays)} vs {sorted(raw)}")
    for name, array in arrays.items():
        entry, expected = raw[name]
        if (list(array.shape) != entry["shape"] or array.dtype.str != entry["dtype"]
                or len(expected) != entry["nbytes"] or math.prod(array.shape) * array.itemsize != entry["nbytes"]
                or np.ascontiguousarray(array).tobytes() != expected):
            raise Finding("reference-mismatch", f"array {name!r} differs from its bytes in the file")
