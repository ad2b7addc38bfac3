"""The client's side of training one model on a Dask cluster (``train(corpus_file=...,
client=client)``); the workers' side is :mod:`w2vlib._dask_replica`.

The :class:`Trainer` ships the model to every worker once, creates a
:class:`~w2vlib._dask_replica.Replica` on each, and runs every epoch in rounds: it cuts the
epoch into leases (:class:`Pool`: one run of the corpus per replica), keeps ``PIPELINE`` leases
queued on every replica, and each time every replica has finished its oldest lease it combines
the rows they changed by the sync policy (:func:`combine`), adds the result to its own model and
sends it to every replica. The sync policies (``sync=``) are :mod:`w2vlib._dask_combine`'s.

The learning rate follows the progress of all replicas together. A lease is confirmed (ledger,
tally) when its replica next reports all its rows; a lost worker's unconfirmed leases go back to
the pool. docs/distributed.md has the design, the measurements and the limits.
"""
import collections
import logging
import os
import time
from dataclasses import dataclass, field

import numpy as np

from w2vlib import _dask_cluster, _heap, _shards, _train
from w2vlib._dask_combine import (DEFAULT_POLICY, POLICIES, combine, update_rates,
                                  zeros_are_neutral)
from w2vlib._dask_replica import Replica, as_index, hot_span
from w2vlib.errors import ShardError

logger = logging.getLogger(__name__)

#: Raw words one replica thread trains per lease when at most REFERENCE_REPLICAS replicas train,
#: for skip-gram and for CBOW (about 0.1 s of either at 100 dimensions; CBOW is about three
#: times faster per word, and at two replicas 100,000-word leases cost it 0.02 of WS353 where
#: 300,000 cost none: docs/distributed.md); with more replicas, the lease shrinks so that a
#: round trains as many words as REFERENCE_REPLICAS replicas do (the same staleness).
ROUND_WORDS_PER_THREAD = {"sg": 100_000, "cbow": 300_000}
REFERENCE_REPLICAS = 2
#: Synchronous rounds beyond REFERENCE_REPLICAS divide skip-gram's lease by this much more, for
#: skip-gram and for CBOW: the fewer updates each replica makes to a row in a round, the closer
#: the ``counts`` rule's estimate of the combined move (eight replicas of skip-gram: 25,000-word
#: leases lost 2.9 points of analogy accuracy against one process, 6,250-word leases half a
#: point; of CBOW: 6,250-word leases 1.45 points, 3,125-word leases less than one;
#: docs/distributed.md).
SYNCHRONOUS_SHRINK = {"sg": 4, "cbow": 8}
#: Bytes per raw word assumed when the corpus is not all plain files (English text: ~5.5).
BYTES_PER_WORD = 6
#: How many times its size a compressed file is assumed to hold (to share the work out).
COMPRESSION_GUESS = 3
#: The smallest lease of plain-file bytes, at the end of an epoch.
MIN_LEASE_BYTES = 1 << 12
#: Every FULL_EVERY-th lease of a replica reports all its changed rows, the others only its hot
#: rows (``_dask_replica.HOT_ROWS``); every epoch ends with a full report of every replica.
FULL_EVERY = 8
#: The "counts" policy weighs a replica's updates of a row by the learning rate over the
#: starting one (a step of a smaller rate goes less of the way to the row's optimum).
ALPHA_WEIGHTED = True
#: Leases queued on each replica: it trains the next while its last one's changes are combined.
PIPELINE = 2
#: Seconds a wait for a replica's lease lasts at most (bounds how fast Ctrl-C and deaths are seen).
POLL = 0.02
#: Seconds to wait for replicas to be created, and for them to stop after Ctrl-C or an error.
START_TIMEOUT = 120
STOP_TIMEOUT = 10


@dataclass
class Sync:
    """How the replicas are combined: `policy` (one of :data:`POLICIES`), `round_words`, the
    raw words each replica trains between two syncs (None: :func:`round_words`; ignored by
    ``"epoch"``), and `synchronous`: whether a replica starts its next lease only once the last
    round's update is folded in, every lease reporting all its rows (None: when more than
    ``REFERENCE_REPLICAS`` replicas train; see :meth:`Trainer.run_epoch`)."""
    policy: str = DEFAULT_POLICY
    round_words: int = None
    synchronous: bool = None

    def __post_init__(self):
        if self.policy not in POLICIES:
            raise ValueError(f"sync must be one of {', '.join(POLICIES)}, got {self.policy!r}")
        if self.round_words is not None and self.round_words < 1:
            raise ValueError(f"sync_words must be >= 1, got {self.round_words}")
        if self.synchronous not in (None, True, False):
            raise TypeError(f"synchronous must be True, False or None, got {self.synchronous!r}")

    def is_synchronous(self, replicas):
        """Whether rounds are synchronous with `replicas` replicas."""
        return replicas > REFERENCE_REPLICAS if self.synchronous is None else self.synchronous


def round_words(threads, replicas, sg=True, synchronous=False):
    """The default raw words of one replica's lease: ``ROUND_WORDS_PER_THREAD`` (of skip-gram,
    or CBOW) per thread, times ``REFERENCE_REPLICAS / replicas`` when more replicas train.

    >>> round_words(1, 2), round_words(1, 8), round_words(4, 1), round_words(1, 2, sg=False)
    (100000, 25000, 400000, 300000)

    When those more train in `synchronous` rounds, the lease starts from skip-gram's words for
    CBOW too (its longer lease was measured at two replicas only; at eight it learnt less) and
    is divided by the mode's ``SYNCHRONOUS_SHRINK``.

    >>> round_words(1, 8, synchronous=True), round_words(1, 2, synchronous=True)
    (6250, 100000)
    >>> round_words(1, 8, sg=False, synchronous=True), round_words(1, 8, sg=False)
    (3125, 75000)
    """
    mode = "sg" if sg else "cbow"
    shrink = synchronous and replicas > REFERENCE_REPLICAS
    words = (ROUND_WORDS_PER_THREAD["sg" if shrink else mode] * threads
             * REFERENCE_REPLICAS // max(replicas, REFERENCE_REPLICAS))
    if shrink:
        words //= SYNCHRONOUS_SHRINK[mode]
    return max(words, 1)


def _nbytes(changes):
    return sum(rows.nbytes + deltas.nbytes for rows, deltas in changes.values())


def _is_lost_worker(error):
    """A replica call failed because its worker died or became unreachable."""
    return isinstance(error, OSError) and not isinstance(error, ShardError)


class _Lost:
    """The failed call to a replica whose worker Dask already knows is lost."""

    def __init__(self, error):
        self.error = error

    def done(self):
        return True

    def result(self, timeout=None):
        raise self.error


def _call(live, method, *args):
    """``live.actor.method(*args)``: its future, or a :class:`_Lost` when the worker is gone
    (Dask then refuses the call itself with a RuntimeError)."""
    try:
        return getattr(live.actor, method)(*args)
    except RuntimeError as error:
        if live.future.status in ("finished", "pending"):
            raise
        return _Lost(OSError(str(error)))


@dataclass
class _Live:
    number: int
    address: str
    actor: object
    future: object   # keeps the actor alive


@dataclass
class Report:
    """What a distributed ``train()`` did: per round ``(epoch, replicas, raw words, bytes sent by
    the replicas, bytes sent to them, seconds, seconds of the longest lease's training)``, and
    whether the rounds were `synchronous` (:class:`Sync`); per
    epoch the ledger of confirmed leases ``(replica, ((path, start, end), ...), sentences, raw
    words)``; the workers lost; where the time went (:meth:`shares`): the client's seconds in
    `client` (``"wall"`` of the epochs, ``"wait"`` for the replicas, ``"combine"``,
    ``"broadcast"``, ``"issue"``) and each replica's in `replicas` (``{number: {"train",
    "report", "apply"}}``, cumulated: training, finding and copying its changed rows, folding in
    updates)."""
    policy: str
    round_words: int
    synchronous: bool = False
    rounds: list = field(default_factory=list)
    ledger: list = field(default_factory=list)
    lost: list = field(default_factory=list)
    client: dict = field(default_factory=lambda: dict.fromkeys(
        ("wall", "wait", "combine", "broadcast", "issue"), 0.0))
    replicas: dict = field(default_factory=dict)

    def shares(self):
        """Shares of the epochs' wall time: the client's parts (``client_*``), and the mean over
        the replicas of their training, reporting and applying (``replica_*``); a replica's
        ``replica_idle`` is what training and reporting leave (applying runs beside training).

        >>> report = Report("counts", 10, client={"wall": 2.0, "wait": 1.0, "combine": 0.5,
        ...                 "broadcast": 0.0, "issue": 0.0},
        ...                 replicas={0: {"train": 1.5, "report": 0.1, "apply": 0.1}})
        >>> {k: round(v, 2) for k, v in report.shares().items()}["replica_idle"]
        0.2
        """
        wall = self.client["wall"] or 1.0
        out = {f"client_{k}": v / wall for k, v in self.client.items() if k != "wall"}
        for part in ("train", "report", "apply"):
            out[f"replica_{part}"] = (sum(b[part] for b in self.replicas.values()) / wall
                                      / max(len(self.replicas), 1))
        out["replica_idle"] = 1.0 - out["replica_train"] - out["replica_report"]
        return out


class Pool:
    """The epoch's shards not yet trained, as one run per replica so that the replicas train
    distant parts of the corpus at the same time (as the threads of one process do,
    :class:`w2vlib._train.RangeFeed`): the files laid end to end are cut into `runs` runs of
    about equal bytes (a file that cannot be cut goes whole to one run). Replica ``k`` leases
    from the front of run ``k``, then from the back of the run with the most bytes left; leases
    given back (a lost replica's) are leased again first.

    >>> pool = Pool([("a", 0, 100), ("b", 0, -1), ("c", 0, 50)], runs=2, guess=lambda path: 10)
    >>> pool.runs
    [deque([('a', 0, 80)]), deque([('a', 80, 100), ('b', 0, -1), ('c', 0, 50)])]
    >>> pool.take(1, 30), pool.take(1, 30), pool.take(0, 30), pool.take(0, 60)
    ([('a', 80, 100)], [('b', 0, -1)], [('a', 0, 30)], [('a', 30, 80)])
    >>> pool.take(0, 20), pool.bytes_left()
    ([('c', 30, 50)], 30)
    """

    def __init__(self, files, runs, guess):
        self.guess = guess   # guess(path): the bytes a file that cannot be cut counts for
        sizes = [self._size(piece) for piece in files]
        total, done = sum(sizes), 0
        self.runs = [collections.deque() for _ in range(runs)]
        for (path, start, end), size in zip(files, sizes):
            first = min(runs - 1, done * runs // max(total, 1))
            last = min(runs - 1, max(first, (done + size - 1) * runs // max(total, 1)))
            if end < 0 or first == last:
                self.runs[first].append((path, start, end))
            else:
                for k in range(first, last + 1):
                    lo = max(start, start + total * k // runs - done)
                    hi = min(end, start + total * (k + 1) // runs - done)
                    if lo < hi:
                        self.runs[k].append((path, lo, hi))
            done += size
        self.again = collections.deque()

    def __bool__(self):
        return bool(self.again) or any(self.runs)

    def _size(self, piece):
        return piece[2] - piece[1] if piece[2] >= 0 else self.guess(piece[0])

    def bytes_left(self):
        return (sum(self._size(p) for lease in self.again for p in lease)
                + sum(self._size(p) for run in self.runs for p in run))

    def give_back(self, lease):
        if lease:
            self.again.appendleft(lease)

    def take(self, replica, want):
        """A lease of about `want` bytes for `replica` (a plain file's range is cut where the
        bytes run out: a range trains the lines that start in it; a file that cannot be cut
        goes alone)."""
        if self.again:
            return self.again.popleft()
        mine = replica < len(self.runs) and self.runs[replica]
        run = self.runs[replica] if mine else max(
            self.runs, key=lambda r: sum(self._size(p) for p in r))
        lease, size = [], 0
        while run and size < want:
            path, start, end = run[0] if mine else run[-1]
            if end < 0:
                if not lease:
                    lease.append(run.popleft() if mine else run.pop())
                break
            take = min(end - start, want - size)
            if mine:
                piece = (path, start, start + take)
                if start + take < end:
                    run[0] = (path, start + take, end)
                else:
                    run.popleft()
            else:
                piece = (path, end - take, end)
                if end - take > start:
                    run[-1] = (path, start, end - take)
                else:
                    run.pop()
            lease.append(piece)
            size += take
        return lease if mine else lease[::-1]


class Trainer:
    """The client's side: replicas on every worker, the rounds, the ledger."""

    def __init__(self, model, client, paths, schedule, compute_loss, sync):
        self.client, self.schedule, self.sync = client, schedule, sync
        addresses = _dask_cluster.check_workers(client)
        self.layers = {name: layer for name, layer in (
            ("vectors", model.wv.vectors), ("syn1", model._syn1), ("syn1neg", model._syn1neg))
            if layer is not None}
        plain = all(_shards.splittable(path) for path in paths)
        self.bytes_per_word = (sum(os.path.getsize(p) for p in paths) / schedule.total_words
                               if plain and schedule.total_words else BYTES_PER_WORD)
        self.applying = {}   # replica number -> its pending apply() call
        self.synchronous = sync.is_synchronous(len(addresses))
        self.round_words = sync.round_words or round_words(model.workers, len(addresses), model.sg,
                                                           self.synchronous)
        self.pipeline = 1 if self.synchronous else PIPELINE   # leases queued per replica
        #: whether full reports may send whole layers (the policy moves rows no differently)
        self.dense = zeros_are_neutral(sync.policy, len(addresses))
        #: a lease's bytes of plain files at most (None: an even share of the epoch, Spark's way)
        self.round_bytes = (None if sync.policy == "epoch"
                            else max(1, int(self.round_words * self.bytes_per_word)))
        self.files = [(s.path, s.start, s.end) for s in _shards.split(paths)]
        #: updates per row per word trained ("counts" policy), and per replica the words it
        #: trained since its last full report
        self.rates = update_rates(model) if sync.policy == "counts" else None
        self.unreported = {}
        self.report = Report(sync.policy, self.round_words, self.synchronous)
        # the replicas' rows go straight between the client and the workers, not through the
        # scheduler (restored by close())
        self.direct, client.direct_to_workers = client.direct_to_workers, True
        _heap.hold()   # the client's buffers too, where its thresholds are pinned (until close())
        self.replicas, shared = [], None
        try:
            shared = client.scatter(model, broadcast=True, hash=False)
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
            if shared is not None:
                shared.release()   # not cancel(): that would cancel the replicas built from it

    def close(self):
        """Release the replicas (their memory on the workers)."""
        self.client.cancel([live.future for live in self.replicas])
        self.replicas = []
        self.client.direct_to_workers = self.direct
        _heap.release()

    def run_epoch(self, epoch):
        """Train one epoch; returns ``(EpochTally, loss)``.

        Each replica has up to ``PIPELINE`` leases queued, so it trains the next one while its
        last one's changes travel and are combined (staleness: one round). Synchronous rounds
        (:class:`Sync`) queue one lease per replica, and the next ones only once the round's
        update is folded in on every replica, every lease reporting all its changed rows: no
        staleness beyond the round itself, at the cost of the replicas waiting for the
        combining. A round is the oldest queued lease of every replica that has one; its update
        goes to every replica.
        A lease is confirmed (in the ledger and the tally) when its replica next reports all its
        rows; until then it is provisional and goes back to the pool if the replica is lost.
        """
        epoch_started, timing = time.perf_counter(), self.report.client
        pool = Pool(self.files, len(self.replicas), self._guess)
        tally, loss, confirmed = _train.EpochTally(), 0.0, []
        self.progress = 0   # raw words of every lease trained this epoch, confirmed or not
        queued = {live.number: collections.deque() for live in self.replicas}
        provisional = {number: [] for number in queued}
        self.leases = dict.fromkeys(queued, 0)
        for _ in range(self.pipeline):
            self._issue(pool, queued, epoch)
        while any(queued.values()) or any(provisional.values()):
            started = time.perf_counter()
            if not any(queued.values()):   # the epoch ends with every row synchronised
                self._flush(queued, provisional, epoch)
            heads = {number: leases[0] for number, leases in queued.items() if leases}
            waited = time.perf_counter()
            done = self._round(heads)
            timing["wait"] += time.perf_counter() - waited
            for number in done:
                queued[number].popleft()
            live_numbers = {live.number for live in self.replicas}
            for number in [number for number in queued if number not in live_numbers]:
                # lost: its provisional and queued leases go back to the front of the pool
                # (a lease it finished this round too: it was lost before the round was combined)
                kept = provisional.pop(number)
                self.progress -= sum(result["raw"] for _, result in kept)
                finished = [heads[number][0]] if done.pop(number, None) is not None else []
                back = ([lease for lease, _ in kept] + finished
                        + [lease for lease, _ in queued.pop(number)])
                for lease in reversed(back):
                    pool.give_back(lease)
            if not self.replicas:
                raise RuntimeError("every Dask worker training this model was lost")
            self.progress += sum(result["raw"] for result in done.values())
            if not self.synchronous:   # the replicas get the next leases while this round is combined
                self._issue_timed(pool, queued, epoch)
            if done:
                combining = time.perf_counter()
                update = {name: combine([result["changes"][name] for result in done.values()],
                                        self.sync.policy, len(done), self._loads(name, done, epoch))
                          for name in self.layers}
                for number, result in done.items():
                    self.unreported[number] = (0 if result["full"]
                                               else self.unreported.get(number, 0) + result["raw"])
                for name, (rows, deltas) in update.items():
                    self.layers[name][as_index(rows)] += deltas
                sending = time.perf_counter()
                timing["combine"] += sending - combining
                self._broadcast(update, done)
                timing["broadcast"] += time.perf_counter() - sending
                for number, result in done.items():
                    self.report.replicas[number] = result["busy"]
                    provisional[number].append((heads[number][0], result))
                    if not result["full"]:
                        continue
                    for lease, kept in provisional[number]:
                        tally.add(kept["raw"], kept["effective"], kept["examples"])
                        if kept["alpha"] is not None:   # the lowest: the latest in the epoch
                            tally.alpha = min(kept["alpha"], tally.alpha or kept["alpha"])
                        loss += kept["loss"]
                        if lease:
                            confirmed.append((number, tuple(lease), kept["examples"], kept["raw"]))
                    provisional[number] = []
                self.report.rounds.append((
                    epoch, len(done), sum(r["raw"] for r in done.values()),
                    sum(_nbytes(r["changes"]) for r in done.values()),
                    _nbytes(update) * len(self.replicas), time.perf_counter() - started,
                    max(r["seconds"][0] for r in done.values())))
            if self.synchronous:   # every replica holds the round's update before it trains on
                settling = time.perf_counter()
                self._settle()
                timing["broadcast"] += time.perf_counter() - settling
                self._issue_timed(pool, queued, epoch)
        self._settle()
        timing["wall"] += time.perf_counter() - epoch_started
        self.report.ledger.append(confirmed)
        return tally, loss

    def _loads(self, name, done, epoch):
        """Per replica of the round `done`, the updates it is expected to have made to each row
        of layer `name` it reports, in steps of the starting learning rate: the row's rate
        times the words the replica trained since it last reported the row (its hot rows: this
        lease; the others: since its last full report) times the learning rate now over the
        starting one. None unless the policy is ``"counts"``."""
        if self.rates is None:
            return None
        loads = []
        start = self.schedule.start_alpha
        decay = (self.schedule.alpha(epoch, self.progress, 0) / start if start > 0 and ALPHA_WEIGHTED
                 else 1.0)
        for number, result in done.items():
            rows = result["changes"][name][0]
            lo, hi = hot_span(name, len(self.layers[name]))
            words = self.unreported.get(number, 0) + result["raw"]
            hot = (rows >= lo) & (rows < hi)
            loads.append(self.rates[name][rows] * (decay * np.where(hot, result["raw"], words)))
        return loads

    def _issue_timed(self, pool, queued, epoch):
        issuing = time.perf_counter()
        self._issue(pool, queued, epoch)
        self.report.client["issue"] += time.perf_counter() - issuing

    def _issue(self, pool, queued, epoch):
        """Queue one more lease on every replica with fewer than ``self.pipeline``, while the pool
        lasts. A lease's progress at start is the words trained so far plus those of the leases
        queued before it (estimated from their bytes); it counts its own words times the
        replicas that have work."""
        want = self._share(pool)
        ahead = sum(self._words_in(lease) for leases in queued.values() for lease, _ in leases)
        wave = []
        for live in self.replicas:
            if pool and len(queued[live.number]) < self.pipeline:
                wave.append((live, pool.take(live.number, want)))
        busy = len({live.number for live, _ in wave} | {n for n, leases in queued.items() if leases})
        for live, lease in wave:
            future = _call(live, "train", lease, epoch, self.progress + ahead, 0, max(busy, 1),
                           self._full(live.number), self.dense)
            queued[live.number].append((lease, future))

    def _full(self, number):
        """Whether replica `number`'s next lease reports all its changed rows."""
        self.leases[number] += 1
        return (self.synchronous or self.sync.policy == "epoch"
                or self.leases[number] % FULL_EVERY == 0)

    def _flush(self, queued, provisional, epoch):
        """Queue on every replica with provisional leases an empty lease that reports all its
        changed rows."""
        for live in self.replicas:
            if provisional.get(live.number):
                future = _call(live, "train", (), epoch, self.progress, 0, len(self.replicas), True,
                               self.dense)
                queued[live.number].append(((), future))

    def _guess(self, path):
        """The uncompressed bytes of a file that cannot be cut: a local compressed file's size
        times ``COMPRESSION_GUESS``, a remote file's one round's worth."""
        if not _shards.is_uri(path) and os.path.isfile(path):
            return os.path.getsize(path) * COMPRESSION_GUESS
        return int(self.round_words * self.bytes_per_word)

    def _words_in(self, lease):
        return sum((end - start if end >= 0 else self._guess(path)) / self.bytes_per_word
                   for path, start, end in lease)

    def _share(self, pool):
        """The bytes of one lease this round: ``round_bytes``, less when the epoch's bytes left
        would not keep every replica busy (never below ``MIN_LEASE_BYTES``)."""
        even = -(-pool.bytes_left() // len(self.replicas))
        if self.round_bytes is None:
            return max(even, 1)
        return max(min(self.round_bytes, even), MIN_LEASE_BYTES)

    def _round(self, heads):
        """Wait for the leases `heads` (``{replica number: (lease, future)}``); returns
        ``{replica number: result}`` of those that finished (the others' workers died and they
        are dropped)."""
        pending = {number: future for number, (_, future) in heads.items()}
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
                if pending:   # wait for one of them (at most POLL: Ctrl-C, lost workers)
                    try:
                        next(iter(pending.values())).result(timeout=POLL)
                    except Exception:   # a timeout, or its error: the loop above takes it
                        pass
        except BaseException:   # Ctrl-C or a replica's error: stop every replica first
            self._stop(pending.values())
            raise
        return done

    def _broadcast(self, update, done):
        """Send a round's update to every replica (its previous one has been folded in first,
        so updates arrive in order)."""
        self._settle()
        self.applying = {live.number: _call(live, "apply", update, live.number in done)
                         for live in self.replicas}

    def _settle(self):
        """Wait until the last update sent is folded in on every live replica."""
        for number, future in self.applying.items():
            try:
                future.result()
            except Exception as error:
                if not _is_lost_worker(error):
                    raise
                self._lose(number, error)
        self.applying = {}

    def _lose(self, number, error):
        live = next((live for live in self.replicas if live.number == number), None)
        if live is None:   # already known lost
            return
        logger.warning("Dask worker %s (replica %i) lost: %s; its unconfirmed shards go to the "
                       "others", live.address, number, error)
        self.report.lost.append(live.address)
        self.replicas.remove(live)
        self.client.cancel([live.future])

    def _stop(self, pending):
        stops = [_call(live, "stop") for live in self.replicas]
        deadline = time.perf_counter() + STOP_TIMEOUT
        for future in stops + list(pending):
            try:
                future.result(timeout=max(0.0, deadline - time.perf_counter()))
            except BaseException:   # Cancelled, a lost worker, a timeout: it has stopped
                pass
