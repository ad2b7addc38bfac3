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
