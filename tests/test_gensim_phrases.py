"""gensim 4.4's own phrase tests, run against w2vlib.phrases.

The test module is read from the installed gensim (``gensim/test/test_phrases.py``), its imports
from ``gensim.models.phrases`` are swapped for ``w2vlib.phrases`` mechanically, and it runs here,
in this module's namespace (so that its module-level custom scorer is importable by name, as
w2vlib saves a scorer). Its TestCase classes are collected by pytest as ours.

The only expected failures are the tests that load pickles written by old gensim versions:
w2vlib never unpickles anything, and refuses those files with an error that names them.
"""
import pathlib
import unittest

import gensim.test

SOURCE = pathlib.Path(gensim.test.__file__).parent / "test_phrases.py"
SWAP = ("from gensim.models.phrases import", "from w2vlib.phrases import")
#: How many import lines the swap must change (a gensim release that moves them fails here).
SWAPPED_LINES = 2
PICKLE = "loads {}, a model pickled by an old gensim version: w2vlib never unpickles"
EXPECTED_FAILURES = {
    "TestPhrasesPersistence.test_save_load_string_scoring": PICKLE.format("phrases-scoring-str.pkl"),
    "TestPhrasesPersistence.test_save_load_no_scoring": PICKLE.format("phrases-no-scoring.pkl"),
    "TestPhrasesPersistence.test_save_load_no_common_terms":
        PICKLE.format("phrases-no-common-terms.pkl"),
    "TestFrozenPhrasesPersistence.test_save_load_string_scoring":
        PICKLE.format("phraser-scoring-str.pkl"),
    "TestFrozenPhrasesPersistence.test_save_load_no_scoring": PICKLE.format("phraser-no-scoring.pkl"),
    "TestFrozenPhrasesPersistence.test_save_load_no_common_terms":
        PICKLE.format("phraser-no-common-terms.pkl"),
    "TestFrozenPhrasesModelCompatibility.test_compatibility":
        PICKLE.format("phrases-3.6.0.model and phraser-3.6.0.model"),
}

_source = SOURCE.read_text(encoding="utf8")
if _source.count(SWAP[0]) != SWAPPED_LINES:
    raise RuntimeError(f"{SOURCE}: expected {SWAPPED_LINES} lines starting {SWAP[0]!r}")
exec(compile(_source.replace(*SWAP), str(SOURCE), "exec"), globals())

for _name in EXPECTED_FAILURES:
    _class, _method = _name.split(".")
    setattr(globals()[_class], _method, unittest.expectedFailure(getattr(globals()[_class], _method)))


def test_the_swapped_suite_runs_w2vlib():
    assert Phrases.__module__ == "w2vlib.phrases"              # noqa: F821 (from the exec)
    assert FrozenPhrases.__module__ == "w2vlib.phrases"        # noqa: F821
    assert "gensim.models.phrases" not in _source.replace(*SWAP)
