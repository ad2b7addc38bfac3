"""Fuzzing the vectors loaders: the quick deterministic run, exhaustive truncation, line-end
variants, and the findings in other modules kept as reproducers.

The quick run makes ``W2VLIB_FUZZ_ITERATIONS`` inputs (default ``QUICK_INPUTS``) in two worker
processes; the long run is the same harness started by hand (docs/reliability.md)::

    python tests/fuzz/fuzz_harness.py --iterations 200000 --start 1000000 --jobs 2
"""
import os
import warnings

import numpy as np
import pytest

import fuzz_harness
import fuzz_seeds
from fuzz_harness import Case, Fuzzer
from w2vlib import KeyedVectors, Word2Vec
from w2vlib._word2vec_format import read_word2vec
from w2vlib._native import load_native, save_native

QUICK_INPUTS = 2400
JOBS = 2
#: Findings tolerated by the quick run, as (loader, origin file) pairs: none now that the
#: native loaders validate the content (the reproducers are the tests below).
KNOWN_ELSEWHERE = set()
#: Files with a header (a file without one, like GloVe's, cut at a line end is a valid file).
TRUNCATION_SEEDS = ["fasttext/toy-model.vec", "gensim/high_precision.kv.bin", "gensim/high_precision.kv.txt",
                    "finalfusion/utf8-incomplete.bin", "finalfusion/utf8-incomplete.dims", "seed64.kv",
                    "seed.kv"]
NATIVE_LOADERS = {"KeyedVectors": "KeyedVectors.load", "Word2Vec": "Word2Vec.load"}


@pytest.fixture(scope="module")
def fuzzer(tmp_path_factory):
    return Fuzzer(tmp_path_factory.mktemp("fuzz"))


def test_quick_fuzz_run():
    iterations = int(os.environ.get("W2VLIB_FUZZ_ITERATIONS", QUICK_INPUTS))
    report = fuzz_harness.supervise(iterations, jobs=JOBS)
    elsewhere = {kind for kind, r in report.findings.items() if (r["loader"], r["origin"]) in KNOWN_ELSEWHERE}
    if elsewhere:
        warnings.warn(f"known findings in others' loaders: {sorted(elsewhere)}")
    assert report.ran == iterations
    assert not report.crashes and set(report.findings) <= elsewhere, report.text()
    loaded = sum(count for outcome, count in report.outcomes.items() if outcome.endswith("loaded"))
    assert loaded > iterations // 20, "the mutations should leave some files loadable"


def seed_case(fuzzer, name, data, number):
    seed = next(s for s in fuzzer.seeds if s.name == name)
    if seed.layout == "native":
        loader, kwargs = NATIVE_LOADERS[seed.kind], {"mmap": None}
    else:
        loader = "read_word2vec"
        kwargs = dict(seed.kwargs, binary=seed.layout == "binary", no_header=seed.layout == "noheader")
    return Case(number, seed, data, [f"truncate to {len(data)}"], loader, kwargs, compressed=False)


@pytest.mark.parametrize("name", TRUNCATION_SEEDS)
def test_truncation_at_every_byte_is_refused(fuzzer, name):
    """Every prefix is refused with a located error, except the prefixes that are valid files:
    the file without its final newline, or a text file with its last number cut short
    ('0.25' -> '0.2')."""
    seed = next(s for s in fuzzer.seeds if s.name == name)
    data = seed.data
    last_value = data.rstrip().rfind(b" ") + 1
    with fuzz_harness.quiet():
        for cut in range(len(data)):
            case = seed_case(fuzzer, name, data[:cut], cut)
            fuzz_harness.tracemalloc.start()
            try:
                outcome, _ = fuzzer.run(case)
            finally:
                fuzz_harness.tracemalloc.stop()
            may_load = (cut == len(data) - 1 and data.endswith(b"\n")
                        or seed.layout in ("text", "noheader") and cut > last_value)
            assert outcome == "rejected" or may_load, f"{name} cut at {cut} of {len(data)} loaded"


@pytest.mark.parametrize("relative", [r[0] for r in fuzz_seeds.REAL_FILES if r[1] != "binary"])
def test_text_files_load_the_same_with_crlf_and_without_final_newline(tmp_path, relative):
    layout, kwargs = next((r[1], r[2]) for r in fuzz_seeds.REAL_FILES if r[0] == relative)
    data = (fuzz_seeds.VECTORS / relative).read_bytes()
    kwargs = dict(kwargs, no_header=layout == "noheader")
    expected = read_word2vec(fuzz_seeds.VECTORS / relative, **kwargs)
    for variant in (data.replace(b"\n", b"\r\n"), data.rstrip(b"\n")):
        path = tmp_path / "variant.txt"
        path.write_bytes(variant)
        keys, vectors, counts = read_word2vec(path, **kwargs)
        assert keys == expected[0]
        np.testing.assert_array_equal(vectors, expected[1])


@pytest.mark.parametrize("relative", [r[0] for r in fuzz_seeds.REAL_FILES if r[1] == "binary"])
def test_binary_files_read_as_text_and_text_as_binary_are_refused(tmp_path, relative):
    data = (fuzz_seeds.VECTORS / relative).read_bytes()
    for path, binary in ((tmp_path / "as_text.txt", False), (tmp_path / "as_binary.bin", True)):
        path.write_bytes(data if not binary else data.replace(b"\n", b" 1\n"))
        with pytest.raises(ValueError, match=f"^{path}: (line|byte offset) "):
            read_word2vec(path, binary=binary)


def test_large_dimension_and_float16_overflow_are_located_errors(tmp_path):
    """Two bugs the fuzzer found: a dimension beyond numpy's reach, and float16 overflow."""
    path = tmp_path / "v.txt"
    path.write_bytes(b"0 10000000000000000000\n")
    with pytest.raises(ValueError, match=f"^{path}: line 1: the dimension .* is too large"):
        read_word2vec(path)
    path.write_bytes(b"2 2\na 1 2\nb 70000 1\n")
    with pytest.raises(ValueError, match=f"^{path}: line 3: value '70000' is too large for float16"):
        read_word2vec(path, datatype=np.float16)
    assert np.isinf(read_word2vec(path, datatype=np.float16, allow_nonfinite=True)[1][1, 0])
    binary = tmp_path / "v.bin"
    binary.write_bytes(b"1 2\na " + np.array([1.0, 65520.0], "<f4").tobytes())
    with pytest.raises(ValueError, match=f"^{binary}: byte offset 10: a value is too large for float16"):
        read_word2vec(binary, binary=True, datatype=np.float16)
    binary.write_bytes(b"1 2\na " + np.array([1.0, 65519.0], "<f4").tobytes())
    assert read_word2vec(binary, binary=True, datatype=np.float16)[1][0, 1] == np.float16(65504)


# --- findings in loaders owned elsewhere (word2vec.py, keyedvectors.py): reproducers ---------------


def saved_model(tmp_path, edit, **params):
    """A Word2Vec native file whose meta/arrays were changed by ``edit`` (through the container
    API, so the file itself is well formed)."""
    params = dict(vector_size=4, min_count=1, workers=1, epochs=1, seed=1, **params)
    Word2Vec([["a", "b", "c", "d"]] * 20, **params).save(tmp_path / "good.w2v")
    kind, meta, arrays = load_native(tmp_path / "good.w2v")
    arrays = dict(arrays)
    edit(meta, arrays)
    path = tmp_path / "bad.w2v"
    save_native(path, kind, meta, arrays)
    return path


def saved_vectors(tmp_path, meta, vectors):
    path = tmp_path / "bad.kv"
    save_native(path, "KeyedVectors", dict(meta), {"vectors": vectors})
    return path


W2V_DAMAGE = {
    "missing parameter": (lambda meta, arrays: meta.pop("alpha"), {}),
    "invalid parameter": (lambda meta, arrays: meta.update(sample=-1.0), {}),
    "hs without syn1": (lambda meta, arrays: arrays.pop("syn1"), {"hs": 1}),
    "counts of the wrong shape": (lambda meta, arrays: arrays.update(counts=np.ones((4, 2), np.int64)), {}),
    "negative counts": (lambda meta, arrays: arrays.update(counts=-arrays["counts"]), {}),
    "NaN vectors": (lambda meta, arrays: arrays.update(vectors=np.full_like(arrays["vectors"], np.nan)), {}),
    "a billion workers": (lambda meta, arrays: meta.update(workers=10 ** 9), {}),   # train() then allocates ~10 GB
    "train_calls not a count": (lambda meta, arrays: meta.update(train_calls=-1), {}),
    "train_calls a string": (lambda meta, arrays: meta.update(train_calls="2"), {}),
}


@pytest.mark.parametrize("damage", W2V_DAMAGE)
def test_word2vec_load_refuses_inconsistent_content(tmp_path, damage):
    edit, params = W2V_DAMAGE[damage]
    path = saved_model(tmp_path, edit, **params)
    with pytest.raises(ValueError, match=str(path)):
        Word2Vec.load(path)


KV_DAMAGE = {
    "unhashable key": ({"vector_size": 2, "keys": [["a"], "b"], "next_index": 2}, np.ones((2, 2), np.float32)),
    "integer vectors": ({"vector_size": 2, "keys": ["a", "b"], "next_index": 2}, np.ones((2, 2), np.int8)),
    "next_index not a number": ({"vector_size": 2, "keys": ["a", "b"], "next_index": "x"}, np.ones((2, 2), np.float32)),
}


@pytest.mark.parametrize("damage", KV_DAMAGE)
def test_keyed_vectors_load_refuses_inconsistent_content(tmp_path, damage):
    meta, vectors = KV_DAMAGE[damage]
    path = saved_vectors(tmp_path, meta, vectors)
    with pytest.raises(ValueError, match=str(path)):
        KeyedVectors.load(path)


def native_file(path, header_text, body=b""):
    """A native file with a hand-written JSON header."""
    header = header_text.encode()
    prelude = b"W2VLIB\x00\x01" + (1).to_bytes(4, "little") + len(header).to_bytes(8, "little")
    start = len(prelude) + len(header)
    path.write_bytes(prelude + header + bytes(-start % 64) + body)
    return path


@pytest.mark.parametrize("header,message", [
    ('{"kind": "KeyedVectors", "meta": {"alpha": NaN}, "arrays": []}', "NaN is not allowed"),
    ("[" * 100000 + "]" * 100000, "header is not UTF-8 JSON"),
    ('{"kind": "K", "meta": {}, "arrays": [{"name": "v", "dtype": ["<f4"], "shape": [1], "offset": 0, '
     '"nbytes": 4}]}', r"dtype \['<f4'\] is not allowed"),
    ('{"kind": "K", "meta": {}, "arrays": [{"name": "v", "dtype": "<f4", "shape": [' + "1, " * 39 + '1], '
     '"offset": 0, "nbytes": 4}]}', "at most 32 dimensions"),
    ('{"kind": "K", "meta": {}, "arrays": [{"name": "v", "dtype": "<f4", "shape": [1], "offset": 6400, '
     '"nbytes": 4}]}', r"byte offset 20: array 'v': 4 bytes at byte offset \d+ run past the file size"),
])
def test_native_header_damage_found_by_fuzzing_is_a_located_error(tmp_path, header, message):
    path = native_file(tmp_path / "m.kv", header, bytes(64))
    with pytest.raises(ValueError, match=message) as info:
        load_native(path)
    assert str(info.value).startswith(f"{path}: byte offset ")
