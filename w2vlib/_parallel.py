"""One job's parts run in threads: how many CPUs there are, and running the parts.

The parts do their work in compiled code without the GIL (counting phrases, phrasing a file),
so Python threads run them at once. :func:`run_parts` starts one thread per part and waits for
all of them; the first part (in part order) that raised has its exception raised again, so an
error is the one a single thread going through the parts in order would meet first. A part that
calls its ``check()`` between two pieces of work stops early once an earlier part failed (its
own work no longer matters; later parts' do not either) or the caller was interrupted (Ctrl-C):
nothing is left running after :func:`run_parts` returns or raises.

>>> run_parts(lambda k, check: k * k, 3)
[0, 1, 4]
>>> def part(k, check):
...     if k == 1:
...         raise ValueError("part 1 failed")
...     return k
>>> run_parts(part, 3)
Traceback (most recent call last):
ValueError: part 1 failed
"""
import os
import threading


def usable_cpus():
    """The CPUs this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class Cancelled(Exception):
    """Raised by a part's ``check()`` once its work no longer matters."""


class _Job:
    """Which part failed first (in part order), seen by every part's ``check()``."""

    def __init__(self):
        self.lock = threading.Lock()
        self.failed = None          # the lowest failed part; -1: the whole job is called off

    def fail(self, k):
        with self.lock:
            self.failed = k if self.failed is None else min(self.failed, k)

    def checker(self, k):
        def check():
            failed = self.failed
            if failed is not None and failed < k:
                raise Cancelled(f"part {failed} failed")
        return check


def run_parts(work, parts):
    """``[work(k, check) for k in range(parts)]``, each call in a thread of its own.

    Parameters
    ----------
    work : callable
        ``work(k, check)`` does part `k`; it may call ``check()`` between two pieces of work,
        which raises :class:`Cancelled` once an earlier part failed or the job was interrupted.
    parts : int
        How many parts (>= 1). One part runs in the calling thread.

    Returns
    -------
    list
        What each part returned, in part order.

    Raises
    ------
    Exception
        The exception of the first part (in part order) that raised one; KeyboardInterrupt
        (or any exception in the waiting thread) once every part has stopped.
    """
    job = _Job()
    if parts == 1:
        return [work(0, job.checker(0))]
    outcomes = [None] * parts

    def run(k):
        try:
            outcomes[k] = (True, work(k, job.checker(k)))
        except BaseException as error:   # reported below, in part order
            job.fail(k)
            outcomes[k] = (False, error)

    threads = [threading.Thread(target=run, args=(k,), name=f"w2vlib-part-{k}", daemon=True)
               for k in range(parts)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.1)        # a short wait, so that Ctrl-C reaches this thread
    except BaseException:
        job.fail(-1)
        for thread in threads:
            thread.join()
        raise
    for ok, value in outcomes:
        if not ok:
            raise value
    return [value for _, value in outcomes]
