"""gensim 4.4 KeyedVectors methods beyond the queries: unit normalisation, the deprecated aliases
gensim still accepts, vectors_for_all and Word Mover's Distance, checked against gensim on the
same vectors (and WMD against an exact assignment as well)."""
import itertools

import numpy as np
import pytest
from gensim.models import Word2Vec as GensimWord2Vec
from parity import build_pair
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from w2vlib import KeyedVectors, Word2Vec, _wmd
from w2vlib._wmd import transport_cost

DEPRECATED = "ignore:Call to deprecated:DeprecationWarning"


@pytest.fixture()
def pair():
    rng = np.random.default_rng(11)
    return build_pair([f"w{i}" for i in range(300)], rng.normal(size=(300, 20)).astype(np.float32))


def test_unit_normalize_all_matches_gensim(pair):
    ours, theirs = pair
    ours.unit_normalize_all()
    theirs.unit_normalize_all()
    np.testing.assert_allclose(ours.vectors, theirs.vectors, rtol=1e-6)
    np.testing.assert_array_equal(ours.norms, theirs.norms)
    np.testing.assert_allclose(np.linalg.norm(ours.vectors, axis=1), 1.0, rtol=1e-6)
    got, want = ours.most_similar("w3"), theirs.most_similar("w3")
    assert [key for key, _ in got] == [key for key, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)


def test_unit_normalize_all_keeps_a_zero_vector_zero():
    """gensim divides it by 0 and leaves NaN, which then poisons every query."""
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "zero", "b"], [[3.0, 4.0], [0.0, 0.0], [1.0, 0.0]])
    kv.unit_normalize_all()
    np.testing.assert_array_equal(kv["zero"], [0.0, 0.0])
    assert kv.norms.tolist() == [1.0, 0.0, 1.0]
    with np.errstate(invalid="ignore"):   # the zero row's cosine is 0/0 in queries, as in gensim
        assert kv.most_similar("b", topn=1)[0][0] == "a"


def test_unit_normalize_all_refuses_read_only_vectors(tmp_path):
    kv = KeyedVectors(2)
    kv.add_vectors(["a"], [[3.0, 4.0]])
    kv.save(tmp_path / "kv.w2v")
    mapped = KeyedVectors.load(tmp_path / "kv.w2v", mmap="r")
    with pytest.raises(ValueError, match="mmap='c'"):
        mapped.unit_normalize_all()
    copied = KeyedVectors.load(tmp_path / "kv.w2v", mmap="c")
    copied.unit_normalize_all()
    np.testing.assert_allclose(copied["a"], [0.6, 0.8])


@pytest.mark.filterwarnings(DEPRECATED)
@pytest.mark.parametrize("replace", [False, True])
def test_init_sims_matches_gensim(pair, replace):
    ours, theirs = pair
    with pytest.warns(DeprecationWarning, match="init_sims"):
        ours.init_sims(replace=replace)
    theirs.init_sims(replace=replace)
    np.testing.assert_allclose(ours.vectors, theirs.vectors, rtol=1e-6)
    np.testing.assert_allclose(ours.norms, theirs.norms, rtol=1e-6)


@pytest.mark.filterwarnings(DEPRECATED)
def test_word2vec_init_sims_normalises_its_word_vectors():
    sentences = [["a", "b", "c"], ["b", "c", "d"]] * 20
    models = [cls(sentences, vector_size=8, min_count=1, workers=1, epochs=2)
              for cls in (Word2Vec, GensimWord2Vec)]
    with pytest.warns(DeprecationWarning, match="init_sims"):
        models[0].init_sims(replace=True)
    models[1].init_sims(replace=True)
    for model in models:
        np.testing.assert_allclose(np.linalg.norm(model.wv.vectors, axis=1), 1.0, rtol=1e-6)


@pytest.mark.filterwarnings(DEPRECATED)
def test_deprecated_aliases_warn_and_answer_as_gensim(pair):
    ours, theirs = pair
    with pytest.warns(DeprecationWarning, match="get_vector"):
        vector = ours.word_vec("w5", norm=True)
    np.testing.assert_allclose(vector, theirs.word_vec("w5", norm=True), rtol=1e-6)
    with pytest.warns(DeprecationWarning, match="closer_than"):
        closer = ours.words_closer_than("w1", "w2")
    assert closer == theirs.words_closer_than("w1", "w2")


@pytest.mark.parametrize("copy_vecattrs", [False, True])
def test_vectors_for_all_matches_gensim(pair, copy_vecattrs):
    ours, theirs = pair
    for kv in pair:
        kv.set_vecattr("w7", "count", 1234)
    keys = ["w7", "absent", "w2", "w7", "w299", "w0"]
    mine = ours.vectors_for_all(keys, copy_vecattrs=copy_vecattrs)
    reference = theirs.vectors_for_all(keys, copy_vecattrs=copy_vecattrs)
    assert mine.index_to_key == reference.index_to_key == ["w7", "w2", "w299", "w0"]
    assert mine.key_to_index == reference.key_to_index
    np.testing.assert_array_equal(mine.vectors, reference.vectors)
    assert mine.vectors.dtype == reference.vectors.dtype
    assert [mine.get_vecattr(k, "count") for k in mine.index_to_key] == \
        [reference.get_vecattr(k, "count") for k in reference.index_to_key]
    assert len(ours.vectors_for_all([])) == len(theirs.vectors_for_all([])) == 0


# --- Word Mover's Distance -------------------------------------------------------------------

def test_transport_cost_of_equal_uniform_documents_is_the_best_assignment():
    """Between two uniform distributions on n points each, the least-cost transport is a
    permutation (Birkhoff): the exact optimum is the best one-to-one assignment, over n."""
    rng = np.random.default_rng(5)
    for n in (1, 2, 5, 12):
        cost = cdist(rng.normal(size=(n, 4)), rng.normal(size=(n, 4)))
        rows, cols = linear_sum_assignment(cost)
        uniform = np.full(n, 1.0 / n)
        assert transport_cost(uniform, uniform, cost) == pytest.approx(cost[rows, cols].sum() / n,
                                                                       rel=1e-9, abs=1e-12)


def test_transport_cost_matches_brute_force_on_uneven_weights():
    """Weights in multiples of 1/4: an optimal plan exists on that grid (the constraint matrix
    is totally unimodular), so trying every such plan finds the optimum."""
    cost = np.array([[1.0, 3.0, 2.0], [4.0, 0.5, 6.0]])
    supply, demand = np.array([3, 1]) / 4, np.array([1, 2, 1]) / 4
    best = min(
        (cost * np.array(plan).reshape(2, 3) / 4).sum()
        for plan in itertools.product(range(4), repeat=6)
        if np.array_equal(np.array(plan).reshape(2, 3).sum(1), [3, 1])
        and np.array_equal(np.array(plan).reshape(2, 3).sum(0), [1, 2, 1]))
    assert transport_cost(supply, demand, cost) == pytest.approx(best, rel=1e-9)


def test_transport_cost_matches_pots_network_simplex():
    """Two exact solvers, two algorithms: scipy's HiGHS LP and POT's network simplex."""
    ot = pytest.importorskip("ot")
    rng = np.random.default_rng(9)
    for n, m in [(1, 4), (3, 3), (7, 2), (25, 40)]:
        supply, demand = rng.random(n), rng.random(m)
        supply, demand = supply / supply.sum(), demand / demand.sum()
        cost = cdist(rng.normal(size=(n, 5)), rng.normal(size=(m, 5)))
        assert transport_cost(supply, demand, cost) == pytest.approx(ot.emd2(supply, demand, cost),
                                                                      rel=1e-9, abs=1e-12)


def test_wmdistance_without_pot_solves_with_scipy(pair, monkeypatch):
    pytest.importorskip("ot")   # for gensim's side
    ours, theirs = pair
    monkeypatch.setattr(_wmd, "_pot_cost", lambda *args: None)
    for documents in DOCUMENTS:
        assert ours.wmdistance(*documents) == pytest.approx(theirs.wmdistance(*documents),
                                                            rel=1e-5, abs=1e-6)


DOCUMENTS = [
    (["w1", "w2", "w3"], ["w4", "w5", "w6"]),
    (["w1", "w1", "w2", "w9", "w9", "w9"], ["w3", "w4"]),
    (["w10", "w11", "absent", "w12"], ["w12", "w13", "w10", "w10", "w10", "w14", "w15"]),
    (["w1", "w2"], ["w2", "w1"]),
    (["w8"], ["w8", "w8"]),
]


@pytest.mark.parametrize("norm", [True, False])
@pytest.mark.parametrize("documents", DOCUMENTS)
def test_wmdistance_matches_gensim(pair, documents, norm):
    pytest.importorskip("ot")
    ours, theirs = pair
    assert ours.wmdistance(*documents, norm=norm) == pytest.approx(
        theirs.wmdistance(*documents, norm=norm), rel=1e-5, abs=1e-6)


def test_wmdistance_without_known_words_is_infinite_as_in_gensim(pair, caplog):
    ours, theirs = pair
    assert ours.wmdistance(["absent"], ["w1"]) == theirs.wmdistance(["absent"], ["w1"]) == float("inf")
    assert ours.wmdistance([], ["w1"]) == float("inf")
    assert "no words that were in the vocabulary" in caplog.text


def test_wmdistance_of_distinct_words_with_equal_vectors_is_zero():
    """gensim returns inf when every distance is 0; the documents are in fact at distance 0."""
    kv = KeyedVectors(2)
    kv.add_vectors(["big", "large", "small"], [[1.0, 2.0], [1.0, 2.0], [2.0, -1.0]])
    assert kv.wmdistance(["big"], ["large"]) == 0.0
    assert kv.wmdistance(["big", "small"], ["large", "small"]) == 0.0


def test_wmdistance_refuses_a_string_document(pair):
    ours, _ = pair
    with pytest.raises(TypeError, match="document1 is a str"):
        ours.wmdistance("w1 w2", ["w1"])
    with pytest.raises(TypeError, match="document2 is a str"):
        ours.wmdistance(["w1"], "w1 w2")


def test_evaluation_log_helpers_log_what_gensim_logs(pair, caplog):
    import logging
    ours, theirs = pair
    section = {"section": "capital-world", "correct": [("a", "b", "c", "d")] * 3,
               "incorrect": [("a", "b", "c", "e")]}
    lines = {}
    for name, kv in (("ours", ours), ("theirs", theirs)):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            kv.log_accuracy(section)
            kv.log_accuracy({"section": "empty", "correct": [], "incorrect": []})
            kv.log_evaluate_word_pairs((0.5, 0.01), (0.25, 0.02), 12.5, "ws353.tsv")
        lines[name] = [record.getMessage() for record in caplog.records]
    assert lines["ours"] == lines["theirs"]
    assert lines["ours"][0] == "capital-world: 75.0% (3/4)"


def test_similarity_unseen_docs_is_for_document_models_as_in_gensim(pair):
    for kv in pair:
        with pytest.raises(NotImplementedError, match="Doc2Vec"):
            kv.similarity_unseen_docs(["a"], ["b"])


def test_gensim3_class_name_is_an_alias_as_in_gensim():
    from gensim.models.keyedvectors import Word2VecKeyedVectors as Theirs

    from w2vlib.keyedvectors import Word2VecKeyedVectors
    assert Word2VecKeyedVectors is KeyedVectors and Theirs.__name__ == "KeyedVectors"


@pytest.mark.parametrize("scale", [1e-9, 1e-4, 1e4, 1e15])
def test_transport_cost_keeps_its_relative_accuracy_at_any_cost_scale(scale):
    """HiGHS's tolerances are absolute; costs of 1e-9 used to come out 25% off."""
    ot = pytest.importorskip("ot")
    rng = np.random.default_rng(4)
    supply, demand = rng.random(8), rng.random(11)
    supply, demand = supply / supply.sum(), demand / demand.sum()
    cost = cdist(rng.normal(size=(8, 3)), rng.normal(size=(11, 3))) * scale
    assert transport_cost(supply, demand, cost) == pytest.approx(ot.emd2(supply, demand, cost), rel=1e-7)


def test_wmdistance_names_a_word_whose_vector_is_not_finite():
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b", "c"], [[1.0, 0.0], [np.nan, 1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="'b' holds NaN"):
        kv.wmdistance(["a", "b"], ["c"])
    wide = KeyedVectors(2, dtype=np.float64)
    wide.add_vectors(["a", "b"], [[1e308, 0.0], [-1e308, 0.0]])
    with pytest.raises(ValueError, match="overflow"):
        wide.wmdistance(["a"], ["b"], norm=False)


def test_wmdistance_of_the_largest_float32_vectors_without_pot(monkeypatch):
    """Costs near 1e38 made HiGHS fail before the costs were scaled."""
    monkeypatch.setattr(_wmd, "_pot_cost", lambda *args: None)
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b", "c"], [[3e38, 0.0], [-3e38, 0.0], [0.0, 3e38]])
    assert kv.wmdistance(["a"], ["b", "c"], norm=False) == pytest.approx(
        0.5 * 6e38 + 0.5 * np.hypot(3e38, 3e38), rel=1e-6)


def test_wmdistance_leaves_the_warning_filters_alone(pair):
    import warnings
    before = list(warnings.filters)
    pair[0].wmdistance(["w1", "w2"], ["w3"])
    assert warnings.filters == before


def test_deprecation_warnings_point_at_the_callers_line(pair):
    """Python shows DeprecationWarning by default only when it is attributed to __main__, so each
    warning must name the line that called the deprecated method, not w2vlib's own code."""
    import warnings
    ours, _ = pair
    model = Word2Vec([["a", "b"]] * 5, vector_size=4, min_count=1, workers=1, epochs=1)
    calls = [lambda: ours.word_vec("w1"), lambda: ours.words_closer_than("w1", "w2"),
             lambda: ours.init_sims(), lambda: model.init_sims()]
    for call in calls:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert [w.filename for w in caught if w.category is DeprecationWarning] == [__file__]
