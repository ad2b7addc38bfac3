"""The trainer's vocabulary: word counts, pruning, the final word list and subsampling thresholds.

:class:`Vocabulary` follows gensim 4's ``Word2Vec`` vocabulary semantics step by step:

1. **Count** (:meth:`Vocabulary.scan` over token lists, or :meth:`Vocabulary.merge_counts` for
   counts made elsewhere, e.g. by the compiled file counter): ``raw_vocab`` maps each word to its
   count, in order of first appearance. With ``max_vocab_size``, after any sentence that leaves
   more than that many word types, the words counted fewer than ``min_reduce`` times are dropped
   and ``min_reduce`` grows by one (so memory stays bounded on huge corpora).
2. **Prepare** (:meth:`Vocabulary.prepare`): keep the words counted at least
   ``effective_min_count`` times (``min_count``, raised if ``max_final_vocab`` asks for fewer
   words; a ``trim_rule`` can override per word), sort them by descending count, and compute each
   word's subsampling threshold ``sample_int``.

It holds no vectors: the façade turns ``index_to_key``/``counts`` into ``KeyedVectors`` and the
tables of :mod:`w2vlib._tables`.

Examples
--------
>>> vocab = Vocabulary(min_count=2, sample=0)
>>> vocab.scan([["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat"]])
(8, 3)
>>> report = vocab.prepare()
>>> vocab.index_to_key, vocab.counts.tolist()
(['sat', 'cat', 'the'], [2, 2, 2])
>>> vocab.sample_int.tolist() == [2**32 - 1] * 3
True
"""
import itertools
import logging
from collections import Counter

import numpy as np

from w2vlib import _checks
from w2vlib.errors import EmptyVocabularyError

logger = logging.getLogger(__name__)

#: ``trim_rule`` results (gensim's values, so gensim rules work unchanged).
RULE_DEFAULT = 0
RULE_DISCARD = 1
RULE_KEEP = 2

#: The padding pseudo-word added by ``null_word=1`` (count 1, ``sample_int`` 0; input only).
NULL_WORD = "\0"
#: ``sample_int`` scale: a word is kept when ``sample_int[w] >= a uniform random uint32``.
SAMPLE_INT_SCALE = 2**32 - 1
#: ``sample >= 1`` means "downsample words counted more than about ``sample * this``" (gensim).
_GOLDEN_SQUARE = (3 + np.sqrt(5)) / 2


def keep_vocab_item(word, count, min_count, trim_rule=None):
    """Decide whether a word stays: ``count >= min_count`` unless ``trim_rule`` says otherwise.

    Parameters
    ----------
    word : str
        The word.
    count : int
        Its count.
    min_count : int
        The threshold of the default rule.
    trim_rule : callable, optional
        ``trim_rule(word, count, min_count)`` returning :data:`RULE_KEEP`, :data:`RULE_DISCARD`
        or :data:`RULE_DEFAULT` (any other value also means the default rule).

    Returns
    -------
    bool

    Examples
    --------
    >>> keep_vocab_item("rare", 1, 5)
    False
    >>> keep_vocab_item("rare", 1, 5, trim_rule=lambda word, count, min_count: RULE_KEEP)
    True
    """
    if trim_rule is not None:
        rule = trim_rule(word, count, min_count)
        if rule == RULE_KEEP:
            return True
        if rule == RULE_DISCARD:
            return False
    return count >= min_count


def token_list(sentence, number):
    """``sentence`` as a list or tuple of tokens, or a TypeError naming sentence ``number``: a str
    or bytes (a common mistake: it would be read as characters) or a non-iterable is refused.

    >>> token_list(("a", "b"), 0), token_list(iter(["c"]), 1)
    (('a', 'b'), ['c'])
    >>> token_list("a b", 2)
    Traceback (most recent call last):
    TypeError: sentence 2 is a str; expected a list of str tokens (split it first, e.g. sentence.split())
    """
    if isinstance(sentence, (str, bytes)):
        raise TypeError(f"sentence {number} is a {type(sentence).__name__}; expected a list of str "
                        "tokens (split it first, e.g. sentence.split())")
    if isinstance(sentence, (list, tuple)):
        return sentence
    try:
        return list(sentence)
    except TypeError:
        raise TypeError(f"sentence {number} is a {type(sentence).__name__}; "
                        "expected a list of str tokens") from None



def _check_tokens(words):
    """Refuse, up front, a token a model cannot store (None, bytes, a float, a tuple ...):
    counted and trained, it would only fail when the model is saved. Tokens are str, or int as
    KeyedVectors keys may be. Checked over the distinct words, after counting.

    >>> _check_tokens({"a": 2, 7: 1})
    >>> _check_tokens({"a": 2, None: 1})
    Traceback (most recent call last):
    TypeError: a token of the corpus is None (NoneType), not a str or int: convert the tokens first, e.g. [str(token) for token in sentence]
    """
    for word in words:
        if not _checks.is_storable_key(word):
            raise TypeError(f"a token of the corpus is {word!r} ({type(word).__name__}), not a "
                            "str or int: convert the tokens first, e.g. "
                            "[str(token) for token in sentence]")


def _check_sample(value):
    real = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not (real and np.isfinite(value) and value >= 0):
        raise ValueError(f"sample must be a finite number >= 0, got {value!r}")
    return value



def sample_thresholds(counts, sample, retain_total):
    """Compute gensim's subsampling thresholds for the retained words.

    Parameters
    ----------
    counts : ndarray of int64
        Counts of the retained words.
    sample : float
        0 disables subsampling; below 1 it is a fraction of `retain_total`; from 1 up it is an
        absolute count (words counted more than about ``2.618 * sample`` are downsampled).
    retain_total : int
        Sum of the retained words' counts.

    Returns
    -------
    sample_int : ndarray of uint32
        ``keep probability * (2**32 - 1)``, truncated; ``2**32 - 1`` for words never dropped.
    downsample_unique : int
        How many words get a keep probability below 1.
    downsample_total : float
        The expected number of tokens left after subsampling.

    Examples
    --------
    >>> sample_int, unique, total = sample_thresholds(np.array([900, 90, 10]), 0.01, 1000)
    >>> (sample_int / (2**32 - 1)).round(3).tolist(), unique, round(total, 1)
    ([0.117, 0.444, 1.0], 2, 154.9)
    """
    if not sample:
        threshold = retain_total
    elif sample < 1.0:
        threshold = sample * retain_total
    else:
        threshold = int(sample * _GOLDEN_SQUARE)
    words = counts.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = (np.sqrt(words / threshold) + 1) * (threshold / words)
    downsampled = keep < 1.0
    keep = np.where(downsampled, keep, 1.0)
    downsample_total = float(np.sum(keep * words))
    return (keep * SAMPLE_INT_SCALE).astype(np.uint32), int(downsampled.sum()), downsample_total


class Vocabulary:
    """Vocabulary state of a word2vec trainer, with gensim 4 ``Word2Vec`` semantics.

    Parameters
    ----------
    min_count : int, optional
        Drop words counted fewer times than this.
    max_vocab_size : int or None, optional
        Bound on the word types held while counting (see the module notes); None or 0: no bound.
    sample : float, optional
        Subsampling of frequent words; see :func:`sample_thresholds`. 0 disables it.
    max_final_vocab : int or None, optional
        Keep at most about this many words by raising the effective ``min_count``.
    sorted_vocab : bool, optional
        Sort the words by descending count (ties: the word seen last first, as gensim does).
    null_word : bool, optional
        Append the padding pseudo-word :data:`NULL_WORD` (count 1, ``sample_int`` 0).

    Attributes
    ----------
    raw_vocab : dict[str, int]
        Counts of the current scan, in order of first appearance; emptied by :meth:`prepare`
        unless ``keep_raw_vocab``.
    corpus_count, total_words : int
        Sentences and tokens of the last scan.
    index_to_key : list[str]
        The vocabulary, in index order (after :meth:`prepare`).
    key_to_index : dict[str, int]
        The inverse of `index_to_key`.
    counts : ndarray of int64
        Count of each word.
    sample_int : ndarray of uint32
        Subsampling threshold of each word: keep a token when
        ``sample_int[w] >= random uint32``.
    effective_min_count, retain_total, downsample_total : int
        From the last :meth:`prepare`.

    Examples
    --------
    >>> vocab = Vocabulary(min_count=1, sample=0, null_word=1)
    >>> _ = vocab.from_freq({"b": 3, "a": 7, "c": 3})
    >>> vocab.index_to_key, vocab.counts.tolist()
    (['a', 'c', 'b', '\\x00'], [7, 3, 3, 1])
    >>> _ = vocab.from_freq({"d": 1, "a": 2}, update=True)
    >>> vocab.index_to_key, vocab.counts.tolist()
    (['a', 'c', 'b', '\\x00', 'd'], [9, 3, 3, 1, 1])
    """

    def __init__(self, min_count=5, max_vocab_size=None, sample=1e-3, max_final_vocab=None,
                 sorted_vocab=True, null_word=0):
        self.configure(min_count, max_vocab_size, sample, max_final_vocab, sorted_vocab, null_word)
        self.raw_vocab = Counter()
        self.corpus_count = self.total_words = 0
        self.index_to_key = []
        self.key_to_index = {}
        self.counts = np.zeros(0, dtype=np.int64)
        self.sample_int = np.zeros(0, dtype=np.uint32)
        self.effective_min_count = self.min_count
        self.retain_total = self.downsample_total = 0
        self._min_reduce = 1
        self._scan_open = False

    def configure(self, min_count=5, max_vocab_size=None, sample=1e-3, max_final_vocab=None,
                  sorted_vocab=True, null_word=0):
        """Set the parameters (those of the constructor) for the next scan and preparation; the
        words and counts held are kept."""
        self.min_count = _checks.count("min_count", min_count)
        self.max_vocab_size = _checks.count("max_vocab_size", max_vocab_size, allow_none=True)
        self.sample = _check_sample(sample)
        self.max_final_vocab = _checks.count("max_final_vocab", max_final_vocab, allow_none=True)
        self.sorted_vocab = bool(sorted_vocab)
        self.null_word = bool(null_word)

    def __len__(self):
        return len(self.index_to_key)

    def checkpoint(self):
        """The current state, for :meth:`rollback` (a shallow copy: scans, :meth:`configure` and
        failed or dry-run preparations replace attributes rather than change them in place)."""
        return dict(vars(self))

    def rollback(self, checkpoint):
        """Return to the state :meth:`checkpoint` gave."""
        vars(self).clear()
        vars(self).update(checkpoint)

    @property
    def has_counts(self):
        """True when there are word counts to prepare: a scan since the last :meth:`prepare`,
        or counts kept by ``keep_raw_vocab``."""
        return self._scan_open or bool(self.raw_vocab)

    # --- counting -------------------------------------------------------------------------------

    def _start_scan(self):
        self.raw_vocab = Counter()
        self.corpus_count = self.total_words = 0
        self._min_reduce = 1
        self._scan_open = True

    def scan(self, corpus_iterable, progress_per=10000, trim_rule=None, meter=None):
        """Count the words of an iterable of token lists, replacing the previous counts.

        Parameters
        ----------
        corpus_iterable : iterable of list of str
            The sentences.
        progress_per : int, optional
            Log progress every this many sentences.
        trim_rule : callable, optional
            Consulted when ``max_vocab_size`` pruning drops words (see :func:`keep_vocab_item`).
        meter : object, optional
            A progress meter (:func:`w2vlib._progress.make_meter`): its ``update(sentences)``
            is called every `progress_per` sentences and at the end.

        Returns
        -------
        total_words : int
            Tokens counted.
        corpus_count : int
            Sentences counted.

        Raises
        ------
        TypeError
            If a sentence is a str or bytes (a common mistake: it would count characters) or not
            iterable; the message names the sentence's index.

        Examples
        --------
        >>> vocab = Vocabulary(max_vocab_size=2)
        >>> vocab.scan([["a", "a"], ["b"], ["c"], ["a", "d"]])
        (6, 4)
        >>> dict(vocab.raw_vocab)  # pruned after sentences 3 (count < 1) and 4 (count < 2)
        {'a': 3}
        >>> vocab.scan(["not tokens"])
        Traceback (most recent call last):
        ...
        TypeError: sentence 0 is a str; expected a list of str tokens (split it first, e.g. sentence.split())
        """
        _checks.count("progress_per", progress_per, minimum=1)
        logger.info("collecting all words and their counts")
        self._start_scan()
        # One Counter.update call runs the counting loop in C over all tokens, while the
        # generator checks each sentence and prunes between sentences.
        self.raw_vocab.update(itertools.chain.from_iterable(
            self._checked_sentences(corpus_iterable, progress_per, trim_rule, meter)))
        _check_tokens(self.raw_vocab)
        if meter is not None:
            meter.update(self.corpus_count)
        logger.info("collected %i word types from a corpus of %i raw words and %i sentences",
                    len(self.raw_vocab), self.total_words, self.corpus_count)
        return self.total_words, self.corpus_count

    def _checked_sentences(self, corpus_iterable, progress_per, trim_rule, meter):
        """Yield each sentence as a token sequence, tallying it; prune once it has been counted."""
        limit = self.max_vocab_size
        for sentence_no, sentence in enumerate(corpus_iterable):
            if limit and len(self.raw_vocab) > limit:  # the previous sentence is counted by now
                self._prune(trim_rule)
            sentence = token_list(sentence, sentence_no)
            if sentence_no % progress_per == 0:
                logger.info("PROGRESS: at sentence #%i, processed %i words, keeping %i word types",
                            sentence_no, self.total_words, len(self.raw_vocab))
                if meter is not None:
                    meter.update(sentence_no)
            self.total_words += len(sentence)
            self.corpus_count += 1
            yield sentence
        if limit and len(self.raw_vocab) > limit:
            self._prune(trim_rule)

    def _prune(self, trim_rule):
        """Drop the words counted fewer than ``min_reduce`` times (or as `trim_rule` says)."""
        vocab, min_reduce = self.raw_vocab, self._min_reduce
        before = len(vocab)
        if trim_rule is None:
            doomed = [word for word, count in vocab.items() if count < min_reduce]
        else:
            doomed = [word for word, count in vocab.items()
                      if not keep_vocab_item(word, count, min_reduce, trim_rule)]
        for word in doomed:
            del vocab[word]
        logger.info("pruned out %i word types with count < %i (before %i, after %i)",
                    before - len(vocab), min_reduce, before, len(vocab))
        self._min_reduce += 1

    def merge_counts(self, counts, total_words, corpus_count, fresh=False):
        """Add word counts made elsewhere (e.g. by the compiled file counter) to the current scan.

        The first call after :meth:`prepare` (or on a new vocabulary) starts a new scan; later
        calls add up, so a corpus can be counted file by file or chunk by chunk. ``fresh=True``
        starts a new scan in any case, dropping counts not yet prepared.

        Parameters
        ----------
        counts : mapping of str to int
            Word counts. Their order matters like gensim's first-appearance order: it breaks
            ties in the final sort, so a counter should list words as they first appear.
        total_words, corpus_count : int
            Tokens and sentences these counts cover.

        Notes
        -----
        No ``max_vocab_size`` pruning happens here: gensim prunes after each sentence, which a
        counter of whole files must do itself (``w2vlib._reader.count_words`` does).

        Raises
        ------
        ValueError
            If a count, `total_words` or `corpus_count` is not a non-negative integer.
        TypeError
            If a key is not a str.

        Examples
        --------
        >>> vocab = Vocabulary(min_count=1)
        >>> vocab.merge_counts({"b": 2, "a": 1}, total_words=3, corpus_count=1)
        >>> vocab.merge_counts({"a": 4, "c": 1}, total_words=5, corpus_count=2)
        >>> dict(vocab.raw_vocab), vocab.total_words, vocab.corpus_count
        ({'b': 2, 'a': 5, 'c': 1}, 8, 3)
        """
        total_words = _checks.count("total_words", total_words)
        corpus_count = _checks.count("corpus_count", corpus_count)
        for word, count in counts.items():
            if type(word) is not str:
                raise TypeError(f"word counts must have str keys, got {word!r}")
            if not _checks.is_count(count):
                raise ValueError(f"the count of {word!r} must be a non-negative integer, "
                                 f"got {count!r}")
        if fresh or not self._scan_open:
            self._start_scan()
        self.raw_vocab.update(counts)
        self.total_words += total_words
        self.corpus_count += corpus_count

    def from_freq(self, word_freq, keep_raw_vocab=False, corpus_count=None, trim_rule=None,
                  update=False):
        """Build (or with `update`, extend) the vocabulary from a ``{word: count}`` mapping.

        Like gensim's ``build_vocab_from_freq``: the mapping replaces a corpus scan, then
        :meth:`prepare` runs with this object's settings.

        Parameters
        ----------
        word_freq : mapping of str to int
            Word counts (their order breaks ties, like first appearance in a corpus).
        keep_raw_vocab, trim_rule, update
            As in :meth:`prepare`.
        corpus_count : int, optional
            Number of sentences to record (0 when not given).

        Returns
        -------
        dict
            The report of :meth:`prepare`.

        Examples
        --------
        >>> vocab = Vocabulary(min_count=2)
        >>> vocab.from_freq({"x": 1, "y": 5, "z": 2})["num_retained_words"]
        2
        >>> vocab.index_to_key, vocab.total_words
        (['y', 'z'], 8)
        """
        logger.info("Processing provided word frequencies")
        self._start_scan()
        self.merge_counts(word_freq, 0, corpus_count or 0)
        self.total_words = sum(self.raw_vocab.values())
        logger.info("collected %i unique word types, with total frequency of %i",
                    len(self.raw_vocab), self.total_words)
        return self.prepare(keep_raw_vocab=keep_raw_vocab, trim_rule=trim_rule, update=update)

    def restore(self, index_to_key, counts, sample_int):
        """Set the final vocabulary directly (used when loading a saved model).

        >>> vocab = Vocabulary()
        >>> vocab.restore(["a", "b"], [5, 2], [2**32 - 1, 2**31])
        >>> vocab.key_to_index, vocab.counts.tolist()
        ({'a': 0, 'b': 1}, [5, 2])
        """
        if not len(index_to_key) == len(counts) == len(sample_int):
            raise ValueError(f"restore needs one count and one sample_int per word, got "
                             f"{len(index_to_key)} words, {len(counts)} counts, "
                             f"{len(sample_int)} sample_int")
        self.index_to_key = list(index_to_key)
        self.key_to_index = {word: i for i, word in enumerate(self.index_to_key)}
        self.counts = np.asarray(counts, dtype=np.int64)
        self.sample_int = np.asarray(sample_int, dtype=np.uint32)

    # --- the final vocabulary -------------------------------------------------------------------

    def _effective_min_count(self, min_count):
        if self.max_final_vocab is None:
            return min_count
        calc_min_count = 1
        if self.max_final_vocab < len(self.raw_vocab):
            values = np.fromiter(self.raw_vocab.values(), np.int64, count=len(self.raw_vocab))
            # The count of the word ranked max_final_vocab (0-based, descending), plus one.
            rank = len(values) - 1 - self.max_final_vocab
            calc_min_count = int(np.partition(values, rank)[rank]) + 1
        effective = max(calc_min_count, min_count)
        logger.info("max_final_vocab=%i and min_count=%i resulted in calc_min_count=%i, "
                    "effective_min_count=%i", self.max_final_vocab, min_count, calc_min_count,
                    effective)
        return effective

    def _retained(self, min_count, trim_rule):
        """Words that pass the rule, in raw_vocab order, with their counts (int64)."""
        words = list(self.raw_vocab)
        values = np.fromiter(self.raw_vocab.values(), dtype=np.int64, count=len(words))
        if trim_rule is None:
            keep = values >= min_count
        else:
            keep = np.fromiter((keep_vocab_item(word, int(count), min_count, trim_rule)
                                for word, count in zip(words, values)), bool, count=len(words))
        kept = np.flatnonzero(keep)
        return [words[i] for i in kept], values[kept], int(values.sum())

    def prepare(self, min_count=None, sample=None, dry_run=False, keep_raw_vocab=False,
                trim_rule=None, update=False):
        """Turn the counts into the vocabulary: min_count, trim_rule, sort, subsampling.

        Parameters
        ----------
        min_count, sample : optional
            Override this object's settings (None: use them). Unless `dry_run` or `update`, the
            values used are stored as the new settings.
        dry_run : bool, optional
            Only compute and log the report; change nothing.
        keep_raw_vocab : bool, optional
            Keep ``raw_vocab`` (otherwise it is emptied to free memory).
        trim_rule : callable, optional
            See :func:`keep_vocab_item`.
        update : bool, optional
            Extend the existing vocabulary like gensim's ``build_vocab(update=True)``: retained
            new words are appended in order of first appearance (no re-sort), every existing word's
            count grows by its new count, and the retained words' ``sample_int`` is recomputed from
            their new counts.

        Returns
        -------
        dict
            gensim's report: ``drop_unique``, ``retain_total``, ``downsample_unique``,
            ``downsample_total``, ``num_retained_words``.

        Raises
        ------
        ValueError
            If no word is retained when building a fresh vocabulary (or nothing was counted).
        RuntimeError
            If `update` is asked of a vocabulary that was never built.

        Examples
        --------
        >>> vocab = Vocabulary(min_count=2, sample=0)
        >>> vocab.scan([["a", "b", "a", "c", "c", "c"]])
        (6, 1)
        >>> vocab.prepare(dry_run=True)["num_retained_words"], len(vocab)
        (2, 0)
        >>> vocab.prepare(min_count=3)["retain_total"], vocab.index_to_key
        (3, ['c'])
        """
        min_count = self.min_count if min_count is None else _checks.count("min_count", min_count)
        sample = self.sample if sample is None else _check_sample(sample)
        if update and not self.index_to_key:
            raise RuntimeError("cannot update a vocabulary that was never built: call prepare() "
                               "(build_vocab) without update=True first")
        effective = self._effective_min_count(min_count)
        words, counts, raw_total = self._retained(effective, trim_rule)
        if not (words or update or dry_run):
            raise EmptyVocabularyError(self._nothing_retained_message(effective, trim_rule))
        new = np.fromiter((word not in self.key_to_index for word in words), dtype=bool,
                          count=len(words)) if update else None
        retain_total = int(counts.sum())
        self._log_retention(effective, len(words), retain_total, raw_total, new)
        sample_int, downsample_unique, downsample_total = sample_thresholds(
            counts, sample, retain_total)
        logger.info("sample=%g downsamples %i most-common words", sample, downsample_unique)
        logger.info("downsampling leaves estimated %i word corpus (%.1f%% of prior %i)",
                    downsample_total, downsample_total * 100 / max(retain_total, 1), retain_total)
        report = {"drop_unique": len(self.raw_vocab) - len(words), "retain_total": retain_total,
                  "downsample_unique": downsample_unique,
                  "downsample_total": int(downsample_total), "num_retained_words": len(words)}
        if dry_run:
            return report
        self.effective_min_count = effective
        self.retain_total, self.downsample_total = retain_total, int(downsample_total)
        if update:
            self._extend(words, counts, sample_int, new)
        else:
            self.min_count, self.sample = min_count, sample
            self._replace(words, counts, sample_int)
        if not keep_raw_vocab:
            logger.info("deleting the raw counts dictionary of %i items", len(self.raw_vocab))
            self.raw_vocab = Counter()
        self._scan_open = False
        return report

    def _log_retention(self, effective, retained, retain_total, raw_total, new):
        types = len(self.raw_vocab)
        if new is not None:
            logger.info("Updating model with new vocabulary")
            logger.info("added %i new unique words and increased the count of %i pre-existing "
                        "words (of %i word types counted)", new.sum(), retained - new.sum(), types)
            return
        logger.info("Creating a fresh vocabulary")
        logger.info("effective_min_count=%i retains %i unique words (%.2f%% of original %i, "
                    "drops %i)", effective, retained, retained * 100 / max(types, 1), types,
                    types - retained)
        logger.info("effective_min_count=%i leaves %i word corpus (%.2f%% of original %i, "
                    "drops %i)", effective, retain_total, retain_total * 100 / max(raw_total, 1),
                    raw_total, raw_total - retain_total)

    def _nothing_retained_message(self, effective, trim_rule):
        if not self.raw_vocab:
            return (f"cannot build a vocabulary: the corpus has no words ({self.corpus_count} "
                    "sentences, 0 tokens)")
        top_word, top_count = max(self.raw_vocab.items(), key=lambda item: item[1])
        rule = " and trim_rule" if trim_rule is not None else ""
        return (f"no word survives effective_min_count={effective}{rule}: the most frequent of "
                f"the {len(self.raw_vocab)} word types, {top_word!r}, occurs {top_count} times; "
                "lower min_count (or max_final_vocab's bound)")

    def _replace(self, words, counts, sample_int):
        if self.null_word and NULL_WORD not in words:
            words = words + [NULL_WORD]
            counts = np.append(counts, 1)
            sample_int = np.append(sample_int, np.uint32(0))
        if self.sorted_vocab:
            # Descending count; among equal counts the later index first (gensim's lexsort).
            order = np.lexsort((-np.arange(len(words)), -counts))
            words = [words[i] for i in order]
            counts, sample_int = counts[order], sample_int[order]
        self.index_to_key = words
        self.key_to_index = {word: i for i, word in enumerate(words)}
        self.counts = counts.astype(np.int64)
        self.sample_int = sample_int.astype(np.uint32)

    def _extend(self, words, counts, sample_int, new):
        grown_counts = self.counts.copy()
        for word, count in self.raw_vocab.items():
            index = self.key_to_index.get(word)
            if index is not None:
                grown_counts[index] += count
        grown_samples = self.sample_int.copy()
        old_indexes = [self.key_to_index[word] for word, is_new in zip(words, new) if not is_new]
        grown_samples[np.array(old_indexes, dtype=np.int64)] = sample_int[~new]
        added = [word for word, is_new in zip(words, new) if is_new]
        added_counts, added_samples = counts[new], sample_int[new]
        if self.null_word and NULL_WORD not in self.key_to_index and NULL_WORD not in added:
            added.append(NULL_WORD)
            added_counts = np.append(added_counts, 1)
            added_samples = np.append(added_samples, np.uint32(0))
        self.index_to_key = self.index_to_key + added
        self.key_to_index = {word: i for i, word in enumerate(self.index_to_key)}
        self.counts = np.concatenate([grown_counts, added_counts]).astype(np.int64)
        self.sample_int = np.concatenate([grown_samples, added_samples]).astype(np.uint32)
