"""LocalClusters for the tests of training on Dask: worker processes x 1 thread, bounded timeouts,
a clean shutdown. Worker processes start with this process's ``sys.path`` (multiprocessing's
spawn), so they import the same w2vlib as the tests (test_dask_vocab checks it)."""
import contextlib

#: Seconds a LocalCluster may take to start, answer or stop on a loaded machine.
TIMEOUT = 60


@contextlib.contextmanager
def local_cluster(distributed, workers):
    """A client of a new LocalCluster of `workers` processes."""
    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
        death_timeout=TIMEOUT)
    try:
        with distributed.Client(cluster, timeout=TIMEOUT) as client:
            client.wait_for_workers(workers, timeout=TIMEOUT)
            yield client
    finally:
        cluster.close(timeout=TIMEOUT)
