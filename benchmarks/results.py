"""The benchmark results file: its schema, its check, how each run adds to it, and what each run
records about the machine.

``bench_train.py``, ``bench_load.py``, ``bench_phrases.py``, ``bench_dask.py``,
``bench_neighbours.py`` and ``bench_time_to_quality.py`` write their figures
into one JSON file
(``benchmarks/results.json`` by default, ``--out`` otherwise) and ``plot.py`` reads it. A run
replaces only the sections it measured, so the figures of several runs (speed now, quality
later, one run per kernel build) end up in one file without hand edits::

    {"schema": 1,
     "train": {"<configuration>": {"config": {...}, "speed": {...}, "quality": {...},
                                   "build_vocab": {...}, "scaling": {...}, "memory": {...}}},
     "load": {...}, "phrases": {...}, "dask": {...}, "neighbours": {...},
     "time_to_quality": {...}}

A *configuration* is the kernel build and the private-hot-rows setting a training run used
(``"avx512"``, or ``"avx512 hot-rows 0:0:0"`` for a run with ``--hot-rows 0:0:0``); see
:data:`SCHEMA` for every field. Speeds are raw words per second; times are seconds; sizes MB
(2^20 bytes).

>>> results = new_results()
>>> merge(results, {"load": LOAD_EXAMPLE})["load"]["files"][0]["rows"]
10
>>> validate({"schema": 1, "load": {"files": []}})
Traceback (most recent call last):
    ...
results.SchemaError: load: missing field 'run'
"""
import datetime
import json
import math
import os
import pathlib
import platform
import sys

#: Version of the layout below; a file of another version is refused, not guessed at.
SCHEMA_VERSION = 1
#: The results file the tools write and plot.py reads unless told otherwise.
DEFAULT_PATH = pathlib.Path(__file__).resolve().parent / "results.json"
#: Kernel builds, least capable first (``w2vlib._dispatch.VARIANTS``' names).
KERNELS = ("baseline", "avx2", "avx512")

#: Field kinds: a finite number >= 0, one > 0 (a speed or time other figures are divided by), a
#: whole number >= 0, a finite number of either sign, a string, true/false.
NUMBER, POSITIVE, COUNT, REAL, TEXT, FLAG = "number", "positive", "count", "real", "text", "flag"


def optional(kind):
    """A field that may also be ``null``."""
    return ("optional", kind, None)


def list_of(kind, least=0):
    """A JSON list of at least `least` items, all of `kind`."""
    return ("list", kind, least)


def map_of(kind):
    """A JSON object with free keys (modes, models, configurations) and values of `kind`."""
    return ("map", kind, None)


#: Where, when and with what a section was measured.
RUN = {"date": TEXT, "command": TEXT, "python": TEXT, "w2vlib": TEXT, "gensim": optional(TEXT),
       "cpu": TEXT, "cpus": COUNT}
#: A training run adds the corpus and the number of workers; a phrases run the corpus.
TRAIN_RUN = {**RUN, "corpus": TEXT, "corpus_words": COUNT, "workers": COUNT}
CORPUS_RUN = {**RUN, "corpus": TEXT, "corpus_words": COUNT}

#: bench_phrases.py: seconds of each step per run (best of `repeats`): gensim, w2vlib with
#: `threads` threads (one per CPU, its default) and with one; peak RSS (MB) of each run's
#: process, and whether the runs agree on each output (phrases and scores per scorer, phrased
#: files and token lists, vocabulary size).
PHRASES = {"run": CORPUS_RUN, "repeats": COUNT,
           "settings": {"min_count": COUNT, "threshold": REAL, "npmi_threshold": REAL,
                        "custom_threshold": REAL, "list_tokens": COUNT, "threads": COUNT},
           "steps": map_of({"gensim_s": POSITIVE, "w2vlib_s": POSITIVE,
                            "w2vlib_1thread_s": POSITIVE}),
           "memory": map_of({"rss_before_mb": NUMBER, "rss_peak_mb": NUMBER, "rss_end_mb": NUMBER}),
           "agreement": map_of({"count": COUNT, "equal": FLAG})}

#: bench_neighbours.py: per set (clustered, trained) and method (exact_w2vlib, exact_gensim,
#: batch_w2vlib, annoy_gensim, hnsw_w2vlib): recall@10 against the exact batch (0-1), queries/s,
#: build seconds and RSS growth (MB) of an index (null for exact methods), and the ratios the
#: targets are about (batch_vs_gensim_single null when gensim was skipped).
NEIGHBOURS = {"run": RUN,
              "settings": {"topn": COUNT, "centres": COUNT, "spread": NUMBER, "trees": COUNT,
                           "hnsw": {"connectivity": COUNT, "expansion_add": COUNT,
                                    "expansion_search": COUNT},
                           "trained": TEXT},
              "sets": map_of({"rows": COUNT, "dims": COUNT, "queries": COUNT, "single_queries": COUNT,
                              "methods": map_of({"recall": NUMBER, "queries_per_s": POSITIVE,
                                                 "build_s": optional(NUMBER), "memory_mb": optional(REAL)}),
                              "hnsw_file_mb": NUMBER,
                              "ratios": {"hnsw_vs_exact_single": POSITIVE,
                                         "batch_vs_gensim_single": optional(POSITIVE)}})}

#: bench_time_to_quality.py: per configuration, its arithmetic per trained word and, per epoch
#: count, one entry per seed: train() seconds, words trained (after subsampling) and raw words,
#: analogy accuracy (0-1) and WS353 Spearman; the reference configuration, the tolerances of
#: "reaching" its quality, the settings shared, and the float32 matrix product's GFLOP/s.
TIME_TO_QUALITY = {"run": TRAIN_RUN, "reference": TEXT,
                   "settings": {"vector_size": COUNT, "window": COUNT, "sample": NUMBER,
                                "min_count": COUNT},
                   "tolerance": {"analogy_points": NUMBER, "ws353": NUMBER},
                   "peak_gflops": POSITIVE,
                   "configs": map_of({"flops_per_word": POSITIVE, "epochs": map_of({
                       "seeds": list_of(COUNT, 1), "seconds": list_of(POSITIVE, 1),
                       "trained_words": list_of(COUNT, 1), "raw_words": list_of(COUNT, 1),
                       "analogy": list_of(NUMBER, 1), "ws353": list_of(REAL, 1)})})}

SCHEMA = {
    "schema": COUNT,
    "train": optional(map_of({
        "config": {"kernel": TEXT, "hot_rows": optional(list_of(COUNT))},
        # raw words/s of one epoch, best of `repeats` interleaved runs of each
        "speed": optional({"run": TRAIN_RUN, "repeats": COUNT, "modes": map_of(
            {"w2vlib": POSITIVE, "gensim_iterable": POSITIVE, "gensim_corpus_file": POSITIVE})}),
        # seconds, best of `repeats`
        "build_vocab": optional({"run": TRAIN_RUN, "repeats": COUNT, "w2vlib_s": POSITIVE,
                                 "gensim_s": POSITIVE}),
        # per interleaved repeat: words/s of 1 worker, of `workers` workers, of two separate
        # one-worker models at once; two threads of arithmetic / one; hypervisor steal shares
        "scaling": optional({"run": TRAIN_RUN, "one": list_of(POSITIVE, 1), "many": list_of(POSITIVE, 1),
                             "apart": list_of(POSITIVE, 1), "arithmetic": list_of(POSITIVE, 1),
                             "steal": map_of(list_of(NUMBER)), "cpu_one_s": list_of(NUMBER),
                             "cpu_many_s": list_of(NUMBER)}),
        # per mode and model, one entry per seed: analogy accuracy (0-1), WS353 Spearman
        "quality": optional({"run": TRAIN_RUN, "epochs": COUNT, "restrict_vocab": COUNT,
                             "modes": map_of(map_of({"seeds": list_of(COUNT, 1),
                                                     "analogy": list_of(NUMBER),
                                                     "ws353": list_of(REAL)}))}),
        # peak RSS (MB) of a fresh process training one epoch of `mode` on the corpus and on
        # the corpus repeated `copies` times
        "memory": optional({"run": TRAIN_RUN, "mode": TEXT, "copies": COUNT,
                            "peak_rss_mb": NUMBER, "peak_rss_copies_mb": NUMBER}),
    })),
    # bench_dask.py: raw words/s of one epoch in one process (workers=1, workers=2) and on a
    # LocalCluster of 2 processes x 1 thread (and where the cluster's time went); quality per mode and model (single, POLICY-N)
    # with, per distributed model, its sync rounds (count, means per round)
    "dask": optional({
        # sync_words: the --sync-words of the run (0: the trainer's default); sync: the
        # --speed-sync policy of the cluster runs (absent: the default)
        "speed": optional({"run": TRAIN_RUN, "repeats": COUNT, "sync_words": optional(COUNT),
                           "sync": optional(TEXT),
                           "modes": map_of({
                               "one": POSITIVE, "two_threads": POSITIVE, "cluster": POSITIVE,
                               # the fastest cluster run's Report.shares(): where its time went
                               "cluster_shares": optional(map_of(REAL))})}),
        "quality": optional({"run": TRAIN_RUN, "epochs": COUNT, "restrict_vocab": COUNT,
                             "sync_words": COUNT,
                             "modes": map_of(map_of({"seeds": list_of(COUNT, 1),
                                                     "analogy": list_of(NUMBER),
                                                     "ws353": list_of(REAL)})),
                             "sync": map_of(map_of({
                                 "rounds": COUNT, "words_per_round": NUMBER,
                                 "bytes_up_per_round": NUMBER, "bytes_down_per_round": NUMBER,
                                 "seconds_per_round": NUMBER}))}),
    }),
    # one entry per file loaded; gensim_s is null when gensim was skipped
    "load": optional({"run": RUN, "repeats": COUNT, "files": list_of({
        "file": TEXT, "binary": FLAG, "rows": COUNT, "dims": COUNT, "size_mb": NUMBER,
        "raw_s": POSITIVE, "w2vlib_s": POSITIVE, "gensim_s": optional(POSITIVE),
        "rss_before_mb": NUMBER, "rss_peak_mb": NUMBER, "matrix_mb": POSITIVE})}),
    "phrases": optional(PHRASES),
    "neighbours": optional(NEIGHBOURS),
    "time_to_quality": optional(TIME_TO_QUALITY),
}

LOAD_EXAMPLE = {"run": {"date": "2026-01-01", "command": "bench_load.py", "python": "3.11",
                        "w2vlib": "0.1.0", "gensim": None, "cpu": "x86_64", "cpus": 2},
                "repeats": 1,
                "files": [{"file": "random_10x5.bin", "binary": True, "rows": 10, "dims": 5,
                           "size_mb": 0.1, "raw_s": 0.001, "w2vlib_s": 0.001, "gensim_s": None,
                           "rss_before_mb": 50.0, "rss_peak_mb": 50.1, "matrix_mb": 0.0002}]}


class SchemaError(ValueError):
    """A results file that does not have the layout of :data:`SCHEMA`; the message names the
    field (``train.avx512.speed.modes.sg-ns: missing field 'w2vlib'``)."""


def _check(value, kind, where):
    """Raise SchemaError unless `value`, found at `where`, is of `kind`."""
    if isinstance(kind, tuple):
        wrapper, inner, least = kind
        if wrapper == "optional":
            if value is not None:
                _check(value, inner, where)
        elif wrapper == "list":
            if not isinstance(value, list):
                raise SchemaError(f"{where}: expected a list, got {type(value).__name__}")
            if len(value) < least:
                raise SchemaError(f"{where}: expected at least {least} item(s), got {len(value)}")
            for k, item in enumerate(value):
                _check(item, inner, f"{where}[{k}]")
        else:   # map
            if not isinstance(value, dict):
                raise SchemaError(f"{where}: expected an object, got {type(value).__name__}")
            for key, item in value.items():
                _check(item, inner, f"{where}.{key}")
    elif isinstance(kind, dict):
        if not isinstance(value, dict):
            raise SchemaError(f"{where}: expected an object, got {type(value).__name__}")
        for key, inner in kind.items():
            if key not in value:
                if isinstance(inner, tuple) and inner[0] == "optional":
                    continue
                raise SchemaError(f"{where or 'the file'}: missing field {key!r}")
            _check(value[key], inner, f"{where}.{key}" if where else key)
        unknown = sorted(set(value) - set(kind))
        if unknown:
            raise SchemaError(f"{where or 'the file'}: unknown field {unknown[0]!r}")
    elif kind == FLAG:
        if not isinstance(value, bool):
            raise SchemaError(f"{where}: expected true or false, got {value!r}")
    elif kind == TEXT:
        if not isinstance(value, str):
            raise SchemaError(f"{where}: expected a string, got {value!r}")
    else:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            raise SchemaError(f"{where}: expected a finite number, got {value!r}")
        if kind == POSITIVE and value <= 0:
            raise SchemaError(f"{where}: expected a number > 0, got {value!r}")
        if kind != REAL and value < 0:
            raise SchemaError(f"{where}: expected a number >= 0, got {value!r}")
        if kind == COUNT and not isinstance(value, int):
            raise SchemaError(f"{where}: expected a whole number, got {value!r}")


def validate(results):
    """Check `results` (a parsed results file) against :data:`SCHEMA`.

    Beyond the types: the schema version, a known kernel in each configuration, as many
    figures as seeds in each quality entry and as many of each figure as repeats in scaling.

    Raises
    ------
    SchemaError
        Naming the first field that does not fit.
    """
    _check(results, SCHEMA, "")
    if results["schema"] != SCHEMA_VERSION:
        raise SchemaError(f"schema: version {results['schema']}, this code reads {SCHEMA_VERSION}")
    for label, entry in (results.get("train") or {}).items():
        if entry["config"]["kernel"] not in KERNELS:
            raise SchemaError(f"train.{label}.config.kernel: {entry['config']['kernel']!r} is "
                              f"not one of {', '.join(KERNELS)}")
        scaling = entry.get("scaling")
        if scaling and len({len(scaling[name]) for name in ("one", "many", "apart", "arithmetic")}) > 1:
            raise SchemaError(f"train.{label}.scaling: one, many, apart and arithmetic differ in length")
        for mode, models in ((entry.get("quality") or {}).get("modes") or {}).items():
            for model, figures in models.items():
                if not len(figures["seeds"]) == len(figures["analogy"]) == len(figures["ws353"]):
                    raise SchemaError(f"train.{label}.quality.modes.{mode}.{model}: seeds, "
                                      "analogy and ws353 differ in length")
    timing = results.get("time_to_quality")
    for name, config in ((timing or {}).get("configs") or {}).items():
        for epochs, figures in config["epochs"].items():
            if not epochs.isdigit() or int(epochs) < 1:
                raise SchemaError(f"time_to_quality.configs.{name}.epochs: {epochs!r} is not an "
                                  "epoch count")
            if len({len(values) for values in figures.values()}) > 1:
                raise SchemaError(f"time_to_quality.configs.{name}.epochs.{epochs}: the lists "
                                  "differ in length")
    if timing and timing["reference"] not in timing["configs"]:
        raise SchemaError(f"time_to_quality.reference: {timing['reference']!r} is not a "
                          "configuration of the section")
    return results


def add_out_argument(parser, what):
    """The tools' ``--out`` option: the results file to write `what` to (default: DEFAULT_PATH)."""
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_PATH, metavar="FILE",
                        help=f"results file to write {what} to (default: %(default)s)")


def new_results():
    """An empty results file."""
    return {"schema": SCHEMA_VERSION}


def merge(results, part):
    """Add `part` (``{"train": {label: {section: ...}}}``, ``{"load": ...}``, ``{"phrases": ...}``,
    ``{"neighbours": ...}`` and/or ``{"dask": {section: ...}}``) to `results`: each section given replaces the one of the
    same name; the others stay."""
    for label, entry in (part.get("train") or {}).items():
        results.setdefault("train", {}).setdefault(label, {}).update(entry)
    for name in ("load", "phrases", "neighbours", "time_to_quality"):
        if name in part:
            results[name] = part[name]
    if "dask" in part:
        results.setdefault("dask", {}).update(part["dask"])
    return results


def read(path):
    """The checked contents of the results file at `path`.

    Raises
    ------
    SchemaError
        If the file is not JSON or does not fit :data:`SCHEMA`.
    """
    try:
        results = json.loads(pathlib.Path(path).read_text(encoding="utf8"))
    except json.JSONDecodeError as error:
        raise SchemaError(f"{path}: not JSON ({error})") from None
    try:
        return validate(results)
    except SchemaError as error:
        raise SchemaError(f"{path}: {error}") from None


def update(path, part):
    """Merge `part` into the results file at `path` (created if absent), check the whole and
    replace the file atomically. An existing file that does not fit the schema is left alone
    (SchemaError): remove it or pass another ``--out``."""
    path = pathlib.Path(path)
    results = read(path) if path.exists() else new_results()
    validate(merge(results, part))
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(results, indent=1) + "\n", encoding="utf8")
    os.replace(temp, path)
    return results


#: Source of ``peak_kib()`` for the tools' child processes: the peak RSS (KiB) of the process
#: itself. Linux's VmHWM, not ``ru_maxrss``: a child's ``ru_maxrss`` starts at the peak of the
#: process that started it (the kernel carries it over exec), so a child of a large benchmark
#: process would report the parent's size.
PEAK_KIB_SOURCE = """
import resource
def peak_kib():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""


def cpu_name():
    """The CPU's model name (Linux), else the machine type."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def run_info(**extra):
    """The :data:`RUN` fields of this process, plus `extra` (w2vlib and gensim are imported
    here: call it after choosing the kernel build)."""
    import w2vlib
    try:
        import gensim
        gensim_version = gensim.__version__
    except ImportError:
        gensim_version = None
    return {"date": datetime.datetime.now().isoformat(timespec="seconds"),
            "command": " ".join([pathlib.Path(sys.argv[0]).name, *sys.argv[1:]]),
            "python": platform.python_version(), "w2vlib": w2vlib.__version__,
            "gensim": gensim_version, "cpu": cpu_name(), "cpus": os.cpu_count() or 1, **extra}
