"""Word2Vec's vocabulary and weights, in gensim's steps.

``build_vocab`` is gensim's sequence of public steps, each of which can be called on its own:
:meth:`~VocabularySteps.scan_vocab` (count the corpus), :meth:`~VocabularySteps.prepare_vocab`
(min_count, max_final_vocab, trim_rule, sorting, subsampling thresholds),
:meth:`~VocabularySteps.estimate_memory` and :meth:`~VocabularySteps.prepare_weights`
(:meth:`~VocabularySteps.init_weights` for a new vocabulary, :meth:`~VocabularySteps.update_weights`
after ``update=True``). The counting itself is ``w2vlib.vocab.Vocabulary`` (token lists) and the
compiled counter ``w2vlib._reader.count_words`` (files).

>>> from w2vlib import Word2Vec
>>> model = Word2Vec(vector_size=8, min_count=2, sample=0, workers=1)
>>> model.scan_vocab([["a", "b", "a"], ["c", "a", "b"]])
(6, 2)
>>> model.prepare_vocab()["num_retained_words"]
2
>>> model.prepare_weights()
>>> model.wv.index_to_key, model.syn1neg.shape
(['a', 'b'], (2, 8))
"""
import logging
import math
import os
import sys

import numpy as np
import smart_open

from w2vlib import _compressed, _reader, _train
from w2vlib._checks import check_writable
from w2vlib._progress import ByteCounter, make_meter
from w2vlib.keyedvectors import KeyedVectors
from w2vlib.vocab import NULL_WORD, sample_thresholds

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


class VocabularySteps:
    """Mixin of :class:`w2vlib.Word2Vec`: building and growing the vocabulary and the weights."""

    def build_vocab(self, corpus_iterable=None, corpus_file=None, update=False, progress_per=10000,
                    keep_raw_vocab=False, trim_rule=None, progress=False, **kwargs):
        """Scan the corpus once: count words, apply min_count / max_final_vocab / trim_rule,
        compute subsampling thresholds and initialise the weights.

        ``update=True`` adds new words to a trained model, keeping the trained vectors.
        Progress is logged every `progress_per` sentences of an iterable; ``progress=True``
        also draws a bar on stderr for a scan longer than a second (bytes of a file, or
        sentences of an iterable), and None draws it only when stderr is a terminal, writing
        periodic ``w2vlib.progress`` log lines otherwise. Other keyword arguments go to
        :meth:`prepare_vocab`.

        Returns
        -------
        dict
            The report of :meth:`prepare_vocab`, with the :meth:`estimate_memory` report under
            ``'memory'`` (gensim computes the same dict and returns None). With
            ``dry_run=True`` the model is left unchanged.
        """
        corpus = self._corpus(corpus_iterable, corpus_file, passes=1)
        if update and not len(self.wv):
            raise RuntimeError("cannot update the vocabulary of a model that has none: "
                               "call build_vocab() without update=True first")
        if update:
            self._check_trainable_weights()
        kept = (self.vocabulary, self.vocabulary.checkpoint(), self.corpus_count,
                self.corpus_total_words)
        try:
            if update:
                self.vocabulary.configure(**self._vocabulary_settings())
            else:
                self.vocabulary = self._new_vocabulary()
            total_words, corpus_count = self._scan(corpus, progress_per, trim_rule, progress)
            self.corpus_count, self.corpus_total_words = corpus_count, total_words
            report = self.prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab,
                                        trim_rule=trim_rule, **kwargs)
        except BaseException:   # a failed scan or preparation leaves the model as it was
            self._restore_vocabulary(kept)
            raise
        if kwargs.get("dry_run"):   # a report only: the model is left as it was
            report["memory"] = self.estimate_memory(report["num_retained_words"])
            self._restore_vocabulary(kept)
            return report
        report["memory"] = self.estimate_memory(len(self.vocabulary))
        self.prepare_weights(update)
        self.add_lifecycle_event("build_vocab", update=update, trim_rule=str(trim_rule))
        return report

    def _restore_vocabulary(self, kept):
        self.vocabulary, checkpoint, self.corpus_count, self.corpus_total_words = kept
        self.vocabulary.rollback(checkpoint)

    def scan_vocab(self, corpus_iterable=None, corpus_file=None, progress_per=10000, workers=None,
                   trim_rule=None, progress=False):
        """Count the corpus's words, replacing the counts of any earlier scan (gensim's first
        step of :meth:`build_vocab`), with the model's current vocabulary settings
        (``max_vocab_size`` ...). On a model without weights the scan starts a new vocabulary;
        on one with weights the vocabulary stays until :meth:`prepare_vocab` replaces or
        (``update=True``) extends it.

        `workers` is accepted for gensim's signature (counting runs in one thread; files are
        counted by compiled code). `trim_rule` is consulted when ``max_vocab_size`` pruning drops
        words; `progress` is as in :meth:`build_vocab`.

        Returns
        -------
        total_words, corpus_count : int
            Tokens and sentences counted.
        """
        corpus = self._corpus(corpus_iterable, corpus_file, passes=1)
        if not len(self.wv):
            self.vocabulary = self._new_vocabulary()
        else:
            self.vocabulary.configure(**self._vocabulary_settings())
        return self._scan(corpus, progress_per, trim_rule, progress)

    def _scan(self, corpus, progress_per, trim_rule, progress):
        """Count `corpus` (a ``_train.Corpus``) into the current vocabulary."""
        if corpus.sources is not None:
            self._scan_files(corpus.sources, trim_rule, progress)
        else:
            total = len(corpus.iterable) if hasattr(corpus.iterable, "__len__") else None
            meter = make_meter(progress, "scanning the vocabulary", total, "sentences")
            try:
                self.vocabulary.scan(corpus.iterable, progress_per=progress_per,
                                     trim_rule=trim_rule, meter=meter)
            finally:
                if meter is not None:
                    meter.close()
        return self.vocabulary.total_words, self.vocabulary.corpus_count

    def _scan_files(self, sources, trim_rule, progress):
        """Count the words of file sources with the compiled counter. One count table is
        chained through every file, so max_vocab_size pruning happens exactly as in one gensim
        scan over the concatenation. The meter counts bytes read (after decompression)."""
        total = sum(os.path.getsize(path) for path, _, _ in sources) \
            if _train.splittable(sources) else None   # plain local files: their sizes
        meter = make_meter(progress, "scanning the vocabulary", total, "B")
        counts, total_words, sentences, min_reduce, done = {}, 0, 0, 1, 0
        try:
            for path, line_mode, max_len in sources:
                with _compressed.located(path), smart_open.open(path, "rb") as fileobj:
                    reader = fileobj if meter is None else ByteCounter(fileobj, meter, done)
                    counts, words, sents, min_reduce = _reader.count_words(
                        reader, line_mode=line_mode, max_sentence_length=max_len,
                        max_vocab_size=self.max_vocab_size, min_reduce_start=min_reduce,
                        trim_rule=trim_rule, counts=counts)
                    if meter is not None:
                        done = reader.count
                total_words, sentences = total_words + words, sentences + sents
        finally:
            if meter is not None:
                meter.close()
        self.vocabulary.merge_counts(counts, total_words, sentences, fresh=True)

    def prepare_vocab(self, update=False, keep_raw_vocab=False, trim_rule=None, min_count=None,
                      sample=None, dry_run=False):
        """Turn the counts of the last :meth:`scan_vocab` into the vocabulary (gensim's second
        step): min_count (raised by ``max_final_vocab``), `trim_rule`, the sort, subsampling.

        `min_count` and `sample` override the model's settings and, unless `dry_run` or `update`,
        become them; None keeps the model's (gensim also replaces an explicit 0 by the model's
        value; here 0 means 0). ``dry_run=True`` only computes the report.

        Returns
        -------
        dict
            ``drop_unique``, ``retain_total``, ``downsample_unique``, ``downsample_total`` and
            ``num_retained_words``, as gensim's.

        Raises
        ------
        RuntimeError
            If there are no counts to prepare (no :meth:`scan_vocab` since the last preparation).
        """
        if not self.vocabulary.has_counts:
            raise RuntimeError("no word counts to prepare: call scan_vocab() first (build_vocab "
                               "drops the counts when it is done, unless keep_raw_vocab=True)")
        min_count = self.min_count if min_count is None else min_count
        sample = self.sample if sample is None else sample
        report = self.vocabulary.prepare(min_count=min_count, sample=sample, dry_run=dry_run,
                                         keep_raw_vocab=keep_raw_vocab, trim_rule=trim_rule,
                                         update=update)
        if not (dry_run or update):
            self.min_count, self.sample = self.vocabulary.min_count, self.vocabulary.sample
        return report

    def build_vocab_from_freq(self, word_freq, keep_raw_vocab=False, corpus_count=None,
                              trim_rule=None, update=False):
        """Build the vocabulary from a ``{word: count}`` mapping instead of a corpus."""
        if not update:
            self.vocabulary = self._new_vocabulary()
        elif len(self.wv):
            self._check_trainable_weights()
        report = self.vocabulary.from_freq(word_freq, keep_raw_vocab=keep_raw_vocab,
                                           corpus_count=corpus_count, trim_rule=trim_rule,
                                           update=update)
        self.corpus_count = self.vocabulary.corpus_count
        self.corpus_total_words = self.vocabulary.total_words
        self.prepare_weights(update)
        return report

    def estimate_memory(self, vocab_size=None, report=None):
        """Bytes the model takes for `vocab_size` words (default: its vocabulary's size).

        Same keys as gensim's: ``'vectors'``, ``'syn1'`` (hs), ``'syn1neg'`` (negative sampling)
        — exact — and ``'vocab'``: the vocabulary's Python structures and the tables ``train()``
        builds, measured per word on CPython 3.11 (keys of the current vocabulary's average size,
        or of 8 ASCII characters), where gensim counts a flat 500 or 700 bytes. Training from
        files adds the C index of the keys' UTF-8 bytes (about 40 bytes per word plus the bytes).
        ``'total'`` sums every entry of `report` (which is updated in place, as in gensim).

        Returns
        -------
        dict of str to int

        Examples
        --------
        >>> from w2vlib import Word2Vec
        >>> report = Word2Vec(vector_size=100).estimate_memory(1000)
        >>> report["vectors"], report["syn1neg"], sorted(report)
        (400000, 400000, ['syn1neg', 'total', 'vectors', 'vocab'])
        """
        vocab_size = len(self.vocabulary) if vocab_size is None else int(vocab_size)
        report = {} if report is None else report
        keys = self.vocabulary.index_to_key[::max(1, len(self.vocabulary) // KEY_SAMPLE)]
        key_bytes = (sum(map(sys.getsizeof, keys)) / len(keys)) if keys else DEFAULT_KEY_BYTES
        per_word = VOCAB_BYTES_PER_WORD + key_bytes + 2 * _dict_bytes(vocab_size) / max(vocab_size, 1)
        if self.negative:
            per_word += ALIAS_BYTES_PER_WORD
        if self.hs:
            depth = math.log2(max(vocab_size, 2)) + HUFFMAN_EXTRA_DEPTH
            per_word += HUFFMAN_BYTES_PER_WORD + HUFFMAN_BYTES_PER_NODE * depth
        matrix = vocab_size * self.vector_size * np.dtype(np.float32).itemsize
        report["vocab"] = int(vocab_size * per_word)
        report["vectors"] = matrix
        if self.hs:
            report["syn1"] = matrix
        if self.negative:
            report["syn1neg"] = matrix
        report["total"] = sum(value for key, value in report.items() if key != "total")
        logger.info("estimated required memory for %i words and %i dimensions: %i bytes",
                    vocab_size, self.vector_size, report["total"])
        return report

    def prepare_weights(self, update=False):
        """Weights for the vocabulary just prepared: :meth:`init_weights` for a new one,
        :meth:`update_weights` after ``prepare_vocab(update=True)``."""
        if update:
            self.update_weights()
        else:
            self._reset_weights(_grown_lock_factors(getattr(self.wv, "vectors_lockf", None), 0,
                                                    len(self.vocabulary)))

    def init_weights(self):
        """Fresh, untrained weights for the current vocabulary: random input vectors (the values
        ``build_vocab`` draws for this seed) and zero output layers. Lock factors are kept.
        (gensim keeps trained input vectors whose shape has not changed.)"""
        lockf = getattr(self.wv, "vectors_lockf", None)
        if lockf is None or len(lockf) not in (1, len(self.vocabulary)):
            lockf = None
        self._reset_weights(_grown_lock_factors(lockf, len(self.vocabulary), 0))

    def _reset_weights(self, lockf):
        logger.info("resetting layer weights")
        self.wv = KeyedVectors(self.vector_size)
        self._fill_wv()
        self.wv.vectors_lockf = lockf
        self._syn1 = _grow(None, len(self.wv), self.vector_size) if self.hs else None
        self._syn1neg = _grow(None, len(self.wv), self.vector_size) if self.negative else None
        self._engine = self._index = None

    def update_weights(self):
        """Grow the weights after ``prepare_vocab(update=True)``: trained rows are kept, new words
        get random input vectors, zero output rows and lock factor 1."""
        logger.info("updating layer weights")
        if not len(self.wv):
            raise RuntimeError("cannot update the weights of a model that has no vocabulary: "
                               "build the vocabulary first")
        old, lockf = len(self.wv), getattr(self.wv, "vectors_lockf", None)
        self._fill_wv()
        grown = len(self.wv) - old
        self.wv.vectors_lockf = _grown_lock_factors(lockf, old, grown)
        if self.hs:
            self._syn1 = _grow(self._syn1, grown, self.vector_size)
        if self.negative:
            self._syn1neg = _grow(self._syn1neg, grown, self.vector_size)
        self._engine = self._index = None

    def _fill_wv(self):
        """Give ``wv`` the vocabulary's keys, counts and thresholds, new rows random."""
        vocab = self.vocabulary
        self.wv.index_to_key = list(vocab.index_to_key)
        self.wv.key_to_index = {key: i for i, key in enumerate(self.wv.index_to_key)}
        self.wv.resize_vectors(seed=self.seed)
        self.wv.allocate_vecattrs(["count", "sample_int"], [int, np.uint32])
        self.wv.expandos["count"][:] = vocab.counts
        self.wv.expandos["sample_int"][:] = vocab.sample_int

    def reset_from(self, other_model):
        """Take `other_model`'s vocabulary and corpus size, with fresh weights (gensim's way to
        train several models on one vocabulary).

        The vocabulary is copied, not shared as in gensim, so either model may later grow its
        own; it is the other model's as it stands, with its null word or without one, whatever
        this model's ``null_word``. Subsampling thresholds are recomputed when this model's
        ``sample`` differs.
        """
        other = other_model.vocabulary
        if not len(other):
            raise RuntimeError("reset_from: the other model has no vocabulary")
        self.vocabulary = self._new_vocabulary()
        sample_int = other.sample_int.copy()
        if self.sample != other_model.sample:
            words = np.array([key != NULL_WORD for key in other.index_to_key])  # the null word
            counts = other.counts[words]                                         # keeps its 0
            sample_int[words] = sample_thresholds(counts, self.sample, int(counts.sum()))[0]
        self.vocabulary.restore(other.index_to_key, other.counts.copy(), sample_int)
        self.vocabulary.effective_min_count = other.effective_min_count
        self.corpus_count = other_model.corpus_count
        self.corpus_total_words = other_model.corpus_total_words
        self.prepare_weights()

    def _check_prepared(self):
        """Refuse to train or save weights that do not belong to the vocabulary."""
        if self.vocabulary.index_to_key != self.wv.index_to_key:
            raise RuntimeError(
                "the model's vocabulary and wv's keys differ: after prepare_vocab(), call "
                "prepare_weights() (update=True after prepare_vocab(update=True)); keys added to "
                "or reordered in wv by hand cannot be trained or saved with the model (add words "
                "with build_vocab(update=True))")

    def _check_trainable_weights(self):
        """Refuse to train or grow weights that cannot be: read-only (``load(mmap='r')``) or
        of another width than ``vector_size`` (the attribute changed after they were made)."""
        for name, weights in (("wv.vectors", self.wv.vectors), ("syn1", self._syn1),
                              ("syn1neg", self._syn1neg)):
            if weights is None:
                continue
            if weights.ndim != 2 or weights.shape[1] != self.vector_size:
                raise ValueError(f"{name} has {weights.shape[-1]} columns but vector_size is "
                                 f"{self.vector_size}: vector_size cannot change after the "
                                 "vocabulary is built")
            check_writable(weights, name)


def _dict_bytes(entries):
    """Bytes of a CPython 3.11 dict of `entries` str keys, filled one key at a time (the table
    doubles to the power of two above three times its usable size, two thirds of its slots).

    >>> import sys
    >>> all(_dict_bytes(n) == sys.getsizeof({str(i): i for i in range(n)})
    ...     for n in (1, 5, 6, 100, 21845, 21846, 100000))
    True
    """
    slots = 8
    while entries > slots * 2 // 3:
        slots = 1 << (slots * 2 // 3 * 3 - 1).bit_length()
    index_bytes = 1 if slots <= 1 << 7 else 2 if slots <= 1 << 15 else 4 if slots <= 1 << 31 else 8
    return DICT_HEADER_BYTES + slots * index_bytes + slots * 2 // 3 * DICT_ENTRY_BYTES


def _grown_lock_factors(lockf, old, grown):
    """Lock factors for a vocabulary of ``old`` words (0: built afresh) grown by ``grown``: one
    factor for every word is kept; per-word factors get 1 (trainable) for each new word, and do
    not carry over to a new vocabulary (gensim keeps them and wraps them around it)."""
    if lockf is None:
        return np.ones(1, np.float32)
    lockf = np.asarray(lockf, np.float32)
    if lockf.ndim == 1 and len(lockf) == 1:
        return lockf.copy()
    if old and lockf.ndim == 1 and len(lockf) == old:
        return np.concatenate([lockf, np.ones(grown, np.float32)])
    logger.warning("wv.vectors_lockf (shape %s) does not fit the new vocabulary: reset to 1 for "
                   "every word", lockf.shape)
    return np.ones(1, np.float32)


def _grow(weights, rows, size):
    """Output weights start at zero, as in word2vec; new rows are appended for new words."""
    fresh = np.zeros((rows, size), dtype=np.float32)
    return fresh if weights is None else np.vstack([weights, fresh])
