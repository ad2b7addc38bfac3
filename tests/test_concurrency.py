"""Concurrent queries: threads sharing one KeyedVectors get the results of serial calls.

The vectors are the word2vec C tool's PTB vectors. Serial answers come from one instance; then
a fresh instance (norms not yet computed, so the first queries race to fill them) is queried by
``THREADS`` threads released together by a barrier, each in its own order, with the interpreter
switching threads as often as it can.
"""
import pathlib
import random
import sys
import threading

import numpy as np
import pytest

from w2vlib import KeyedVectors

DATA = pathlib.Path(__file__).parent / "data" / "vectors" / "c_tool" / "ptb_sgns_d50.bin"
THREADS = 8
QUERIES = 20
ROUNDS = 2
TOPN = 10
SWITCH_INTERVAL = 1e-5            # seconds between forced thread switches (default 5e-3)


def answers(kv, key):
    """Everything asked about one key (fresh arrays, so later calls cannot change them)."""
    return {
        "vector": np.array(kv.get_vector(key)),
        "normed": np.array(kv.get_vector(key, norm=True)),
        "most_similar": kv.most_similar(key, topn=TOPN),
        "analogy": kv.most_similar(positive=[key, "market"], negative=["stock"], topn=TOPN),
        "cosmul": kv.most_similar_cosmul(positive=[key], topn=TOPN),
    }


def same(a, b):
    assert a.keys() == b.keys()
    for name in a:
        if isinstance(a[name], np.ndarray):
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
        else:
            assert a[name] == b[name], name


@pytest.fixture(scope="module")
def serial():
    kv = KeyedVectors.load_word2vec_format(DATA, binary=True)
    keys = random.Random(0).sample(kv.index_to_key[:2000], QUERIES)
    return keys, {key: answers(kv, key) for key in keys}


@pytest.fixture
def fast_switching():
    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    yield
    sys.setswitchinterval(previous)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_threads_get_the_serial_answers_while_norms_are_first_filled(serial, fast_switching, round_):
    keys, expected = serial
    kv = KeyedVectors.load_word2vec_format(DATA, binary=True)
    assert kv.norms is None
    barrier = threading.Barrier(THREADS)
    results, errors = [None] * THREADS, []

    def worker(index):
        order = random.Random(index + 100 * round_).sample(keys, len(keys))
        try:
            barrier.wait()
            results[index] = {key: answers(kv, key) for key in order}
        except BaseException as err:            # reported below, with the thread's index
            errors.append((index, repr(err)))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for result in results:
        for key in keys:
            same(result[key], expected[key])
