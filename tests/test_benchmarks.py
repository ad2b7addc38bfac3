"""The benchmark tools run, write the results file plot.py reads, and plot.py reads it.

Each tool runs as the docs tell users to run it (a subprocess), on tiny inputs: the test corpus
and w2vlib's own evaluation sets, so nothing outside the repository is needed. The file they
write is checked field by field here, independently of the schema code the tools share, then
fed to plot.py; a file that breaks the schema must make plot.py fail.
"""
import argparse
import doctest
import importlib
import json
import os
import pathlib
import subprocess
import sys

import pytest
from extras import HAVE_ANNOY

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
BENCHMARKS = ROOT / "benchmarks"
EVAL_DIR = ROOT / "w2vlib" / "data"
MODES = ("sg-ns", "cbow-hs")
QUALITY_MODELS = ("w2vlib", "gensim", "gensim-corpus_file", "w2vlib-per-worker-alpha")
DASK_MODELS = ("single", "rows-2", "epoch-2")


def run_tool(script, *args, cwd, check=True):
    env = {key: value for key, value in os.environ.items() if key != "W2VLIB_KERNEL"}
    # this tree's w2vlib, whatever is installed (the script's folder, not this one, is on sys.path)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        pytest.fail(f"{script} {' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """One results file written by every tool in turn, as the lead's runs would write it."""
    folder = tmp_path_factory.mktemp("bench")
    out, work = folder / "results.json", folder / "work"
    common = ["--corpus", DATA / "corpus_small.txt", "--eval-dir", EVAL_DIR, "--workdir", work,
              "--out", out, "--tokens", 50000]
    train = run_tool("bench_train.py", *common, "--modes", ",".join(MODES), "--repeats", 1,
                     "--vocab-repeats", 1, "--scaling-repeats", 1, "--arithmetic-mb", 10,
                     "--quality-modes", "sg-ns,cbow-ns-corrected", "--quality-seeds", "1,2",
                     "--quality-epochs", 1,
                     "--quality-models", ",".join(QUALITY_MODELS), "--memory-copies", 2, cwd=folder)
    kernel = run_tool("bench_train.py", *common, "--kernel", "baseline", "--hot-rows", "0:0:0",
                      "--modes", "sg-ns", "--repeats", 1, "--vocab-repeats", 0,
                      "--scaling-repeats", 0, "--quality-modes", "", "--memory-copies", 0, cwd=folder)
    load = run_tool("bench_load.py", "--rows", 300, "--text-rows", 100, "--dims", 8, "--repeat", 1,
                    "--workdir", work, "--out", out, cwd=folder)
    dask = run_tool("bench_dask.py", *common, "--speed-modes", "sg-ns", "--speed-repeats", 1,
                    "--quality-modes", "cbow-ns", "--models", ",".join(DASK_MODELS),
                    "--quality-seeds", 1, "--quality-epochs", 1, "--sync-words", 5000,
                    "--speed-sync", "epoch", cwd=folder)
    timing = run_tool("bench_time_to_quality.py", *common, "--seeds", "1,2", cwd=folder)
    return out, json.loads(out.read_text()), {"train": train, "kernel": kernel, "load": load,
                                              "dask": dask, "time_to_quality": timing}


def shipped_label(data):
    (label,) = [label for label, entry in data["train"].items() if entry["config"]["hot_rows"] is None]
    return label


def assert_run(run, training):
    for key in ("date", "command", "python", "w2vlib", "cpu"):
        assert isinstance(run[key], str) and run[key]
    assert run["cpus"] >= 1
    if training:
        assert run["corpus"].endswith("corpus_small.txt")
        assert 50000 <= run["corpus_words"] < 112182 and run["workers"] == 2


def assert_rates(values, count):
    assert len(values) == count and all(isinstance(v, float) and v > 0 for v in values)


def test_bench_train_writes_every_section(measured):
    _, data, _ = measured
    assert data["schema"] == 1
    entry = data["train"][shipped_label(data)]
    assert entry["config"]["kernel"] in ("baseline", "avx2", "avx512")
    for name in ("speed", "scaling", "build_vocab", "quality", "memory"):
        assert_run(entry[name]["run"], training=True)
    assert list(entry["speed"]["modes"]) == list(MODES)
    for figures in entry["speed"]["modes"].values():
        assert_rates([figures[k] for k in ("w2vlib", "gensim_iterable", "gensim_corpus_file")], 3)
    assert entry["build_vocab"]["w2vlib_s"] > 0 and entry["build_vocab"]["gensim_s"] > 0
    for name in ("one", "many", "apart", "arithmetic", "cpu_one_s", "cpu_many_s"):
        assert_rates(entry["scaling"][name], 1)
    assert sorted(entry["scaling"]["steal"]) == ["apart", "arithmetic", "many", "one"]
    quality = entry["quality"]
    assert quality["epochs"] == 1 and quality["restrict_vocab"] == 30000
    assert list(quality["modes"]) == ["sg-ns", "cbow-ns-corrected"]
    for mode in quality["modes"].values():
        assert list(mode) == list(QUALITY_MODELS)
        for figures in mode.values():
            assert figures["seeds"] == [1, 2]
            assert all(0 <= a <= 1 for a in figures["analogy"]) and len(figures["analogy"]) == 2
            assert all(-1 <= w <= 1 for w in figures["ws353"]) and len(figures["ws353"]) == 2
    memory = entry["memory"]
    assert memory["mode"] == "cbow-ns" and memory["copies"] == 2
    # a fresh process, not the benchmark's own peak (which a child's ru_maxrss would report)
    assert 0 < memory["peak_rss_mb"] < 1024 and 0 < memory["peak_rss_copies_mb"] < 1024


def test_kernel_and_hot_rows_options_are_their_own_configuration(measured):
    _, data, outputs = measured
    entry = data["train"]["baseline hot-rows 0:0:0"]
    assert entry["config"] == {"kernel": "baseline", "hot_rows": [0, 0, 0]}
    assert set(entry) == {"config", "speed"}   # a later run adds its sections, the others stay
    assert list(entry["speed"]["modes"]) == ["sg-ns"]
    assert "configuration: baseline hot-rows 0:0:0" in outputs["kernel"].stdout


def test_bench_load_adds_its_section(measured):
    _, data, _ = measured
    load = data["load"]
    assert_run(load["run"], training=False)
    assert [(f["binary"], f["rows"], f["dims"]) for f in load["files"]] == [(True, 300, 8), (False, 100, 8)]
    for entry in load["files"]:
        assert_rates([entry[k] for k in ("size_mb", "raw_s", "w2vlib_s", "gensim_s", "rss_before_mb",
                                         "rss_peak_mb", "matrix_mb")], 7)
        assert entry["rss_peak_mb"] >= entry["rss_before_mb"]


def test_bench_dask_adds_its_section(measured):
    _, data, outputs = measured
    speed, quality = data["dask"]["speed"], data["dask"]["quality"]
    assert_run(speed["run"], training=True)
    rates = speed["modes"]["sg-ns"]
    assert_rates([rates[name] for name in ("one", "two_threads", "cluster")], 3)
    assert 0 < rates["cluster_shares"]["replica_train"] <= 1
    assert speed["sync"] == "epoch" and speed["sync_words"] == 5000
    assert quality["epochs"] == 1 and quality["sync_words"] == 5000
    figures = quality["modes"]["cbow-ns"]
    assert list(figures) == list(DASK_MODELS)
    assert all(0 <= f["analogy"][0] <= 1 and -1 <= f["ws353"][0] <= 1 for f in figures.values())
    rounds = quality["sync"]["cbow-ns"]
    assert list(rounds) == ["rows-2", "epoch-2"] and rounds["epoch-2"]["rounds"] == 1
    assert rounds["rows-2"]["rounds"] > 1 and rounds["rows-2"]["bytes_up_per_round"] > 0
    assert "| sg-ns |" in outputs["dask"].stdout and "| cbow-ns |" in outputs["dask"].stdout


def test_bench_time_to_quality_adds_its_section(measured):
    _, data, printed = measured
    section = data["time_to_quality"]
    assert_run(section["run"], training=True)
    assert section["reference"] == "gensim sg-ns" and 10 < section["peak_gflops"] < 1e5
    configs = section["configs"]
    assert list(configs["gensim sg-ns"]["epochs"]) == ["5"]
    assert list(configs["w2vlib sg-ns"]["epochs"]) == ["1", "3", "5"]
    for config in configs.values():
        assert config["flops_per_word"] > 1000
        for figures in config["epochs"].values():
            assert figures["seeds"] == [1, 2]
            assert all(0 < t for t in figures["seconds"]) and all(0 <= a <= 1 for a in figures["analogy"])
            assert all(0 < trained <= raw for trained, raw in zip(figures["trained_words"],
                                                                   figures["raw_words"]))
    # skip-gram, 100 dimensions, window 5, 5 negatives: 6 pairs x (6 x 6 x 100 + 100) flops
    assert configs["w2vlib sg-ns"]["flops_per_word"] == 6 * (36 * 100 + 100)
    table = printed["time_to_quality"].stdout
    assert "| configuration | fewest epochs reaching the goal |" in table
    assert "| gensim sg-ns | 5 |" in table     # the reference reaches its own quality


def test_plot_checks_and_prints_the_tables(measured, tmp_path):
    out, data, _ = measured
    assert "fits schema 1" in run_tool("plot.py", out, "--check", cwd=tmp_path).stdout
    printed = run_tool("plot.py", out, "--tables", cwd=tmp_path).stdout
    for title in ("Training speed", "Kernel builds", "Quality", "Loading", "Time to quality",
                  "Also"):
        assert f"### {title}" in printed
    speed = data["train"][shipped_label(data)]["speed"]["modes"]["sg-ns"]
    assert f"| sg-ns | {speed['gensim_iterable']:,.0f} | {speed['gensim_corpus_file']:,.0f} " in printed
    kernels = printed.split("### Kernel builds")[1].split("###")[0]
    assert "| baseline |" not in kernels   # in-place hot rows are not the shipped baseline build
    assert "| sg-ns | 1, 2 |" in printed


@pytest.mark.parametrize("breakage, field", [
    (lambda d, label: d["train"][label]["speed"]["modes"]["sg-ns"].pop("w2vlib"), "w2vlib"),
    (lambda d, label: d["train"][label]["quality"]["modes"]["sg-ns"]["gensim"]["ws353"].pop(), "differ in length"),
    (lambda d, label: d["load"]["files"][0].update(raw_s="fast"), "raw_s"),
    (lambda d, label: d["train"][label]["config"].update(kernel="sse2"), "kernel"),
    (lambda d, label: d.update(schema=2), "version 2"),
])
def test_plot_refuses_a_file_that_breaks_the_schema(measured, tmp_path, breakage, field):
    _, data, _ = measured
    broken = json.loads(json.dumps(data))
    breakage(broken, shipped_label(broken))
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    for mode in ("--check", "--tables"):
        done = run_tool("plot.py", path, mode, cwd=tmp_path, check=False)
        assert done.returncode == 1 and field in done.stderr, done.stderr


def test_plot_draws_the_figure(measured, tmp_path):
    pytest.importorskip("matplotlib")
    out, _, _ = measured
    run_tool("plot.py", out, tmp_path / "plot.png", cwd=tmp_path)
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_says_what_drawing_needs_without_matplotlib(measured, tmp_path):
    out, _, _ = measured
    blocker = tmp_path / "site"
    (blocker / "matplotlib").mkdir(parents=True)
    (blocker / "matplotlib" / "__init__.py").write_text("raise ImportError('blocked for the test')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(BENCHMARKS / "plot.py"), str(out), str(tmp_path / "x.png")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "needs matplotlib" in done.stderr
    assert not (tmp_path / "x.png").exists()


def test_bench_train_refuses_bad_inputs_before_measuring(tmp_path):
    out = tmp_path / "r.json"
    done = run_tool("bench_train.py", "--modes", "sg-nss", cwd=tmp_path, check=False)
    assert done.returncode == 2 and "unknown 'sg-nss'" in done.stderr
    done = run_tool("bench_train.py", "--corpus", tmp_path / "absent.txt", "--out", out, cwd=tmp_path, check=False)
    assert done.returncode == 1 and "absent.txt not found" in done.stderr
    done = run_tool("bench_train.py", "--corpus", DATA / "corpus_small.txt", "--eval-dir", tmp_path,
                    "--out", out, cwd=tmp_path, check=False)
    assert done.returncode == 1 and "questions-words.txt not found" in done.stderr
    assert not out.exists()
    out.write_text('{"schema": 1, "train": {"avx512": {}}}')
    done = run_tool("bench_train.py", "--out", out, cwd=tmp_path, check=False)
    assert done.returncode == 1 and "missing field 'config'" in done.stderr


def test_bench_phrases_compares_both_libraries_and_adds_its_section(tmp_path):
    """bench_phrases on the test corpus: both libraries agree on every output, every step is
    timed, and the section fits the schema plot.py reads (the child processes import w2vlib
    from this tree, as the parent does)."""
    out = tmp_path / "results.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(BENCHMARKS / "bench_phrases.py"), "--corpus",
                           str(DATA / "corpus_small.txt"), "--workdir", str(tmp_path / "work"),
                           "--out", str(out), "--list-tokens", "20000", "--min-count", "3"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    phrases = json.loads(out.read_text())["phrases"]
    assert phrases["run"]["corpus_words"] == 112182 and phrases["settings"]["min_count"] == 3
    assert list(phrases["steps"]) == ["learn", "apply file (frozen)", "apply file (Phrases)",
                                      "apply token lists (frozen)",
                                      "copy token lists (no phrasing)", "export default",
                                      "export npmi", "export custom"]
    assert all(times["gensim_s"] > 0 and times["w2vlib_s"] > 0 and times["w2vlib_1thread_s"] > 0
               for times in phrases["steps"].values())
    assert all(check["equal"] for check in phrases["agreement"].values())
    assert phrases["agreement"]["phrases default"]["count"] > 10
    assert all(0 < entry["rss_peak_mb"] < 1024 for entry in phrases["memory"].values())
    printed = run_tool("plot.py", out, "--tables", cwd=tmp_path).stdout
    assert "### Phrases" in printed and "- phrases npmi: the same" in printed


@pytest.fixture
def tool_modules(monkeypatch):
    """The tools imported as modules (as their scripts import each other), removed afterwards."""
    names = ("results", "bench_train", "bench_load", "bench_phrases", "bench_dask", "bench_neighbours",
             "bench_time_to_quality", "plot")
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    yield {name: importlib.import_module(name) for name in names}
    for name in names:
        sys.modules.pop(name, None)


def test_every_option_is_explained(tool_modules):
    for name in ("bench_train", "bench_load", "bench_phrases", "bench_dask", "bench_neighbours",
                 "bench_time_to_quality", "plot"):
        for action in tool_modules[name].parser()._actions:
            if action.help != argparse.SUPPRESS:     # bench_phrases' own child-process options
                assert action.help, f"{name}: {action.option_strings or action.dest} has no help"


def test_time_to_quality_configurations_are_named_with_semicolons(tool_modules):
    """The configurations' names hold commas, so --configs separates them with semicolons."""
    tool = tool_modules["bench_time_to_quality"]
    chosen = ["gensim sg-ns", "w2vlib sg-ns, shared negatives, 112 dimensions, sample 5e-4"]
    assert tool.parser().parse_args(["--configs", ";".join(chosen)]).configs == chosen
    with pytest.raises(SystemExit):
        tool.parser().parse_args(["--configs", "gensim sg-ns,w2vlib sg-ns"])


def test_results_module_examples(tool_modules):
    outcome = doctest.testmod(tool_modules["results"])
    assert outcome.attempted and not outcome.failed


def test_bench_neighbours_measures_every_method_and_adds_its_section(tmp_path):
    """A tiny clustered set and the C tool's 500 PTB vectors: every method, checked against the
    exact batch; the exact single queries find what the batch finds. Without annoy (not in the
    test extra) annoy_gensim is left out, with a note, and the other methods are checked."""
    out = tmp_path / "results.json"
    done = run_tool("bench_neighbours.py", "--rows", 3000, "--dims", 16, "--centres", 30, "--queries", 60,
                    "--gensim-queries", 20, "--trees", 10, "--threads", 1,
                    "--model", DATA / "vectors" / "c_tool" / "ptb_sgns_d50_head500.txt",
                    "--workdir", tmp_path / "work", "--out", out, cwd=tmp_path)
    assert ("annoy_gensim left out" in done.stdout) == (not HAVE_ANNOY)
    neighbours = json.loads(out.read_text())["neighbours"]
    assert_run(neighbours["run"], training=False)
    assert neighbours["settings"]["trees"] == 10 and "ptb_sgns" in neighbours["settings"]["trained"]
    assert list(neighbours["sets"]) == ["clustered", "trained"]
    for name, rows, dims in (("clustered", 3000, 16), ("trained", 500, 50)):
        entry = neighbours["sets"][name]
        assert (entry["rows"], entry["dims"], entry["queries"], entry["single_queries"]) == (rows, dims, 60, 20)
        methods = entry["methods"]
        assert sorted(methods) == sorted(["exact_w2vlib", "exact_gensim", "batch_w2vlib", "hnsw_w2vlib"]
                                         + (["annoy_gensim"] if HAVE_ANNOY else []))
        assert methods["batch_w2vlib"]["recall"] == 1.0
        assert methods["exact_w2vlib"]["recall"] == methods["exact_gensim"]["recall"] == 1.0
        assert methods["hnsw_w2vlib"]["recall"] >= 0.9
        assert not HAVE_ANNOY or methods["annoy_gensim"]["recall"] > 0.5
        assert all(figures["queries_per_s"] > 0 for figures in methods.values())
        assert methods["hnsw_w2vlib"]["build_s"] > 0 and methods["batch_w2vlib"]["build_s"] is None
        assert entry["hnsw_file_mb"] > 0 and entry["ratios"]["hnsw_vs_exact_single"] > 0
        assert entry["ratios"]["batch_vs_gensim_single"] > 0
