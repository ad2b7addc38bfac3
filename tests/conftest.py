import importlib
import pathlib

import pytest

from w2vlib import _dispatch

DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture
def data_dir():
    return DATA


@pytest.fixture(params=_dispatch.available())
def inner(request):
    """One build of the kernel module (w2vlib._inner or an instruction-set variant) this CPU runs."""
    return importlib.import_module(f"w2vlib.{request.param}")
