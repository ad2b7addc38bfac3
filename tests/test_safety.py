"""Safe model files: loading never unpickles, so a malicious file cannot run code.

A pickle whose unpickling creates a file is written under the names a user would load (a
native ``model.kv`` / ``model.w2v``, a gensim-style ``model.model`` with ``.npy`` files beside
it); the payload is first shown to work with :mod:`pickle` itself, then w2vlib must refuse each
file with a ValueError naming it, and the file must not be created. Real gensim files are
recognised, and the conversion the error message advises is carried out with gensim.
"""
import gzip
import pickle

import gensim
import numpy as np
import pytest

from w2vlib import KeyedVectors, Word2Vec
from w2vlib._native import NativeFormatError

MODEL_NAMES = ["model.kv", "model.w2v", "model.model", "model.kv.gz"]
LOADERS = {"KeyedVectors.load": KeyedVectors.load, "Word2Vec.load": Word2Vec.load}
GENSIM_CLASS_GLOBAL = b"cgensim.models.word2vec\nWord2Vec\n0"    # GLOBAL, then POP: names gensim's class


class CreatesFile:
    """Unpickling this calls ``open(target, 'w')``: the file appears."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return open, (self.target, "w")


def malicious_pickles(marker):
    """Protocol-2 pickles running ``open(marker, 'w')``: a plain one, one that first names
    gensim's Word2Vec class (as gensim's own files do), and a protocol-0 (text) one."""
    plain = pickle.dumps(CreatesFile(marker), protocol=2)
    gensim_style = plain[:2] + GENSIM_CLASS_GLOBAL + plain[2:]
    text = pickle.dumps(CreatesFile(marker), protocol=0)
    return {"plain": plain, "gensim": gensim_style, "protocol0": text}


def write(path, data):
    if path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("flavour", ["plain", "gensim", "protocol0"])
def test_payloads_really_create_the_file_when_unpickled(tmp_path, flavour):
    marker = tmp_path / "pwned"
    pickle.loads(malicious_pickles(marker)[flavour])
    assert marker.exists()


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("flavour", ["plain", "gensim", "protocol0"])
@pytest.mark.parametrize("mmap", [None, "r"])
def test_malicious_pickle_is_refused_and_never_run(tmp_path, name, loader, flavour, mmap):
    marker = tmp_path / "pwned"
    path = write(tmp_path / name, malicious_pickles(marker)[flavour])
    if name == "model.model":                       # gensim's layout: arrays in .npy files beside it
        np.save(tmp_path / "model.model.wv.vectors.npy", np.zeros((3, 4), np.float32))
    if mmap and name.endswith(".gz"):
        with pytest.raises(ValueError, match=f"^{path}: memory mapping needs a local uncompressed file"):
            LOADERS[loader](path, mmap=mmap)
        assert not marker.exists()
        return
    with pytest.raises(NativeFormatError) as info:
        LOADERS[loader](path, mmap=mmap)
    message = str(info.value)
    assert message.startswith(f"{path}: byte offset 0: not a w2vlib native file")
    if flavour != "protocol0":
        assert "pickle" in message and "never unpickles" in message
    if flavour == "gensim":
        assert "gensim.models.Word2Vec.load(path).wv.save_word2vec_format(" in message
    assert not marker.exists()


@pytest.fixture
def gensim_files(tmp_path):
    """A gensim Word2Vec model and its KeyedVectors saved by gensim, large arrays in .npy files."""
    sentences = [["king", "queen", "royal", "crown"], ["cat", "dog", "pet", "fur"]] * 30
    model = gensim.models.Word2Vec(sentences, vector_size=8, min_count=1, workers=1, seed=1, epochs=2)
    model.save(str(tmp_path / "gensim.model"), sep_limit=0)
    model.wv.save(str(tmp_path / "gensim.kv"), sep_limit=0)
    return tmp_path, model


@pytest.mark.parametrize("name,loader_text", [
    ("gensim.model", "gensim.models.Word2Vec.load(path).wv"),
    ("gensim.kv", "gensim.models.KeyedVectors.load(path)"),
])
def test_gensim_files_are_recognised_and_the_advice_works(gensim_files, name, loader_text):
    folder, model = gensim_files
    path = folder / name
    assert (folder / f"{name}.wv.vectors.npy").exists() or (folder / f"{name}.vectors.npy").exists()
    for loader in LOADERS.values():
        with pytest.raises(ValueError, match="gensim model saved by gensim's save") as info:
            loader(path)
        assert f"{loader_text}.save_word2vec_format('vectors.bin', binary=True)" in str(info.value)
    # Follow the advice: gensim converts the (trusted) file, w2vlib reads the result.
    loaded = eval(loader_text, {"gensim": gensim, "path": str(path)})
    loaded.save_word2vec_format(str(folder / "vectors.bin"), binary=True)
    kv = KeyedVectors.load_word2vec_format(folder / "vectors.bin", binary=True)
    assert kv.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(kv.vectors, model.wv.vectors)


def test_gensim_npy_sidecar_and_word2vec_files_get_their_own_advice(gensim_files):
    folder, model = gensim_files
    sidecar = folder / "gensim.model.wv.vectors.npy"
    with pytest.raises(ValueError, match="numpy .npy array"):
        KeyedVectors.load(sidecar)
    model.wv.save_word2vec_format(str(folder / "vectors.txt"))
    with pytest.raises(ValueError, match=r"word2vec text or binary file; read it with KeyedVectors.load_word2vec_format"):
        KeyedVectors.load(folder / "vectors.txt")


def test_native_loading_works_with_pickle_disabled(tmp_path, monkeypatch):
    """Loading a native KeyedVectors or Word2Vec file needs no unpickling at all."""
    kv = KeyedVectors(3)
    kv.add_vectors(["a", "b"], np.eye(2, 3, dtype=np.float32))
    kv.save(tmp_path / "v.kv")
    model = Word2Vec([["a", "b", "c"]] * 20, vector_size=4, min_count=1, workers=1, epochs=1)
    model.save(tmp_path / "m.w2v")

    def refuse(*args, **kwargs):
        raise AssertionError("unpickling attempted")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(np.lib.format, "read_array", refuse)
    for mmap in (None, "r"):
        assert KeyedVectors.load(tmp_path / "v.kv", mmap=mmap).index_to_key == ["a", "b"]
        assert Word2Vec.load(tmp_path / "m.w2v", mmap=mmap).wv.index_to_key == model.wv.index_to_key
