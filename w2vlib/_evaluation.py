"""Similarity measures and evaluation of word vectors.

:class:`SimilarityMixin` gives :class:`w2vlib.keyedvectors.KeyedVectors` the methods that
measure over its vectors rather than store or search them: cosine similarities and distances,
mean vectors, centrality and ranks, and the two gensim evaluations, analogy questions
(:meth:`SimilarityMixin.evaluate_word_analogies`) and word-pair judgements
(:meth:`SimilarityMixin.evaluate_word_pairs`). Names, arguments and results are gensim 4.4's.
The numeric helpers shared with ``most_similar`` live here too. Two evaluation sets ship with
w2vlib; :func:`datapath` gives their paths:

* ``questions-words.txt`` — the Google analogy set (19,544 questions in 14 sections);
* ``wordsim353.tsv`` — WordSim-353 (353 word pairs with human similarity scores).

>>> import numpy as np
>>> from w2vlib.keyedvectors import KeyedVectors
>>> from w2vlib._evaluation import datapath
>>> rng = np.random.default_rng(0)
>>> words = ["tiger", "cat", "book", "paper", "computer", "keyboard", "king", "queen"]
>>> kv = KeyedVectors(8)
>>> kv.add_vectors(words, rng.normal(size=(len(words), 8)))
>>> pearson, spearman, oov_ratio = kv.evaluate_word_pairs(datapath("wordsim353.tsv"))
>>> round(oov_ratio, 1)
98.6

Analogies are scored in blocks of questions with one matrix product per block rather than one
query per question: the answers are those of gensim's per-question loop, and much faster to get.
Unlike gensim 4.4, ``similarity_function='most_similar_cosmul'`` is honoured (gensim always uses
``most_similar``).
"""
import itertools
import logging
import os
from numbers import Integral

import numpy as np
import smart_open

logger = logging.getLogger(__name__)

KEY_TYPES = (str, int, np.integer)
"""Types taken as a single key (anything else is a sequence of keys)."""

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
"""Folder of the evaluation sets shipped with w2vlib."""

ANALOGY_TOPN = 5
"""Nearest candidates examined per analogy question (gensim's choice)."""

ANALOGY_INPUTS = 3
"""Words given in an analogy question (``a : b :: c : ?``), left out of the candidates."""

COSMUL_EPSILON = 1e-6
"""Added to the 3CosMul denominator so it cannot be zero (Levy and Goldberg's value)."""

SCORE_BLOCK_BYTES = 64 * 2 ** 20
"""Memory for one block of analogy scores (vocabulary rows x questions, float32)."""

SIMILARITY_FUNCTIONS = ("most_similar", "most_similar_cosmul")
"""Accepted values of ``similarity_function``."""


def datapath(name):
    """Path of an evaluation set shipped with w2vlib.

    Parameters
    ----------
    name : str
        ``'questions-words.txt'`` or ``'wordsim353.tsv'``.

    Returns
    -------
    str

    Raises
    ------
    FileNotFoundError
        If no shipped file has that name.

    >>> os.path.basename(datapath("questions-words.txt"))
    'questions-words.txt'
    """
    path = os.path.join(DATA_DIR, name)
    if os.path.basename(name) != name or not os.path.isfile(path):
        raise FileNotFoundError(f"no evaluation set {name!r} in {DATA_DIR}; "
                                f"available: {sorted(os.listdir(DATA_DIR))}")
    return path


def query_list(value):
    """Query examples as a list: a single key or 1-D vector is wrapped, a 2-D array split
    into rows, None is empty.

    >>> query_list("cat"), query_list(None), len(query_list(np.zeros((3, 2))))
    (['cat'], [], 3)
    """
    if value is None:
        return []
    if isinstance(value, KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    return list(value)


def checked_query_vector(vector, size):
    """A query vector of `size` finite numbers, or ValueError saying what is wrong with it."""
    if vector.shape != (size,):
        raise ValueError(f"a query vector must have shape ({size},), got {vector.shape}")
    if not np.issubdtype(vector.dtype, np.number):
        raise ValueError(f"a query vector must hold numbers, got dtype {vector.dtype}")
    if not np.isfinite(vector).all():
        raise ValueError("a query vector holds NaN or infinity")
    return vector


def check_query_limits(topn, restrict_vocab):
    """`topn` is an int or None; `restrict_vocab` an int >= 0 or None, else an error."""
    if topn is not None and (isinstance(topn, bool) or not isinstance(topn, Integral)):
        raise TypeError(f"topn must be an integer or None, got {topn!r}")
    if restrict_vocab is not None and (isinstance(restrict_vocab, bool)
                                       or not isinstance(restrict_vocab, Integral)
                                       or restrict_vocab < 0):
        raise ValueError(f"restrict_vocab must be an integer >= 0 or None, got {restrict_vocab!r}")


def unit_vector(vec):
    """`vec` (or each row of a 2-D `vec`) scaled to unit L2 length.

    Computed in float64 and returned in the input's float dtype (float64 for integers), as
    gensim's ``matutils.unitvec`` does; a zero vector stays zero.

    >>> unit_vector(np.array([3.0, 4.0], dtype=np.float32))
    array([0.6, 0.8], dtype=float32)
    """
    vec = np.asarray(vec)
    dtype = vec.dtype if np.issubdtype(vec.dtype, np.floating) else np.float64
    wide = vec.astype(np.float64)
    lengths = np.linalg.norm(wide, axis=-1, keepdims=True)
    return (wide * (1.0 / np.where(lengths > 0, lengths, 1.0))).astype(dtype)


def top_indices(scores, topn):
    """Indices of the `topn` largest `scores`, largest first (NaN last).

    >>> top_indices(np.array([0.1, 0.9, 0.5, 0.7]), 2)
    array([1, 3])
    """
    if topn >= scores.size:
        return np.argsort(-scores)
    best = np.argpartition(-scores, topn)[:topn]
    return best[np.argsort(-scores[best])]


def cosmul_scores(positive_cosines, negative_cosines):
    """3CosMul score of each row from its cosines with the positive and negative examples.

    ``prod((1 + cos_p) / 2) / (prod((1 + cos_n) / 2) + COSMUL_EPSILON)``: cosines are shifted
    to [0, 1] so that the product and the ratio are meaningful (Levy and Goldberg, 2014).

    Parameters
    ----------
    positive_cosines, negative_cosines : list of numpy.ndarray
        One array of cosines per example, all of the same shape; `positive_cosines` non-empty.

    Returns
    -------
    numpy.ndarray

    >>> cosmul_scores([np.array([1.0, 0.0])], [np.array([-1.0, 1.0])]).round(3)
    array([1.e+06, 5.e-01])
    """
    numerator = np.prod([(1 + cos) / 2 for cos in positive_cosines], axis=0)
    denominator = np.prod([(1 + cos) / 2 for cos in negative_cosines], axis=0)
    return numerator / (denominator + COSMUL_EPSILON)


def restricted_vocab(kv, restrict_vocab, case_insensitive):
    """Map of (upper-cased if `case_insensitive`) key to row, over the first `restrict_vocab`
    rows of `kv`; of several keys that fold to the same form, the first one wins."""
    vocab = {}
    check_query_limits(None, restrict_vocab)
    for index, key in enumerate(kv.index_to_key[:restrict_vocab]):
        if case_insensitive and isinstance(key, str):
            key = key.upper()
        vocab.setdefault(key, index)
    return vocab


def _read_analogies(path, vocab, case_insensitive):
    """Parse an analogy file into sections of ``(question, rows or None)``; None marks a
    question with a word outside `vocab`."""
    sections = []
    with smart_open.open(path, "rb") as fin:
        for line_no, raw in enumerate(fin, start=1):
            try:
                line = raw.decode("utf8")
            except UnicodeDecodeError as err:
                raise ValueError(f"{path}: line {line_no}: not valid UTF-8 ({err.reason})") from None
            if line.startswith(": "):
                sections.append((line.lstrip(": ").strip(), []))
                continue
            if not sections:
                raise ValueError(f"{path}: line {line_no}: question before the first ': section' line")
            words = line.split()
            if len(words) != ANALOGY_INPUTS + 1:
                logger.info("skipping line %d of %s: not 4 words", line_no, path)
                continue
            question = tuple(word.upper() for word in words) if case_insensitive else tuple(words)
            rows = None
            if all(word in vocab for word in question):
                rows = [vocab[word] for word in question]
            sections[-1][1].append((question, rows))
    return sections


def _unit_rows(kv, rows):
    """Unit-length vectors of the given rows (as ``KeyedVectors.get_vector(norm=True)``)."""
    return kv.vectors[rows] / kv.norms[rows, np.newaxis]


def _analogy_candidates(kv, questions, end, cosmul):
    """Best answers of each question among the first `end` rows, best first.

    Parameters
    ----------
    kv : KeyedVectors
    questions : numpy.ndarray
        ``(n, 4)`` rows of ``a, b, c, expected``.
    end : int
        Number of leading rows searched.
    cosmul : bool
        Score with 3CosMul instead of the cosine to the normalised ``b + c - a``.

    Returns
    -------
    numpy.ndarray
        ``(n, m)`` rows, ``m = min(end, ANALOGY_TOPN + ANALOGY_INPUTS)``: enough candidates to
        keep ``ANALOGY_TOPN`` of them once the question's own words are left out.
    """
    kv.fill_norms()
    vectors, norms = kv.vectors[:end], kv.norms[:end]
    keep = min(end, ANALOGY_TOPN + ANALOGY_INPUTS)
    matrices = ANALOGY_INPUTS if cosmul else 1
    block = max(1, SCORE_BLOCK_BYTES // (vectors.itemsize * end * matrices))
    best = np.empty((len(questions), keep), dtype=np.int64)
    for start in range(0, len(questions), block):
        chunk = questions[start:start + block]
        a, b, c = (_unit_rows(kv, chunk[:, i]) for i in range(ANALOGY_INPUTS))
        if cosmul:
            scores = cosmul_scores([b @ vectors.T / norms, c @ vectors.T / norms],
                                   [a @ vectors.T / norms])
        else:
            scores = unit_vector((b + c) - a) @ vectors.T / norms
        np.negative(scores, out=scores)  # ascending order of the negation puts NaN last
        if keep < end:
            top = np.argpartition(scores, keep - 1, axis=1)[:, :keep]
        else:
            top = np.broadcast_to(np.arange(end), scores.shape)
        order = np.argsort(np.take_along_axis(scores, top, axis=1), axis=1)
        best[start:start + len(chunk)] = np.take_along_axis(top, order, axis=1)
    return best


def _answer(kv, question, rows, candidates, case_insensitive):
    """gensim's decision for one question: the first of the `ANALOGY_TOPN` best candidates
    (other than the question's rows) whose key is not one of the question's words; if there is
    none, the last of them."""
    inputs, ignore = set(rows[:ANALOGY_INPUTS]), set(question[:ANALOGY_INPUTS])
    predicted = None
    for row in [row for row in candidates if row not in inputs][:ANALOGY_TOPN]:
        predicted = kv.index_to_key[row]
        if case_insensitive:
            predicted = predicted.upper()
        if predicted not in ignore:
            break
    return predicted == question[ANALOGY_INPUTS]


def _section_accuracy(section):
    """Fraction of correct answers in a section (0.0 if it has none), logged."""
    correct, incorrect = len(section["correct"]), len(section["incorrect"])
    if correct + incorrect == 0:
        return 0.0
    score = correct / (correct + incorrect)
    logger.info("%s: %.1f%% (%i/%i)", section["section"], 100.0 * score, correct, correct + incorrect)
    return score


def _pair_similarities(kv, rows):
    """Cosine similarity of each pair of rows (0.0 for None), as ``KeyedVectors.similarity``
    computes it: float32 unit vectors scaled in float64."""
    known = [pair for pair in rows if pair is not None]
    sims = np.zeros(len(rows), dtype=np.float64)
    if known:
        first, second = (unit_vector(kv.vectors[[pair[i] for pair in known]]) for i in (0, 1))
        mask = np.array([pair is not None for pair in rows])
        sims[mask] = np.einsum("ij,ij->i", first, second)
    return sims


class SimilarityMixin:
    """Similarity measures, neighbour shortcuts and evaluation of :class:`KeyedVectors`.

    Mixed into :class:`w2vlib.keyedvectors.KeyedVectors`, which provides the storage these
    methods read (``vectors``, ``norms``, ``index_to_key``, ``get_vector``, ``get_index``,
    ``most_similar``...). Results and errors are those of gensim 4.4.

    Examples
    --------
    >>> from w2vlib.keyedvectors import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a", "b", "c"], [[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]])
    >>> round(float(kv.distance("a", "c")), 3), kv.rank("a", "c")
    (1.0, 2)
    """

    def get_mean_vector(self, keys, weights=None, pre_normalize=True, post_normalize=False,
                        ignore_missing=True):
        """Weighted mean of the vectors of `keys`.

        Parameters
        ----------
        keys : list of (str or int or numpy.ndarray)
            Keys, or raw vectors used as given.
        weights : list of float or numpy.ndarray, optional
            One weight per key (default 1); the mean divides by the sum of their absolute values.
        pre_normalize : bool, optional
            Scale each key's vector to unit length first (raw vectors are never scaled).
        post_normalize : bool, optional
            Scale the mean to unit length.
        ignore_missing : bool, optional
            Skip keys that are absent instead of raising KeyError.

        Returns
        -------
        numpy.ndarray

        >>> from w2vlib.keyedvectors import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], [[2.0, 0.0], [0.0, 1.0]])
        >>> kv.get_mean_vector(["a", "b", "missing"])
        array([0.5, 0.5], dtype=float32)
        """
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input")
        if isinstance(weights, list):
            weights = np.array(weights, dtype=self.vectors.dtype)
        if weights is None:
            weights = np.ones(len(keys), dtype=self.vectors.dtype)
        if len(keys) != weights.shape[0]:
            raise ValueError("keys and weights array must have same number of elements")
        rows, used = [], []
        for position, key in enumerate(keys):
            if isinstance(key, np.ndarray):
                rows.append(checked_query_vector(key, self.vector_size))
            elif key in self:
                rows.append(self.get_vector(key, norm=pre_normalize))
            elif not ignore_missing:
                raise KeyError(f"Key '{key}' not present in vocabulary")
            else:
                continue
            used.append(position)
        mean = np.zeros(self.vector_size, self.vectors.dtype)
        if used:
            used_weights = weights[used]
            mean += used_weights @ np.vstack(rows)
            total_weight = np.abs(used_weights).sum()
            if total_weight > 0:
                mean = mean / total_weight
        if post_normalize:
            mean = unit_vector(mean).astype(np.float32)
        return mean

    def similar_by_key(self, key, topn=10, restrict_vocab=None):
        """:meth:`most_similar` of a single key."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        """Alias of :meth:`similar_by_key`."""
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """:meth:`most_similar` of a raw vector."""
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    @staticmethod
    def cosine_similarities(vector_1, vectors_all):
        """Cosine similarity of `vector_1` with each row of `vectors_all`.

        >>> SimilarityMixin.cosine_similarities(np.array([1.0, 0.0]), np.array([[2.0, 0.0], [0, 3]]))
        array([1., 0.])
        """
        norm = np.linalg.norm(vector_1)
        all_norms = np.linalg.norm(vectors_all, axis=1)
        return (vectors_all @ vector_1) / (norm * all_norms)

    def distances(self, word_or_vector, other_words=()):
        """Cosine distances (1 - similarity) from a key or vector to `other_words`, or to every
        row when `other_words` is empty."""
        if isinstance(word_or_vector, KEY_TYPES):
            word_or_vector = self.get_vector(word_or_vector)
        if not other_words:
            others = self.vectors
        else:
            others = self.vectors[[self.get_index(word) for word in other_words]]
        return 1 - self.cosine_similarities(word_or_vector, others)

    def similarity(self, w1, w2):
        """Cosine similarity of two keys (a numpy float)."""
        return np.dot(unit_vector(self[w1]), unit_vector(self[w2]))

    def distance(self, w1, w2):
        """Cosine distance ``1 - similarity(w1, w2)``."""
        return 1 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2):
        """Cosine similarity of the (unnormalised) mean vectors of two key lists; absent keys are
        skipped. Raises ZeroDivisionError if a list is empty, as gensim does."""
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        mean1 = self.get_mean_vector(ws1, pre_normalize=False)
        mean2 = self.get_mean_vector(ws2, pre_normalize=False)
        return np.dot(unit_vector(mean1), unit_vector(mean2))

    def rank_by_centrality(self, words, use_norm=True):
        """The present `words` as ``(similarity to their centroid, word)``, most central first.

        >>> from w2vlib.keyedvectors import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], [[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]])
        >>> [word for _, word in kv.rank_by_centrality(["a", "b", "c"])]
        ['b', 'a', 'c']
        """
        self.fill_norms()
        used = [word for word in words if word in self]
        if len(used) != len(words):
            logger.warning("ignoring words without a vector: %s", set(words) - set(used))
        if not used:
            raise ValueError("cannot select a word from an empty list")
        vectors = np.vstack([self.get_vector(word, norm=use_norm) for word in used]).astype(np.float32)
        mean = self.get_mean_vector(vectors, post_normalize=True)
        return sorted(zip(vectors @ mean, used), reverse=True)

    def doesnt_match(self, words):
        """The word of `words` farthest from their centroid.

        >>> from w2vlib.keyedvectors import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], [[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]])
        >>> kv.doesnt_match(["a", "b", "c"])
        'c'
        """
        return self.rank_by_centrality(words)[-1][1]

    def closer_than(self, key1, key2):
        """Keys (in storage order) closer to `key1` than `key2` is."""
        all_distances = self.distances(key1)
        index1 = self.get_index(key1)
        threshold = all_distances[self.get_index(key2)]
        return [self.index_to_key[i] for i in np.nonzero(all_distances < threshold)[0] if i != index1]

    def rank(self, key1, key2):
        """Rank of `key2` among all keys by distance from `key1` (1 = nearest)."""
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1, keys_list):
        """The key of `keys_list` most similar to `key1`."""
        return keys_list[np.argmax([self.similarity(key1, key) for key in keys_list])]

    def relative_cosine_similarity(self, wa, wb, topn=10):
        """``similarity(wa, wb)`` over the sum of the similarities of `wa`'s `topn` neighbours
        (Leeuwenberg et al., 2016)."""
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError("Cannot calculate relative cosine similarity without any similar words.")
        return float(self.similarity(wa, wb)) / sum(sim for _, sim in sims)

    def evaluate_word_analogies(self, analogies, restrict_vocab=300000, case_insensitive=True,
                                dummy4unknown=False, similarity_function="most_similar"):
        """Accuracy on analogy questions ``a b c d`` ("a is to b as c is to d").

        Each question is answered with the key nearest to ``b - a + c`` (``most_similar``) or by
        3CosMul (``most_similar_cosmul``) among the first `restrict_vocab` keys, leaving out the
        question's own words; like gensim, the first of the 5 nearest keys that is not one of
        ``a, b, c`` is the answer.

        Parameters
        ----------
        analogies : str
            Path of a file of ``: section`` lines, each followed by 4-word question lines (lines
            of another length are skipped); for example ``datapath('questions-words.txt')``.
        restrict_vocab : int or None, optional
            Use only the first keys (the most frequent when the keys are sorted by frequency);
            questions with another word are out of vocabulary.
        case_insensitive : bool, optional
            Compare words upper-cased; of keys differing only in case, the first is used.
        dummy4unknown : bool, optional
            Count out-of-vocabulary questions as incorrect instead of skipping them.
        similarity_function : {'most_similar', 'most_similar_cosmul'}, optional

        Returns
        -------
        score : float
            Overall accuracy (0.0 if nothing was evaluated).
        sections : list of dict
            ``{'section': name, 'correct': [(a, b, c, d), ...], 'incorrect': [...]}`` in file
            order, then ``'Total accuracy'`` with all questions.

        Raises
        ------
        ValueError
            On an unknown `similarity_function`, a question before any section line, or bytes
            that are not UTF-8 (the message names the file and line).

        >>> from w2vlib.keyedvectors import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["man", "woman", "king", "queen"], [[1, 0], [0, 1], [1, 0.2], [0.2, 1]])
        >>> score, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"))
        >>> score, sections[4]["section"], sections[4]["correct"][0], sections[-1]["section"]
        (1.0, 'family', ('KING', 'QUEEN', 'MAN', 'WOMAN'), 'Total accuracy')
        """
        if similarity_function not in SIMILARITY_FUNCTIONS:
            raise ValueError(f"similarity_function must be one of {SIMILARITY_FUNCTIONS}, "
                             f"not {similarity_function!r}")
        vocab = restricted_vocab(self, restrict_vocab, case_insensitive)
        logger.info("evaluating analogies of %s against the first %d keys", analogies, len(vocab))
        parsed = _read_analogies(analogies, vocab, case_insensitive)
        entries = [entry for _, section in parsed for entry in section]
        scored = [(question, rows) for question, rows in entries if rows is not None]
        outcomes = []
        if scored:
            end = len(self.index_to_key[:restrict_vocab])
            questions = np.array([rows for _, rows in scored], dtype=np.int64)
            best = _analogy_candidates(self, questions, end, similarity_function == "most_similar_cosmul")
            outcomes = [_answer(self, question, rows, candidates.tolist(), case_insensitive)
                        for (question, rows), candidates in zip(scored, best)]
        outcome = iter(outcomes)
        sections = []
        for name, section_entries in parsed:
            section = {"section": name, "correct": [], "incorrect": []}
            for question, rows in section_entries:
                if rows is None:
                    if dummy4unknown:
                        section["incorrect"].append(question)
                else:
                    section["correct" if next(outcome) else "incorrect"].append(question)
            _section_accuracy(section)
            sections.append(section)
        total = {
            "section": "Total accuracy",
            "correct": list(itertools.chain.from_iterable(s["correct"] for s in sections)),
            "incorrect": list(itertools.chain.from_iterable(s["incorrect"] for s in sections)),
        }
        if entries:
            logger.info("questions with out-of-vocabulary words: %.1f%%%s",
                        100.0 * (len(entries) - len(scored)) / len(entries),
                        "" if dummy4unknown else " (skipped; dummy4unknown=True counts them as wrong)")
        score = _section_accuracy(total)
        sections.append(total)
        return score, sections

    def evaluate_word_pairs(self, pairs, delimiter="\t", encoding="utf8", restrict_vocab=300000,
                            case_insensitive=True, dummy4unknown=False):
        """Correlation between the cosine similarities and human similarity scores.

        Parameters
        ----------
        pairs : str
            Path of a file of ``word1 <delimiter> word2 <delimiter> score`` lines; lines
            starting with ``#`` and malformed lines are skipped (for example
            ``datapath('wordsim353.tsv')``).
        delimiter : str, optional
        encoding : str, optional
        restrict_vocab : int or None, optional
            Use only the first keys; pairs with another word are out of vocabulary.
        case_insensitive : bool, optional
            Compare words upper-cased; of keys differing only in case, the first is used.
        dummy4unknown : bool, optional
            Give out-of-vocabulary pairs a model similarity of 0.0 instead of skipping them.

        Returns
        -------
        pearson : scipy.stats._result_classes.PearsonRResult
            ``(statistic, pvalue)`` of :func:`scipy.stats.pearsonr`.
        spearman : scipy.stats._stats_py.SignificanceResult
            ``(statistic, pvalue)`` of :func:`scipy.stats.spearmanr`.
        oov_ratio : float
            Percentage of out-of-vocabulary pairs; with `dummy4unknown` gensim divides by the
            number of pairs used (all of them), otherwise by that number plus the skipped ones.

        Raises
        ------
        ValueError
            If no pair can be used, or the file cannot be decoded (naming the file and line).
        """
        vocab = restricted_vocab(self, restrict_vocab, case_insensitive)
        gold, rows, oov = [], [], 0
        line_no = 0
        try:
            with smart_open.open(pairs, "r", encoding=encoding) as fin:
                for line_no, line in enumerate(fin, start=1):
                    if not line or line.startswith("#"):
                        continue
                    fields = line.split(delimiter)
                    if case_insensitive:
                        fields = [field.upper() for field in fields]
                    try:
                        word1, word2, score = fields
                        score = float(score)
                    except ValueError:
                        logger.info("skipping line %d of %s: not 'word%sword%sscore'",
                                    line_no, pairs, delimiter, delimiter)
                        continue
                    if word1 in vocab and word2 in vocab:
                        rows.append((vocab[word1], vocab[word2]))
                    elif dummy4unknown:
                        oov += 1
                        rows.append(None)
                    else:
                        oov += 1
                        logger.info("skipping line %d of %s: out-of-vocabulary words", line_no, pairs)
                        continue
                    gold.append(score)
        except UnicodeDecodeError as err:
            raise ValueError(f"{pairs}: cannot decode as {encoding} after line {line_no} "
                             f"({err.reason})") from None
        if not gold:
            raise ValueError(f"{pairs}: no usable similarity judgement (malformed lines or all words "
                             f"out of vocabulary of {self})")
        model = _pair_similarities(self, rows)
        from scipy import stats  # imported here: scipy.stats costs ~0.7 s at import time

        pearson = stats.pearsonr(gold, model)
        spearman = stats.spearmanr(gold, model)
        oov_ratio = 100.0 * oov / (len(gold) if dummy4unknown else len(gold) + oov)
        self.log_evaluate_word_pairs(pearson, spearman, oov_ratio, pairs)
        return pearson, spearman, oov_ratio

    @staticmethod
    def log_evaluate_word_pairs(pearson, spearman, oov, pairs):
        """Log the result of :meth:`evaluate_word_pairs` as gensim does (three INFO lines)."""
        logger.info("Pearson correlation coefficient against %s: %.4f", pairs, pearson[0])
        logger.info("Spearman rank-order correlation coefficient against %s: %.4f", pairs, spearman[0])
        logger.info("Pairs with unknown words ratio: %.1f%%", oov)

    @staticmethod
    def log_accuracy(section):
        """Log one section of :meth:`evaluate_word_analogies`' result as gensim does
        (``name: x% (correct/total)``; nothing for a section without questions)."""
        _section_accuracy(section)
