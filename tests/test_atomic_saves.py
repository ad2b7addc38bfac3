"""Atomic and durable saves: a process killed while saving leaves the previous files intact.

A child process saves a large model over an existing file and is SIGKILLed part-way: while
writing the data (paused after ``PAUSE_BYTES`` at the file-object level, so the kill lands
mid-write on any disk), after the data is written and fsynced but before the rename, or at a
random moment of a save loop. The previous file must be byte-for-byte intact and loadable, and
the leftover temporary file must be hidden and never picked up as the target. In-process, every
save path is checked to fsync its data before the rename and then fsync the folder; vectors
and their vocabulary file are both fsynced before either is renamed.
"""
import os
import pathlib
import random
import select
import signal
import subprocess
import stat
import sys
import textwrap
import time

import numpy as np
import pytest

from w2vlib import KeyedVectors, Word2Vec
from w2vlib._convert import write_vocab_file

ROOT = pathlib.Path(__file__).resolve().parent.parent
ROWS, DIMS = 20000, 50               # about 4 MB binary/native, 11 MB text
OLD_ROWS = 300
PAUSE_BYTES = 1 << 20
WAIT_SECONDS = 60
LOOP_KILLS = 3
#: (format, target name, save call on kv with the target path, loader of the target).
FORMATS = {
    "native": ("model.kv", "kv.save(target)", lambda p: KeyedVectors.load(p)),
    "text": ("vectors.txt", "kv.save_word2vec_format(target)", lambda p: KeyedVectors.load_word2vec_format(p)),
    "binary": ("vectors.bin", "kv.save_word2vec_format(target, binary=True)",
               lambda p: KeyedVectors.load_word2vec_format(p, binary=True)),
    "fvocab": ("vectors.txt", "kv.save_word2vec_format(target, fvocab=target + '.vocab')",
               lambda p: KeyedVectors.load_word2vec_format(p, fvocab=f"{p}.vocab")),
}

CHILD = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    import w2vlib._atomic as atomic
    from w2vlib import KeyedVectors

    target, pause, save = sys.argv[1], sys.argv[2], sys.argv[3]
    rng = np.random.default_rng(7)
    kv = KeyedVectors({dims})
    kv.add_vectors([f"new{{i}}" for i in range({rows})], rng.standard_normal(({rows}, {dims})).astype(np.float32))
    kv.expandos["count"] = np.arange({rows}, 0, -1)

    def hold():
        print("paused", flush=True)
        time.sleep(600)

    class Pausing:
        def __init__(self, inner):
            self.inner, self.written = inner, 0
        def write(self, data):
            self.inner.write(data)
            self.written += len(data)
            if self.written >= {pause_bytes}:
                hold()
        def __getattr__(self, name):
            return getattr(self.inner, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self.inner.close()

    if pause == "write":
        wrap = atomic.compression_wrapper
        atomic.compression_wrapper = lambda raw, mode, filename: Pausing(wrap(raw, mode, filename=filename))
    elif pause == "rename":
        os.replace = lambda *args: hold()
    if pause == "loop":
        print("looping", flush=True)
        while True:
            exec(save)
    exec(save)
    print("finished", flush=True)
""").format(dims=DIMS, rows=ROWS, pause_bytes=PAUSE_BYTES)


def old_vectors():
    kv = KeyedVectors(DIMS)
    kv.add_vectors([f"old{i}" for i in range(OLD_ROWS)], np.ones((OLD_ROWS, DIMS), np.float32))
    kv.expandos["count"] = np.arange(OLD_ROWS, 0, -1)
    return kv


def start_child(target, pause, save):
    env = dict(os.environ, PYTHONPATH=str(ROOT))      # this tree's w2vlib, whatever is installed
    return subprocess.Popen([sys.executable, "-c", CHILD, str(target), pause, save],
                            stdout=subprocess.PIPE, env=env)


def wait_for(child, word):
    """Wait until the child prints ``word`` (it then holds, or is saving in a loop)."""
    ready, _, _ = select.select([child.stdout], [], [], WAIT_SECONDS)
    if not ready:
        child.kill()
        pytest.fail(f"the child said nothing for {WAIT_SECONDS} s")
    line = child.stdout.readline().decode().strip()
    assert line == word, f"child said {line!r}, exit code {child.poll()}"


def kill(child):
    child.send_signal(signal.SIGKILL)
    child.wait(WAIT_SECONDS)
    assert child.returncode == -signal.SIGKILL


def visible_files(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def check_leftovers(folder, names):
    """Visible files are exactly the targets; leftovers are hidden ``.name.*.tmp`` files."""
    assert visible_files(folder) == sorted(names)
    for path in folder.iterdir():
        if path.name.startswith("."):
            assert path.name.endswith(".tmp") and any(path.name.startswith(f".{n}.") for n in names)


@pytest.mark.parametrize("pause", ["write", "rename"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_killed_save_leaves_the_previous_file_intact(tmp_path, fmt, pause):
    name, save, load = FORMATS[fmt]
    target = tmp_path / name
    exec(save, {"kv": old_vectors(), "target": str(target)})
    names = [p.name for p in tmp_path.iterdir()]
    before = {n: (tmp_path / n).read_bytes() for n in names}
    child = start_child(target, pause, save)
    wait_for(child, "paused")
    kill(child)
    assert {n: (tmp_path / n).read_bytes() for n in names} == before
    loaded = load(str(target))
    assert loaded.index_to_key == [f"old{i}" for i in range(OLD_ROWS)]
    check_leftovers(tmp_path, names)
    assert [p.name for p in tmp_path.glob("*" + target.suffix)] == [name]


@pytest.mark.parametrize("fmt", ["native", "binary"])
def test_kill_at_random_moments_of_a_save_loop_never_leaves_a_partial_file(tmp_path, fmt):
    """The target is always one complete save: the previous one or the new one."""
    name, save, load = FORMATS[fmt]
    target = tmp_path / name
    exec(save, {"kv": old_vectors(), "target": str(target)})
    old = target.read_bytes()
    rng = random.Random(5)
    for _ in range(LOOP_KILLS):
        child = start_child(target, "loop", save)
        wait_for(child, "looping")
        time.sleep(rng.uniform(0.2, 0.8))
        kill(child)
        current = target.read_bytes()
        keys = load(str(target)).index_to_key
        assert current == old or keys == [f"new{i}" for i in range(ROWS)]
        check_leftovers(tmp_path, [name])


def save_calls(folder):
    kv = old_vectors()
    model = Word2Vec([["a", "b", "c"]] * 20, vector_size=4, min_count=1, workers=1, epochs=1)
    return {
        "KeyedVectors.save": (lambda: kv.save(folder / "m.kv"), ["m.kv"]),
        "Word2Vec.save": (lambda: model.save(folder / "m.w2v"), ["m.w2v"]),
        "text": (lambda: kv.save_word2vec_format(folder / "v.txt"), ["v.txt"]),
        "binary+fvocab": (lambda: kv.save_word2vec_format(folder / "v.bin", fvocab=folder / "v.vocab",
                                                          binary=True), ["v.vocab", "v.bin"]),
        "compressed": (lambda: kv.save_word2vec_format(folder / "v.txt.gz"), ["v.txt.gz"]),
        "cli vocab": (lambda: write_vocab_file(folder / "vocab.txt", kv.index_to_key, kv.expandos["count"]),
                      ["vocab.txt"]),
    }


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to name fsynced files")
@pytest.mark.parametrize("call", ["KeyedVectors.save", "Word2Vec.save", "text", "binary+fvocab",
                                  "compressed", "cli vocab"])
def test_every_save_fsyncs_the_data_before_the_rename_and_then_the_folder(tmp_path, monkeypatch, call):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(source, target):
        events.append(("replace", os.fspath(source), os.fspath(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    action, names = save_calls(tmp_path)[call]
    action()
    renames = []
    for name in names:
        found = [e for e in events if e[0] == "replace" and e[2] == str(tmp_path / name)]
        assert len(found) == 1, events
        temp = found[0][1]
        assert os.path.dirname(temp) == str(tmp_path) and os.path.basename(temp).startswith(f".{name}.")
        renames += found
    # all data fsynced, then the renames back to back, then the folder
    assert events == [("fsync", e[1]) for e in renames] + renames + [("fsync", str(tmp_path))]
    assert visible_files(tmp_path) == sorted(names) and len(list(tmp_path.iterdir())) == len(names)


def test_failed_rename_leaves_no_temporary_file(tmp_path):
    (tmp_path / "m.kv").mkdir()                  # a folder where the file should go
    with pytest.raises(OSError):
        old_vectors().save(tmp_path / "m.kv")
    assert [p.name for p in tmp_path.iterdir()] == ["m.kv"]


def test_a_save_into_a_missing_folder_names_the_path_asked_for(tmp_path):
    kv = KeyedVectors(2)
    kv.add_vectors(["a"], [[1.0, 2.0]])
    target = tmp_path / "missing" / "vectors.txt"
    with pytest.raises(FileNotFoundError) as caught:
        kv.save_word2vec_format(str(target))
    assert caught.value.filename == str(target) and ".tmp" not in str(caught.value)


def test_a_save_into_a_named_pipe_writes_through_it_and_keeps_the_pipe(tmp_path):
    """A target that is not a regular file (a pipe, /dev/null) is written in place: renaming a
    temporary file onto it would replace the pipe or device itself."""
    import threading
    from w2vlib._atomic import atomic_open
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(pipe, "rb").read()))
    reader.start()
    with atomic_open(pipe, "wb") as fout:
        fout.write(b"through the pipe")
    reader.join(timeout=10)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["pipe"]


def test_atomic_path_for_a_library_writing_by_name(tmp_path, monkeypatch):
    """atomic_path: a failed write leaves the old file and no temporary file; a successful one
    is fsynced before the rename; a remote target is refused (only local files have a path)."""
    from w2vlib._atomic import atomic_path
    target = tmp_path / "index.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temp:
            pathlib.Path(temp).write_bytes(b"half")
            raise RuntimeError("the library failed")
    assert target.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["index.bin"]
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(os.fstat(fd).st_size) or real_fsync(fd))
    with atomic_path(target) as temp:
        os.remove(temp)                       # libraries may replace the file they are given
        pathlib.Path(temp).write_bytes(b"new index")
    assert target.read_bytes() == b"new index" and synced[0] == len(b"new index")
    with pytest.raises(ValueError, match="only a local file"):
        with atomic_path("s3://bucket/index.bin"):
            pass
