"""The package as a user gets it: ``python -m build`` makes an sdist and, from that sdist, a
wheel; the wheel is installed in a fresh virtual environment and imported from outside the source
tree, so a file missing from the sdist or from the package data fails here and not on a user's
machine. Slow (one compile of every extension, about 30 s on two cores); it needs the package
index for the build and runtime dependencies, pinned by ``constraints.txt``.
"""
import os
import subprocess
import sys
import textwrap
import venv
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONSTRAINTS = os.path.join(ROOT, "constraints.txt")
BIN = os.path.join(ROOT, "tests", "data", "vectors", "c_tool", "ptb_sgns_d50.bin")

SMOKE = textwrap.dedent("""
    import os, sys
    import w2vlib
    from w2vlib import KeyedVectors, Word2Vec, _dispatch
    assert os.path.dirname(w2vlib.__file__).startswith(sys.prefix), w2vlib.__file__
    sentences = [["the", "king", "rules", "the", "land"], ["the", "queen", "rules", "the", "land"],
                 ["a", "ship", "sails", "the", "sea"], ["a", "boat", "sails", "the", "sea"]] * 50
    for sg in (0, 1):
        model = Word2Vec(sentences, vector_size=16, window=2, min_count=1, sg=sg, epochs=5, seed=1)
        assert model.wv.vectors.shape == (10, 16), model.wv.vectors.shape
    kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
    assert len(kv) > 1000 and kv.vector_size == 50, (len(kv), kv.vector_size)
    assert kv.most_similar(kv.index_to_key[10], topn=3)
    from w2vlib import datapath
    analogies, wordsim = (datapath(n) for n in ("questions-words.txt", "wordsim353.tsv"))
    assert os.path.getsize(analogies) and os.path.getsize(wordsim)
    from w2vlib import cli
    assert os.path.getsize(cli.DEMO_CORPUS)
    from w2vlib.phrases import Phrases   # the modules that include _strtable.h were built
    phrases = Phrases([["new", "york"]] * 5, min_count=1, threshold=0.1)
    assert phrases[["new", "york"]] == ["new_york"], phrases[["new", "york"]]
    print("kernels:", _dispatch.available())
""")


def run(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    env = dict(os.environ, PIP_CONSTRAINT=CONSTRAINTS)
    try:
        run(sys.executable, "-m", "build", "--outdir", str(out), ROOT, env=env)
    except subprocess.CalledProcessError as err:
        pytest.fail(f"python -m build failed:\n{err.stdout[-3000:]}\n{err.stderr[-3000:]}")
    return out


def test_sdist_and_wheel_are_built(dist):
    names = sorted(os.listdir(dist))
    assert sorted(n.rsplit(".", 1)[-1] for n in names) == ["gz", "whl"], names
    wheel, = (n for n in names if n.endswith(".whl"))
    assert not wheel.endswith("-none-any.whl"), f"{wheel}: a wheel without its compiled modules"


def test_wheel_holds_the_extensions_and_the_data(dist):
    wheel, = (n for n in os.listdir(dist) if n.endswith(".whl"))
    files = zipfile.ZipFile(dist / wheel).namelist()
    for module in ("_cpu", "_inner", "_reader", "_word2vec_read", "_word2vec_write"):
        assert any(f.startswith(f"w2vlib/{module}.") and f.endswith((".so", ".pyd")) for f in files), module
    for data in ("demo_corpus.txt.xz", "questions-words.txt", "wordsim353.tsv"):
        assert f"w2vlib/data/{data}" in files


def test_wheel_installs_and_runs_in_a_fresh_environment(dist, tmp_path):
    wheel, = (n for n in os.listdir(dist) if n.endswith(".whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / ("Scripts" if os.name == "nt" else "bin") / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PIP_CONSTRAINT"] = CONSTRAINTS
    try:
        run(python, "-m", "pip", "install", "--disable-pip-version-check", "-q", str(dist / wheel),
            env=env)
        result = run(python, "-c", SMOKE, BIN, cwd=tmp_path, env=env)   # not the source tree
    except subprocess.CalledProcessError as err:
        pytest.fail(f"{err.cmd[:3]} failed:\n{err.stdout[-3000:]}\n{err.stderr[-3000:]}")
    assert "kernels: ['_inner'" in result.stdout
