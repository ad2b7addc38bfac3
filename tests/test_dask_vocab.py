"""The vocabulary counted on a Dask cluster equals the single-machine scan of the same files
(words, counts, order, totals); unreadable input is named. The reference is build_vocab on
this machine, itself checked against gensim in test_word2vec.py."""
import gzip
import os
import sys

import pytest

from w2vlib import Word2Vec, _dask_cluster
from w2vlib.errors import EmptyVocabularyError, ShardError

distributed = pytest.importorskip("distributed")

from cluster import local_cluster  # noqa: E402

SMALL = os.path.join(os.path.dirname(__file__), "data", "corpus_small.txt")


def parts(folder, count=3):
    """corpus_small.txt cut into `count` files, the last one gzipped."""
    lines = open(SMALL, "rb").read().splitlines(keepends=True)
    paths = []
    for k in range(count):
        chunk = b"".join(lines[k * len(lines) // count:(k + 1) * len(lines) // count])
        path = folder / f"part-{k}.txt" if k < count - 1 else folder / f"part-{k}.txt.gz"
        path.write_bytes(chunk if k < count - 1 else gzip.compress(chunk))
        paths.append(str(path))
    return paths


def test_the_workers_see_this_checkout(dask_client):
    here = os.path.dirname(os.path.abspath(_dask_cluster.__file__))
    assert set(dask_client.run(lambda: os.path.dirname(__import__("w2vlib").__file__)).values()) == {here}


def test_the_vocabulary_equals_the_single_machine_scan(dask_client, tmp_path, monkeypatch):
    from w2vlib import _dask_vocab
    monkeypatch.setattr(_dask_vocab, "PIECE_BYTES", 4096)   # many byte ranges per plain file
    paths = parts(tmp_path)
    for min_count in (1, 3):
        ours, reference = Word2Vec(min_count=min_count), Word2Vec(min_count=min_count)
        ours.build_vocab(corpus_file=paths, client=dask_client, keep_raw_vocab=True)
        reference.build_vocab(corpus_file=paths, keep_raw_vocab=True)
        assert list(ours.raw_vocab.items()) == list(reference.raw_vocab.items())
        assert ours.wv.index_to_key == reference.wv.index_to_key
        assert ours.wv.expandos["count"].tolist() == reference.wv.expandos["count"].tolist()
        assert (ours.corpus_count, ours.corpus_total_words) == (
            reference.corpus_count, reference.corpus_total_words)


def test_bad_input_names_the_shard(dask_client, tmp_path):
    good = parts(tmp_path)
    missing = str(tmp_path / "part-missing.txt")
    with pytest.raises(ShardError, match="part-missing.txt"):
        Word2Vec().build_vocab(corpus_file=good + [missing], client=dask_client)
    with pytest.raises(ShardError, match="nosuchscheme://bucket/part-9.txt"):
        Word2Vec().build_vocab(corpus_file=[good[0], "nosuchscheme://bucket/part-9.txt"],
                               client=dask_client)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"good words\n\xff\xfe\n")
    with pytest.raises(ShardError, match=r"bad\.txt.*byte offset 11"):
        Word2Vec().build_vocab(corpus_file=str(bad), client=dask_client)
    empty = [tmp_path / "empty-1.txt", tmp_path / "empty-2.txt.gz"]
    empty[0].write_bytes(b"\n \n")
    empty[1].write_bytes(gzip.compress(b""))
    with pytest.raises(EmptyVocabularyError, match="empty-1.txt, .*empty-2.txt.gz"):
        Word2Vec().build_vocab(corpus_file=[str(p) for p in empty], client=dask_client)


def test_the_constructor_builds_and_trains_on_the_cluster(dask_client):
    model = Word2Vec(corpus_file=SMALL, client=dask_client, vector_size=8, min_count=3,
                     workers=1, epochs=1)
    assert len(model.wv) == len(Word2Vec(corpus_file=SMALL, vector_size=8, min_count=3,
                                         epochs=1).wv)
    assert model.distributed_report.ledger


def test_client_needs_files_and_sync_needs_a_client(dask_client):
    with pytest.raises(TypeError, match="client= needs corpus_file"):
        Word2Vec([["a", "b"]], client=dask_client, min_count=1)
    model = Word2Vec([["a", "b"]] * 5, min_count=1, workers=1)
    for given in ({"sync": "rows"}, {"synchronous": True}):
        with pytest.raises(TypeError, match="sync=, sync_words= and synchronous= apply"):
            model.train([["a", "b"]], total_examples=1, epochs=1, **given)


def test_without_dask_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r'pip install "w2vlib\[dask\]"'):
        _dask_cluster.require()


def _import_from(folder):
    """On a worker: forget w2vlib and import it from `folder` first (another install)."""
    sys.path.insert(0, folder)
    for name in [name for name in sys.modules if name.split(".")[0] == "w2vlib"]:
        del sys.modules[name]


def test_a_worker_without_w2vlib_or_with_another_version_is_refused(tmp_path):
    fake = tmp_path / "other" / "w2vlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('__version__ = "0.0.1"\n')
    broken = tmp_path / "broken" / "w2vlib"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text('raise ImportError("no w2vlib here")\n')
    for folder, message in ((fake.parent, r"w2vlib 0\.0\.1 .* the client has"),
                            (broken.parent, r"w2vlib cannot be imported .*no w2vlib here")):
        with local_cluster(distributed, 1) as client:
            client.run(_import_from, str(folder))
            with pytest.raises(RuntimeError, match=message):
                Word2Vec().build_vocab(corpus_file=SMALL, client=client)
