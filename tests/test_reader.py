"""Tests of w2vlib._reader against plain-Python readings of the same bytes and against gensim."""
import bz2
import collections
import gzip
import itertools
import math
import pathlib
import random
import re

import numpy as np
import pytest
import smart_open
from gensim.models.word2vec import LineSentence, Text8Corpus, Word2Vec

from w2vlib import _reader
from w2vlib._reader import FileBatcher, VocabIndex, count_words, sentences_to_ids

GUTENBERG = pathlib.Path("/tmp/gutenberg_10M.txt")
SAMPLE_LINES = 3000
TOKEN_RE = re.compile(rb"[^ \t\n\r\x0b\x0c]+")
SEPARATORS = [b" ", b" ", b" ", b"\t", b"  ", b"\x0b", b"\x0c", b" \r "]
LINE_ENDS = [b"\n", b"\n", b"\r\n", b"\n\n", b" \n", b"\t\n"]


# ---------------------------------------------------------------- independent references

def ref_sentences(data, max_len, line_mode=True):
    """Token lists as LineSentence / Text8Corpus define them, read with bytes.split()."""
    units = data.split(b"\n") if line_mode else [data]
    out = []
    for unit in units:
        tokens = unit.split()
        out.extend(tokens[i:i + max_len] for i in range(0, len(tokens), max_len))
    return out


def ref_range_sentences(data, start, end, max_len, line_mode):
    """Sentences of the lines (tokens, if not line_mode) whose first byte is in [start, end)."""
    end = len(data) if end == -1 else end
    if line_mode:
        chosen, at = [], 0
        for line in data.split(b"\n"):
            if start <= at < end:
                chosen.append(line)
            at += len(line) + 1
        return ref_sentences(b"\n".join(chosen), max_len, True)
    tokens = [m.group() for m in TOKEN_RE.finditer(data) if start <= m.start() < end]
    return [tokens[i:i + max_len] for i in range(0, len(tokens), max_len)]


def ref_ids(sentences, key_to_index):
    """Known-token ids per sentence, sentences without a known token dropped."""
    mapped = [[key_to_index[t] for t in s if t in key_to_index] for s in sentences]
    return [s for s in mapped if s]


def ref_batches(id_sentences, batch_words):
    """Greedy packing: whole sentences while they fit, a longer sentence split at batch_words."""
    batches, current = [], []
    for sentence in id_sentences:
        if sum(map(len, current)) + len(sentence) <= batch_words:
            current.append(sentence)
            continue
        if current:
            batches.append(current)
        while len(sentence) > batch_words:
            batches.append([sentence[:batch_words]])
            sentence = sentence[batch_words:]
        current = [sentence]
    if current:
        batches.append(current)
    return batches


def read_all(batcher):
    """All batches as lists of id lists, plus the raw word total."""
    batches, raw = [], 0
    while (batch := batcher.next_batch()) is not None:
        ids, offsets, raw_words = batch
        assert ids.dtype == np.int32 and offsets.dtype == np.int32
        assert offsets[0] == 0 and offsets[-1] == len(ids) and np.all(np.diff(offsets) > 0)
        batches.append([ids[a:b].tolist() for a, b in zip(offsets[:-1], offsets[1:])])
        raw += raw_words
    assert batcher.next_batch() is None
    return batches, raw


def flat(batches):
    return [s for batch in batches for s in batch]


# ---------------------------------------------------------------- generated data

def make_words(rng, n):
    alphabet = "abcdefghij" + "éñ日本"
    words = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9))) for _ in range(n)}
    words |= {"x" * 300, "y" * 40}          # keys longer than a small chunk
    return sorted(words)


def make_text(rng, words, n_lines, max_tokens=40):
    pieces = []
    for _ in range(n_lines):
        n = rng.choice([0, 0, 1, 3, 7, 8, 15, rng.randint(0, max_tokens)])
        tokens = [rng.choice(words).encode() if rng.random() > 0.05 else b"z" * rng.randint(1, 600)
                  for _ in range(n)]
        line = b"".join(t + rng.choice(SEPARATORS) for t in tokens).rstrip(b" ")
        pieces.append(rng.choice([b"", b" ", b"\t"]) + line + rng.choice(LINE_ENDS))
    text = b"".join(pieces)
    return text.rstrip(b"\n") + b" last tokens no newline"


@pytest.fixture(scope="module")
def corpus():
    rng = random.Random(1)
    words = make_words(rng, 300)
    data = make_text(rng, words, 400)
    vocab = [w for w in words if rng.random() < 0.6] + ["last", "newline"]
    return data, {w.encode(): i for i, w in enumerate(vocab)}, vocab


def sample_text(tmp_path, n_lines=SAMPLE_LINES):
    """The first lines of the Gutenberg corpus, or Zipf-like generated prose without it."""
    if GUTENBERG.exists():
        with GUTENBERG.open("rb") as f:
            data = b"".join(itertools.islice(f, n_lines))
    else:
        rng = random.Random(2)
        words = ["".join(rng.choice("etaoinshrdlu") for _ in range(rng.randint(1, 8)))
                 for _ in range(3000)]
        weights = [1 / (r + 1) for r in range(len(words))]
        data = b"".join(" ".join(rng.choices(words, weights, k=rng.randint(0, 120))).encode()
                        + b"\n" for _ in range(n_lines))
    path = tmp_path / "sample.txt"
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- VocabIndex

def test_vocab_index_matches_dict():
    rng = random.Random(3)
    keys = make_words(rng, 5000) + ["", "a b", "\u00e9t\u00e9"]
    index = VocabIndex(keys)
    assert len(index) == len(keys)
    assert index.max_key_bytes == max(len(k.encode()) for k in keys)
    for i, key in enumerate(keys):
        assert index.lookup(key) == i
    for probe in ["absent", "x" * 299, "x" * 301, "ab", "日本日本日本日本日本日本"]:
        assert index.lookup(probe) == (keys.index(probe) if probe in keys else -1)


def test_vocab_index_rejects_bad_keys():
    with pytest.raises(ValueError, match="duplicate key 'a' at position 2"):
        VocabIndex(["a", "b", "a"])
    with pytest.raises(TypeError, match="key 1 is bytes"):
        VocabIndex(["a", b"b"])


# ---------------------------------------------------------------- FileBatcher

@pytest.mark.parametrize("chunk_bytes", [1, 3, 64, 1 << 20])
@pytest.mark.parametrize("max_len,batch_words", [(10000, 10000), (7, 10000), (5, 12), (9, 1)])
def test_file_batcher_matches_python_reading(corpus, tmp_path, chunk_bytes, max_len, batch_words):
    data, key_to_index, vocab = corpus
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    expected = ref_ids(ref_sentences(data, max_len), key_to_index)
    with path.open("rb") as f:
        batcher = FileBatcher(f, VocabIndex(vocab), batch_words=batch_words,
                              max_sentence_length=max_len, chunk_bytes=chunk_bytes)
        batches, raw = read_all(batcher)
    assert batches == ref_batches(expected, batch_words)
    assert raw == len(data.split())
    assert batcher.sentences == len(ref_sentences(data, max_len))
    assert batcher.position == len(data)


@pytest.mark.parametrize("chunk_bytes", [2, 1 << 20])
def test_file_batcher_text8_mode(corpus, chunk_bytes):
    data, key_to_index, vocab = corpus
    batcher = FileBatcher(_BytesReader(data), VocabIndex(vocab), max_sentence_length=11,
                          line_mode=False, chunk_bytes=chunk_bytes)
    batches, raw = read_all(batcher)
    assert flat(batches) == ref_ids(ref_sentences(data, 11, line_mode=False), key_to_index)
    assert batcher.sentences == math.ceil(raw / 11) and raw == len(data.split())


class _BytesReader:
    """A minimal binary stream with only read() and seek(): exercises the read() fallback."""

    def __init__(self, data):
        self.data, self.at = data, 0

    def read(self, n):
        out = self.data[self.at:self.at + n]
        self.at += len(out)
        return out

    def seek(self, at):
        self.at = at


def test_file_batcher_edge_files():
    index = VocabIndex(["a", "b"])
    cases = {b"": [], b"\n\n\r\n": [], b"a": [[0]], b"a\r\nb\r\n": [[0], [1]],
             b"c c\na c b\n\n": [[0, 1]], b" \t a\x0bb\x0c": [[0, 1]]}
    for data, expected in cases.items():
        batches, _ = read_all(FileBatcher(_BytesReader(data), index, chunk_bytes=2))
        assert flat(batches) == expected, data


def test_file_batcher_compressed(corpus, tmp_path):
    data, key_to_index, vocab = corpus
    expected = ref_ids(ref_sentences(data, 13), key_to_index)
    gz, bz = tmp_path / "c.txt.gz", tmp_path / "c.txt.bz2"
    gz.write_bytes(gzip.compress(data))
    bz.write_bytes(bz2.compress(data))
    for opener in (lambda: smart_open.open(gz, "rb"), lambda: gzip.open(gz, "rb"),
                   lambda: smart_open.open(bz, "rb")):
        with opener() as f:
            batches, _ = read_all(FileBatcher(f, VocabIndex(vocab), max_sentence_length=13,
                                              chunk_bytes=4096))
        assert flat(batches) == expected
    start = len(data) // 3
    with smart_open.open(gz, "rb") as f:
        batcher = FileBatcher(f, VocabIndex(vocab), start=start, max_sentence_length=13)
        batches, _ = read_all(batcher)
    assert flat(batches) == ref_ids(ref_range_sentences(data, start, -1, 13, True), key_to_index)


def test_file_batcher_text_mode_file_is_rejected(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("a b\n")
    with path.open("r") as f, pytest.raises(TypeError, match="binary mode"):
        FileBatcher(f, VocabIndex(["a"])).next_batch()


@pytest.mark.parametrize("line_mode", [True, False])
def test_byte_ranges_cover_every_unit_once(corpus, tmp_path, line_mode):
    data, key_to_index, vocab = corpus
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    index = VocabIndex(vocab)
    rng = random.Random(4)
    newlines = [m.start() for m in re.finditer(rb"\n", data)]
    for trial in range(25):
        cuts = rng.sample(range(1, len(data)), 3) + rng.sample(newlines, 2)
        cuts += [n + 1 for n in rng.sample(newlines, 2)]       # exactly at a line start
        bounds = [0] + sorted(set(cuts)) + [-1]
        whole = []
        for start, end in zip(bounds[:-1], bounds[1:]):
            with path.open("rb") as f:
                batcher = FileBatcher(f, index, start=start, end=end, max_sentence_length=6,
                                      line_mode=line_mode, chunk_bytes=rng.choice([5, 1 << 16]))
                batches, _ = read_all(batcher)
            expected = ref_range_sentences(data, start, end, 6, line_mode)
            assert flat(batches) == ref_ids(expected, key_to_index), (start, end)
            assert batcher.sentences == len(expected)
            whole += flat(batches)
        if line_mode:
            assert whole == ref_ids(ref_sentences(data, 6), key_to_index)


def test_file_batcher_rejects_bad_arguments():
    index = VocabIndex(["a"])
    for kwargs in ({"start": -1}, {"start": 5, "end": 4}, {"batch_words": 0},
                   {"max_sentence_length": 0}, {"chunk_bytes": 0}):
        with pytest.raises(ValueError):
            FileBatcher(_BytesReader(b"a"), index, **kwargs)


# ---------------------------------------------------------------- count_words

def test_count_words_matches_line_sentence(tmp_path):
    path = sample_text(tmp_path)
    for max_len in (10000, 17):
        with path.open("rb") as f:
            counts, total, sentences, min_reduce = count_words(f, max_sentence_length=max_len,
                                                               chunk_bytes=1000)
        reference = list(LineSentence(str(path), max_sentence_length=max_len))
        expected = collections.Counter(w for s in reference for w in s)
        assert list(counts.items()) == list(expected.items())     # same first-seen order
        assert total == sum(map(len, reference)) and sentences == len(reference)
        assert min_reduce == 1


def test_count_words_matches_text8_corpus(tmp_path):
    path = sample_text(tmp_path, 500)
    text8 = tmp_path / "text8"
    text8.write_bytes(b" ".join(path.read_bytes().split()))
    with text8.open("rb") as f:
        counts, total, sentences, _ = count_words(f, line_mode=False, max_sentence_length=1000)
    expected = collections.Counter(w for s in Text8Corpus(str(text8), 1000) for w in s)
    assert list(counts.items()) == list(expected.items())
    assert total == sum(expected.values()) and sentences == math.ceil(total / 1000)


def test_count_words_mixed_whitespace_and_unicode(corpus, tmp_path):
    data, _, _ = corpus
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    with path.open("rb") as f:
        counts, total, sentences, _ = count_words(f, max_sentence_length=7, chunk_bytes=3)
    reference = list(LineSentence(str(path), max_sentence_length=7))
    assert counts == collections.Counter(w for s in reference for w in s)
    assert (total, sentences) == (sum(map(len, reference)), len(reference))


def _keep_t_words(word, count, min_count):
    return _reader.RULE_KEEP if word.startswith("t") else _reader.RULE_DEFAULT


@pytest.mark.parametrize("max_vocab_size,trim_rule",
                         [(50, None), (400, None), (200, _keep_t_words)])
def test_count_words_pruning_matches_gensim(tmp_path, max_vocab_size, trim_rule):
    path = sample_text(tmp_path, 1000)
    model = Word2Vec(max_vocab_size=max_vocab_size, min_count=1)
    total, n_sentences = model.scan_vocab(corpus_file=str(path), trim_rule=trim_rule)
    with path.open("rb") as f:
        counts, total_ours, sentences, min_reduce = count_words(
            f, max_vocab_size=max_vocab_size, trim_rule=trim_rule)
    assert list(counts.items()) == list(model.raw_vocab.items())
    assert (total_ours, sentences) == (total, n_sentences)
    assert min_reduce > 1


def test_count_words_continues_over_files(tmp_path):
    path = sample_text(tmp_path, 1000)
    lines = path.read_bytes().splitlines(keepends=True)
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_bytes(b"".join(lines[:400]))
    second.write_bytes(b"".join(lines[400:]))
    model = Word2Vec(max_vocab_size=300, min_count=1)
    model.scan_vocab(corpus_file=str(path))
    with first.open("rb") as f:
        counts, _, _, min_reduce = count_words(f, max_vocab_size=300)
    with second.open("rb") as f:
        counts, _, _, _ = count_words(f, max_vocab_size=300, counts=counts,
                                      min_reduce_start=min_reduce)
    assert list(counts.items()) == list(model.raw_vocab.items())


@pytest.mark.parametrize("chunk_bytes", [4, 1 << 20])
def test_count_words_invalid_utf8_names_offset(tmp_path, chunk_bytes):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words\nok caf\xc3\xa9 ba\xffd \xed\xa0\x80\n")
    with path.open("rb") as f, pytest.raises(ValueError, match=r"bad\.txt.*byte offset 20 "):
        count_words(f, chunk_bytes=chunk_bytes)


def test_count_words_rejects_giant_token():
    data = b"a " + b"q" * (_reader.MAX_TOKEN_BYTES + 1) + b" b"
    with pytest.raises(ValueError, match="byte offset 2 is longer than"):
        count_words(_BytesReader(data), chunk_bytes=1 << 20)


def test_utf8_check_matches_python_decoder():
    rng = random.Random(5)
    special = [b"\xc0\x80", b"\xc2\x80", b"\xe0\x9f\xbf", b"\xe0\xa0\x80", b"\xed\x9f\xbf",
               b"\xed\xa0\x80", b"\xef\xbf\xbf", b"\xf0\x8f\xbf\xbf", b"\xf0\x90\x80\x80",
               b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xe2\x82"]
    pool = list(range(0x80, 0x100)) + [0x61, 0x80, 0xbf]
    samples = special + [bytes(rng.choice(pool) for _ in range(rng.randint(1, 6)))
                         for _ in range(20000)]
    for sample in samples:
        try:
            sample.decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        assert _reader._utf8_valid(sample) == valid, sample


# ---------------------------------------------------------------- sentences_to_ids

def test_sentences_to_ids_matches_python():
    rng = random.Random(6)
    words = make_words(rng, 200)
    key_to_index = {w: i for i, w in enumerate(words) if i % 3}
    sentences = [[rng.choice(words) for _ in range(rng.choice([0, 1, 5, 30]))] for _ in range(300)]
    sentences.append(["absent"] * 3 + [words[1]] * 25000)     # longer than 10,000: kept whole
    sentences[5] = tuple(sentences[5])
    ids, offsets, raw = sentences_to_ids(iter(sentences), key_to_index)
    expected = [[key_to_index[w] for w in s if w in key_to_index] for s in sentences]
    expected = [s for s in expected if s]
    assert ids.dtype == np.int32 and offsets.dtype == np.int32
    assert [ids[a:b].tolist() for a, b in zip(offsets[:-1], offsets[1:])] == expected
    assert raw == sum(map(len, sentences))


def test_sentences_to_ids_accepts_numpy_ids_and_generators():
    ids, offsets, raw = sentences_to_ids([(t for t in "abc")], {"a": np.int64(3), "c": 7})
    assert ids.tolist() == [3, 7] and offsets.tolist() == [0, 2] and raw == 3


def test_sentences_to_ids_rejects_strings_and_non_iterables():
    with pytest.raises(TypeError, match="sentence 1 is a str; expected a list of str tokens"):
        sentences_to_ids([["a"], "a b c"], {"a": 0})
    with pytest.raises(TypeError, match="sentence 0 is of type int, which is not iterable"):
        sentences_to_ids([5], {"a": 0})

