"""Training one model on a Dask cluster (``train(corpus_file=..., client=client)``).

Each Dask worker holds a :class:`Replica` (a Dask actor): a copy of the model's weights, the
multi-threaded nogil :class:`w2vlib._train.Engine` over them (``workers`` threads), and the sync
buffer — the weights as they were at the last synchronisation. The client runs the rounds:

1. it leases each replica the next shards of the epoch, about ``round_words`` raw words (plain
   files in line-aligned byte ranges; a compressed or remote file whole), and each replica
   trains its lease from the synchronised weights, opening the files itself;
2. each replica sends back only the rows it changed, as deltas from the synchronised weights;
3. the client combines them by the sync policy, applies the result to its own model and sends
   it to every replica, which then holds the new synchronised weights.

Sync policies (``sync=``):

* ``"rows"`` (the default): every round, each changed row moves by the mean of the deltas of the
  replicas that changed it. A row only one replica touched (a rare word) keeps its whole update,
  as on one machine; a row all touched (a frequent word) moves by their mean.
* ``"mean"``: every round, each row moves by the sum of the deltas over the number of replicas
  that trained (model averaging): rare words learn ``1/replicas`` as fast.
* ``"sum"``: every round, the deltas are added up (what SPARK-24666 reports diverging).
* ``"epoch"``: Spark MLlib's way — one round per epoch, each replica trains its share of the
  whole epoch and the replicas' weights are averaged once.

The learning rate follows the progress of all replicas together: a replica computes it from the
raw words confirmed in the epoch so far plus its own words times the replicas training the round,
which is the single-machine decay when the replicas run at one speed.

Faults: a lease is confirmed when its replica's changes are folded in at a sync. If a worker
dies in a round, its lease goes back to the front of the epoch's pool and the surviving replicas
go on from the last synchronised weights, so every shard is trained exactly once per epoch into
the model; the client's model always holds the last synchronised weights. Ctrl-C on the client
stops every replica's threads within a batch, and the client's model is left at the last sync.
"""
import collections
import logging
import os
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from w2vlib import _dask_cluster, _reader, _shards, _train
from w2vlib.errors import ShardError

logger = logging.getLogger(__name__)

POLICIES = ("rows", "mean", "sum", "epoch")
DEFAULT_POLICY = "rows"
#: Raw words one replica thread trains per round: ~0.3 s of skip-gram at 100 dimensions.
ROUND_WORDS_PER_THREAD = 200_000
#: Bytes per raw word assumed when the corpus is not all plain files (English text: ~5.5).
BYTES_PER_WORD = 6
#: The smallest lease of plain-file bytes, at the end of an epoch.
MIN_LEASE_BYTES = 1 << 12
#: Rows compared at a time when finding changed rows (bounds the comparison's scratch memory).
COMPARE_BLOCK_ROWS = 1 << 14
#: Seconds between polls of the round's replicas (bounds how fast Ctrl-C and deaths are seen).
POLL = 0.02
#: Seconds to wait for replicas to be created, and for them to stop after Ctrl-C or an error.
START_TIMEOUT = 120
STOP_TIMEOUT = 10
#: Each replica's random streams: ``Engine`` stream ``train_call * STREAMS_PER_CALL + replica + 1``.
STREAMS_PER_CALL = 1 << 16


class Cancelled(Exception):
    """Raised in a replica's training threads once the client asked it to stop."""


@dataclass
class Sync:
    """How the replicas are combined: `policy` (one of :data:`POLICIES`) and `round_words`, the
    raw words each replica trains between two syncs (None: ``ROUND_WORDS_PER_THREAD`` per
    thread; ignored by ``"epoch"``)."""
    policy: str = DEFAULT_POLICY
    round_words: int = None

    def __post_init__(self):
        if self.policy not in POLICIES:
            raise ValueError(f"sync must be one of {', '.join(POLICIES)}, got {self.policy!r}")
        if self.round_words is not None and self.round_words < 1:
            raise ValueError(f"sync_words must be >= 1, got {self.round_words}")


class _GlobalProgress:
    """A replica's view of the schedule: the epoch's progress is the words confirmed at the last
    sync plus this replica's words of the round times the replicas training it."""

    def __init__(self, schedule, words, examples, replicas, cancelled):
        self.schedule, self.words, self.examples = schedule, words, examples
        self.replicas, self.cancelled = replicas, cancelled

    def measure(self):
        return self.schedule.measure()

    def alpha(self, epoch, done_words, done_examples):
        if self.cancelled.is_set():
            raise Cancelled()
        return self.schedule.alpha(epoch, self.words + done_words * self.replicas,
                                   self.examples + done_examples * self.replicas)


def changed_rows(layer, base):
    """Indexes (int32) of the rows where `layer` differs from `base`."""
    found = [start + np.flatnonzero((layer[start:start + COMPARE_BLOCK_ROWS]
                                     != base[start:start + COMPARE_BLOCK_ROWS]).any(axis=1))
             for start in range(0, len(layer), COMPARE_BLOCK_ROWS)]
    return np.concatenate(found).astype(np.int32) if found else np.empty(0, np.int32)


class Replica:
    """One Dask worker's copy of the model, trained lease by lease (a Dask actor).

    Parameters
    ----------
    number : int
        The replica's number (its random streams).
    model : w2vlib.Word2Vec
        The model as the client holds it (deserialised here: a private copy).
    compute_loss : bool
    schedule : w2vlib._train.Schedule
    """

    def __init__(self, number, model, compute_loss, schedule):
        self.layers = {name: layer for name, layer in (
            ("vectors", model.wv.vectors), ("syn1", model._syn1), ("syn1neg", model._syn1neg))
            if layer is not None}
        self.synced = {name: layer.copy() for name, layer in self.layers.items()}
        self.engine = _train.Engine(
            model._kernel(compute_loss), model.vector_size, model.workers, model.batch_words,
            model.seed, model.wv.key_to_index, _reader.VocabIndex(model.wv.index_to_key),
            stream=model.train_calls * STREAMS_PER_CALL + number + 1)
        self.schedule = schedule
        self.cancelled = threading.Event()

    def train(self, lease, epoch, words, examples, replicas):
        """Train the shards of `lease` (``(path, start, end)`` each) from the synchronised
        weights; returns the tallies and the changed rows as ``{layer: (rows, deltas)}``."""
        progress = _GlobalProgress(self.schedule, words, examples, replicas, self.cancelled)
        plain = [(path, True, _reader.MAX_WORDS_IN_BATCH, start, end)
                 for path, start, end in lease if end >= 0]
        streamed = [(path, True, _reader.MAX_WORDS_IN_BATCH) for path, start, end in lease if end < 0]
        done = {"raw": 0, "effective": 0, "examples": 0, "loss": 0.0, "alpha": None}
        for sources in (plain, streamed):
            if not sources:
                continue
            try:
                tally = self.engine.run_epoch(_train.Corpus(sources=sources), progress, epoch)
            except Cancelled:
                raise
            except Exception as error:
                shards = ", ".join(str(_shards.Shard(*piece)) for piece in lease)
                raise ShardError(shards, f"{type(error).__name__}: {error}") from None
            done["raw"] += tally.raw_words
            done["effective"] += tally.effective_words
            done["examples"] += tally.examples
            done["loss"] += self.engine.epoch_loss
            done["alpha"] = tally.alpha if tally.alpha is not None else done["alpha"]
            progress.words += tally.raw_words * replicas
            progress.examples += tally.examples * replicas
        changes = {}
        for name, layer in self.layers.items():
            rows = changed_rows(layer, self.synced[name])
            changes[name] = (rows, layer[rows] - self.synced[name][rows])
        done["changes"] = changes
        return done

    def apply(self, update):
        """Take the combined `update` (``{layer: (rows, deltas)}`` from the synchronised weights):
        the weights and the sync buffer both become the new synchronised weights."""
        for name, (rows, deltas) in update.items():
            self.layers[name][rows] = self.synced[name][rows] + deltas
            self.synced[name][rows] = self.layers[name][rows]

    async def stop(self):
        """Stop training (runs on the worker's event loop, beside a running ``train``)."""
        self.cancelled.set()


def combine(changes, policy, participants):
    """The update of one layer from the replicas' ``(rows, deltas)``: ``(rows, deltas)``."""
    union = np.unique(np.concatenate([rows for rows, _ in changes]))
    width = changes[0][1].shape[1]
    total = np.zeros((len(union), width), dtype=np.float32)
    touched = np.zeros(len(union), dtype=np.float32)
    for rows, deltas in changes:
        at = np.searchsorted(union, rows)
        total[at] += deltas
        touched[at] += 1
    if policy == "rows":
        total /= np.maximum(touched, 1)[:, None]
    elif policy in ("mean", "epoch"):
        total /= participants
    return union, total


def _nbytes(changes):
    return sum(rows.nbytes + deltas.nbytes for rows, deltas in changes.values())


def _is_lost_worker(error):
    """A replica call failed because its worker died or became unreachable."""
    return isinstance(error, OSError) and not isinstance(error, ShardError)


@dataclass
class _Live:
    number: int
    address: str
    actor: object
    future: object   # keeps the actor alive


@dataclass
class Report:
    """What a distributed ``train()`` did: per round ``(epoch, replicas, raw words, bytes sent by
    the replicas, bytes sent to them, seconds)``; per epoch the ledger of confirmed leases
    ``(replica, ((path, start, end), ...), sentences, raw words)``; the workers lost."""
    policy: str
    round_words: int
    rounds: list = field(default_factory=list)
    ledger: list = field(default_factory=list)
    lost: list = field(default_factory=list)


class Trainer:
    """The client's side: replicas on every worker, the rounds, the ledger."""

    def __init__(self, model, client, paths, schedule, compute_loss, sync):
        self.client, self.model, self.schedule, self.sync = client, model, schedule, sync
        self.distributed = _dask_cluster.require()
        addresses = _dask_cluster.check_workers(client)
        self.layers = {name: layer for name, layer in (
            ("vectors", model.wv.vectors), ("syn1", model._syn1), ("syn1neg", model._syn1neg))
            if layer is not None}
        plain = all(_shards.splittable(path) for path in paths)
        bytes_per_word = (sum(os.path.getsize(p) for p in paths) / schedule.total_words
                          if plain and schedule.total_words else BYTES_PER_WORD)
        self.round_words = sync.round_words or ROUND_WORDS_PER_THREAD * model.workers
        #: a lease's bytes of plain files at most (None: an even share of the epoch, Spark's way)
        self.round_bytes = (None if sync.policy == "epoch"
                            else max(1, int(self.round_words * bytes_per_word)))
        self.files = [(s.path, s.start, s.end) for s in _shards.split(paths)]
        self.report = Report(sync.policy, self.round_words)
        shared = client.scatter(model, broadcast=True, hash=False)
        self.replicas = []
        try:
            for number, address in enumerate(addresses):
                future = client.submit(Replica, number, shared, compute_loss, schedule,
                                       workers=[address], allow_other_workers=False, actor=True,
                                       pure=False)
                self.replicas.append(_Live(number, address, None, future))
            for live in self.replicas:
                live.actor = live.future.result(timeout=START_TIMEOUT)
        except BaseException:
            self.close()
            raise
        finally:
            shared.release()   # not cancel(): that would cancel the replicas built from it

    def close(self):
        """Release the replicas (their memory on the workers)."""
        self.client.cancel([live.future for live in self.replicas])
        self.replicas = []

    def run_epoch(self, epoch):
        """Train one epoch in rounds; returns ``(EpochTally, loss)``."""
        pool = collections.deque(self.files)
        tally, loss, confirmed = _train.EpochTally(), 0.0, []
        while pool:
            if not self.replicas:
                raise RuntimeError("every Dask worker training this model was lost")
            leases, want = {}, self._share(pool)
            for live in self.replicas:
                if pool:
                    leases[live.number] = self._lease(pool, want)
            started = time.perf_counter()
            done = self._round(epoch, leases, tally)
            for number in leases:
                if number not in done:   # its worker died: the lease goes back to the pool
                    pool.extendleft(reversed(leases[number]))
            if not done:
                continue
            update = {name: combine([result["changes"][name] for result in done.values()],
                                    self.sync.policy, len(done))
                      for name in self.layers}
            for name, (rows, deltas) in update.items():
                self.layers[name][rows] += deltas
            self._broadcast(update)
            for number, result in done.items():
                tally.add(result["raw"], result["effective"], result["examples"])
                tally.alpha = result["alpha"] if result["alpha"] is not None else tally.alpha
                loss += result["loss"]
                confirmed.append((number, tuple(leases[number]), result["examples"], result["raw"]))
            self.report.rounds.append((
                epoch, len(done), sum(r["raw"] for r in done.values()),
                sum(_nbytes(r["changes"]) for r in done.values()),
                _nbytes(update) * len(self.replicas), time.perf_counter() - started))
        self.report.ledger.append(confirmed)
        return tally, loss

    def _lease(self, pool, want):
        """Up to `want` bytes from the front of `pool`, cutting a plain file's range where the
        bytes run out (a range trains the lines that start in it); a file that cannot be cut
        goes alone."""
        lease, size = [], 0
        while pool and size < want:
            path, start, end = pool[0]
            if end < 0:
                if not lease:
                    lease.append(pool.popleft())
                break
            take = min(end - start, want - size)
            if start + take < end:
                pool[0] = (path, start + take, end)
            else:
                pool.popleft()
            lease.append((path, start, start + take))
            size += take
        return lease

    def _share(self, pool):
        """The bytes of one lease this round: ``round_bytes``, less when the epoch's plain bytes
        left would not keep every replica busy (never below ``MIN_LEASE_BYTES``)."""
        left = sum(end - start for _, start, end in pool if end >= 0)
        even = -(-left // len(self.replicas))
        if self.round_bytes is None:
            return max(even, 1)
        return max(min(self.round_bytes, even), MIN_LEASE_BYTES)

    def _round(self, epoch, leases, tally):
        """Run one round; returns ``{replica number: result}`` of the replicas that finished
        (the others' workers died and they are dropped)."""
        by_number = {live.number: live for live in self.replicas}
        pending = {number: by_number[number].actor.train(
            lease, epoch, tally.raw_words, tally.examples, len(leases))
            for number, lease in leases.items()}
        done = {}
        try:
            while pending:
                for number, future in list(pending.items()):
                    if not future.done():
                        continue
                    del pending[number]
                    try:
                        done[number] = future.result()
                    except Exception as error:
                        if not _is_lost_worker(error):
                            raise
                        self._lose(number, error)
                if pending:
                    time.sleep(POLL)
        except BaseException:   # Ctrl-C or a replica's error: stop every replica first
            self._stop(pending)
            raise
        return done

    def _broadcast(self, update):
        calls = {live.number: live.actor.apply(update) for live in self.replicas}
        for number, future in calls.items():
            try:
                future.result()
            except Exception as error:
                if not _is_lost_worker(error):
                    raise
                self._lose(number, error)

    def _lose(self, number, error):
        live = next(live for live in self.replicas if live.number == number)
        logger.warning("Dask worker %s (replica %i) lost: %s; its unconfirmed shards go to the "
                       "others", live.address, number, error)
        self.report.lost.append(live.address)
        self.replicas.remove(live)
        self.client.cancel([live.future])

    def _stop(self, pending):
        stops = [live.actor.stop() for live in self.replicas]
        deadline = time.perf_counter() + STOP_TIMEOUT
        for future in stops + list(pending.values()):
            try:
                future.result(timeout=max(0.0, deadline - time.perf_counter()))
            except BaseException:   # Cancelled, a lost worker, a timeout: it has stopped
                pass
