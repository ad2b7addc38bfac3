"""corpus_file as a list, a glob or one file; shards of files; counting a byte range.

The references are independent: the same lines concatenated into one file (read by gensim's
LineSentence and by w2vlib's single-file path), and bytes.split() over a file's lines.
"""
import gzip
import os
import random

import pytest
from gensim.models.word2vec import LineSentence

from w2vlib import Word2Vec, _reader
from w2vlib._shards import Shard, expand, split

LINES = [f"w{i % 7} w{i % 11} x{i % 3} tail{i % 5}" for i in range(400)]


def write_parts(folder, parts=3):
    paths = []
    for k in range(parts):
        path = folder / f"part-{k:02d}.txt"
        path.write_text("\n".join(LINES[k::parts]) + "\n")
        paths.append(str(path))
    whole = folder / "whole.txt"
    whole.write_bytes(b"".join(open(p, "rb").read() for p in paths))
    return paths, str(whole)


def test_expand_takes_a_path_a_glob_or_a_list(tmp_path):
    paths, whole = write_parts(tmp_path)
    assert expand(whole) == [whole]
    assert expand(str(tmp_path / "part-*.txt")) == paths
    assert expand(paths[::-1]) == paths[::-1]
    assert expand([str(tmp_path / "part-0[01].txt"), whole]) == paths[:2] + [whole]
    assert expand(tmp_path / "whole.txt") == [whole]


def test_expand_refuses_what_names_no_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no file matches .*nothing-\*"):
        expand(str(tmp_path / "nothing-*.txt"))
    with pytest.raises(ValueError, match="empty list"):
        expand([])
    with pytest.raises(TypeError, match="a path or URI, a glob or a list"):
        expand(3)


def test_split_covers_every_byte_once_and_keeps_compressed_files_whole(tmp_path):
    paths, _ = write_parts(tmp_path)
    packed = tmp_path / "packed.txt.gz"
    packed.write_bytes(gzip.compress(b"a b\n"))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    shards = split(paths + [str(packed), str(empty)], piece_bytes=100)
    for path in paths:
        mine = [s for s in shards if s.path == path]
        assert mine[0].start == 0 and mine[-1].end == os.path.getsize(path)
        assert all(a.end == b.start for a, b in zip(mine, mine[1:]))
        assert all(s.end - s.start <= 100 for s in mine)
    assert Shard(str(packed)) in shards and Shard(str(empty), 0, 0) in shards
    assert str(Shard("a.txt", 5, 9)) == "a.txt [bytes 5:9]" and str(Shard("a.gz")) == "a.gz"


def test_counts_of_byte_ranges_add_up_to_the_file(tmp_path):
    data = "\n".join(LINES).encode() + b"\nlast line without end"
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    whole, total, sentences, _ = _reader.count_words(open(path, "rb"))
    rng = random.Random(3)
    cuts = sorted(rng.sample(range(1, len(data)), 5))
    merged, merged_total, merged_sentences = {}, 0, 0
    for start, end in zip([0] + cuts, cuts + [-1]):
        with open(path, "rb") as fileobj:
            counts, words, sents, _ = _reader.count_words(fileobj, start=start, end=end)
        for word, count in counts.items():
            merged[word] = merged.get(word, 0) + count
        merged_total, merged_sentences = merged_total + words, merged_sentences + sents
    assert merged == whole and list(merged) == list(whole)
    assert (merged_total, merged_sentences) == (total, sentences) == (
        len(data.split()), len(data.split(b"\n")))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_list_or_glob_trains_like_the_concatenated_file(tmp_path, workers):
    paths, whole = write_parts(tmp_path)
    settings = dict(vector_size=8, min_count=2, workers=workers, epochs=2, seed=3)
    reference = Word2Vec(LineSentence(whole), **settings)
    for corpus_file in (paths, str(tmp_path / "part-*.txt")):
        model = Word2Vec(**settings)
        model.build_vocab(corpus_file=corpus_file)
        assert model.wv.index_to_key == reference.wv.index_to_key
        assert (model.corpus_count, model.corpus_total_words) == (
            reference.corpus_count, reference.corpus_total_words)
        effective, raw = model.train(corpus_file=corpus_file, total_words=model.corpus_total_words,
                                     epochs=2)
        assert raw == 2 * reference.corpus_total_words
