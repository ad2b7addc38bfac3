"""What the Dask trainer asks of a cluster before it starts: that Dask is installed here, and that
every worker imports the same w2vlib as the client.

Dask is imported here, in :mod:`w2vlib._dask_vocab` and :mod:`w2vlib._dask_train` only, and only
when a ``client`` is given, so w2vlib imports and runs without it.

>>> probe_source().startswith("def probe")
True
"""
import w2vlib
from w2vlib import _extras


def require():
    """Import ``dask.distributed`` (:class:`~w2vlib.errors.MissingExtraError`, an ImportError
    naming the ``dask`` extra, when it is missing)."""
    return _extras.require("distributed", "dask", "training on a Dask cluster (client=...)")


def probe_source():
    """The source of the function each worker runs to say which w2vlib it imports. It is built
    from source outside any module, so it travels by value and runs on a worker without w2vlib."""
    return (
        "def probe():\n"
        "    try:\n"
        "        import w2vlib\n"
        "    except Exception as error:\n"
        "        return None, f'{type(error).__name__}: {error}'\n"
        "    return w2vlib.__version__, w2vlib.__file__\n")


def _probe():
    namespace = {"__name__": "w2vlib_worker_probe"}
    exec(probe_source(), namespace)
    return namespace["probe"]


def check_workers(client):
    """The addresses of the client's workers, after checking that each imports this w2vlib.

    Raises
    ------
    RuntimeError
        If the cluster has no worker, or a worker lacks w2vlib or has another version; the
        message names each such worker.
    """
    require()
    found = client.run(_probe())
    if not found:
        raise RuntimeError("the Dask cluster has no worker: start some (or wait for them with "
                           "client.wait_for_workers(n)) before training")
    wrong = []
    for address, (version, detail) in sorted(found.items()):
        if version is None:
            wrong.append(f"{address}: w2vlib cannot be imported ({detail}); install "
                         f"w2vlib=={w2vlib.__version__} on every worker")
        elif version != w2vlib.__version__:
            wrong.append(f"{address}: w2vlib {version} ({detail}), the client has "
                         f"{w2vlib.__version__}")
    if wrong:
        raise RuntimeError("every Dask worker needs the client's w2vlib version:\n  "
                           + "\n  ".join(wrong))
    return sorted(found)
