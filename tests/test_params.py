"""Word2Vec's arguments are declared once (w2vlib._params); the constructor, save, load and the
docstring all read that one declaration, and it matches gensim's constructor."""
import inspect

import gensim.models
import numpy as np
import pytest

from w2vlib import Word2Vec, _params
from w2vlib._native import load_native, save_native

SENTENCES = [["a", "b", "c", "d"], ["b", "c", "d", "e"]] * 20


def test_the_signature_is_gensims_then_keyword_only_extensions():
    """gensim's arguments in gensim's order, then w2vlib's keyword-only extensions, then the
    keyword-only Dask `client`."""
    ours = dict(inspect.signature(Word2Vec).parameters)
    client = ours.popitem()[1]
    assert (client.name, client.kind, client.default) == ("client", client.KEYWORD_ONLY, None)
    theirs = inspect.signature(gensim.models.Word2Vec).parameters
    extensions = [ours.pop(name) for name in _params.EXTENSIONS]
    assert list(ours) == list(theirs)
    assert {n: p.default for n, p in ours.items()} == {n: p.default for n, p in theirs.items()}
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extensions)
    assert list(inspect.signature(Word2Vec).parameters)[-len(extensions) - 1:-1] == list(_params.EXTENSIONS)


def test_arguments_bind_by_position_as_in_gensim():
    model = Word2Vec(SENTENCES, None, 12, 0.05, 2, 1, workers=1, seed=3)
    assert (model.vector_size, model.alpha, model.window, model.min_count) == (12, 0.05, 2, 1)
    with pytest.raises(TypeError, match="size"):
        Word2Vec(size=10)   # gensim 3's name: refused, as gensim 4 refuses it


def test_every_hyperparameter_survives_save_and_load(tmp_path):
    chosen = dict(vector_size=8, alpha=0.03, window=3, min_count=1, max_vocab_size=1000,
                  sample=1e-4, seed=9, workers=2, min_alpha=0.001, sg=1, hs=1, negative=3,
                  ns_exponent=0.5, cbow_mean=0, epochs=2, null_word=0, sorted_vocab=1,
                  batch_words=50, compute_loss=True, max_final_vocab=100, shrink_windows=False,
                  cbow_correction=True, shared_negatives=False)
    assert set(chosen) == set(_params.HYPERPARAMETERS)
    model = Word2Vec(SENTENCES, **chosen)
    model.save(str(tmp_path / "m"))
    loaded = Word2Vec.load(str(tmp_path / "m"))
    assert {name: getattr(loaded, name) for name in chosen} == chosen
    # shared_negatives needs skip-gram without hs
    chosen.update(hs=0, shared_negatives=True)
    Word2Vec(SENTENCES, **chosen).save(str(tmp_path / "m"))
    loaded = Word2Vec.load(str(tmp_path / "m"))
    assert {name: getattr(loaded, name) for name in chosen} == chosen


@pytest.mark.parametrize("name, value", [("window", 0), ("alpha", "fast"), ("workers", 10**6),
                                         ("negative", -1), ("sample", -1.0), ("seed", 1.5)])
def test_a_bad_saved_hyperparameter_is_refused_on_load(tmp_path, name, value):
    path = str(tmp_path / "m")
    Word2Vec(SENTENCES, vector_size=4, min_count=1, workers=1).save(path)
    kind, meta, arrays = load_native(path)
    meta[name] = value
    save_native(path, kind, meta, {k: np.asarray(v) for k, v in arrays.items()})
    with pytest.raises(ValueError, match=f"invalid parameter: {name}"):
        Word2Vec.load(path)


def test_a_file_without_an_extension_loads_with_its_default(tmp_path):
    """A file written before an extension existed (w2vlib <= 0.1) has no key for it."""
    path = str(tmp_path / "m")
    Word2Vec(SENTENCES, vector_size=4, min_count=1, workers=1, cbow_correction=True).save(path)
    kind, meta, arrays = load_native(path)
    for name in _params.EXTENSIONS:
        del meta[name]
    save_native(path, kind, meta, {k: np.asarray(v) for k, v in arrays.items()})
    loaded = Word2Vec.load(path)
    assert {name: getattr(loaded, name) for name in _params.EXTENSIONS} == {
        name: _params.BY_NAME[name].default for name in _params.EXTENSIONS}


def test_the_constructor_and_load_apply_the_same_check(tmp_path):
    with pytest.raises(ValueError, match="window must be >= 1"):
        Word2Vec(window=0)
    with pytest.raises(ValueError, match="window must be >= 1"):
        _params.check("window", 0)


def test_the_docstring_describes_every_argument():
    for argument in _params.ARGUMENTS:
        assert f"{argument.name} : optional" in Word2Vec.__doc__
    for name in _params.EXTENSIONS:
        assert f"{name} : optional, default False\n        (w2vlib extension)" in Word2Vec.__doc__
    assert "{parameters}" not in Word2Vec.__doc__
