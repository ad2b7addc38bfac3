"""The worker's side of training on a Dask cluster: one :class:`Replica` per Dask worker (a Dask
actor), driven by the client's :class:`w2vlib._dask_train.Trainer`.

A replica holds a copy of the model's weights, the multi-threaded nogil
:class:`w2vlib._train.Engine` over them and the sync buffer. It trains *leases* (line-aligned byte
ranges of plain files, or whole compressed or remote files, which it opens itself), reports the
rows it changed as deltas, and folds in the combined updates the client sends back, while it
trains the next lease.

>>> layer = np.zeros((5, 2), dtype=np.float32)
>>> base = layer.copy()
>>> layer[[1, 3], 0] = 1.0
>>> rows, deltas = take_changes(layer, base)
>>> rows.tolist(), deltas[:, 0].tolist(), np.array_equal(base, layer)
([1, 3], [1.0, 1.0], True)
>>> layer[[1, 3], 1] = 2.0                     # 2 of 5 rows changed: a whole block from 40%
>>> rows, deltas = take_changes(layer, base, dense_share=0.4)
>>> rows.tolist(), deltas[:, 1].tolist()
([0, 1, 2, 3, 4], [0.0, 2.0, 0.0, 2.0, 0.0])
>>> as_index(np.array([4, 5, 6])), as_index(np.array([1, 3])).tolist()
(slice(4, 7, None), [1, 3])
"""
import asyncio
import collections
import threading
import time
import weakref

import numpy as np

from w2vlib import _heap, _reader, _shards, _train
from w2vlib.errors import ShardError

#: Rows compared at a time when finding changed rows (bounds the comparison's scratch memory).
COMPARE_BLOCK_ROWS = 1 << 14
#: Hot rows: the rows of the HOT_ROWS most frequent words (input vectors, syn1neg) and of the
#: HOT_ROWS Huffman inner nodes nearest the root (syn1), reported after every lease; the others
#: only when the client asks for a full report (pWord2Vec's tiers, in two: docs/distributed.md).
HOT_ROWS = 4096
#: A full report whose changed rows are at least this share of a layer sends the whole layer's
#: deltas as one block (unchanged rows as zeros) when the client allows it (``dense`` in
#: :meth:`Replica.train`): contiguous arithmetic on both sides instead of gathers and scatters.
DENSE_SHARE = 0.5
#: Each replica's random streams: ``Engine`` stream ``train_call * STREAMS_PER_CALL + replica + 1``.
STREAMS_PER_CALL = 1 << 16


class Cancelled(Exception):
    """Raised in a replica's training threads once the client asked it to stop."""


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


def take_changes(layer, base, dense_share=None):
    """The rows (int32) where `layer` differs from `base` and their deltas ``layer - base``;
    `base` becomes a copy of `layer`. One subtraction and one copy per block of
    ``COMPARE_BLOCK_ROWS`` rows (their deltas, one layer's worth, are kept until the changed
    rows are counted). With `dense_share`,
    when at least that share of the rows changed, every row is returned (the unchanged ones
    with zero deltas)."""
    blocks = []   # (first row, deltas, changed rows within) per block
    for start in range(0, len(layer), COMPARE_BLOCK_ROWS):
        block = slice(start, start + COMPARE_BLOCK_ROWS)
        diff = layer[block] - base[block]
        blocks.append((start, diff, np.flatnonzero(diff.any(axis=1))))
        base[block] = layer[block]
    changed = sum(len(within) for _, _, within in blocks)
    if dense_share is not None and len(layer) and changed >= dense_share * len(layer):
        return (np.arange(len(layer), dtype=np.int32),
                np.concatenate([diff for _, diff, _ in blocks]))
    return (np.concatenate([np.empty(0, np.int32)]
                           + [(start + within).astype(np.int32) for start, _, within in blocks]),
            np.concatenate([np.empty((0,) + layer.shape[1:], layer.dtype)]
                           + [diff[within] for _, diff, within in blocks]))


def hot_span(name, rows):
    """``(lo, hi)``: the hot rows of layer `name` of `rows` rows (``HOT_ROWS`` at its start; at
    its end for ``syn1``, whose root is the last row)."""
    return (max(0, rows - HOT_ROWS), rows) if name == "syn1" else (0, min(HOT_ROWS, rows))


def as_index(rows):
    """`rows` (sorted, distinct) as a slice when they are contiguous (numpy then adds and
    copies rows in place instead of gathering and scattering them), else as they are."""
    if len(rows) and rows[-1] - rows[0] == len(rows) - 1:
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _rehome_weights(model):
    """Give `model`'s weights memory of numpy's own: unpickled, they live in the buffers the
    message arrived in, which the kernel backs with 4 KiB pages, where numpy asks for huge pages
    (``madvise``) for an array of megabytes, so the kernels' random row accesses miss the TLB
    less (in an ad-hoc timing, one process training weights held in such buffers ran 3–5%
    slower: docs/distributed.md)."""
    model.wv.vectors = model.wv.vectors.copy()
    for name in ("_syn1", "_syn1neg"):
        if getattr(model, name) is not None:
            setattr(model, name, getattr(model, name).copy())


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
        _heap.hold()   # the rounds' buffers are reused, not mapped afresh (until the replica goes)
        weakref.finalize(self, _heap.release)
        _rehome_weights(model)
        self.layers = {name: layer for name, layer in (
            ("vectors", model.wv.vectors), ("syn1", model._syn1), ("syn1neg", model._syn1neg))
            if layer is not None}
        #: the sync buffer: the synchronised weights plus this replica's changes already sent
        self.reported = {name: layer.copy() for name, layer in self.layers.items()}
        #: changes sent whose round's update has not come back yet, oldest first
        self.sent = collections.deque()
        self.lock = threading.Lock()   # between the end of a lease and an update
        self.engine = _train.Engine(
            model._kernel(compute_loss), model.vector_size, model.workers, model.batch_words,
            model.seed, model.wv.key_to_index, _reader.VocabIndex(model.wv.index_to_key),
            stream=model.train_calls * STREAMS_PER_CALL + number + 1)
        self.schedule = schedule
        self.cancelled = threading.Event()
        #: seconds spent training, finding and sending changed rows, folding in updates
        self.busy = {"train": 0.0, "report": 0.0, "apply": 0.0}

    def train(self, lease, epoch, words, examples, replicas, full, dense=False):
        """Train the shards of `lease` (``(path, start, end)`` each); returns the tallies and
        the rows changed since they were last reported as ``{layer: (rows, deltas)}`` — all
        rows if `full` (as one block of the whole layer where ``DENSE_SHARE`` of them changed,
        if `dense`), else the hot rows only. `words` and `examples` are the epoch's progress
        over all replicas when the lease starts."""
        progress = _GlobalProgress(self.schedule, words, examples, replicas, self.cancelled)
        plain = [(path, True, _reader.MAX_WORDS_IN_BATCH, start, end)
                 for path, start, end in lease if end >= 0]
        streamed = [(path, True, _reader.MAX_WORDS_IN_BATCH) for path, start, end in lease if end < 0]
        done = {"raw": 0, "effective": 0, "examples": 0, "loss": 0.0, "alpha": None}
        started = time.perf_counter()
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
        trained = time.perf_counter()
        with self.lock:
            changes = {}
            for name, layer in self.layers.items():
                reported = self.reported[name]
                if full:
                    changes[name] = take_changes(layer, reported, DENSE_SHARE if dense else None)
                    continue
                # hot rows change in every lease: they are sent whole, without a comparison
                lo, hi = hot_span(name, len(layer))
                changes[name] = (np.arange(lo, hi, dtype=np.int32), layer[lo:hi] - reported[lo:hi])
                reported[lo:hi] = layer[lo:hi]
            self.sent.append(changes)
        done["changes"] = changes
        done["full"] = full
        done["seconds"] = (trained - started, time.perf_counter() - trained)
        self.busy["train"] += done["seconds"][0]
        self.busy["report"] += done["seconds"][1]
        done["busy"] = dict(self.busy)
        return done

    def _apply(self, update, mine):
        started = time.perf_counter()
        with self.lock:
            own = self.sent.popleft() if mine else {}
            for name, (rows, deltas) in update.items():
                if name in own:   # this replica's own changes are in its weights already
                    own_rows, own_deltas = own[name]
                    if len(own_rows) == len(rows):   # the same rows (own_rows is a subset)
                        deltas = deltas - own_deltas
                    else:
                        deltas = deltas.copy()
                        deltas[np.searchsorted(rows, own_rows)] -= own_deltas
                at = as_index(rows)
                self.layers[name][at] += deltas
                self.reported[name][at] += deltas
        self.busy["apply"] += time.perf_counter() - started

    async def apply(self, update, mine):
        """Fold in a round's combined `update` (``{layer: (rows, deltas)}``), in round order;
        `mine` says whether this replica's changes are in it. Runs beside a lease in training
        (on the worker's event loop, the arithmetic in a thread)."""
        await asyncio.to_thread(self._apply, update, mine)

    async def stop(self):
        """Stop training (runs on the worker's event loop, beside a running ``train``)."""
        self.cancelled.set()
