"""Phrases: w2vlib vs gensim 4.4, side by side in one run on the same corpus.

    python benchmarks/bench_phrases.py --corpus /tmp/gutenberg_en_10M.txt      # the full run
    python benchmarks/bench_phrases.py --tokens 1000000 --out /tmp/results.json # a quick check

Each library runs in a fresh process of its own (so that each one's peak memory is its own), on
the same plain-text copy of the corpus; w2vlib twice, with its default threads (one per CPU:
learning reads in one thread and counts in another, the two file steps split the file between
them; the other steps have one thread) and with ``workers=1``, (``--corpus``, decompressed and cut after ``--tokens``
into ``--workdir`` once), with English connector words, ``--min-count`` and ``--threshold``:

* learn: ``Phrases(...)`` over the corpus file (gensim reads it through ``LineSentence``,
  w2vlib through its compiled reader); peak RSS (Linux VmHWM) before and after;
* apply the frozen model (default scorer) to the corpus file, writing the phrased corpus: gensim
  iterates ``FrozenPhrases[LineSentence]`` and writes each sentence as a line, w2vlib runs
  ``phrase_file``; then the same with the unfrozen ``Phrases`` model (the CLI's way); the output
  files must be identical;
* apply the frozen model to token lists already in memory (the first ``--list-tokens`` tokens),
  ``list(model[sentences])``, which measures the phrase decisions without the reading; beside
  it, the same code in both processes copying each of those sentences into a new list
  (``[list(s) for s in sentences]``): the least any library returning new lists must spend;
* export, per scorer (``default``, ``npmi`` with ``--npmi-threshold``, a custom Python scorer
  with ``--custom-threshold``, set on the learnt model): ``export_phrases()``, the phrases and
  their scores, which must be the same in both libraries, key for key and bit for bit.

Times are best of ``--repeats`` runs of each process, the libraries interleaved. The table is
printed and the figures go into the results file ``--out`` (its ``phrases`` section; see
results.py). Exit status 1 when any phrases, scores or outputs differ.
"""
import argparse
import hashlib
import json
import os
import pathlib
import subprocess
import sys

import plot
import results
from bench_train import add_corpus_arguments, corpus_file, timed
from w2vlib._parallel import usable_cpus

HERE = pathlib.Path(__file__).resolve().parent
#: The runs: gensim, w2vlib with one thread per CPU (its default), w2vlib with one thread.
LIBRARIES = ("gensim", "w2vlib", "w2vlib-1thread")
#: Each run's key in the results' step times.
TIME_KEYS = {"gensim": "gensim_s", "w2vlib": "w2vlib_s", "w2vlib-1thread": "w2vlib_1thread_s"}
SCORERS = ("default", "npmi", "custom")
#: Steps timed in each library, in table order.
STEPS = ("learn", "apply file (frozen)", "apply file (Phrases)", "apply token lists (frozen)",
         "copy token lists (no phrasing)", "export default", "export npmi", "export custom")
MB_PER_KIB = 1 / 1024
#: Memory each child writes and frees before timing (see warm_memory).
WARM_MB = 1024
CHUNK = 1 << 20


def jaccard_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    """The custom scorer: the bigram's share of the occurrences of either word."""
    return bigram_count / (worda_count + wordb_count - bigram_count)


def peak_rss_mb():
    """This process's peak resident set (VmHWM; ru_maxrss where there is no /proc), in MB."""
    namespace = {}
    exec(results.PEAK_KIB_SOURCE, namespace)
    return namespace["peak_kib"]() * MB_PER_KIB


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fin:
        while chunk := fin.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def first_sentences(path, tokens):
    """The corpus' first lines, split, up to `tokens` tokens."""
    sentences, count = [], 0
    with open(path, encoding="utf8") as fin:
        for line in fin:
            if count >= tokens:
                break
            if line.split():
                sentences.append(line.split())
                count += len(sentences[-1])
    return sentences


def write_lines(corpus, destination):
    """gensim's way to a phrased corpus file: each sentence of `corpus` as a line."""
    with open(destination, "w", encoding="utf8") as fout:
        for sentence in corpus:
            fout.write(" ".join(sentence) + "\n")


def warm_memory():
    """Write and free :data:`WARM_MB` MB before anything is timed. On the benchmark machine (a
    virtual machine) the first process to touch memory that lay idle pays seconds of kernel time
    for it (one learn step: 3.6 s of system time cold, 0.1 s right after), whichever library it
    runs; this makes every child start from memory the machine has already backed. The peak
    RSS is reset after (Linux's clear_refs); where it cannot be, nothing is done, so that the
    memory figures stay the library's own."""
    import numpy as np

    def reset_peak():
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")   # VmHWM back to the current RSS

    try:
        reset_peak()          # can it be done here? (else nothing is warmed)
    except OSError:
        return
    np.ones(WARM_MB * 2**20 // 8)
    reset_peak()


def measure(library, corpus, workdir, settings):
    """One library's figures (run in a child process): times, peak RSS, phrases, outputs."""
    warm_memory()
    if library == "gensim":
        from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases, npmi_scorer
        from gensim.models.word2vec import LineSentence
        source = LineSentence(str(corpus))
        threads = {}
    else:
        from w2vlib.phrases import ENGLISH_CONNECTOR_WORDS, Phrases, npmi_scorer
        source = str(corpus)
        threads = {"workers": 1 if library == "w2vlib-1thread" else None}
    before = peak_rss_mb()
    model, seconds = timed(lambda: Phrases(source, min_count=settings["min_count"],
                                           threshold=settings["threshold"],
                                           connector_words=ENGLISH_CONNECTOR_WORDS, **threads))
    figures = {"times": {"learn": seconds}, "rss_before_mb": before, "rss_peak_mb": peak_rss_mb(),
               "vocab": len(model.vocab), "corpus_word_count": model.corpus_word_count,
               "phrases": {}, "outputs": {}}
    frozen = model.freeze()
    for label, applied in (("apply file (frozen)", frozen), ("apply file (Phrases)", model)):
        target = workdir / f"phrased.{library}.{label.split('(')[1][:-1]}.txt"
        if library == "gensim":
            _, seconds = timed(lambda: write_lines(applied[LineSentence(str(corpus))], target))
        else:
            _, seconds = timed(lambda: applied.phrase_file(corpus, target, **threads))
        figures["times"][label] = seconds
        figures["outputs"][label] = sha256(target)
        target.unlink()
    sentences = first_sentences(corpus, settings["list_tokens"])
    phrased, figures["times"]["apply token lists (frozen)"] = timed(lambda: list(frozen[sentences]))
    figures["outputs"]["apply token lists (frozen)"] = hashlib.sha256(
        json.dumps(phrased).encode("utf8")).hexdigest()
    _, figures["times"]["copy token lists (no phrasing)"] = timed(
        lambda: [list(sentence) for sentence in sentences])
    del sentences, phrased
    for name, scoring, threshold in (("default", model.scoring, settings["threshold"]),
                                     ("npmi", npmi_scorer, settings["npmi_threshold"]),
                                     ("custom", jaccard_scorer, settings["custom_threshold"])):
        model.scoring, model.threshold = scoring, threshold
        exported, figures["times"][f"export {name}"] = timed(model.export_phrases)
        figures["phrases"][name] = [[phrase, float(score).hex()] for phrase, score in exported.items()]
    figures["rss_end_mb"] = peak_rss_mb()
    return figures


def run_child(library, corpus, workdir, settings):
    """`library`'s figures, measured by this script in a fresh process."""
    done = subprocess.run([sys.executable, str(pathlib.Path(__file__).resolve()), "--child", library,
                           "--corpus", str(corpus), "--workdir", str(workdir),
                           "--settings", json.dumps(settings)],
                          capture_output=True, text=True, cwd=HERE)
    if done.returncode != 0:
        raise SystemExit(f"bench_phrases.py: the {library} run failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def compare(figures):
    """Per scorer and output, the number of phrases (or 1) and whether every run agrees with
    gensim's."""
    gensim, ours = figures["gensim"], [figures[library] for library in LIBRARIES[1:]]
    agreement = {}
    for name in SCORERS:
        agreement[f"phrases {name}"] = {"count": len(gensim["phrases"][name]), "equal": all(
            gensim["phrases"][name] == run["phrases"][name] for run in ours)}
    for label in gensim["outputs"]:
        agreement[label] = {"count": 1, "equal": all(
            gensim["outputs"][label] == run["outputs"][label] for run in ours)}
    agreement["vocabulary"] = {"count": gensim["vocab"], "equal": all(
        (gensim["vocab"], gensim["corpus_word_count"]) == (run["vocab"], run["corpus_word_count"])
        for run in ours)}
    return agreement


def parser():
    """The command line (``--help`` explains every option)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_arguments(p, "the corpus copy and the outputs", eval_dir=False)
    p.add_argument("--min-count", type=int, default=5, metavar="N", help="Phrases' min_count (default: 5)")
    p.add_argument("--threshold", type=float, default=10.0, metavar="X",
                   help="threshold of the default scorer (default: gensim's 10)")
    p.add_argument("--npmi-threshold", type=float, default=0.5, metavar="X",
                   help="threshold of the npmi scorer (default: %(default)s)")
    p.add_argument("--custom-threshold", type=float, default=0.2, metavar="X",
                   help="threshold of the custom scorer (default: %(default)s)")
    p.add_argument("--list-tokens", type=int, default=1_000_000, metavar="N",
                   help="tokens of the in-memory token lists phrased (default: 1,000,000)")
    p.add_argument("--repeats", type=int, default=1, metavar="N",
                   help="runs of each library, interleaved; times are the best (default: 1)")
    results.add_out_argument(p, "the phrases section")
    p.add_argument("--child", choices=LIBRARIES, help=argparse.SUPPRESS)
    p.add_argument("--settings", help=argparse.SUPPRESS)
    return p


def main(argv=None):
    """Run both libraries, compare them, print the table and write the results section."""
    args = parser().parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.corpus, args.workdir, json.loads(args.settings))))
        return 0
    corpus = corpus_file(args.corpus, args.workdir, args.tokens)
    settings = {"min_count": args.min_count, "threshold": args.threshold,
                "npmi_threshold": args.npmi_threshold, "custom_threshold": args.custom_threshold,
                "list_tokens": args.list_tokens, "threads": usable_cpus()}
    figures = {}
    for _ in range(max(args.repeats, 1)):
        for library in LIBRARIES:
            run = run_child(library, corpus, args.workdir, settings)
            best = figures.setdefault(library, run)
            best["times"] = {step: min(best["times"][step], run["times"][step]) for step in STEPS}
    words = figures["w2vlib"]["corpus_word_count"]
    section = {"run": results.run_info(corpus=str(corpus), corpus_words=words),
               "repeats": max(args.repeats, 1), "settings": settings,
               "steps": {step: {TIME_KEYS[library]: figures[library]["times"][step]
                                for library in LIBRARIES} for step in STEPS},
               "memory": {library: {key: figures[library][key] for key in
                                    ("rss_before_mb", "rss_peak_mb", "rss_end_mb")}
                          for library in LIBRARIES},
               "agreement": compare(figures)}
    print(f"{words:,} words of {corpus}\n")
    print("\n".join(plot.phrases_table(section)))
    results.update(args.out, {"phrases": section})
    print(f"\n(results in {args.out})")
    return 0 if all(check["equal"] for check in section["agreement"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
