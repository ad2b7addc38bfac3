"""Detect phrases (collocations such as ``new_york``) in a stream of sentences: gensim 4's
``gensim.models.phrases``, with counting and applying in compiled code.

Replace ``from gensim.models.phrases import ...`` with ``from w2vlib.phrases import ...``: the
classes, arguments, defaults, phrases and scores are gensim's. What differs is where the work
happens: unigrams and bigrams are counted in a C hash table without the GIL (a corpus file is
also read there, with no Python object per token), phrases are applied to token lists, corpus
files and whole tables in compiled code, and models are saved without pickle.

>>> from w2vlib.phrases import Phrases, ENGLISH_CONNECTOR_WORDS
>>> sentences = [["the", "mayor", "of", "new", "york", "was", "there"],
...              ["new", "york", "is", "a", "big", "city"],
...              ["a", "bank", "of", "america", "branch", "in", "new", "york"],
...              ["the", "bank", "of", "america", "is", "in", "the", "city"]] * 5
>>> phrases = Phrases(sentences, min_count=2, threshold=1,
...                   connector_words=ENGLISH_CONNECTOR_WORDS)
>>> phrases[["a", "bank", "of", "america", "office", "in", "new", "york"]]
['a', 'bank_of_america', 'office', 'in', 'new_york']
>>> phrases.vocab["bank_of_america"], phrases.vocab["bank"]    # gensim's counts
(10, 10)
>>> frozen = phrases.freeze()             # only the phrases and their scores: smaller, faster
>>> frozen.phrasegrams["bank_of_america"]
1.84
>>> [sentence for sentence in frozen[sentences[:2]]]    # a corpus is phrased lazily
[['the', 'mayor', 'of', 'new_york', 'was_there'], ['new_york', 'is_a_big', 'city']]

A corpus file (a path or URI, compressed or not, one sentence a line) is read by compiled code,
and :meth:`~Phrases.phrase_file` writes a phrased copy of one for ``Word2Vec(corpus_file=...)``;
applying a model to its own output again joins longer phrases (trigrams), as word2phrase does:

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> corpus = os.path.join(folder, "corpus.txt")
>>> with open(corpus, "w") as fout:
...     _ = fout.write("\\n".join(" ".join(s) for s in sentences) + "\\n")
>>> bigrams = Phrases(corpus, min_count=2, threshold=1, connector_words=ENGLISH_CONNECTOR_WORDS)
>>> bigrams.phrase_file(corpus, os.path.join(folder, "bigrams.txt"))
PhraseFileReport(sentences=20, words=145, phrases=35)
>>> open(os.path.join(folder, "bigrams.txt")).readline()
'the mayor of new_york was_there\\n'
"""
import itertools
import logging
import math
import time

from w2vlib import _checks, _phrase_apply, _phrase_corpus, _phrase_export, _phrase_model_file
from w2vlib._lifecycle import Lifecycle
from w2vlib._phrase_corpus import PhrasedCorpus, PhraseFileReport, check_target, corpus_files
from w2vlib._phrase_count import PhraseCounter
from w2vlib._phrase_mapping import TableMapping
from w2vlib._phrase_scoring import (NEGATIVE_INFINITY, ScorerNotImportable, built_in_word,
                                    npmi_scorer, original_scorer, resolve)
from w2vlib._phrase_tables import KeyTable
from w2vlib._reader import VocabIndex

__all__ = ["Phrases", "FrozenPhrases", "Phraser", "ENGLISH_CONNECTOR_WORDS", "original_scorer",
           "npmi_scorer", "ScorerNotImportable", "PhrasedCorpus", "PhraseFileReport"]

logger = logging.getLogger("w2vlib")

#: Words that may sit inside a phrase but neither start nor end one (gensim's English set).
ENGLISH_CONNECTOR_WORDS = frozenset(
    " a an the "  # articles
    " for of with without at from to in on by "  # prepositions (some)
    " and or "  # conjunctions (some)
    .split()
)


def _is_single(obj):
    """gensim's test of whether `obj` is one sentence or a corpus: ``(is_single, obj)``, where
    the returned `obj` yields what `obj` did (a peeked iterator is chained back)."""
    obj_iter = iter(obj)
    temp_iter = obj_iter
    try:
        peek = next(obj_iter)
        obj_iter = itertools.chain([peek], obj_iter)
    except StopIteration:
        return True, obj      # an empty object is one (empty) sentence
    if isinstance(peek, str):
        return True, obj_iter
    if temp_iter is obj:
        return False, obj_iter
    return False, obj


class _PhrasesTransformation(Lifecycle):
    """What :class:`Phrases` and :class:`FrozenPhrases` share (gensim's base class).

    A subclass that defines its own ``score_candidate`` is applied by the Python loop here
    (gensim's ``analyze_sentence``), which calls it; the two models themselves are applied by
    compiled code that computes the same decisions.
    """

    def __init__(self, connector_words):
        self.connector_words = connector_words

    @property
    def connector_words(self):
        """The connector words (a frozenset of str)."""
        return self._connector_words

    @connector_words.setter
    def connector_words(self, words):
        words = frozenset(words)
        bad = [word for word in words if not isinstance(word, str)]
        if bad:
            raise TypeError(f"connector words must be str, got {bad[0]!r}")
        self._connector_words, self._connector_index = words, None

    def _connectors(self):
        """The connector words as a C table (made once per set)."""
        if self._connector_index is None:
            self._connector_index = VocabIndex(sorted(self._connector_words))
        return self._connector_index

    def _detector(self):
        """The compiled detector, or None when the Python loop must run (see the class)."""
        return None

    def score_candidate(self, word_a, word_b, in_between):
        """Score one candidate: ``(phrase, score)``, or ``(None, None)`` when it is no phrase."""
        raise NotImplementedError("ABC: override this method in child classes")

    def analyze_sentence(self, sentence):
        """Yield ``(phrase, score)`` for each phrase of `sentence` and ``(token, None)`` for each
        other token, in order (gensim's ``analyze_sentence``).

        Parameters
        ----------
        sentence : iterable of str
        """
        detector = self._detector()
        if detector is not None:
            yield from _phrase_apply.analyze_sentence(detector, sentence)
            return
        start, in_between = None, []
        for word in sentence:
            if word not in self.connector_words:
                if start is not None:
                    phrase, score = self.score_candidate(start, word, in_between)
                    if score is not None:
                        yield phrase, score
                        start, in_between = None, []
                        continue
                    yield start, None
                    yield from ((w, None) for w in in_between)
                start, in_between = word, []
            elif start is not None:
                in_between.append(word)
            else:
                yield word, None
        if start is not None:
            yield start, None
            yield from ((w, None) for w in in_between)

    def __getitem__(self, sentence):
        """`sentence` (a list of str) with its phrases joined by the delimiter; for a corpus (an
        iterable of sentences), a :class:`PhrasedCorpus` that phrases it lazily."""
        if isinstance(sentence, (str, bytes)):
            raise TypeError(f"a sentence is a list of str tokens, not a {type(sentence).__name__}")
        is_single, sentence = _is_single(sentence)
        if not is_single:
            return PhrasedCorpus(self, sentence)
        detector = self._detector()
        if detector is not None:
            return _phrase_apply.phrase_sentence(detector, sentence)
        return [token for token, _ in self.analyze_sentence(sentence)]

    def find_phrases(self, sentences):
        """Every phrase found in `sentences` (an iterable of token lists) with its score.

        Returns
        -------
        dict of str to float
        """
        detector = self._detector()
        if detector is not None:
            return _phrase_apply.find_phrases(detector, sentences)
        result = {}
        for sentence in sentences:
            for phrase, score in self.analyze_sentence(sentence):
                if score is not None:
                    result[phrase] = score
        return result

    def phrase_file(self, source, target, progress=False, *, workers=None):
        """Write a phrased copy of a corpus file: each sentence on one line, its phrases joined.

        The file to train on with ``Word2Vec(corpus_file=target)``. Run a model learnt on the
        output over it again to join longer phrases (word2phrase's trigrams).

        Parameters
        ----------
        source : str, os.PathLike or corpus
            A corpus file (path or URI; ``.gz``, ``.bz2``, ``.xz`` ... are decompressed), read as
            ``LineSentence`` reads it, or a ``LineSentence``, ``PathLineSentences`` or
            ``Text8Corpus`` (their files, as they cut them into sentences).
        target : str or os.PathLike
            Where to write (compressed by its extension), atomically: the file appears complete
            or not at all.
        progress : bool or None, optional
            Show progress (None: a bar on a terminal, log lines elsewhere).
        workers : int, optional
            Threads phrasing plain local files of a line a sentence (None: one per CPU this
            process may use); the output is the same for any number. A w2vlib extension.

        Returns
        -------
        PhraseFileReport
            ``(sentences, words, phrases)``: lines written, words read, phrases joined.

        Notes
        -----
        Tokens are separated by one space; empty lines are left out, and a line of more than
        ``max_sentence_length`` words (10,000 for a path) is written as several lines, as
        ``LineSentence`` yields it. Bytes that are not UTF-8 are copied unchanged.

        Raises
        ------
        FileNotFoundError
            If `source` or the folder of `target` does not exist (checked before any work).
        ValueError
            If `target` is one of the input files.
        """
        _checks.count("workers", workers, allow_none=True, minimum=1)
        return _phrase_corpus.write_phrased(self, source, target, progress, workers)

    def save(self, fname):
        """Save the model in w2vlib's native file (no pickle; see :meth:`load`).

        A custom scorer is saved by its importable name (``module:qualname``).
        """
        self.add_lifecycle_event("saved", fname=str(fname))
        _phrase_model_file.save(self, fname)

    @classmethod
    def load(cls, fname, mmap=None):
        """Load a model saved by :meth:`save`: a :class:`Phrases` or a :class:`FrozenPhrases`,
        whichever the file holds (as gensim's ``load`` returns what was pickled).

        Parameters
        ----------
        fname : str or os.PathLike
        mmap : {None, 'r', 'c'}, optional
            Read the tables through a memory map while loading (they are copied into the model's
            hash table either way).

        Raises
        ------
        ValueError
            For a file that is not a phrase model, is damaged, or names a scorer that cannot be
            imported (the message names the file). A gensim pickle is refused, never unpickled.
        """
        model = _phrase_model_file.load(fname, mmap,
                                        {"Phrases": Phrases, "FrozenPhrases": FrozenPhrases})
        model.add_lifecycle_event("loaded", fname=str(fname))
        return model


def check_settings(min_count, threshold, max_vocab_size, delimiter, progress_per, scoring):
    """gensim's checks of Phrases' arguments, and the types and ranges it leaves unchecked
    (`scoring` as given: its word or its function). Shared by the constructor and ``load``."""
    for name, value in (("min_count", min_count), ("threshold", threshold)):
        if not math.isfinite(_checks.real(name, value)):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    if min_count <= 0:
        raise ValueError("min_count should be at least 1")
    if threshold <= 0 and scoring == "default":
        raise ValueError("threshold should be positive for default scoring")
    if scoring == "npmi" and (threshold < -1 or threshold > 1):
        raise ValueError("threshold should be between -1 and 1 for npmi scoring")
    _checks.count("max_vocab_size", max_vocab_size)
    _checks.count("progress_per", progress_per, minimum=1)
    if not isinstance(delimiter, str):
        raise TypeError(f"delimiter must be a str, got {type(delimiter).__name__}")
    if not delimiter:
        raise ValueError("delimiter must not be empty (phrases could not be split again)")


class Phrases(_PhrasesTransformation):
    """Detect phrases from unigram and bigram counts (gensim's ``Phrases``).

    Parameters
    ----------
    sentences : iterable of list of str, or str / os.PathLike, optional
        The corpus to learn from: token lists, or a corpus file (a path or URI, one sentence a
        line, compressed or not, read as ``LineSentence`` reads it, by compiled code), or a
        ``LineSentence`` / ``PathLineSentences`` / ``Text8Corpus`` (whose files are read by
        compiled code too).
    min_count : float, optional
        Passed to the scorer: bigrams seen fewer times score low (default scorer) or never
        (npmi).
    threshold : float, optional
        A candidate is a phrase when its score is above this.
    max_vocab_size : int, optional
        At most this many unigram and bigram keys are kept (checked after each sentence: the
        rarest are pruned, gensim's rule), which bounds memory.
    delimiter : str, optional
        Joins the tokens of a phrase.
    progress_per : int, optional
        Log a progress line every this many sentences.
    scoring : {'default', 'npmi'} or callable, optional
        ``original_scorer``, ``npmi_scorer``, or a function of gensim's six keyword arguments
        defined at the top level of a module (it is saved by name).
    connector_words : set of str, optional
        Words that may be inside a phrase but neither start nor end one
        (``ENGLISH_CONNECTOR_WORDS`` for English).
    workers : int, optional
        Threads counting `sentences`: with 2 or more,
        one thread reads and another counts what was read (None: 2 when this process may use
        two CPUs or more). Counting is one ordered stream, so more than two threads would have
        nothing to do; the counts are the same for any number. A w2vlib extension.

    Attributes
    ----------
    vocab : mapping of str to int
        The unigram and bigram counts (a dict-like view of the compiled table).
    corpus_word_count : int
        Words counted so far (connector words included).
    min_reduce : int
        The pruning level reached (gensim's).
    """

    def __init__(self, sentences=None, min_count=5, threshold=10.0, max_vocab_size=40000000,
                 delimiter="_", progress_per=10000, scoring="default",
                 connector_words=frozenset(), *, workers=None):
        super().__init__(connector_words)
        check_settings(min_count, threshold, max_vocab_size, delimiter, progress_per, scoring)
        _checks.count("workers", workers, allow_none=True, minimum=1)
        self.scoring = resolve(scoring)
        self.min_count, self.threshold, self.max_vocab_size = min_count, threshold, max_vocab_size
        self.delimiter, self.progress_per = delimiter, progress_per
        self._vocab = TableMapping(KeyTable())
        self.min_reduce, self.corpus_word_count = 1, 0
        if sentences is not None:
            start = time.time()
            self.add_vocab(sentences, workers=workers)
            self.add_lifecycle_event("created", msg=f"built {self} in {time.time() - start:.2f}s")

    def __str__(self):
        return (f"{type(self).__name__}<{len(self.vocab)} vocab, min_count={self.min_count}, "
                f"threshold={self.threshold}, max_vocab_size={self.max_vocab_size}>")

    @property
    def vocab(self):
        """Unigram and bigram counts: a dict-like view of the compiled table (assign a dict to
        replace them)."""
        return self._vocab

    @vocab.setter
    def vocab(self, counts):
        self._vocab = TableMapping.of(counts, scores=False)

    def add_vocab(self, sentences, progress=False, *, workers=None):
        """Count the unigrams and bigrams of more sentences into the model (gensim's
        ``add_vocab``: a separate count, pruned alone, then merged and pruned again).

        Parameters
        ----------
        sentences : iterable of list of str, or str / os.PathLike
            As the constructor's `sentences`.
        progress : bool or None, optional
            Show progress (None: a bar on a terminal, log lines elsewhere); w2vlib's addition.
        workers : int, optional
            Threads counting, as the constructor's `workers`; w2vlib's addition.

        Raises
        ------
        TypeError
            For a sentence that is a str, or a token that is not a str (naming the sentence).
        ValueError
            For a corpus file with a token that is not UTF-8 (naming the file and the offset).
        """
        _checks.count("workers", workers, allow_none=True, minimum=1)
        table = KeyTable()
        counter = PhraseCounter(table, self._connectors(), self.delimiter.encode("utf8"),
                                self.max_vocab_size, self.progress_per,
                                _phrase_corpus.counting_threads(workers))
        logger.info("collecting all words and their counts")
        _phrase_corpus.count(counter, sentences, progress, self.progress_per)
        logger.info("collected %i token types (unigram + bigrams) from a corpus of %i words and "
                    "%i sentences", len(table), counter.total_words, counter.sentences)
        self.corpus_word_count += counter.total_words
        if len(self._vocab):
            logger.info("merging %i counts into %s", len(table), self)
            self.min_reduce = max(self.min_reduce, counter.min_reduce)
            self._vocab.table.add_counts(table)
            if len(self._vocab) > self.max_vocab_size:
                self._vocab.table.prune(self.min_reduce)
                self.min_reduce += 1
        else:
            self._vocab = TableMapping(table)
        logger.info("merged %s", self)

    def score_candidate(self, word_a, word_b, in_between):
        """gensim's ``score_candidate``: ``(phrase, score)`` when `word_a`, the connector words
        `in_between` and `word_b` form a phrase, else ``(None, None)``."""
        word_a_cnt = self.vocab.get(word_a, 0)
        if word_a_cnt <= 0:
            return None, None
        word_b_cnt = self.vocab.get(word_b, 0)
        if word_b_cnt <= 0:
            return None, None
        phrase = self.delimiter.join([word_a] + in_between + [word_b])
        phrase_cnt = self.vocab.get(phrase, 0)
        if phrase_cnt <= 0:
            return None, None
        score = self.scoring(worda_count=word_a_cnt, wordb_count=word_b_cnt,
                             bigram_count=phrase_cnt, len_vocab=len(self.vocab),
                             min_count=self.min_count, corpus_word_count=self.corpus_word_count)
        if score <= self.threshold:
            return None, None
        return phrase, score

    def _detector(self):
        if type(self).score_candidate is not Phrases.score_candidate:
            return None
        kind = {"default": _phrase_apply.KIND_ORIGINAL, "npmi": _phrase_apply.KIND_NPMI}.get(
            built_in_word(self.scoring), _phrase_apply.KIND_PYTHON)
        return _phrase_apply.Detector(self._vocab.table, kind, self.scoring, self.threshold,
                                      self.min_count, self.corpus_word_count, self._connectors(),
                                      self.delimiter)

    def freeze(self):
        """A :class:`FrozenPhrases`: only the phrases and their scores (smaller and faster; no
        more learning)."""
        return FrozenPhrases(self)

    def export_phrases(self):
        """Every phrase of the vocabulary with its score (gensim's ``export_phrases``).

        Returns
        -------
        dict of str to float
        """
        return dict(self._export_table().items())

    def _export_table(self):
        """export_phrases as a score table."""
        table = KeyTable(scores=True)
        detector = self._detector()
        if detector is not None:
            _phrase_export.export_phrases(detector, table)
            return table
        for token in self.vocab:
            unigrams = token.split(self.delimiter)
            if len(unigrams) >= 2:
                phrase, score = self.score_candidate(unigrams[0], unigrams[-1], unigrams[1:-1])
                if score is not None:
                    table[phrase] = score
        return table


class FrozenPhrases(_PhrasesTransformation):
    """The phrases of a :class:`Phrases` model and their scores, for applying only (gensim's
    ``FrozenPhrases``, also called ``Phraser``).

    Parameters
    ----------
    phrases_model : Phrases
        The model to export the phrases of. A gensim ``Phrases`` or ``FrozenPhrases`` works too:
        the way to carry a gensim model over (load it with gensim, then save this).

    Attributes
    ----------
    phrasegrams : mapping of str to float
        The phrases and their scores (a dict-like view of the compiled table).
    """

    def __init__(self, phrases_model):
        self.threshold = phrases_model.threshold
        self.min_count = phrases_model.min_count
        self.delimiter = phrases_model.delimiter
        self.scoring = phrases_model.scoring
        super().__init__(phrases_model.connector_words)
        logger.info("exporting phrases from %s", phrases_model)
        start = time.time()
        if isinstance(phrases_model, Phrases):
            self._phrasegrams = TableMapping(phrases_model._export_table())
        elif hasattr(phrases_model, "export_phrases"):       # a gensim Phrases
            self.phrasegrams = phrases_model.export_phrases()
        else:                                                 # a gensim FrozenPhrases
            self.phrasegrams = phrases_model.phrasegrams
        self.add_lifecycle_event("created", msg=f"exported {self} from {phrases_model} in "
                                                f"{time.time() - start:.2f}s")

    def __str__(self):
        return (f"{type(self).__name__}<{len(self.phrasegrams)} phrases, "
                f"min_count={self.min_count}, threshold={self.threshold}>")

    @property
    def phrasegrams(self):
        """Phrases and their scores: a dict-like view of the compiled table (assign a dict to
        replace them)."""
        return self._phrasegrams

    @phrasegrams.setter
    def phrasegrams(self, scores):
        self._phrasegrams = TableMapping.of(scores, scores=True)

    def score_candidate(self, word_a, word_b, in_between):
        """gensim's ``FrozenPhrases.score_candidate``: the stored score of the joined phrase."""
        phrase = self.delimiter.join([word_a] + in_between + [word_b])
        score = self.phrasegrams.get(phrase, NEGATIVE_INFINITY)
        if score > self.threshold:
            return phrase, score
        return None, None

    def _detector(self):
        if type(self).score_candidate is not FrozenPhrases.score_candidate:
            return None
        return _phrase_apply.Detector(self._phrasegrams.table, _phrase_apply.KIND_FROZEN, None,
                                      self.threshold, self.min_count, 0, self._connectors(),
                                      self.delimiter, self._end_pairs())

    def _end_pairs(self):
        """The compiled filter of the phrases' first and last parts (None with a delimiter of
        more than one byte), made again only when the phrases or the delimiter change."""
        table, cached = self._phrasegrams.table, getattr(self, "_ends", None)
        if cached is None or cached[:3] != (id(table), table.version, self.delimiter):
            ends = (_phrase_apply.EndPairs(table, self.delimiter)
                    if len(self.delimiter.encode("utf8")) == 1 else None)
            cached = self._ends = (id(table), table.version, self.delimiter, ends, table)
        return cached[3]


Phraser = FrozenPhrases
