"""Vectors files of any supported kind, recognised by their content (used by the command line).

Three formats hold word vectors: the word2vec C tool's text and binary formats
(:mod:`w2vlib._word2vec_format`) and w2vlib's native file (:mod:`w2vlib._native`, written by
``KeyedVectors.save`` or ``Word2Vec.save``). :func:`detect_format` tells them apart from their
first bytes, :func:`load_vectors` reads any of them into a :class:`~w2vlib.KeyedVectors`, and
:func:`save_vectors` writes one. Also here: writing the C tool's vocabulary files (``word count``
lines; :func:`w2vlib._word2vec_format.read_vocab_counts` reads them).

>>> import os, tempfile
>>> import numpy as np
>>> from w2vlib import KeyedVectors
>>> folder = tempfile.mkdtemp()
>>> kv = KeyedVectors(2)
>>> kv.add_vectors(["king", "queen"], np.array([[1.0, 0.5], [0.25, 1.0]]))
>>> for name, fmt in [("v.txt", "text"), ("v.bin", "binary"), ("v.kv", "native")]:
...     save_vectors(kv, os.path.join(folder, name), fmt)
>>> [detect_format(os.path.join(folder, name)) for name in ("v.txt", "v.bin", "v.kv")]
['text', 'binary', 'native']
>>> load_vectors(os.path.join(folder, "v.bin")).index_to_key
['king', 'queen']
"""
import os

import numpy as np
import smart_open

from w2vlib import _compressed, _file_kind, _native, _vectors_file
from w2vlib._atomic import atomic_open, local_path
from w2vlib.keyedvectors import KeyedVectors
from w2vlib.word2vec import Word2Vec

#: Vectors file formats: word2vec text, word2vec binary, w2vlib native.
FORMATS = ("text", "binary", "native")
#: Format of an output file by extension (after any compression extension).
EXTENSION_FORMATS = {".txt": "text", ".vec": "text", ".bin": "binary", ".kv": "native",
                     ".w2v": "native", ".model": "native", ".native": "native"}


def _strip_compression(path):
    return os.path.splitext(os.fspath(path))[0] if _compressed.is_compressed(path) else os.fspath(path)


def format_from_name(path):
    """The format an output file name asks for, or None.

    >>> format_from_name("vectors.bin"), format_from_name("vectors.txt.gz"), format_from_name("x.kv")
    ('binary', 'text', 'native')
    >>> format_from_name("vectors.dat") is None
    True
    """
    return EXTENSION_FORMATS.get(os.path.splitext(_strip_compression(path))[1].lower())


def detect_format(path):
    """Recognise a vectors file by its first bytes: ``'native'``, ``'text'`` or ``'binary'``.

    Raises
    ------
    ValueError
        If the file is none of them (the message names the file and says what it seems to be).
    """
    head = _file_kind.head_of(path)
    found = _file_kind.kind(head)
    if found is None:
        raise ValueError(f"{path}: not a vectors file: {_file_kind.describe(head)}")
    return found


def mmap_mode(path):
    """The ``mmap`` argument for loading the native file `path`: ``'c'`` for a local uncompressed
    file, else None. Copy-on-write mapping reads nothing before it is needed, leaves the arrays
    writable for the code that uses them, and never changes the file."""
    local = local_path(path)
    return "c" if local is not None and _strip_compression(local) == local else None


def load_vectors(path, fmt=None, limit=None, progress=False):
    """Read vectors from a word2vec text/binary file or a native KeyedVectors/Word2Vec file.

    Parameters
    ----------
    path : str
    fmt : {'text', 'binary', 'native'}, optional
        Recognised from the content when not given.
    limit : int, optional
        Read only the first rows.
    progress : bool or None, optional
        Progress of a word2vec-format load (see ``KeyedVectors.load_word2vec_format``); native
        files are memory-mapped when local, which takes no time.

    Returns
    -------
    KeyedVectors
    """
    fmt = fmt or detect_format(path)
    if fmt != "native":
        return KeyedVectors.load_word2vec_format(path, binary=fmt == "binary", limit=limit,
                                                 progress=progress)
    mmap = mmap_mode(path)
    kind, meta, arrays = _native.load_native(path, mmap=mmap)
    if kind == "Word2Vec":
        kv = Word2Vec.load(path, mmap=mmap).wv
    elif kind == "KeyedVectors":
        kv = _vectors_file.restore(KeyedVectors, meta, arrays, path)
    else:
        raise ValueError(f"{path}: holds a {kind!r}, not word vectors")
    return _first_rows(kv, limit) if limit else kv


def _first_rows(kv, limit):
    """A copy of the first `limit` rows of `kv` and their per-key attributes."""
    head = KeyedVectors(kv.vector_size, dtype=kv.vectors.dtype)
    head.index_to_key = list(kv.index_to_key[:limit])
    head.key_to_index = {key: i for i, key in enumerate(head.index_to_key)}
    head.vectors = np.array(kv.vectors[:limit])
    head.next_index = len(head.index_to_key)
    head.expandos = {attr: np.array(values[:limit]) for attr, values in kv.expandos.items()}
    return head


def save_vectors(kv, path, fmt, progress=False):
    """Write `kv` to `path` in the word2vec text or binary format or the native format
    (`progress` as in ``KeyedVectors.save_word2vec_format``; a native save is one write)."""
    if fmt == "native":
        kv.save(path)
    else:
        kv.save_word2vec_format(path, binary=fmt == "binary", progress=progress)


def write_vocab_file(path, keys, counts):
    """Write ``word count`` lines, the C tool's ``-save-vocab`` layout."""
    with atomic_open(path, "w") as fout:
        for key, count in zip(keys, counts):
            fout.write(f"{key} {int(count)}\n")
