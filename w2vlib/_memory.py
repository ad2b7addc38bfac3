"""Word2Vec's memory estimate (``estimate_memory``): the weights exactly, the vocabulary's
Python structures and the training tables as measured per word on CPython 3.11.

>>> estimate([], 1000, vector_size=100, hs=False, negative=5)["syn1neg"]
400000
"""
import logging
import math
import sys

import numpy as np

logger = logging.getLogger("w2vlib.word2vec")

#: Bytes per word of the vocabulary's Python structures besides the keys' own str objects and
#: the two key->index dicts (the model's vocabulary and ``wv`` each hold a key list and a dict):
#: two list slots (16), two index ints (56), the count and sample_int arrays of both (24).
#: CPython 3.11 sizes; tests/test_vocab_steps.py checks the estimate against tracemalloc.
VOCAB_BYTES_PER_WORD = 96
#: A CPython 3.11 dict: its header, and the bytes of one entry of str keys.
DICT_HEADER_BYTES = 96
DICT_ENTRY_BYTES = 16
#: Keys measured for their average size (evenly spaced through the vocabulary).
KEY_SAMPLE = 10000
#: A str of 8 ASCII characters, for estimates made before there are keys to measure.
DEFAULT_KEY_BYTES = sys.getsizeof("abcdefgh")
#: Training tables per word, built by ``train()``: the alias table of negative sampling (uint64
#: acceptance + int32 alias) and the Huffman tree's offset (int64) and, per node on the word's
#: path, a code byte and an int32 point; with the counts of text (Zipf's law), the paths of a
#: vocabulary of V words are about log2(V) + HUFFMAN_EXTRA_DEPTH nodes long on average (rare
#: words, the most numerous, sit deepest).
ALIAS_BYTES_PER_WORD = 12
HUFFMAN_BYTES_PER_WORD = 8
HUFFMAN_BYTES_PER_NODE = 5
HUFFMAN_EXTRA_DEPTH = 2
#: gensim's per-word ``'code'`` and ``'point'`` attributes on ``wv`` (hs): two numpy views into
#: one array of all paths (112 bytes each on numpy 2, and a slot of an object array) and that
#: array's copy of the tree (the offset per word; a code byte and a uint32 point per node).
PATH_ATTRIBUTE_BYTES_PER_WORD = 2 * (112 + 8) + 8
PATH_ATTRIBUTE_BYTES_PER_NODE = 5


def estimate(keys, vocab_size, vector_size, hs, negative, report=None):
    """Bytes a model of `vocab_size` words takes, as ``Word2Vec.estimate_memory`` reports them;
    `keys` (the current vocabulary's) give the average key size. `report` is updated in place,
    as in gensim."""
    report = {} if report is None else report
    sample = keys[::max(1, len(keys) // KEY_SAMPLE)]
    key_bytes = (sum(map(sys.getsizeof, sample)) / len(sample)) if sample else DEFAULT_KEY_BYTES
    per_word = VOCAB_BYTES_PER_WORD + key_bytes + 2 * dict_bytes(vocab_size) / max(vocab_size, 1)
    if negative:
        per_word += ALIAS_BYTES_PER_WORD
    if hs:
        depth = math.log2(max(vocab_size, 2)) + HUFFMAN_EXTRA_DEPTH
        per_word += (HUFFMAN_BYTES_PER_WORD + PATH_ATTRIBUTE_BYTES_PER_WORD
                     + (HUFFMAN_BYTES_PER_NODE + PATH_ATTRIBUTE_BYTES_PER_NODE) * depth)
    matrix = vocab_size * vector_size * np.dtype(np.float32).itemsize
    report["vocab"] = int(vocab_size * per_word)
    report["vectors"] = matrix
    if hs:
        report["syn1"] = matrix
    if negative:
        report["syn1neg"] = matrix
    report["total"] = sum(value for key, value in report.items() if key != "total")
    logger.info("estimated required memory for %i words and %i dimensions: %i bytes",
                vocab_size, vector_size, report["total"])
    return report


def dict_bytes(entries):
    """Bytes of a CPython 3.11 dict of `entries` str keys, filled one key at a time (the table
    doubles to the power of two above three times its usable size, two thirds of its slots).

    >>> all(dict_bytes(n) == sys.getsizeof({str(i): i for i in range(n)})
    ...     for n in (1, 5, 6, 100, 21845, 21846, 100000))
    True
    """
    slots = 8
    while entries > slots * 2 // 3:
        slots = 1 << (slots * 2 // 3 * 3 - 1).bit_length()
    index_bytes = 1 if slots <= 1 << 7 else 2 if slots <= 1 << 15 else 4 if slots <= 1 << 31 else 8
    return DICT_HEADER_BYTES + slots * index_bytes + slots * 2 // 3 * DICT_ENTRY_BYTES
