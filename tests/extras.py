"""Optional packages the test extra leaves out, and the skip mark of the tests that need them.

annoy (``pip install "w2vlib[annoy]"``) has no wheels: pip builds it from source with a C++
compiler, so the test extra does not ask for it and the README's test command runs on a
machine with only a C compiler. Where annoy imports, every test that needs it runs.
"""
import pytest

ANNOY_REASON = 'needs the annoy package: pip install "w2vlib[annoy]" (builds from source: a C++ compiler)'


def importable(name):
    """Whether ``import name`` succeeds (an attempt, not a look-up: a package that is found but
    fails to import counts as missing)."""
    try:
        __import__(name)
    except ImportError:
        return False
    return True


HAVE_ANNOY = importable("annoy")
#: Mark of a test (or ``pytest.param``) that needs annoy: skipped, with the way to get it, without it.
needs_annoy = pytest.mark.skipif(not HAVE_ANNOY, reason=ANNOY_REASON)
#: Examples in w2vlib's docstrings (``--doctest-modules``) that build an annoy index.
ANNOY_DOCTESTS = {"w2vlib.similarities.AnnoyIndexer"}
