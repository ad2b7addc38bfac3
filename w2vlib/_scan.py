"""Counting a corpus into a :class:`~w2vlib.vocab.Vocabulary` (``Word2Vec.scan_vocab``): token
lists through :meth:`Vocabulary.scan`, files through the compiled counter
:func:`w2vlib._reader.count_words`.

>>> from w2vlib import _train
>>> from w2vlib.vocab import Vocabulary
>>> vocabulary = Vocabulary(min_count=1)
>>> scan(vocabulary, _train.Corpus(iterable=[["a", "b"], ["a"]]), 10000, None, False, None)
(3, 2)
"""
import os

import smart_open

from w2vlib import _compressed, _reader, _train
from w2vlib._progress import ByteCounter, make_meter


def scan(vocabulary, corpus, progress_per, trim_rule, progress, max_vocab_size, client=None):
    """Count `corpus` (a ``_train.Corpus``) into `vocabulary`; returns ``(total_words,
    corpus_count)``. `progress` is as in ``Word2Vec.build_vocab``; with a Dask `client` the
    files are counted on its workers (:mod:`w2vlib._dask_vocab`)."""
    if client is not None:
        from w2vlib import _dask_vocab
        counts, total_words, sentences = _dask_vocab.count(
            client, [source[0] for source in corpus.sources], max_vocab_size, trim_rule)
        vocabulary.merge_counts(counts, total_words, sentences, fresh=True)
    elif corpus.sources is not None:
        _scan_files(vocabulary, corpus.sources, trim_rule, progress, max_vocab_size)
    else:
        total = len(corpus.iterable) if hasattr(corpus.iterable, "__len__") else None
        meter = make_meter(progress, "scanning the vocabulary", total, "sentences")
        try:
            vocabulary.scan(corpus.iterable, progress_per=progress_per, trim_rule=trim_rule,
                            meter=meter)
        finally:
            if meter is not None:
                meter.close()
    return vocabulary.total_words, vocabulary.corpus_count


def _scan_files(vocabulary, sources, trim_rule, progress, max_vocab_size):
    """Count the words of file sources with the compiled counter. One count table is chained
    through every file, so max_vocab_size pruning happens exactly as in one gensim scan over the
    concatenation. The meter counts bytes read (after decompression)."""
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
                    max_vocab_size=max_vocab_size, min_reduce_start=min_reduce,
                    trim_rule=trim_rule, counts=counts)
                if meter is not None:
                    done = reader.count
            total_words, sentences = total_words + words, sentences + sents
    finally:
        if meter is not None:
            meter.close()
    vocabulary.merge_counts(counts, total_words, sentences, fresh=True)
