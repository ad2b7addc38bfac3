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


@pytest.fixture(scope="session")
def dask_client():
    """A Dask client on a LocalCluster of 2 worker processes x 1 thread (see cluster.py)."""
    distributed = pytest.importorskip("distributed")
    from cluster import local_cluster
    with local_cluster(distributed, 2) as client:
        yield client


def pytest_collection_modifyitems(config, items):
    """The docstring examples that build an annoy index skip, as the tests do, without annoy."""
    from extras import ANNOY_DOCTESTS, needs_annoy
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.name in ANNOY_DOCTESTS:
            item.add_marker(needs_annoy)
