"""Evaluation of word vectors: gensim's analogy questions and word-pair judgements.

:meth:`w2vlib.KeyedVectors.evaluate_word_analogies` and
:meth:`w2vlib.KeyedVectors.evaluate_word_pairs` call :func:`evaluate_word_analogies` and
:func:`evaluate_word_pairs` here with the vectors, norms and keys they read; the readers of the
two file formats and the log lines of the results (gensim's) live here too. Names, arguments
and results are gensim 4.4's. Two evaluation sets ship with w2vlib; :func:`datapath` gives their
paths:

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

import numpy as np
import smart_open

from w2vlib._similarity import check_query_limits, cosmul_scores, unit_vector

logger = logging.getLogger(__name__)

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
"""Folder of the evaluation sets shipped with w2vlib."""

ANALOGY_TOPN = 5
"""Nearest candidates examined per analogy question (gensim's choice)."""

ANALOGY_INPUTS = 3
"""Words given in an analogy question (``a : b :: c : ?``), left out of the candidates."""

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



def evaluate_word_analogies(index_to_key, vectors, norms, analogies, restrict_vocab=300000,
                            case_insensitive=True, dummy4unknown=False,
                            similarity_function="most_similar"):
    """Accuracy of `vectors` (rows of the keys `index_to_key`, of L2 norms `norms`) on the
    analogy questions of the file `analogies`; see
    :meth:`w2vlib.KeyedVectors.evaluate_word_analogies` for the arguments and the result.

    >>> keys = ["man", "woman", "king", "queen"]
    >>> vectors = np.array([[1, 0], [0, 1], [1, 0.2], [0.2, 1]], dtype=np.float32)
    >>> score, sections = evaluate_word_analogies(keys, vectors, np.linalg.norm(vectors, axis=1),
    ...                                           datapath("questions-words.txt"))
    >>> score, [len(section["correct"]) for section in sections if section["correct"]]
    (1.0, [2, 2])
    """
    if similarity_function not in SIMILARITY_FUNCTIONS:
        raise ValueError(f"similarity_function must be one of {SIMILARITY_FUNCTIONS}, "
                         f"not {similarity_function!r}")
    vocab = restricted_vocab(index_to_key, restrict_vocab, case_insensitive)
    logger.info("evaluating analogies of %s against the first %d keys", analogies, len(vocab))
    parsed = _read_analogies(analogies, vocab, case_insensitive)
    entries = [entry for _, section in parsed for entry in section]
    scored = [(question, rows) for question, rows in entries if rows is not None]
    outcomes = []
    if scored:
        end = len(index_to_key[:restrict_vocab])
        questions = np.array([rows for _, rows in scored], dtype=np.int64)
        best = _analogy_candidates(vectors, norms, questions, end,
                                   similarity_function == "most_similar_cosmul")
        outcomes = [_answer(index_to_key, question, rows, candidates.tolist(), case_insensitive)
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
        section_accuracy(section)
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
    score = section_accuracy(total)
    sections.append(total)
    return score, sections


def evaluate_word_pairs(index_to_key, vectors, pairs, delimiter="\t", encoding="utf8",
                        restrict_vocab=300000, case_insensitive=True, dummy4unknown=False,
                        owner="the vectors"):
    """Correlation of the cosine similarities of `vectors` (rows of the keys `index_to_key`)
    with the human scores of the file `pairs`; see
    :meth:`w2vlib.KeyedVectors.evaluate_word_pairs` for the arguments and the result. `owner`
    names the vectors in the error raised when no pair can be used.
    """
    vocab = restricted_vocab(index_to_key, restrict_vocab, case_insensitive)
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
                         f"out of vocabulary of {owner})")
    model = _pair_similarities(vectors, rows)
    from scipy import stats  # imported here: scipy.stats costs ~0.7 s at import time

    pearson = stats.pearsonr(gold, model)
    spearman = stats.spearmanr(gold, model)
    oov_ratio = 100.0 * oov / (len(gold) if dummy4unknown else len(gold) + oov)
    log_word_pairs(pearson, spearman, oov_ratio, pairs)
    return pearson, spearman, oov_ratio


def log_word_pairs(pearson, spearman, oov, pairs):
    """Log the result of :func:`evaluate_word_pairs` as gensim does (three INFO lines)."""
    logger.info("Pearson correlation coefficient against %s: %.4f", pairs, pearson[0])
    logger.info("Spearman rank-order correlation coefficient against %s: %.4f", pairs, spearman[0])
    logger.info("Pairs with unknown words ratio: %.1f%%", oov)


def section_accuracy(section):
    """Fraction of correct answers in a section of :func:`evaluate_word_analogies`' result
    (0.0 if it has none), logged as gensim does (``name: x% (correct/total)``; nothing for a
    section without questions)."""
    correct, incorrect = len(section["correct"]), len(section["incorrect"])
    if correct + incorrect == 0:
        return 0.0
    score = correct / (correct + incorrect)
    logger.info("%s: %.1f%% (%i/%i)", section["section"], 100.0 * score, correct, correct + incorrect)
    return score


def restricted_vocab(index_to_key, restrict_vocab, case_insensitive):
    """Map of (upper-cased if `case_insensitive`) key to row, over the first `restrict_vocab`
    keys; of several keys that fold to the same form, the first one wins."""
    vocab = {}
    check_query_limits(None, restrict_vocab)
    for index, key in enumerate(index_to_key[:restrict_vocab]):
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


def _analogy_candidates(vectors, norms, questions, end, cosmul):
    """Best answers of each question among the first `end` rows, best first.

    Parameters
    ----------
    vectors, norms : numpy.ndarray
        All the vectors and their L2 norms.
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
    searched, searched_norms = vectors[:end], norms[:end]
    keep = min(end, ANALOGY_TOPN + ANALOGY_INPUTS)
    matrices = ANALOGY_INPUTS if cosmul else 1
    block = max(1, SCORE_BLOCK_BYTES // (searched.itemsize * end * matrices))
    best = np.empty((len(questions), keep), dtype=np.int64)
    for start in range(0, len(questions), block):
        chunk = questions[start:start + block]
        # unit vectors of the question's words, as KeyedVectors.get_vector(norm=True) gives them
        a, b, c = (vectors[chunk[:, i]] / norms[chunk[:, i], np.newaxis] for i in range(ANALOGY_INPUTS))
        if cosmul:
            scores = cosmul_scores([b @ searched.T / searched_norms, c @ searched.T / searched_norms],
                                   [a @ searched.T / searched_norms])
        else:
            scores = unit_vector((b + c) - a) @ searched.T / searched_norms
        np.negative(scores, out=scores)  # ascending order of the negation puts NaN last
        if keep < end:
            top = np.argpartition(scores, keep - 1, axis=1)[:, :keep]
        else:
            top = np.broadcast_to(np.arange(end), scores.shape)
        order = np.argsort(np.take_along_axis(scores, top, axis=1), axis=1)
        best[start:start + len(chunk)] = np.take_along_axis(top, order, axis=1)
    return best


def _answer(index_to_key, question, rows, candidates, case_insensitive):
    """gensim's decision for one question: the first of the `ANALOGY_TOPN` best candidates
    (other than the question's rows) whose key is not one of the question's words; if there is
    none, the last of them."""
    inputs, ignore = set(rows[:ANALOGY_INPUTS]), set(question[:ANALOGY_INPUTS])
    predicted = None
    for row in [row for row in candidates if row not in inputs][:ANALOGY_TOPN]:
        predicted = index_to_key[row]
        if case_insensitive:
            predicted = predicted.upper()
        if predicted not in ignore:
            break
    return predicted == question[ANALOGY_INPUTS]


def _pair_similarities(vectors, rows):
    """Cosine similarity of each pair of rows (0.0 for None), as ``KeyedVectors.similarity``
    computes it: float32 unit vectors scaled in float64."""
    known = [pair for pair in rows if pair is not None]
    sims = np.zeros(len(rows), dtype=np.float64)
    if known:
        first, second = (unit_vector(vectors[[pair[i] for pair in known]]) for i in (0, 1))
        mask = np.array([pair is not None for pair in rows])
        sims[mask] = np.einsum("ij,ij->i", first, second)
    return sims
