"""word2vec text/binary reading and writing, checked against gensim and files from other tools."""
import bz2
import gzip
import logging
import os
import struct

import numpy as np
import pytest
from gensim.models import KeyedVectors

from w2vlib import _word2vec_format, _word2vec_write
from w2vlib._atomic import atomic_open
from w2vlib._word2vec_format import Word2VecFormatError, read_word2vec, write_word2vec

VECTORS = os.path.join(os.path.dirname(__file__), "data", "vectors")
TOLERANCE = 1e-6


def data(name):
    return os.path.join(VECTORS, name)


def gensim_read(path, **kwargs):
    kv = KeyedVectors.load_word2vec_format(path, **kwargs)
    return kv.index_to_key, kv.vectors, kv.expandos.get("count")


def assert_same_as_gensim(path, **kwargs):
    keys, vectors, counts = read_word2vec(path, **kwargs)
    their_keys, their_vectors, their_counts = gensim_read(path, **kwargs)
    assert keys == their_keys
    assert vectors.dtype == their_vectors.dtype
    np.testing.assert_allclose(vectors, their_vectors, rtol=0, atol=TOLERANCE)
    np.testing.assert_array_equal(counts, their_counts)
    return keys, vectors, counts


def write_bytes(tmp_path, content, name="bad.txt"):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def binary_row(key, values):
    return key + b" " + struct.pack(f"<{len(values)}f", *values) + b"\n"


FIXTURES = [
    ("c_tool/ptb_sgns_d50.bin", {"binary": True}),
    ("c_tool/ptb_sgns_d50_head500.txt", {}),
    ("gensim/euclidean_vectors.bin", {"binary": True}),
    ("gensim/word2vec_pre_kv_c", {}),
    ("gensim/high_precision.kv.txt", {}),
    ("gensim/high_precision.kv.bin", {"binary": True}),
    ("gensim/EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt", {}),
    ("fasttext/lee_fasttext.vec", {}),
    ("fasttext/toy-model.vec", {}),
    ("fasttext/crime-and-punishment.vec", {}),
    ("fasttext/pang_lee_polarity_fasttext.vec", {"unicode_errors": "replace"}),
    ("fasttext/pang_lee_polarity_fasttext.vec", {"unicode_errors": "ignore"}),
    ("glove/test_glove.txt", {"no_header": True}),
    ("finalfusion/similarity.bin", {"binary": True}),
    ("finalfusion/similarity.txt", {}),
    ("finalfusion/similarity.nodims", {"no_header": True}),
    ("finalfusion/analogy.bin", {"binary": True}),
    ("finalfusion/utf8-incomplete.bin", {"binary": True, "unicode_errors": "ignore"}),
    ("finalfusion/utf8-incomplete.bin", {"binary": True, "unicode_errors": "replace"}),
    ("finalfusion/utf8-incomplete.txt", {"no_header": True, "unicode_errors": "replace"}),
    ("finalfusion/utf8-incomplete.dims", {"unicode_errors": "ignore"}),
]


@pytest.mark.parametrize("name,kwargs", FIXTURES)
def test_fixture_matches_gensim(name, kwargs):
    assert_same_as_gensim(data(name), **kwargs)


@pytest.mark.parametrize("name,kwargs", [
    ("c_tool/ptb_sgns_d50.bin", {"binary": True, "limit": 100}),
    ("c_tool/ptb_sgns_d50_head500.txt", {"limit": 7}),
    ("glove/test_glove.txt", {"no_header": True, "limit": 10}),
    ("fasttext/lee_fasttext.vec", {"limit": 0}),          # gensim: 0 means no limit
    ("fasttext/lee_fasttext.vec", {"limit": 10 ** 6}),
    ("fasttext/lee_fasttext.vec", {"datatype": np.float64}),
    ("fasttext/lee_fasttext.vec", {"datatype": np.float16}),
    ("finalfusion/similarity.bin", {"binary": True, "datatype": np.float64}),
    ("finalfusion/similarity.bin", {"binary": True, "datatype": np.float16}),
    ("c_tool/ptb_sgns_d50.bin", {"binary": True, "fvocab": data("c_tool/ptb_vocab.txt")}),
    ("c_tool/ptb_sgns_d50_head500.txt", {"fvocab": data("c_tool/ptb_vocab.txt")}),
])
def test_options_match_gensim(name, kwargs):
    assert_same_as_gensim(data(name), **kwargs)


def test_c_tool_binary_and_text_agree():
    text_keys, text_vectors, _ = read_word2vec(data("c_tool/ptb_sgns_d50_head500.txt"))
    keys, vectors, _ = read_word2vec(data("c_tool/ptb_sgns_d50.bin"), binary=True, limit=len(text_keys))
    assert keys == text_keys and keys[0] == "</s>"
    np.testing.assert_allclose(vectors, text_vectors, rtol=0, atol=TOLERANCE)


def test_binary_rewrite_is_byte_identical_to_the_c_tool():
    keys, vectors, _ = read_word2vec(data("c_tool/ptb_sgns_d50.bin"), binary=True)
    out = bytearray()
    for start in range(0, len(keys), 1000):
        out += _word2vec_format._format_block([k.encode("utf8") for k in keys[start:start + 1000]],
                                      vectors[start:start + 1000], binary=True)
    with open(data("c_tool/ptb_sgns_d50.bin"), "rb") as fin:
        assert fin.read() == f"{len(keys)} 50\n".encode() + bytes(out)


def test_high_precision_text_round_trips_byte_identical(tmp_path):
    path = data("gensim/high_precision.kv.txt")
    keys, vectors, _ = read_word2vec(path, datatype=np.float64)
    write_word2vec(tmp_path / "out.txt", keys, vectors)
    assert (tmp_path / "out.txt").read_bytes() == open(path, "rb").read()


def test_vocab_counts_and_fake_counts():
    keys, _, counts = read_word2vec(data("c_tool/ptb_sgns_d50.bin"), binary=True,
                                    fvocab=data("c_tool/ptb_vocab.txt"))
    assert (keys[1], counts[1]) == ("the", 50770)          # line 2 of ptb_vocab.txt
    _, _, fake = read_word2vec(data("c_tool/ptb_sgns_d50.bin"), binary=True, limit=3)
    assert fake.tolist() == [3, 2, 1]


def test_unicode_errors_strict_names_the_line():
    path = data("fasttext/pang_lee_polarity_fasttext.vec")
    with pytest.raises(UnicodeDecodeError):
        KeyedVectors.load_word2vec_format(path)
    with pytest.raises(Word2VecFormatError, match=r"pang_lee_polarity_fasttext.vec: line \d+: cannot decode"):
        read_word2vec(path)
    keys, _, _ = read_word2vec(path, unicode_errors="replace")
    assert sum("\ufffd" in key for key in keys) == 5


def test_unicode_errors_strict_in_binary_names_the_offset():
    with pytest.raises(Word2VecFormatError, match=r"utf8-incomplete.bin: byte offset 23: cannot decode"):
        read_word2vec(data("finalfusion/utf8-incomplete.bin"), binary=True)


def test_no_header_equals_headed_file():
    keys, vectors, _ = read_word2vec(data("finalfusion/similarity.nodims"), no_header=True)
    headed_keys, headed, _ = read_word2vec(data("finalfusion/similarity.txt"))
    assert keys == headed_keys
    np.testing.assert_array_equal(vectors, headed)
    with pytest.raises(NotImplementedError):
        read_word2vec(data("finalfusion/similarity.bin"), binary=True, no_header=True)


def test_text_layout_variants_match_gensim(tmp_path):
    # CRLF line ends, trailing blanks, a key containing a tab, blank lines after the last row
    content = b"3 2\r\nfirst 1 2.5 \r\nsec\tond -3e-2 4\r\nthird 5 6\n\n  \n"
    keys, _, _ = assert_same_as_gensim(write_bytes(tmp_path, content))
    assert keys == ["first", "sec\tond", "third"]


def test_values_may_be_separated_by_several_blanks(tmp_path):
    # gensim splits on single spaces and fails on these lines; w2vlib accepts them
    keys, vectors, _ = read_word2vec(write_bytes(tmp_path, b"2 2\na  1 \t2\nb 3\t4\n"))
    assert keys == ["a", "b"] and vectors.tolist() == [[1, 2], [3, 4]]


def test_binary_with_and_without_newlines_match_gensim(tmp_path):
    rows = [(b"alpha", [1.0, 2.0]), (b"beta", [3.0, -4.5]), (b"gamma", [0.25, 8.0])]
    with_newlines = b"3 2\n" + b"".join(binary_row(k, v) for k, v in rows)
    without = b"3 2\n" + b"".join(binary_row(k, v)[:-1] for k, v in rows)
    extra = b"3 2\n" + b"\n\n".join(binary_row(k, v)[:-1] for k, v in rows) + b"\n\n"
    for content in (with_newlines, without, extra):
        keys, vectors, _ = assert_same_as_gensim(write_bytes(tmp_path, content, "rows.bin"), binary=True)
        assert keys == ["alpha", "beta", "gamma"]


@pytest.mark.parametrize("binary", [False, True])
def test_duplicate_keys_keep_the_first_row(tmp_path, binary, caplog):
    rows = [(b"a", [1.0, 2.0]), (b"b", [3.0, 4.0]), (b"a", [5.0, 6.0]), (b"c", [7.0, 8.0])]
    if binary:
        content = b"4 2\n" + b"".join(binary_row(k, v) for k, v in rows)
    else:
        content = b"4 2\n" + b"".join(k + b" %g %g\n" % tuple(v) for k, v in rows)
    path = write_bytes(tmp_path, content, "dup.bin" if binary else "dup.txt")
    with caplog.at_level(logging.WARNING):
        keys, vectors, counts = read_word2vec(path, binary=binary)
    assert "repeat an earlier key" in caplog.text
    # gensim 4.4 keeps the first row too, but leaves a None key with a zero vector at the end
    their_keys, their_vectors, their_counts = gensim_read(path, binary=binary)
    assert their_keys[-1] is None
    assert keys == their_keys[:-1] == ["a", "b", "c"]
    np.testing.assert_array_equal(vectors, their_vectors[:-1])
    np.testing.assert_array_equal(counts, their_counts[:-1])


def test_vocab_file_problems(tmp_path, caplog):
    path = write_bytes(tmp_path, b"2 1\na 1\nb 2\n")
    with caplog.at_level(logging.WARNING):
        _, _, counts = read_word2vec(path, fvocab=write_bytes(tmp_path, b"a 10\n\n", "vocab.txt"))
    assert counts.tolist() == [10, 0] and "lacks 1 keys" in caplog.text
    with pytest.raises(Word2VecFormatError, match=r"vocab2.txt: line 2: expected 'key count'"):
        read_word2vec(path, fvocab=write_bytes(tmp_path, b"a 10\nb 2 3\n", "vocab2.txt"))
    with pytest.raises(Word2VecFormatError, match=r"vocab3.txt: line 1: bad entry"):
        read_word2vec(path, fvocab=write_bytes(tmp_path, b"a ten\n", "vocab3.txt"))


def test_nonfinite_values(tmp_path):
    spelled = write_bytes(tmp_path, b"2 3\na Infinity -INF +nan\nb -Inf inf NaN\n", "spelled.txt")
    np.testing.assert_array_equal(read_word2vec(spelled, allow_nonfinite=True)[1], gensim_read(spelled)[1])
    path = write_bytes(tmp_path, b"2 2\na 1 2\nb nan -inf\n")
    with pytest.raises(Word2VecFormatError, match=r"bad.txt: line 3: non-finite value 'nan'"):
        read_word2vec(path)
    keys, vectors, _ = read_word2vec(path, allow_nonfinite=True)
    np.testing.assert_array_equal(vectors, gensim_read(path)[1])
    binary = write_bytes(tmp_path, b"2 2\n" + binary_row(b"a", [1, 2]) + binary_row(b"b", [3, np.inf]), "nan.bin")
    with pytest.raises(Word2VecFormatError, match=r"nan.bin: byte offset 21: non-finite"):
        read_word2vec(binary, binary=True)
    assert np.isinf(read_word2vec(binary, binary=True, allow_nonfinite=True)[1][1, 1])


def test_the_public_loader_accepts_nonfinite_values_when_asked(tmp_path):
    """The error message points to allow_nonfinite=True: KeyedVectors takes it too."""
    from w2vlib import KeyedVectors as OurKeyedVectors
    path = write_bytes(tmp_path, b"2 2\na 1 2\nb nan -inf\n")
    with pytest.raises(ValueError, match="pass allow_nonfinite=True"):
        OurKeyedVectors.load_word2vec_format(path)
    ours = OurKeyedVectors.load_word2vec_format(path, allow_nonfinite=True)
    np.testing.assert_array_equal(ours.vectors, KeyedVectors.load_word2vec_format(path).vectors)


BAD_TEXT = [
    (b"", r"line 1: the file is empty"),
    (b"two 2\na 1 2\n", r"line 1: expected a 'rows dims' header"),
    (b"1 2" + b" " * 5000 + b"\na 1 2\n", r"line 1: no line end within 4096 bytes"),
    (b"1 2 3\na 1 2\n", r"line 1: expected a 'rows dims' header"),
    (b"1 0\na\n", r"line 1: the dimension must be positive"),
    (b"1 -2\na 1 2\n", r"line 1: the dimension must be positive"),
    (b"-1 2\na 1 2\n", r"line 1: the row count must not be negative"),
    (b"1000000000000 300\na 1 2\n", r"line 1: the header declares 1000000000000 rows of 300 values"),
    (b"3 2\na 1.0 2.0\nb 3.0 4.0\n", r"line 4: the header declares 3 rows but the file ends after 2"),
    (b"2 2\na 1 2\nb 3 4\nc 5 6\n", r"line 4: unexpected data after the 2 declared rows"),
    (b"2 2\na 1 2\nb 3\n", r"line 3: expected 2 values after the key, found 1"),
    (b"2 2\na 1 2 3\nb 3 4\n", r"line 2: expected 2 values after the key, found more"),
    (b"2 2\na 1 x\nb 3 4\n", r"line 2: 'x' is not a number"),
    (b"2 2\na 1 0x1p3\nb 3 4\n", r"line 2: '0x1p3' is not a number"),
    (b"2 2\na 1 2e\nb 3 4\n", r"line 2: '2e' is not a number"),
    (b"2 2\na 1 1_0\nb 3 4\n", r"line 2: '1_0' is not a number"),
    (b"2 2\na 1 --1\nb 3 4\n", r"line 2: '--1' is not a number"),
    (b"2 2\na 1 2\nb 3 1e999\n", r"line 3: non-finite value '1e999'"),
    (b"3 2\na 1.0 2.0\n\nb 3.0 4.0\n", r"line 3: blank line before the last row"),
]


@pytest.mark.parametrize("content,message", BAD_TEXT)
def test_bad_text_input(tmp_path, content, message):
    path = write_bytes(tmp_path, content)
    with pytest.raises(Word2VecFormatError, match="bad.txt: " + message):
        read_word2vec(path)


ROW_A = binary_row(b"a", [1, 2])           # 11 bytes, after a 4-byte header: ends at offset 15
BAD_BINARY = [
    (b"", r"byte offset 0: the file is empty"),
    (b"1000000000000 300\nxyz", r"byte offset 0: the header declares 1000000000000 rows"),
    (b"1 0\na \n", r"byte offset 0: the dimension must be positive, got 0"),
    (b"1 2" + b" " * 5000, r"byte offset 0: no line end within 4096 bytes"),
    (b"2 2\n" + ROW_A, r"byte offset 0: the header declares 2 rows of 2 values"),
    (b"3 2\n" + ROW_A + binary_row(b"bbbbbbbbbbbbbbbbbbbb", [3, 4]),
     r"byte offset 45: the header declares 3 rows but the file ends after 2"),
    (b"2 2\n" + ROW_A + b"b " + b"\0" * 7, r"byte offset 15: the file ends inside this record"),
    (b"1 2\n" + ROW_A + binary_row(b"b", [3, 4]), r"byte offset 15: unexpected data after the 1"),
    (b"1 2\n" + ROW_A + b"\n  \t\n", None),
]


@pytest.mark.parametrize("content,message", BAD_BINARY)
def test_bad_binary_input(tmp_path, content, message):
    path = write_bytes(tmp_path, content, "bad.bin")
    if message is None:                      # trailing blanks are fine
        assert read_word2vec(path, binary=True)[0] == ["a"]
        return
    with pytest.raises(Word2VecFormatError, match="bad.bin: " + message):
        read_word2vec(path, binary=True)


@pytest.mark.parametrize("binary", [False, True])
def test_huge_header_in_a_compressed_file_does_not_allocate(tmp_path, binary):
    row = binary_row(b"a", [1.0, 2.0]) if binary else b"a 1 2\n"
    path = tmp_path / "huge.gz"
    with gzip.open(path, "wb") as fout:
        fout.write(b"1000000000000 2\n" + row)
    with pytest.raises(Word2VecFormatError, match="rows but the file ends after 1"):
        read_word2vec(str(path), binary=binary)
    with gzip.open(path, "wb") as fout:
        fout.write(b"1 1000000000000\n" + row)
    with pytest.raises(Word2VecFormatError, match="huge.gz"):
        read_word2vec(str(path), binary=binary)


@pytest.mark.parametrize("binary", [False, True])
def test_tiny_buffers_and_growth(monkeypatch, tmp_path, binary):
    name = "c_tool/ptb_sgns_d50.bin" if binary else "fasttext/crime-and-punishment.vec"
    expected_keys, expected, _ = read_word2vec(data(name), binary=binary)
    compressed = tmp_path / ("copy.gz")
    with open(data(name), "rb") as fin, gzip.open(compressed, "wb") as fout:
        fout.write(fin.read())
    monkeypatch.setattr(_word2vec_format, "CHUNK_BYTES", 7)
    monkeypatch.setattr(_word2vec_format, "GROWTH_START_BYTES", 100)
    for path in (data(name), str(compressed)):
        keys, vectors, _ = read_word2vec(path, binary=binary)
        assert keys == expected_keys
        np.testing.assert_array_equal(vectors, expected)


def decimal_tokens(rng, count):
    """Decimal strings of many shapes: few and many digits, exponents, subnormals, huge."""
    mantissas = rng.integers(1, 10 ** 18, size=count, dtype=np.int64)
    digits = rng.integers(1, 22, size=count)
    exponents = rng.integers(-50, 40, size=count)
    tokens = []
    for m, d, e in zip(mantissas, digits, exponents):
        text = str(m)[:d]
        tokens.append(f"{text[0]}.{text[1:] or '0'}e{e}")
        tokens.append(f"-0.{text}")
        tokens.append(text + "." + text[::-1])
    for x in rng.standard_normal(count) * 10.0 ** rng.integers(-30, 30, count):
        tokens += [f"{x:.18e}", f"{x:.19E}", f"{x:.8E}", f"{x:.3e}"]
    # float32 midpoints and their double neighbours: where a float32 shortcut could round wrongly
    singles = (rng.standard_normal(count) * 10.0 ** rng.integers(-6, 6, count)).astype(np.float32)
    for f in singles:
        midpoint = (float(f) + float(np.nextafter(f, np.float32(np.inf)))) / 2
        tokens += [repr(midpoint), repr(float(np.nextafter(midpoint, np.inf))),
                   repr(float(np.nextafter(midpoint, -np.inf)))]
    tokens += ["0", "-0", "+1.5", ".5", "5.", "+.5e-3", "5e+0", "1e-46", "1.4e-45", "3.4028235e38",
               "1.17549435e-38", "0.000000000000000000000000001234", "123456789012345678901234567890",
               "1" + "0" * 30 + "e-30", "7" * 25 + "e-24", "0e999999999999", "1e0000000000000000000001"]
    return tokens


@pytest.mark.parametrize("datatype", [np.float32, np.float64])
def test_text_values_equal_python_float(tmp_path, datatype):
    tokens = decimal_tokens(np.random.default_rng(7), 2000)
    with np.errstate(over="ignore"):
        tokens = [t for t in tokens if np.isfinite(datatype(float(t)))]
    dims = 10
    tokens = tokens[:len(tokens) // dims * dims]
    lines = [f"w{i} " + " ".join(tokens[i * dims:(i + 1) * dims]) for i in range(len(tokens) // dims)]
    path = write_bytes(tmp_path, f"{len(lines)} {dims}\n{chr(10).join(lines)}\n".encode())
    _, vectors, _ = read_word2vec(path, datatype=datatype)
    expected = np.array([float(t) for t in tokens]).astype(datatype).reshape(-1, dims)
    np.testing.assert_array_equal(vectors, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_text_formatting_equals_numpy_str(dtype):
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2 ** 32, size=20000, dtype=np.uint64).astype(np.uint32)
    with np.errstate(invalid="ignore"):      # random bit patterns include signalling NaNs
        values = np.concatenate([
            bits.view(np.float32).astype(dtype),
            rng.standard_normal(20000).astype(dtype) * 10.0 ** rng.integers(-9, 9, 20000),
            np.array([0.0, -0.0, 1.0, 0.5, 1e-4, 1e6, 999999.94, 123456.0, 16777216.0, 2.0 ** -130,
                      np.nan, np.inf, -np.inf, np.finfo(np.float32).max, np.finfo(np.float32).tiny], dtype=dtype),
        ])
    out = bytearray()
    _word2vec_write.format_text([b"k"], values.reshape(1, -1), out)
    assert out.decode().split() == ["k"] + [str(value) for value in values]


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2"])
def test_round_trips_with_gensim(tmp_path, binary, suffix):
    source = KeyedVectors.load_word2vec_format(data("fasttext/crime-and-punishment.vec"))
    rng = np.random.default_rng(1)
    source.vectors = rng.standard_normal(source.vectors.shape).astype(np.float32)
    ours = str(tmp_path / f"ours{suffix}")
    write_word2vec(ours, source.index_to_key, source.vectors, binary=binary)
    theirs = KeyedVectors.load_word2vec_format(ours, binary=binary)
    assert theirs.index_to_key == source.index_to_key
    np.testing.assert_array_equal(theirs.vectors, source.vectors)
    gensim_file = str(tmp_path / f"gensim{suffix}")
    source.save_word2vec_format(gensim_file, binary=binary)
    keys, vectors, _ = read_word2vec(gensim_file, binary=binary)
    assert keys == source.index_to_key
    np.testing.assert_array_equal(vectors, source.vectors)
    if suffix == ".gz":
        assert gzip.open(ours).read(3).isdigit()
    elif suffix == ".bz2":
        assert bz2.open(ours).read(3).isdigit()


def test_writer_options_match_gensim_bytes(tmp_path):
    kv = KeyedVectors.load_word2vec_format(data("fasttext/toy-model.vec"))
    counts = np.arange(len(kv), 0, -1) * 7
    for key, count in zip(kv.index_to_key, counts):
        kv.set_vecattr(key, "count", int(count))
    kv.save_word2vec_format(str(tmp_path / "g.txt"), fvocab=str(tmp_path / "g.vocab"), prefix="p_",
                            total_vec=99, write_header=True)
    write_word2vec(tmp_path / "o.txt", kv.index_to_key, kv.vectors, counts=counts,
                   fvocab=tmp_path / "o.vocab", prefix="p_", total_vec=99)
    assert (tmp_path / "o.txt").read_bytes() == (tmp_path / "g.txt").read_bytes()
    assert (tmp_path / "o.vocab").read_bytes() == (tmp_path / "g.vocab").read_bytes()
    kv.save_word2vec_format(str(tmp_path / "g.txt"), write_header=False, append=True)
    write_word2vec(tmp_path / "o.txt", kv.index_to_key, kv.vectors, write_header=False, append=True)
    assert (tmp_path / "o.txt").read_bytes() == (tmp_path / "g.txt").read_bytes()
    with pytest.raises(ValueError, match="without counts"):
        write_word2vec(tmp_path / "x.txt", kv.index_to_key, kv.vectors, fvocab=tmp_path / "x.vocab")
    with pytest.raises(ValueError, match="do not match"):
        write_word2vec(tmp_path / "x.txt", kv.index_to_key[:-1], kv.vectors)


def test_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "vectors.bin"
    target.write_bytes(b"old content")
    calls = []

    def failing_block(keys, vectors, binary):
        calls.append(len(keys))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return bytearray(b"x" * len(keys))

    monkeypatch.setattr(_word2vec_format, "WRITE_BLOCK_ROWS", 2)
    monkeypatch.setattr(_word2vec_format, "_format_block", failing_block)
    with pytest.raises(RuntimeError, match="disk full"):
        write_word2vec(target, ["a", "b", "c"], np.zeros((3, 2), np.float32), binary=True)
    assert target.read_bytes() == b"old content"
    assert os.listdir(tmp_path) == ["vectors.bin"]


def test_atomic_open_replaces_keeps_permissions_and_compresses(tmp_path):
    target = tmp_path / "out.txt.gz"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    with atomic_open(target, "w") as fout:
        fout.write("héllo\n")
        assert target.read_bytes() == b"old"
    assert gzip.open(target).read().decode("utf8") == "héllo\n"
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["out.txt.gz"]
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(target, "wb") as fout:
            fout.write(b"partial")
            raise KeyboardInterrupt
    assert gzip.open(target).read().decode("utf8") == "héllo\n"
    assert os.listdir(tmp_path) == ["out.txt.gz"]
    with pytest.raises(ValueError, match="modes"):
        with atomic_open(target, "ab"):
            pass
