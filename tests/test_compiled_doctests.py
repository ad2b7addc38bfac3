"""pytest's --doctest-modules does not collect compiled modules: run their examples here."""
import doctest
import importlib
import pathlib

import pytest

COMPILED = sorted(p.stem for p in (pathlib.Path(__file__).parent.parent / "w2vlib").glob("*.pyx"))
#: Kernel modules whose Python-callable twins are documented with runnable examples.
MUST_HAVE_EXAMPLES = {"_inner", "_reader"}


@pytest.mark.parametrize("name", COMPILED)
def test_compiled_module_examples(name):
    module = importlib.import_module(f"w2vlib.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if name in MUST_HAVE_EXAMPLES:
        assert result.attempted > 0, f"w2vlib.{name} lost its runnable examples"
