"""Analogy and word-pair evaluation, compared with gensim 4.4 on the same vectors.

The main vocabulary holds every word of the shipped questions-words.txt and wordsim353.tsv, with
planted analogy offsets (so accuracies are far from 0 and 1) and, for some words, a second key
differing only in case (so case_insensitive and its first-occurrence rule matter).
"""
import pathlib

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKeyedVectors
from parity import build_pair
from scipy import stats

from w2vlib import datapath
from w2vlib.keyedvectors import KeyedVectors

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")

DIM = 32
SEED = 1234
ANALOGY_NOISE = 0.6
"""Standard deviation of the noise added to a planted analogy offset (offsets are N(0, 1))."""

PTB = pathlib.Path(__file__).parent / "data" / "vectors" / "c_tool" / "ptb_sgns_d50.bin"


def planted_vocabulary():
    """Keys and float32 vectors covering both shipped evaluation sets."""
    rng = np.random.default_rng(SEED)
    vectors = {}

    def vector_of(word):
        if word not in vectors:
            vectors[word] = rng.normal(size=DIM)
        return vectors[word]

    with open(datapath("questions-words.txt"), encoding="utf8") as fin:
        offset = None
        for line in fin:
            if line.startswith(": "):
                offset = rng.normal(size=DIM)
                continue
            a, b, c, d = line.split()
            for first, second in ((a, b), (c, d)):
                if second not in vectors:
                    vectors[second] = vector_of(first) + offset + ANALOGY_NOISE * rng.normal(size=DIM)
    with open(datapath("wordsim353.tsv"), encoding="utf8") as fin:
        for line in fin:
            if line.startswith("#"):
                continue
            a, b, score = line.rstrip("\n").split("\t")
            first = vector_of(a)
            if b not in vectors:
                weight = float(score) / 10
                vectors[b] = weight * first + (1 - weight) * rng.normal(size=DIM)
    keys = list(vectors)
    variants = [key.lower() if key != key.lower() else key.title() for key in keys[::3]]
    keys += [variant for variant in variants if variant not in vectors]
    order = rng.permutation(len(keys))
    keys = [keys[i] for i in order]
    matrix = np.array([vectors.get(key, rng.normal(size=DIM)) for key in keys], dtype=np.float32)
    return keys, matrix


@pytest.fixture(scope="module")
def planted():
    return build_pair(*planted_vocabulary())


@pytest.fixture(scope="module")
def ptb():
    if not PTB.exists():
        pytest.skip(f"{PTB} not present")
    theirs = GensimKeyedVectors.load_word2vec_format(str(PTB), binary=True)
    ours = KeyedVectors(theirs.vector_size)
    ours.add_vectors(theirs.index_to_key, theirs.vectors)
    return ours, theirs


@pytest.fixture(scope="module")
def analogy_subset(tmp_path_factory):
    """Every 7th question of each section of questions-words.txt (and all section lines)."""
    path = tmp_path_factory.mktemp("eval") / "subset.txt"
    with open(datapath("questions-words.txt"), encoding="utf8") as fin:
        lines = [line for i, line in enumerate(fin) if line.startswith(": ") or i % 7 == 0]
    path.write_text("".join(lines), encoding="utf8")
    return str(path)


def assert_same_analogies(ours, theirs):
    assert ours[0] == pytest.approx(theirs[0], abs=1e-12)
    assert [s["section"] for s in ours[1]] == [s["section"] for s in theirs[1]]
    for mine, reference in zip(ours[1], theirs[1]):
        assert mine == reference, mine["section"]


def assert_same_pairs(ours, theirs):
    for mine, reference in zip(ours[:2], theirs[:2]):
        assert type(mine) is type(reference)
        assert mine.statistic == pytest.approx(reference.statistic, rel=1e-6, abs=1e-9)
        assert mine.pvalue == pytest.approx(reference.pvalue, rel=1e-5, abs=1e-12)
    assert ours[2] == pytest.approx(theirs[2], abs=1e-12)


# --- word analogies ---------------------------------------------------------------------------

def test_planted_analogies_default_matches_gensim(planted):
    ours, theirs = planted
    path = datapath("questions-words.txt")
    result = ours.evaluate_word_analogies(path)
    assert 0.2 < result[0] < 0.9  # the planted structure makes the comparison meaningful
    assert_same_analogies(result, theirs.evaluate_word_analogies(path))


@pytest.mark.parametrize("options", [
    {"case_insensitive": False},
    {"dummy4unknown": True},
    {"restrict_vocab": 600},
    {"restrict_vocab": 600, "case_insensitive": False, "dummy4unknown": True},
    {"restrict_vocab": None},
])
def test_planted_analogy_options_match_gensim(planted, analogy_subset, options):
    ours, theirs = planted
    assert_same_analogies(ours.evaluate_word_analogies(analogy_subset, **options),
                          theirs.evaluate_word_analogies(analogy_subset, **options))


@pytest.mark.parametrize("restrict_vocab", [300000, 2000])
def test_real_vectors_analogies_match_gensim(ptb, analogy_subset, restrict_vocab):
    ours, theirs = ptb
    assert_same_analogies(ours.evaluate_word_analogies(analogy_subset, restrict_vocab=restrict_vocab),
                          theirs.evaluate_word_analogies(analogy_subset, restrict_vocab=restrict_vocab))


def test_cosmul_analogies_match_gensims_most_similar_cosmul(planted, analogy_subset):
    """gensim 4.4 ignores similarity_function; the reference answers each question with its
    most_similar_cosmul and the same rule (first of the 5 best that is not an input word)."""
    ours, theirs = planted
    score, sections = ours.evaluate_word_analogies(
        analogy_subset, case_insensitive=False, restrict_vocab=None,
        similarity_function="most_similar_cosmul")
    reference = []
    with open(analogy_subset, encoding="utf8") as fin:
        for line in fin:
            if line.startswith(": "):
                reference.append({"section": line[2:].strip(), "correct": [], "incorrect": []})
                continue
            a, b, c, expected = question = tuple(line.split())
            if not all(word in theirs.key_to_index for word in question):
                continue
            predicted = None
            for predicted, _ in theirs.most_similar_cosmul(positive=[b, c], negative=[a], topn=5):
                if predicted not in (a, b, c):
                    break
            reference[-1]["correct" if predicted == expected else "incorrect"].append(question)
    assert sections[:-1] == reference
    correct = sum(len(s["correct"]) for s in reference)
    assert score == pytest.approx(correct / sum(len(s["correct"]) + len(s["incorrect"]) for s in reference))
    assert sections[-1]["section"] == "Total accuracy"


def test_malformed_analogy_lines_are_skipped_like_gensim(planted, tmp_path):
    ours, theirs = planted
    path = tmp_path / "odd.txt"
    path.write_text(": first\nAthens Greece Baghdad Iraq\n\nAthens Greece Baghdad\n"
                    "Athens Greece Baghdad Iraq extra\n:: second section \nboy girl king queen\n"
                    "nowhere word at all\n: empty\n", encoding="utf8")
    for options in ({}, {"dummy4unknown": True}):
        assert_same_analogies(ours.evaluate_word_analogies(str(path), **options),
                              theirs.evaluate_word_analogies(str(path), **options))


def test_analogy_question_before_section_names_file_and_line(planted, tmp_path):
    ours, _ = planted
    path = tmp_path / "noheader.txt"
    path.write_text("Athens Greece Baghdad Iraq\n: section\n", encoding="utf8")
    with pytest.raises(ValueError, match=r"noheader\.txt: line 1"):
        ours.evaluate_word_analogies(str(path))


def test_analogy_file_with_bad_utf8_names_line(planted, tmp_path):
    ours, _ = planted
    path = tmp_path / "latin1.txt"
    path.write_bytes(b": s\nboy girl king queen\ncaf\xe9 a b c\n")
    with pytest.raises(ValueError, match=r"latin1\.txt: line 3"):
        ours.evaluate_word_analogies(str(path))


def test_unknown_similarity_function_is_rejected(planted):
    with pytest.raises(ValueError, match="similarity_function"):
        planted[0].evaluate_word_analogies(datapath("questions-words.txt"), similarity_function="cos")


def test_analogies_with_empty_restricted_vocabulary(planted, analogy_subset):
    score, sections = planted[0].evaluate_word_analogies(analogy_subset, restrict_vocab=0)
    assert score == 0.0
    assert all(not s["correct"] and not s["incorrect"] for s in sections)


# --- word pairs -------------------------------------------------------------------------------

@pytest.mark.parametrize("options", [
    {},
    {"case_insensitive": False},
    {"dummy4unknown": True},
    {"restrict_vocab": 500},
    {"restrict_vocab": 500, "dummy4unknown": True, "case_insensitive": False},
])
def test_planted_word_pairs_match_gensim(planted, options):
    ours, theirs = planted
    path = datapath("wordsim353.tsv")
    result = ours.evaluate_word_pairs(path, **options)
    assert_same_pairs(result, theirs.evaluate_word_pairs(path, **options))


def test_planted_word_pairs_are_correlated(planted):
    pearson, spearman, oov_ratio = planted[0].evaluate_word_pairs(datapath("wordsim353.tsv"))
    assert pearson.statistic > 0.2 and spearman.statistic > 0.2 and oov_ratio == 0.0


def test_real_vectors_word_pairs_match_gensim(ptb):
    ours, theirs = ptb
    path = datapath("wordsim353.tsv")
    result = ours.evaluate_word_pairs(path)
    assert 0 < result[2] < 100
    assert_same_pairs(result, theirs.evaluate_word_pairs(path))


def test_word_pairs_value_by_hand(tmp_path):
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b", "c", "d"], np.array([[1, 0], [1, 1], [0, 1], [-1, 0.2]]))
    path = tmp_path / "pairs.csv"
    path.write_text("# comment\na,b,3\na,c,1\nb,c,2.5\nc,d,2\nbad line\na,zz,4\n", encoding="utf8")
    pearson, spearman, oov_ratio = kv.evaluate_word_pairs(str(path), delimiter=",")
    cosines = [np.sqrt(0.5), 0.0, np.sqrt(0.5), 0.2 / np.sqrt(1.04)]
    expected = stats.pearsonr([3, 1, 2.5, 2], cosines)
    assert pearson.statistic == pytest.approx(expected.statistic, rel=1e-6)
    assert spearman.statistic == pytest.approx(stats.spearmanr([3, 1, 2.5, 2], cosines).statistic)
    assert oov_ratio == pytest.approx(100 / 5)


def test_malformed_pair_lines_are_skipped_like_gensim(planted, tmp_path):
    ours, theirs = planted
    path = tmp_path / "odd.tsv"
    path.write_text("# header\ntiger\tcat\t7.35\n\ntiger\tcat\n\nbook\tpaper\tx\n"
                    "king\tqueen\t8\textra\ncomputer\tkeyboard\t7.62\nlove\tsex\t6.77\n", encoding="utf8")
    assert_same_pairs(ours.evaluate_word_pairs(str(path)), theirs.evaluate_word_pairs(str(path)))


def test_word_pairs_all_out_of_vocabulary_raise(planted, tmp_path):
    path = tmp_path / "oov.tsv"
    path.write_text("qqq\tzzz\t1.0\n", encoding="utf8")
    with pytest.raises(ValueError, match=r"oov\.tsv"):
        planted[0].evaluate_word_pairs(str(path))
    with pytest.raises(ValueError):
        planted[1].evaluate_word_pairs(str(path))


def test_word_pairs_bad_encoding_names_file(planted, tmp_path):
    path = tmp_path / "latin1.tsv"
    path.write_bytes(b"tiger\tcat\t7.35\ncaf\xe9\tcat\t1.0\n")
    with pytest.raises(ValueError, match=r"latin1\.tsv: cannot decode as utf8"):
        planted[0].evaluate_word_pairs(str(path))


# --- shipped data -----------------------------------------------------------------------------

def test_datapath_finds_shipped_sets():
    with open(datapath("questions-words.txt"), encoding="utf8") as fin:
        lines = fin.read().splitlines()
    assert len(lines) == 19544 + 14 and lines[0] == ": capital-common-countries"
    with open(datapath("wordsim353.tsv"), encoding="utf8") as fin:
        assert sum(1 for line in fin if not line.startswith("#")) == 353


@pytest.mark.parametrize("name", ["missing.txt", "../keyedvectors.py", ""])
def test_datapath_rejects_other_names(name):
    with pytest.raises(FileNotFoundError, match="questions-words.txt"):
        datapath(name)
