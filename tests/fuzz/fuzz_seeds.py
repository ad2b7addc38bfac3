"""Seed files for the loader fuzzer, and a map of their regions for structural mutations.

Seeds are the real files of ``tests/data/vectors`` (written by the word2vec C tool, gensim,
fastText, GloVe and finalfusion), short heads of the larger ones (so most fuzz inputs parse in
well under a millisecond), and native files written at start-up by ``KeyedVectors.save`` and
``Word2Vec.save``. The region maps are computed here by plain Python walks of each format, not by
the loaders under test.
"""
import dataclasses
import json
import os
import pathlib
import struct

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
VECTORS = DATA / "vectors"

NATIVE_PRELUDE = struct.Struct("<8sIQ")
NATIVE_ALIGNMENT = 64
BINARY_GAP_BYTES = b"\n\r\t\v\f"      # blanks the C tool's reader skips before a key
HEAD_ROWS = 40                        # rows kept in the "head" seeds cut from large files
FLOAT32_BYTES = 4

#: (path under tests/data/vectors, layout, loader keyword arguments every input of it uses).
#: layout is 'text' (with header), 'noheader' (GloVe-style) or 'binary'.
REAL_FILES = [
    ("c_tool/ptb_sgns_d50.bin", "binary", {}),
    ("c_tool/ptb_sgns_d50_head500.txt", "text", {}),
    ("fasttext/toy-model.vec", "text", {}),
    ("fasttext/crime-and-punishment.vec", "text", {}),
    ("fasttext/lee_fasttext.vec", "text", {}),
    ("fasttext/pang_lee_polarity_fasttext.vec", "text", {"unicode_errors": "replace"}),   # has invalid UTF-8
    ("glove/test_glove.txt", "noheader", {}),
    ("finalfusion/similarity.bin", "binary", {}),
    ("finalfusion/analogy.bin", "binary", {}),
    ("finalfusion/similarity.txt", "text", {}),
    ("finalfusion/similarity.nodims", "noheader", {}),
    ("finalfusion/utf8-incomplete.bin", "binary", {"unicode_errors": "replace"}),
    ("finalfusion/utf8-incomplete.txt", "noheader", {"unicode_errors": "replace"}),
    ("finalfusion/utf8-incomplete.dims", "text", {"unicode_errors": "replace"}),
    ("gensim/euclidean_vectors.bin", "binary", {}),
    ("gensim/word2vec_pre_kv_c", "text", {}),
    ("gensim/EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt", "text", {}),
    ("gensim/high_precision.kv.bin", "binary", {}),
    ("gensim/high_precision.kv.txt", "text", {}),
]
#: The C tool's vocabulary file, used as ``fvocab`` with the C tool's vectors.
C_TOOL_VOCAB = VECTORS / "c_tool" / "ptb_vocab.txt"


@dataclasses.dataclass
class Seed:
    """One seed file: its bytes, layout and the byte spans of its regions."""
    name: str
    layout: str                      # 'text', 'noheader', 'binary' or 'native'
    data: bytes
    kwargs: dict
    header: tuple = (0, 0)           # span of the header line (text/binary) or prelude+JSON (native)
    keys: list = dataclasses.field(default_factory=list)       # spans of keys
    vectors: list = dataclasses.field(default_factory=list)    # spans of the values of each row
    line_ends: list = dataclasses.field(default_factory=list)  # offsets of the '\n' ending rows
    arrays: list = dataclasses.field(default_factory=list)     # native: spans of array data
    kind: str = ""                   # native: 'KeyedVectors' or 'Word2Vec'

    @property
    def small(self):
        return len(self.data) <= SMALL_SEED_BYTES


SMALL_SEED_BYTES = 64 << 10


def text_regions(data, has_header):
    """Header span, key spans, value spans and line ends of a text file."""
    header, keys, vectors, ends = (0, 0), [], [], []
    start = 0
    if has_header:
        end = data.index(b"\n")
        header = (0, end)
        start = end + 1
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        line = data[start:end]
        if line.strip():
            space = line.find(b" ")
            key_end = start + (space if space >= 0 else len(line))
            keys.append((start, key_end))
            vectors.append((key_end, end))
            if end < len(data):
                ends.append(end)
        start = end + 1
    return header, keys, vectors, ends


def binary_regions(data):
    """Header span, key spans, vector spans and optional record-ending newlines of a binary file."""
    end = data.index(b"\n")
    rows, dims = (int(x) for x in data[:end].split())
    header, keys, vectors, ends = (0, end), [], [], []
    pos = end + 1
    for _ in range(rows):
        while pos < len(data) and data[pos] in BINARY_GAP_BYTES:
            pos += 1
        space = data.index(b" ", pos)
        keys.append((pos, space))
        vectors.append((space + 1, space + 1 + dims * FLOAT32_BYTES))
        pos = space + 1 + dims * FLOAT32_BYTES
        if pos < len(data) and data[pos] == ord("\n"):
            ends.append(pos)
    return header, keys, vectors, ends


def native_regions(data):
    """Prelude+header span and array data spans of a native file (read by hand)."""
    _, _, length = NATIVE_PRELUDE.unpack_from(data)
    header_end = NATIVE_PRELUDE.size + length
    header = json.loads(data[NATIVE_PRELUDE.size:header_end])
    data_start = -(-header_end // NATIVE_ALIGNMENT) * NATIVE_ALIGNMENT
    spans = [(data_start + e["offset"], data_start + e["offset"] + e["nbytes"]) for e in header["arrays"]]
    return (0, header_end), spans, header["kind"]


def head_of(data, layout, rows):
    """The first ``rows`` rows of a text or binary file, with the header rewritten to match."""
    if layout == "binary":
        header, keys, vectors, ends = binary_regions(data)
        dims = int(data[:header[1]].split()[1])
        cut = vectors[rows - 1][1]
        if cut < len(data) and data[cut] == ord("\n"):
            cut += 1
        return f"{rows} {dims}".encode() + data[header[1]:cut]
    has_header = layout == "text"
    header, keys, vectors, ends = text_regions(data, has_header)
    cut = ends[rows - 1] + 1
    if not has_header:
        return data[:cut]
    dims = int(data[:header[1]].split()[1])
    return f"{rows} {dims}".encode() + data[header[1]:cut]


def make_seed(name, layout, data, kwargs):
    seed = Seed(name, layout, data, dict(kwargs))
    if layout == "native":
        seed.header, seed.arrays, seed.kind = native_regions(data)
    elif layout == "binary":
        seed.header, seed.keys, seed.vectors, seed.line_ends = binary_regions(data)
    else:
        seed.header, seed.keys, seed.vectors, seed.line_ends = text_regions(data, layout == "text")
    return seed


def word2vec_seeds():
    """Seeds of the word2vec formats: every real file, plus heads of the larger ones."""
    seeds = []
    for relative, layout, kwargs in REAL_FILES:
        data = (VECTORS / relative).read_bytes()
        seeds.append(make_seed(relative, layout, data, kwargs))
        if len(data) > SMALL_SEED_BYTES:
            rows = min(HEAD_ROWS, len(seeds[-1].keys) // 2)
            seeds.append(make_seed(f"{relative}[:{rows}]", layout, head_of(data, layout, rows), kwargs))
    return seeds


def native_seeds(folder):
    """Native files written by the library under test into ``folder``: KeyedVectors (float32
    with a count attribute, and float64) and a Word2Vec model with both output layers."""
    import numpy as np

    from w2vlib import KeyedVectors, Word2Vec

    folder = pathlib.Path(folder)
    kv = KeyedVectors.load_word2vec_format(VECTORS / "fasttext" / "toy-model.vec")
    kv.save(folder / "seed.kv")
    kv64 = KeyedVectors(3, dtype=np.float64)
    kv64.add_vectors(["α", "b", "c d"], np.arange(9, dtype=np.float64).reshape(3, 3))
    kv64.save(folder / "seed64.kv")
    lines = (DATA / "corpus_small.txt").read_text(encoding="utf8").splitlines()[:150]
    model = Word2Vec([line.split() for line in lines], vector_size=6, min_count=3, workers=1,
                     epochs=1, hs=1, negative=2, seed=3)
    model.save(folder / "seed.w2v")
    return [make_seed(name, "native", (folder / name).read_bytes(), {})
            for name in ("seed.kv", "seed64.kv", "seed.w2v")]


def file_suffix(seed):
    """A file name suffix a user would give such a file."""
    if seed.layout == "native":
        return ".model" if seed.kind == "Word2Vec" else ".kv"
    return ".bin" if seed.layout == "binary" else os.path.splitext(seed.name.split("[")[0])[1] or ".txt"
