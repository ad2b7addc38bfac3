import pathlib

import pytest

DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture
def data_dir():
    return DATA


@pytest.fixture(scope="session")
def dask_client():
    """A Dask client on a LocalCluster of 2 worker processes x 1 thread (see cluster.py)."""
    distributed = pytest.importorskip("distributed")
    from cluster import local_cluster
    with local_cluster(distributed, 2) as client:
        yield client
