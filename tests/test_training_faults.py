"""Ill-conditioned training settings: a clear error, or behaviour written down in docs/reliability.md.

* ``alpha=10`` with negative sampling: the vectors overflow to NaN/infinity within the first
  epoch; training raises FloatingPointError naming the epoch (the check runs after every epoch),
  every worker thread has stopped, and a NaN written to a word2vec file is refused on reading.
  With hierarchical softmax only, updates whose score leaves (-6, 6) are skipped (as in
  word2vec.c and gensim), so alpha=10 gives huge but finite vectors: no error.
* ``vector_size=1``: trains; every cosine similarity is +1 or -1 (documented, like gensim).
* ``window=0``, ``negative=0`` with ``hs=0``, ``vector_size=0``, ``alpha<=0`` or NaN: refused
  with ValueError before any work (gensim 4.4 hangs on window=0: its worker threads die and the
  trainer waits for them forever).
"""
import pathlib
import threading

import numpy as np
import pytest
from gensim.models import Word2Vec as GensimWord2Vec

from w2vlib import KeyedVectors, Word2Vec

CORPUS = pathlib.Path(__file__).parent / "data" / "corpus_small.txt"


@pytest.fixture(scope="module")
def sentences():
    return [line.split() for line in CORPUS.read_text(encoding="utf8").splitlines()]


@pytest.mark.parametrize("sg", [0, 1])
def test_alpha_10_with_negative_sampling_diverges_and_is_reported(sentences, tmp_path, sg):
    model = Word2Vec(min_count=2, workers=2, alpha=10, sg=sg, seed=1)
    model.build_vocab(sentences)
    before = set(threading.enumerate())
    with pytest.raises(FloatingPointError, match=r"training diverged in epoch 0: .* NaN or infinity .*smaller alpha"):
        model.train(sentences, total_examples=model.corpus_count, epochs=3)
    assert set(threading.enumerate()) <= before
    assert not np.isfinite(model.wv.vectors).all()
    # Written to a word2vec file anyway, the NaNs cannot be read back without saying so.
    model.wv.save_word2vec_format(tmp_path / "diverged.txt")
    with pytest.raises(ValueError, match=r"diverged.txt: line \d+: non-finite value"):
        KeyedVectors.load_word2vec_format(tmp_path / "diverged.txt")


def test_alpha_10_with_hierarchical_softmax_stays_finite_like_gensim(sentences):
    params = dict(min_count=2, workers=1, alpha=10, hs=1, negative=0, epochs=2, seed=1)
    ours = Word2Vec(sentences, **params).wv.vectors
    theirs = GensimWord2Vec(sentences, **params).wv.vectors
    assert np.isfinite(ours).all() and np.isfinite(theirs).all()
    assert np.abs(ours).max() > 1e3 and np.abs(theirs).max() > 1e3    # large, as in gensim


def test_vector_size_1_trains_and_similarities_are_plus_or_minus_one(sentences, tmp_path):
    model = Word2Vec(sentences, vector_size=1, min_count=2, workers=2, epochs=1, seed=1)
    assert model.wv.vectors.shape == (len(model.wv), 1) and np.isfinite(model.wv.vectors).all()
    similarities = np.array([s for _, s in model.wv.most_similar("the", topn=50)])
    np.testing.assert_allclose(np.abs(similarities), 1.0, rtol=1e-6)
    model.save(tmp_path / "m.w2v")
    np.testing.assert_array_equal(Word2Vec.load(tmp_path / "m.w2v").wv.vectors, model.wv.vectors)


@pytest.mark.parametrize("params,message", [
    (dict(window=0), "window must be >= 1"),
    (dict(negative=0, hs=0), "set hs=1 and/or negative > 0"),
    (dict(vector_size=0), "vector_size must be >= 1"),
    (dict(alpha=0.0), "alpha must be a positive number"),
    (dict(alpha=-0.5), "alpha must be a positive number"),
    (dict(alpha=float("nan")), "alpha must be a positive number"),
])
def test_impossible_settings_are_refused_before_any_work(sentences, params, message):
    before = set(threading.enumerate())
    with pytest.raises(ValueError, match=message):
        Word2Vec(sentences, min_count=2, workers=2, **params)
    assert set(threading.enumerate()) <= before
