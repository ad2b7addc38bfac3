"""Training on a Dask LocalCluster: planted structure is learnt with 2 and 4 replicas, every line
is trained exactly once per epoch (a tally against the files' own lines), the learning rate
follows all replicas together, a worker killed mid-training, Ctrl-C on the client."""
import gzip
import os
import signal
import threading
import time
import _thread

import numpy as np
import pytest

from w2vlib import Word2Vec, _dask_train

distributed = pytest.importorskip("distributed")

from cluster import local_cluster  # noqa: E402

GROUPS = [["red", "green", "blue", "yellow"], ["one", "two", "three", "four"],
          ["cat", "dog", "horse", "cow"], ["paris", "rome", "berlin", "madrid"]]
MODES = {"sg-ns": dict(sg=1, hs=0, negative=5), "cbow-hs": dict(sg=0, hs=1, negative=0)}
PLANTED = dict(vector_size=20, window=3, min_count=1, sample=0, workers=1, seed=3)


def write_planted(folder, sentences=3000, parts=3, seed=0):
    """Sentences drawn from one group each, in `parts` files (the last gzipped); returns the
    paths and the lines."""
    rng = np.random.default_rng(seed)
    lines = [" ".join(rng.choice(GROUPS[rng.integers(len(GROUPS))], size=8)) + "\n"
             for _ in range(sentences)]
    paths = []
    for k in range(parts):
        data = "".join(lines[k::parts]).encode()
        path = folder / (f"part-{k}.txt.gz" if k == parts - 1 else f"part-{k}.txt")
        path.write_bytes(gzip.compress(data) if k == parts - 1 else data)
        paths.append(str(path))
    return paths, lines


def assert_groups_learnt(model):
    for group in GROUPS:
        for word in group:
            neighbours = {w for w, _ in model.wv.most_similar(word, topn=3)}
            assert neighbours == set(group) - {word}, (word, neighbours)


def assert_each_line_once(model, paths, lines, epochs):
    """The ledger's confirmed leases cover every byte of every plain file once, every
    compressed file once, and add up to the files' sentences and words, in every epoch."""
    report = model.distributed_report
    assert len(report.ledger) == epochs
    for leases in report.ledger:
        pieces = sorted(piece for _, lease, _, _ in leases for piece in lease)
        for path in paths:
            mine = [(start, end) for p, start, end in pieces if p == path]
            if path.endswith(".gz"):
                assert mine == [(0, -1)]
            else:
                assert mine[0][0] == 0 and mine[-1][1] == os.path.getsize(path)
                assert all(a[1] == b[0] for a, b in zip(mine, mine[1:])), mine
        assert sum(sentences for _, _, sentences, _ in leases) == len(lines)
        assert sum(words for *_, words in leases) == sum(len(line.split()) for line in lines)


@pytest.mark.parametrize("mode, synchronous", [("sg-ns", None), ("cbow-hs", None),
                                               ("sg-ns", True)])
def test_planted_groups_are_learnt_by_2_replicas(dask_client, tmp_path, mode, synchronous):
    paths, lines = write_planted(tmp_path)
    model = Word2Vec(**PLANTED, **MODES[mode])
    model.build_vocab(corpus_file=paths, client=dask_client)
    effective, raw = model.train(corpus_file=paths, client=dask_client, epochs=4,
                                 total_words=model.corpus_total_words, sync_words=3000,
                                 synchronous=synchronous)
    assert raw == 4 * model.corpus_total_words
    assert_each_line_once(model, paths, lines, epochs=4)
    assert_groups_learnt(model)
    rounds = model.distributed_report.rounds
    assert len(rounds) > 4 and max(replicas for _, replicas, *_ in rounds) == 2
    assert model.distributed_report.synchronous is bool(synchronous)
    rows = sum(len(layer) for layer in (model.wv.vectors, model.syn1neg if model.negative else model.syn1))
    bytes_up = [round_[3] for round_ in rounds]
    assert 0 < max(bytes_up) <= 2 * rows * (4 + 4 * 20)


def test_planted_groups_are_learnt_by_4_replicas(tmp_path):
    paths, lines = write_planted(tmp_path, parts=4)
    with local_cluster(distributed, 4) as client:
        model = Word2Vec(corpus_file=paths, client=client, epochs=4, **PLANTED, **MODES["sg-ns"])
    assert model.corpus_count == len(lines)
    assert_each_line_once(model, paths, lines, epochs=4)
    assert_groups_learnt(model)
    assert max(replicas for _, replicas, *_ in model.distributed_report.rounds) == 4
    assert model.distributed_report.synchronous      # the default beyond two replicas


def test_rounds_are_synchronous_beyond_two_replicas_unless_told():
    assert [_dask_train.Sync().is_synchronous(r) for r in (1, 2, 3, 8)] == [False, False, True, True]
    assert _dask_train.Sync(synchronous=False).is_synchronous(8) is False
    assert _dask_train.Sync(synchronous=True).is_synchronous(2) is True
    with pytest.raises(TypeError, match="synchronous must be True, False or None"):
        _dask_train.Sync(synchronous="yes")


def test_the_learning_rate_follows_all_replicas_together(dask_client, tmp_path):
    """Each replica decays alpha by the words of all: at the end of the only epoch alpha is
    near min_alpha (decaying by its own words only, it would stop near alpha / 2)."""
    paths, _ = write_planted(tmp_path, parts=2)
    model = Word2Vec(**PLANTED, alpha=0.025, min_alpha=0.0001)
    model.build_vocab(corpus_file=paths, client=dask_client)
    model.train(corpus_file=paths, client=dask_client, epochs=1,
                total_words=model.corpus_total_words, sync_words=2000)
    assert model.min_alpha_yet_reached < 0.025 * 0.15


def worker_pid(client, address):
    return client.run(os.getpid, workers=[address])[address]


def test_a_worker_killed_mid_training_leaves_the_others_going(tmp_path):
    paths, lines = write_planted(tmp_path, sentences=6000)
    with local_cluster(distributed, 3) as client:
        victim = sorted(client.scheduler_info()["workers"])[1]
        pid = worker_pid(client, victim)
        model = Word2Vec(**PLANTED, **MODES["sg-ns"])
        model.build_vocab(corpus_file=paths, client=client)

        def kill_after_two_rounds():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                report = getattr(model, "distributed_report", None)
                if report is not None and len(report.rounds) >= 2:
                    os.kill(pid, signal.SIGKILL)
                    return
                time.sleep(0.005)

        killer = threading.Thread(target=kill_after_two_rounds)
        killer.start()
        effective, raw = model.train(corpus_file=paths, client=client, epochs=3,
                                     total_words=model.corpus_total_words, sync_words=1500)
        killer.join()
    report = model.distributed_report
    assert report.lost == [victim]
    assert raw == 3 * model.corpus_total_words
    assert_each_line_once(model, paths, lines, epochs=3)
    assert report.rounds[0][1] == 3 and report.rounds[-1][1] <= 2
    assert np.isfinite(model.wv.vectors).all()
    assert_groups_learnt(model)


def engine_threads():
    return sum("guarded" in thread.name for thread in threading.enumerate())


@pytest.fixture
def sigint_raises():
    """Ctrl-C raises KeyboardInterrupt during the test even where the run inherited SIGINT
    ignored (a job started in the background by a shell without job control), in which case
    ``_thread.interrupt_main()`` does nothing."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_on_the_client_stops_the_workers(dask_client, tmp_path, sigint_raises):
    """With Spark's policy a round is a whole epoch: Ctrl-C in the middle of it stops every
    replica's threads, and the client's model keeps the last synchronised weights."""
    paths, _ = write_planted(tmp_path, sentences=100_000, parts=2)
    model = Word2Vec(**{**PLANTED, "vector_size": 100, "window": 5})
    model.build_vocab(corpus_file=paths, client=dask_client)
    before = model.wv.vectors.copy()

    # Ctrl-C arrives once a worker's engine threads are running (the first epoch's only round;
    # waiting for both could outlast it on a loaded machine, where one replica may finish its
    # lease before the other starts)
    def interrupt_when_training():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(dask_client.run(engine_threads).values()):
                _thread.interrupt_main()
                return
            time.sleep(0.01)

    interrupter = threading.Thread(target=interrupt_when_training)
    interrupter.start()
    with pytest.raises(KeyboardInterrupt):
        model.train(corpus_file=paths, client=dask_client, epochs=2, sync="epoch",
                    total_words=model.corpus_total_words)
    interrupted = time.monotonic()
    interrupter.join()
    assert model.distributed_report.rounds == []
    np.testing.assert_array_equal(model.wv.vectors, before)
    while any(dask_client.run(engine_threads).values()):
        assert time.monotonic() - interrupted < _dask_train.STOP_TIMEOUT
        time.sleep(0.05)


def test_a_shard_that_cannot_be_read_in_training_is_named(dask_client, tmp_path):
    """The vocabulary comes from readable files; training is then given a missing one and an
    unreadable URI: the error names it, and the client's model keeps its last synced weights."""
    from w2vlib.errors import ShardError
    paths, _ = write_planted(tmp_path, parts=2)
    model = Word2Vec(**PLANTED)
    model.build_vocab(corpus_file=paths, client=dask_client)
    for bad in (str(tmp_path / "part-missing.txt"), "nosuchscheme://bucket/part-9.txt"):
        with pytest.raises(ShardError, match=bad.replace(".", r"\.")):
            model.train(corpus_file=paths + [bad], client=dask_client, epochs=1,
                        total_words=model.corpus_total_words)
        assert np.isfinite(model.wv.vectors).all()


def test_a_callback_failing_at_train_begin_releases_the_replicas(dask_client, tmp_path):
    """The trainer is closed whatever fails once it exists: the client's settings and heap are
    as before and the workers hold no replica."""
    from w2vlib import _heap
    from w2vlib.callbacks import CallbackAny2Vec

    class Failing(CallbackAny2Vec):
        def on_train_begin(self, model):
            raise RuntimeError("no training today")

    paths, _ = write_planted(tmp_path)
    model = Word2Vec(**PLANTED, **MODES["sg-ns"])
    model.build_vocab(corpus_file=paths, client=dask_client)
    direct, holders = dask_client.direct_to_workers, _heap._holders
    with pytest.raises(RuntimeError, match="no training today"):
        model.train(corpus_file=paths, client=dask_client, epochs=1, callbacks=[Failing()],
                    total_words=model.corpus_total_words)
    assert (dask_client.direct_to_workers, _heap._holders) == (direct, holders)
    deadline = time.monotonic() + 30
    while any(dask_client.run(lambda dask_worker: len(dask_worker.state.actors)).values()):
        assert time.monotonic() < deadline, "a replica outlived its training"
        time.sleep(0.1)


def test_a_replica_trains_weights_in_memory_of_its_own(tmp_path):
    """The weights reach a worker inside the buffers of the message (pickle's out-of-band
    buffers, as Dask sends them); the replica trains and reports copies numpy allocated (which
    asks the kernel for huge pages), not arrays over those buffers."""
    import pickle
    from w2vlib._dask_replica import Replica
    from w2vlib._train import Schedule
    paths, _ = write_planted(tmp_path, sentences=300, parts=2)   # paths[0]: a plain file
    model = Word2Vec(**PLANTED)
    model.build_vocab(corpus_file=paths[0])
    buffers = []
    message = pickle.dumps(model, protocol=5, buffer_callback=buffers.append)
    arrived = pickle.loads(message, buffers=[bytearray(b.raw()) for b in buffers])
    assert not arrived.wv.vectors.flags.owndata
    replica = Replica(0, arrived, False, Schedule(epochs=1, start_alpha=0.025, end_alpha=1e-4,
                                                  total_words=model.corpus_total_words))
    assert set(replica.layers) == {"vectors", "syn1neg"}
    assert all(layer.flags.owndata for layer in replica.layers.values())
    before = {name: layer.copy() for name, layer in replica.layers.items()}
    result = replica.train([(paths[0], 0, os.path.getsize(paths[0]))], 0, 0, 0, 1, full=True)
    assert result["raw"] == model.corpus_total_words
    for name, layer in replica.layers.items():
        rows, deltas = result["changes"][name]
        assert len(rows) > 0
        np.testing.assert_allclose(deltas, (layer - before[name])[rows], atol=1e-6)
