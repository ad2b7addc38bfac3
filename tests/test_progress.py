"""Progress output (w2vlib._progress): training reporters, and meters for vocabulary scans and
for loading and saving vectors files.

References: learning rates computed by hand, file sizes from the file system, row counts of the
files, and the same loads and saves done without progress (the blockwise path must give
identical vectors and bytes).
"""
import bz2
import gzip
import io
import logging
import shutil

import numpy as np
import pytest

from w2vlib import KeyedVectors, PathLineSentences, Word2Vec, _word2vec_format, _progress
from w2vlib._train import EpochTally, Schedule
from w2vlib.cli import main

TOPICS = [["king", "queen", "prince", "princess", "throne", "crown", "royal", "palace"],
          ["ship", "boat", "sail", "sea", "harbour", "captain", "crew", "anchor"]]
SCHEDULE = Schedule(epochs=2, start_alpha=0.025, end_alpha=0.0001, total_words=1000)
PTB_BIN = "vectors/c_tool/ptb_sgns_d50.bin"


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def every_update(monkeypatch):
    """Meters report every update at once: no bar delay, no log period."""
    monkeypatch.setattr(_progress, "BAR_DELAY", 0)
    monkeypatch.setattr(_progress, "LOG_PERIOD", 0)


def progress_lines(caplog):
    return [record.getMessage() for record in caplog.records if record.name == "w2vlib.progress"]


# --- training reporters ------------------------------------------------------------------------

def test_make_progress_choices():
    assert _progress.make_progress(False) is None
    assert isinstance(_progress.make_progress(True, stream=io.StringIO()), _progress.BarProgress)
    assert isinstance(_progress.make_progress(None, stream=io.StringIO()), _progress.LogProgress)
    assert isinstance(_progress.make_progress(None, stream=Terminal()), _progress.BarProgress)


def test_bar_shows_percent_alpha_and_loss():
    stream = io.StringIO()
    report = _progress.make_progress(True, stream=stream, loss=lambda: 1234.5)
    report(EpochTally(raw_words=500, effective_words=400, examples=5), SCHEDULE, 0, 1.0, final=False)
    assert " 50%" in stream.getvalue()
    # halfway through epoch 1 of 2: 0.025 - (0.025 - 0.0001) * 0.25
    assert "alpha=0.018775" in stream.getvalue() and "loss=1234" in stream.getvalue()
    report(EpochTally(raw_words=990, effective_words=800, examples=9), SCHEDULE, 0, 2.0, final=True)
    assert "100%" in stream.getvalue() and report.bar is None
    report(EpochTally(raw_words=10), SCHEDULE, 1, 0.1, final=False)
    assert "epoch 2/2" in stream.getvalue()
    report.close()


def test_log_lines_are_periodic(caplog):
    report = _progress.LogProgress(period=3600)
    with caplog.at_level(logging.INFO, logger="w2vlib.progress"):
        for words in (100, 200, 300):
            report(EpochTally(raw_words=words, effective_words=words), SCHEDULE, 0, 1.0, final=False)
        report(EpochTally(raw_words=1000, effective_words=900), SCHEDULE, 0, 2.0, final=True)
    messages = progress_lines(caplog)
    assert len(messages) == 2
    assert messages[0].startswith("epoch 1/2: 10.0% of words") and "alpha 0.023755" in messages[0]
    assert messages[1].startswith("epoch 1/2: done in 2.0 s, 1,000 words") and "words/s 450" in messages[1]


def test_training_draws_a_bar(capsys):
    sentences = [TOPICS[0], TOPICS[1]] * 50
    model = Word2Vec(vector_size=8, min_count=1, workers=1, epochs=2)
    model.build_vocab(sentences)
    model.train(sentences, total_examples=model.corpus_count, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "epoch 1/2" in err and "epoch 2/2" in err and "100%" in err


# --- meters ------------------------------------------------------------------------------------

def test_make_meter_choices():
    assert _progress.make_meter(False, "x") is None
    assert isinstance(_progress.make_meter(True, "x", stream=io.StringIO()), _progress.BarMeter)
    assert isinstance(_progress.make_meter(None, "x", stream=io.StringIO()), _progress.LogMeter)
    assert isinstance(_progress.make_meter(None, "x", stream=Terminal()), _progress.BarMeter)


def test_short_steps_stay_silent(caplog):
    stream = io.StringIO()
    bar = _progress.make_meter(True, "quick", 10, stream=stream)       # default 1 s delay
    log = _progress.make_meter(None, "quick", 10, stream=io.StringIO())  # default 5 s period
    with caplog.at_level(logging.INFO, logger="w2vlib.progress"):
        for meter in (bar, log):
            meter.update(10)
            meter.close()
    assert stream.getvalue() == "" and progress_lines(caplog) == []


def test_log_meter_lines(caplog):
    meter = _progress.LogMeter("scanning", 4 << 20, "B", period=0)
    with caplog.at_level(logging.INFO, logger="w2vlib.progress"):
        meter.update(1 << 20)
        meter.update(4 << 20)
        meter.close()
    lines = progress_lines(caplog)
    assert len(lines) == 3
    assert lines[0].startswith("scanning: 25.0% 1.0 MiB, ")
    assert lines[2].startswith("scanning: done, 100.0% 4.0 MiB, ")


def test_bar_meter_counts_without_a_total():
    stream = io.StringIO()
    meter = _progress.make_meter(True, "reading", None, "sentences", stream=stream, delay=0)
    meter.update(1500)
    meter.close()
    assert "reading: 1.50k" in stream.getvalue() and "%" not in stream.getvalue()


@pytest.mark.parametrize("readinto", [True, False])
def test_byte_counter_passes_data_through(readinto):
    class Tally:
        done = None

        def update(self, done):
            self.done = done

    class ReadOnly:
        def __init__(self, data):
            self.inner = io.BytesIO(data)

        def read(self, size=-1):
            return self.inner.read(size)

    data = bytes(range(256)) * 10
    source = io.BytesIO(data) if readinto else ReadOnly(data)
    tally = Tally()
    reader = _progress.ByteCounter(source, tally, offset=7)
    buffer = bytearray(1000)
    assert reader.readinto(buffer) == 1000 and bytes(buffer) == data[:1000]
    assert reader.read() == data[1000:] and tally.done == 7 + len(data)


# --- vocabulary scans --------------------------------------------------------------------------

def last_line(caplog, prefix):
    lines = [line for line in progress_lines(caplog) if line.startswith(prefix)]
    assert lines, progress_lines(caplog)
    return lines[-1]


def test_file_scan_reports_every_byte(data_dir, every_update, caplog):
    path = data_dir / "corpus_small.txt"
    model = Word2Vec(min_count=1)
    with caplog.at_level(logging.INFO, logger="w2vlib.progress"):
        model.build_vocab(corpus_file=str(path), progress=None)
    size_mib = path.stat().st_size / (1 << 20)
    assert last_line(caplog, "scanning the vocabulary: done").startswith(
        f"scanning the vocabulary: done, 100.0% {size_mib:,.1f} MiB")


def test_scan_of_several_files_has_one_total(data_dir, tmp_path, every_update, capsys):
    text = (data_dir / "corpus_small.txt").read_bytes()
    cut = text.index(b"\n", len(text) // 3) + 1
    for name, part in (("a.txt", text[:cut]), ("b.txt", text[cut:])):
        (tmp_path / name).write_bytes(part)
    reference = Word2Vec(min_count=1)
    reference.build_vocab(corpus_file=str(data_dir / "corpus_small.txt"))
    model = Word2Vec(min_count=1)
    model.build_vocab(PathLineSentences(str(tmp_path)), progress=True)
    bar = capsys.readouterr().err
    assert "scanning the vocabulary: 100%" in bar and "587k/587k" in bar  # 601,441 B in KiB
    assert model.corpus_total_words == reference.corpus_total_words


@pytest.mark.parametrize("opener", [gzip.open, bz2.open])
def test_compressed_scan_counts_decompressed_bytes(data_dir, tmp_path, opener, every_update, caplog):
    source = data_dir / "corpus_small.txt"
    path = tmp_path / ("corpus.txt.gz" if opener is gzip.open else "corpus.txt.bz2")
    with open(source, "rb") as fin, opener(path, "wb") as fout:
        shutil.copyfileobj(fin, fout)
    with caplog.at_level(logging.INFO, logger="w2vlib.progress"):
        Word2Vec(min_count=1).build_vocab(corpus_file=str(path), progress=None)
    size_mib = source.stat().st_size / (1 << 20)
    assert last_line(caplog, "scanning the vocabulary: done") \
        .startswith(f"scanning the vocabulary: done, {size_mib:,.1f} MiB")   # no total known


def test_iterable_scan_counts_sentences(every_update, capsys):
    sentences = [TOPICS[0], TOPICS[1]] * 5000
    Word2Vec(min_count=1).build_vocab(sentences, progress=True, progress_per=1000)
    bar = capsys.readouterr().err
    assert "scanning the vocabulary: 100%" in bar and "10.0k/10.0k" in bar


def test_no_progress_by_default(data_dir, every_update, caplog, capsys):
    with caplog.at_level(logging.INFO, logger="w2vlib.progress"):
        Word2Vec(min_count=1).build_vocab(corpus_file=str(data_dir / "corpus_small.txt"))
        KeyedVectors.load_word2vec_format(data_dir / PTB_BIN, binary=True)
    assert progress_lines(caplog) == [] and capsys.readouterr().err == ""


# --- loads and saves ---------------------------------------------------------------------------

def compress(path, tmp_path):
    target = tmp_path / (path.name + ".gz")
    with open(path, "rb") as fin, gzip.open(target, "wb") as fout:
        shutil.copyfileobj(fin, fout)
    return target


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("limit", [None, 250])
def test_blockwise_load_reads_the_same_vectors(data_dir, tmp_path, monkeypatch, every_update,
                                               caplog, binary, compressed, limit):
    path = data_dir / PTB_BIN
    if not binary:
        path = tmp_path / "ptb.txt"
        KeyedVectors.load_word2vec_format(data_dir / PTB_BIN, binary=True).save_word2vec_format(path)
    reference = KeyedVectors.load_word2vec_format(path, binary=binary, limit=limit)
    if compressed:
        path = compress(path, tmp_path)
    monkeypatch.setattr(_word2vec_format, "PROGRESS_ROWS", 7)   # many blocks, the last one partial
    monkeypatch.setattr(_word2vec_format, "GROWTH_START_BYTES", 1000)  # and many reallocations
    with caplog.at_level(logging.INFO, logger="w2vlib.progress"):
        kv = KeyedVectors.load_word2vec_format(path, binary=binary, limit=limit, progress=None)
    assert kv.index_to_key == reference.index_to_key
    np.testing.assert_array_equal(kv.vectors, reference.vectors)
    rows = len(reference)
    lines = [line for line in progress_lines(caplog) if line.startswith(f"loading {path.name}")]
    first = int(lines[0].split("% ")[1].split()[0])   # at most one block (or the first capacity)
    assert 0 < first <= 7 and lines[0].startswith(f"loading {path.name}: {100 * first / rows:.1f}% ")
    assert lines[-1].startswith(f"loading {path.name}: done, 100.0% {rows:,} vectors")


def test_load_of_a_truncated_file_still_fails_at_its_end(data_dir, tmp_path, monkeypatch,
                                                         every_update):
    data = (data_dir / PTB_BIN).read_bytes()
    path = tmp_path / "truncated.bin"
    path.write_bytes(data[:len(data) // 2])
    plain = pytest.raises(ValueError, KeyedVectors.load_word2vec_format, path, binary=True)
    monkeypatch.setattr(_word2vec_format, "PROGRESS_ROWS", 7)
    with pytest.raises(ValueError) as blockwise:
        KeyedVectors.load_word2vec_format(path, binary=True, progress=None)
    assert str(blockwise.value) == str(plain.value) and "truncated.bin" in str(plain.value)


@pytest.mark.parametrize("binary", [True, False])
def test_save_with_progress_writes_the_same_bytes(data_dir, tmp_path, monkeypatch, every_update,
                                                  capsys, binary):
    kv = KeyedVectors.load_word2vec_format(data_dir / PTB_BIN, binary=True)
    kv.save_word2vec_format(tmp_path / "plain", binary=binary)
    monkeypatch.setattr(_word2vec_format, "WRITE_BLOCK_ROWS", 100)
    kv.save_word2vec_format(tmp_path / "shown", binary=binary, progress=True)
    bar = capsys.readouterr().err
    assert (tmp_path / "shown").read_bytes() == (tmp_path / "plain").read_bytes()
    assert "saving shown: 100%" in bar and f"{len(kv) / 1000:.2f}k/{len(kv) / 1000:.2f}k" in bar


def test_cli_convert_shows_progress_unless_quiet(data_dir, tmp_path, every_update, capsys):
    source, target = data_dir / PTB_BIN, tmp_path / "out.txt"
    assert main(["convert", str(source), str(target)]) == 0
    shown = capsys.readouterr().err
    assert "loading ptb_sgns_d50.bin: done, 100.0%" in shown and "saving out.txt: done, 100.0%" in shown
    assert main(["convert", str(source), str(target), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
