"""The command line: ``python -m w2vlib COMMAND ...`` or the ``w2vlib`` console script.

Commands (``w2vlib COMMAND --help`` lists each one's options; docs/cli.md has the details):

* ``demo`` — train on the corpus shipped with w2vlib and show neighbours, an analogy and scores;
* ``train`` — train from a text file, with the original word2vec C tool's flags and defaults
  (``-train -output -size -window -sample -hs -negative -threads -iter -min-count -alpha
  -binary -cbow -save-vocab -read-vocab``) or their GNU-style spellings (``--vector-size`` ...);
* ``phrases`` — join the phrases of a text file (``new_york``), with word2phrase's flags and
  defaults (``-train -output -min-count -threshold -debug``); run it on its output for trigrams;
* ``similar WORD...``, ``analogy A B C``, ``evaluate``: queries and scores on a vectors file
  (``similar`` also reads query words from a file or stdin, and searches exactly or with an
  approximate index saved beside the vectors);
* ``convert IN OUT``: between the word2vec text and binary formats and w2vlib's native file;
* ``info FILE``: format, rows and dimensions of a vectors file.

Vectors files are recognised by their content (native magic bytes, or the ``rows dims`` header
followed by text or binary values); output formats come from ``--to`` or the file extension.
Exit status: 0 on success, 2 on a usage error, 1 on any other failure, reported as one line on
stderr (``--debug`` adds the traceback).

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "tiny.txt")
>>> with open(path, "w") as fout:
...     _ = fout.write("2 3\\nking 1 0 0\\nqueen 0.5 0.5 0\\n")
>>> main(["info", path])  # doctest: +ELLIPSIS
file: ...tiny.txt
format: text
rows: 2
dims: 3
0
"""
import argparse
import contextlib
import logging
import math
import os
import sys
import tempfile
import time
import traceback

import smart_open

from w2vlib import _native, similarities
from w2vlib._atomic import local_path
from w2vlib._evaluation import DATA_DIR, datapath
from w2vlib._parallel import usable_cpus
from w2vlib._progress import plural
from w2vlib._version import __version__
from w2vlib._convert import (EXTENSION_FORMATS, FORMATS, detect_format, format_from_name,
                             load_vectors, mmap_mode, save_vectors, write_vocab_file)
from w2vlib._params import BY_NAME, FAST_PRESET
from w2vlib._word2vec_format import read_vocab_counts
from w2vlib.phrases import ENGLISH_CONNECTOR_WORDS, Phrases, check_target, corpus_files
from w2vlib.word2vec import Word2Vec

logger = logging.getLogger(__name__)

#: Exit statuses.
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

#: The word2vec C tool's defaults (word2vec.c), used by ``train``.
C_DEFAULTS = {"vector_size": 100, "window": 5, "sample": 1e-3, "hs": 0, "negative": 5,
              "workers": 12, "epochs": 5, "min_count": 5, "binary": 0, "cbow": 1}
#: The C tool's starting learning rate for CBOW and skip-gram.
C_ALPHA_CBOW, C_ALPHA_SG = 0.05, 0.025
#: The C tool never lets the learning rate fall below this fraction of its starting value.
C_MIN_ALPHA_FRACTION = 1e-4

#: word2phrase's defaults (word2phrase.c), used by ``phrases``; -debug 2 shows progress.
PHRASE_DEFAULTS = {"min_count": 5, "threshold": 100.0, "debug": 2}
#: The connector word sets ``phrases --connector-words`` knows.
CONNECTOR_SETS = {"none": frozenset(), "english": ENGLISH_CONNECTOR_WORDS}

#: Defaults of the query commands: neighbours shown, analogy answers, vocabulary evaluated (gensim's).
SIMILAR_TOPN, ANALOGY_TOPN, EVALUATE_RESTRICT_VOCAB = 10, 5, 300000
#: Random seed of training (Word2Vec's default, as gensim's).
DEFAULT_SEED = BY_NAME["seed"].default

#: The demo: bundled corpus, settings, and what it shows.
DEMO_CORPUS = os.path.join(DATA_DIR, "demo_corpus.txt.xz")
DEMO_SETTINGS = {"sg": 0, "vector_size": 100, "window": 8, "min_count": 5, "sample": 1e-3,
                 "negative": 5, "hs": 0}
#: ``demo --fast``: the recommended preset at gensim's window. Not the default: on the 2.5M-word
#: demo corpus it scores better on WordSim-353 (0.43-0.49 against 0.31) but a little worse on
#: the analogies (11-13% against 13%), and ranks "queen" only 1st to 3rd for king - man + woman.
DEMO_FAST_SETTINGS = {**DEMO_SETTINGS, **FAST_PRESET, "window": 5}
DEMO_EPOCHS = 10
DEMO_WORDS = ("king", "woman", "ship", "good")
DEMO_ANALOGY = ("man", "king", "woman")
DEMO_TOPN = 6
DEMO_ANALOGY_TOPN = 3
DEMO_RESTRICT_VOCAB = 30000
#: Bytes per copy step when unpacking the demo corpus.
COPY_CHUNK_BYTES = 1 << 20


class UsageError(Exception):
    """A command line that cannot be carried out as written (exit status 2)."""


def output_format(path, requested=None, choose="give --to {" + ",".join(FORMATS) + "}"):
    """The output format: `requested`, else from the file extension (UsageError if unknown,
    saying how to `choose` one).

    >>> output_format("vectors.bin"), output_format("vectors.dat", "text")
    ('binary', 'text')
    """
    fmt = requested or format_from_name(path)
    if fmt is None:
        known = ", ".join(sorted(EXTENSION_FORMATS))
        raise UsageError(f"cannot tell the format of {path} from its extension ({known}); {choose}")
    return fmt


def check_outputs(outputs, inputs):
    """Refuse, before any work, output files that cannot be written: in a folder that does not
    exist or is not writable, or the same file as an input (it would be overwritten).
    `outputs` and `inputs` map a flag to a path (None: not given); remote URIs are not checked.
    """
    sources = {flag: os.path.realpath(path) for flag, path in inputs.items()
               if path is not None and local_path(path) is not None}
    for flag, path in outputs.items():
        local = None if path is None else local_path(path)
        if local is None:
            continue
        folder = os.path.dirname(os.path.abspath(local))
        if not os.path.isdir(folder):
            raise UsageError(f"{flag} {path}: the folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise UsageError(f"{flag} {path}: the folder {folder} is not writable")
        if os.path.isdir(local):
            raise UsageError(f"{flag} {path}: is a folder, not a file")
        same = next((other for other, source in sources.items()
                     if source == os.path.realpath(local)), None)
        if same is not None:
            raise UsageError(f"{flag} {path} is also {same}: it would be overwritten")


# --- commands ----------------------------------------------------------------------------------

def _say(args, message):
    if not args.quiet:
        print(message, file=sys.stderr)


def _progress_flag(args):
    """What to pass as ``progress=`` (training, vocabulary scans, loads, saves): off when quiet,
    else automatic (a bar on a terminal, log lines otherwise)."""
    return False if args.quiet else None


def train_params(args):
    """Word2Vec keyword arguments for the ``train`` command's parsed flags (C tool semantics;
    ``--fast``: FAST_PRESET, which an explicit -cbow 1, -hs 1 or -negative 0 contradicts)."""
    cbow = args.cbow
    if args.fast:
        clash = [flag for flag, given in (("-cbow 1", cbow == 1), ("-hs 1", args.hs == 1),
                                          ("-negative 0", args.negative == 0)) if given]
        if clash:
            raise UsageError(f"--fast trains skip-gram with negative sampling and shared "
                             f"negatives: drop {' and '.join(clash)}")
        cbow = int(not FAST_PRESET["sg"])
    sg = int(not (C_DEFAULTS["cbow"] if cbow is None else cbow))
    alpha = args.alpha if args.alpha is not None else (C_ALPHA_SG if sg else C_ALPHA_CBOW)
    if not args.hs and not args.negative:
        raise UsageError("-hs 0 with -negative 0 trains nothing: set -hs 1 or -negative > 0")
    return {"vector_size": args.vector_size, "window": args.window, "sample": args.sample,
            "hs": args.hs, "negative": args.negative, "workers": args.workers,
            "epochs": args.epochs, "min_count": args.min_count, "alpha": alpha,
            "min_alpha": alpha * C_MIN_ALPHA_FRACTION, "sg": sg, "seed": args.seed,
            "cbow_correction": args.cbow_correction,
            "shared_negatives": args.shared_negatives or (args.fast and
                                                          FAST_PRESET["shared_negatives"])}


def cmd_train(args):
    """Train on a text file; write vectors (and vocabulary, model) as asked."""
    params = train_params(args)
    check_outputs({"-output": args.output, "-save-vocab": args.save_vocab,
                   "-save-model": args.save_model},
                  {"-train": args.train, "-read-vocab": args.read_vocab})
    named = format_from_name(args.output) if args.output else None
    written = "binary" if args.binary else "text"
    if named in ("binary", "text") and named != written:
        default = ", the C tool's default" if not args.binary else ""
        logger.warning("-output %s: writing the %s format (-binary %i%s) to a file named for the "
                       "%s format; give -binary %i for the %s format", args.output, written,
                       args.binary, default, named, 1 - args.binary, named)
    try:
        model = Word2Vec(**params)       # the hyperparameters' checks, before any work
    except ValueError as err:
        raise UsageError(str(err)) from None
    _say(args, f"Starting training using file {args.train}")
    if args.read_vocab:
        model.build_vocab_from_freq(read_vocab_counts(args.read_vocab))
    else:
        model.build_vocab(corpus_file=args.train, progress=_progress_flag(args))
    _say(args, f"Vocab size: {len(model.wv)}")
    _say(args, f"Words in train file: {model.corpus_total_words}")
    if args.save_vocab:
        write_vocab_file(args.save_vocab, model.wv.index_to_key, model.wv.expandos["count"])
    if not (args.output or args.save_model):
        return EXIT_OK  # as the C tool: without -output, only the vocabulary is built
    start = time.perf_counter()
    _, raw = model.train(corpus_file=args.train, total_words=model.corpus_total_words,
                         epochs=model.epochs, progress=_progress_flag(args))
    elapsed = time.perf_counter() - start
    _say(args, f"Trained {plural(model.epochs, 'epoch')} in {elapsed:.1f} s ({_rate(raw, elapsed)})")
    if args.output:
        model.wv.save_word2vec_format(args.output, binary=bool(args.binary),
                                      progress=_progress_flag(args))
    if args.save_model:
        model.save(args.save_model)
    return EXIT_OK


def cmd_phrases(args):
    """Learn the phrases of a text file and write it with them joined (word2phrase)."""
    quiet = args.quiet or args.debug_level == 0
    progress = False if quiet or args.debug_level < 2 else None
    for output in filter(None, (args.output, args.save_model)):   # before any work
        check_target(output, corpus_files(args.train))
    try:
        model = Phrases(min_count=args.min_count, threshold=args.threshold,
                        max_vocab_size=args.max_vocab_size, delimiter=args.delimiter,
                        scoring=args.scoring, connector_words=CONNECTOR_SETS[args.connector_words])
    except ValueError as err:
        raise UsageError(str(err)) from None
    if not quiet:
        print(f"Starting training using file {args.train}", file=sys.stderr)
    model.add_vocab(args.train, progress=progress, workers=args.threads)
    if not quiet:
        print(f"Vocab size (unigrams + bigrams): {len(model.vocab)}\n"
              f"Words in train file: {model.corpus_word_count}", file=sys.stderr)
    report = model.phrase_file(args.train, args.output, progress=progress, workers=args.threads)
    if not quiet:
        print(f"Wrote {report.sentences} sentences, {report.phrases} phrases joined, to "
              f"{args.output}", file=sys.stderr)
    if args.save_model:
        model.save(args.save_model)
    return EXIT_OK


def _rate(words, seconds):
    return f"{words / seconds if seconds > 0 else 0.0:,.0f} words/s"


def _neighbours_line(pairs):
    return ", ".join(f"{word} {score:.2f}" for word, score in pairs)


def _check_known(kv, words, path):
    missing = [word for word in words if word not in kv]
    if missing:
        raise KeyError(f"not in the vocabulary of {path}: {' '.join(missing)}")


def cmd_similar(args):
    """Nearest neighbours of each word (given, or one a line from --queries), exact or by an
    index (--index: loaded if saved, else built and saved)."""
    words = list(args.words) + (_query_words(args.queries) if args.queries else [])
    if not words:
        raise UsageError("give query words, or --queries FILE (- for stdin)")
    kv = load_vectors(args.model, args.format, args.limit, _progress_flag(args))
    _check_known(kv, words, args.model)
    if args.index:
        indexer, built = similarities.open_index(args.index, kv, args.index_kind)
        _say(args, f"{'built and saved' if built else 'loaded'} the index {args.index}")
        # the index, as gensim's, returns the query word too: ask one more, leave it out
        answers = ([(key, score) for key, score in kv.most_similar(word, topn=args.topn + 1,
                                                                    indexer=indexer)
                    if key != word][:args.topn] for word in words)
    else:
        answers = kv.most_similar_batch(words, topn=args.topn)
    for word, pairs in zip(words, answers):
        print(word)
        _print_ranked(pairs)
    return EXIT_OK


def _query_words(source):
    """The words of a queries file (or stdin for ``-``): one a line, blank lines skipped."""
    if source == "-":
        return [line.strip() for line in sys.stdin if line.strip()]
    with smart_open.open(source, "r", encoding="utf8") as fin:
        return [line.strip() for line in fin if line.strip()]


def _print_ranked(pairs):
    width = max((len(word) for word, _ in pairs), default=0)
    for word, score in pairs:
        print(f"  {word:<{width}}  {score:.4f}")


def cmd_analogy(args):
    """``A is to B as C is to ?``: the words nearest to ``B - A + C``."""
    kv = load_vectors(args.model, args.format, args.limit, _progress_flag(args))
    _check_known(kv, [args.a, args.b, args.c], args.model)
    print(f"{args.a} : {args.b} :: {args.c} : ?")
    _print_ranked(kv.most_similar(positive=[args.b, args.c], negative=[args.a], topn=args.topn))
    return EXIT_OK


def _evaluate(kv, analogies, pairs, restrict_vocab, sections=False):
    """Print the analogy accuracy (per section too, if asked) and the word-pair correlations."""
    if analogies:
        accuracy, results = kv.evaluate_word_analogies(analogies, restrict_vocab=restrict_vocab)
        total = results[-1]
        answered = len(total["correct"]) + len(total["incorrect"])
        print(f"analogies ({os.path.basename(analogies)}, first {restrict_vocab} words): "
              f"accuracy {100 * accuracy:.1f}% of {answered} questions in vocabulary")
        for section in results[:-1] if sections else ():
            right, asked = len(section["correct"]), len(section["correct"]) + len(section["incorrect"])
            if asked:
                print(f"  {section['section']:<28} {right:>5}/{asked:<5} {100 * right / asked:5.1f}%")
    if pairs:
        pearson, rank, oov = kv.evaluate_word_pairs(pairs, restrict_vocab=restrict_vocab)
        print(f"word pairs ({os.path.basename(pairs)}): Spearman {float(rank[0]):.3f}, "
              f"Pearson {float(pearson[0]):.3f}, {oov:.1f}% of pairs out of vocabulary")


def cmd_evaluate(args):
    """Analogy accuracy and word-pair correlation (the shipped sets by default)."""
    analogies, pairs = args.analogies, args.pairs
    if analogies is None and pairs is None:
        analogies, pairs = datapath("questions-words.txt"), datapath("wordsim353.tsv")
    kv = load_vectors(args.model, args.format, args.limit, _progress_flag(args))
    _evaluate(kv, analogies, pairs, args.restrict_vocab, sections=True)
    return EXIT_OK


def cmd_convert(args):
    """Convert between text, binary and native vectors files."""
    fmt = output_format(args.output, args.to)
    check_outputs({"OUT": args.output}, {"IN": args.input})
    kv = load_vectors(args.input, args.source_format, args.limit, _progress_flag(args))
    save_vectors(kv, args.output, fmt, _progress_flag(args))
    _say(args, f"wrote {len(kv)} vectors of {kv.vector_size} dimensions to {args.output} ({fmt})")
    return EXIT_OK


def cmd_info(args):
    """Format, rows and dimensions (from the header; native files are not read in full)."""
    fmt = detect_format(args.file)
    print(f"file: {args.file}")
    if fmt == "native":
        kind, meta, arrays = _native.load_native(args.file, mmap=mmap_mode(args.file))
        vectors = arrays.get("vectors")
        print(f"format: native ({kind})")
        if vectors is not None:
            print(f"rows: {vectors.shape[0]}\ndims: {vectors.shape[1]}\ndtype: {vectors.dtype}")
        if kind == "Word2Vec":
            print("model: " + ", ".join(f"{name} {meta[name]}" for name in
                                        ("sg", "hs", "negative", "window", "epochs", "min_count")
                                        if name in meta))
        return EXIT_OK
    with smart_open.open(os.fspath(args.file), "rb") as fin:
        rows, dims = fin.readline().split()
    print(f"format: {fmt}\nrows: {int(rows)}\ndims: {int(dims)}")
    return EXIT_OK


def _unpack_demo_corpus(folder, max_tokens):
    """Decompress the bundled corpus (its first lines up to `max_tokens` words) into `folder`,
    so training reads a plain file (split across workers by byte ranges, no decompression per
    epoch)."""
    path = os.path.join(folder, "demo_corpus.txt")
    with smart_open.open(DEMO_CORPUS, "rb") as fin, open(path, "wb") as fout:
        if max_tokens is None:
            while chunk := fin.read(COPY_CHUNK_BYTES):
                fout.write(chunk)
        else:
            words = 0
            for line in fin:
                if words >= max_tokens:
                    break
                fout.write(line)
                words += len(line.split())
    return path


def cmd_demo(args):
    """Train on the bundled corpus; show neighbours, an analogy and evaluation scores."""
    settings = dict(DEMO_FAST_SETTINGS if args.fast else DEMO_SETTINGS, workers=args.workers,
                    epochs=args.epochs, seed=args.seed)
    mode = "the fast preset: skip-gram with shared negatives" if args.fast else "CBOW"
    if args.output:
        fmt = output_format(args.output, choose="name it .txt, .bin or .kv")
        check_outputs({"--output": args.output}, {})
    with tempfile.TemporaryDirectory(prefix="w2vlib-demo-") as folder:
        corpus = _unpack_demo_corpus(folder, args.max_tokens)
        model = Word2Vec(**settings)
        model.build_vocab(corpus_file=corpus, progress=_progress_flag(args))
        print(f"Training {mode} ({model.vector_size} dimensions, window {model.window}, "
              f"{plural(model.epochs, 'epoch')}, {plural(model.workers, 'worker')}) on {model.corpus_total_words:,} "
              f"words of public-domain Project Gutenberg books ({len(model.wv):,} distinct words "
              f"seen at least {model.min_count} times)")
        start = time.perf_counter()
        _, raw = model.train(corpus_file=corpus, total_examples=model.corpus_count,
                             total_words=model.corpus_total_words, epochs=model.epochs,
                             progress=_progress_flag(args))
        elapsed = time.perf_counter() - start
    kv = model.wv
    print(f"Trained in {elapsed:.1f} s ({_rate(raw, elapsed)})\n")
    print("Nearest neighbours:")
    width = max(len(word) for word in DEMO_WORDS)
    for word in DEMO_WORDS:
        if word in kv:
            print(f"  {word:<{width}}  {_neighbours_line(kv.most_similar(word, topn=DEMO_TOPN))}")
    a, b, c = DEMO_ANALOGY
    if all(word in kv for word in DEMO_ANALOGY):
        answers = kv.most_similar(positive=[b, c], negative=[a], topn=DEMO_ANALOGY_TOPN)
        print(f"\nAnalogy: {b} - {a} + {c} = {_neighbours_line(answers)}\n")
    print("Evaluation:")
    _evaluate(kv, datapath("questions-words.txt"), datapath("wordsim353.tsv"), DEMO_RESTRICT_VOCAB)
    if args.output:
        save_vectors(kv, args.output, fmt, _progress_flag(args))
        print(f"\nSaved the vectors to {args.output}")
    return EXIT_OK


# --- argument parsing --------------------------------------------------------------------------

def _number(kind, minimum, name):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {name}: {text!r}") from None
        if not (math.isfinite(value) and value >= minimum):
            raise argparse.ArgumentTypeError(f"must be a finite number >= {minimum}: {text!r}")
        return value
    return parse


POSITIVE_INT = _number(int, 1, "whole number")
NATURAL = _number(int, 0, "whole number")
NON_NEGATIVE = _number(float, 0.0, "number")
FINITE = _number(float, -math.inf, "number")


def _positive_float(text):
    value = NON_NEGATIVE(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def _switch(text):
    if text not in ("0", "1"):
        raise argparse.ArgumentTypeError(f"must be 0 or 1: {text!r}")
    return int(text)


def _add_train_flags(parser):
    c_tool = parser.add_argument_group(
        "word2vec C tool flags (each also spelled --flag; defaults are the C tool's)")
    add = c_tool.add_argument
    add("-train", "--train", required=True, metavar="FILE", help="training text, one sentence a line")
    add("-output", "--output", metavar="FILE",
        help="write the vectors here (without it, only the vocabulary is built, as the C tool)")
    add("-size", "--size", "--vector-size", dest="vector_size", type=POSITIVE_INT,
        default=C_DEFAULTS["vector_size"], metavar="N", help="dimensions (default %(default)s)")
    add("-window", "--window", type=POSITIVE_INT, default=C_DEFAULTS["window"], metavar="N",
        help="maximum context distance (default %(default)s)")
    add("-sample", "--sample", type=NON_NEGATIVE, default=C_DEFAULTS["sample"], metavar="X",
        help="downsampling threshold of frequent words, 0 = off (default %(default)s)")
    add("-hs", "--hs", type=_switch, default=C_DEFAULTS["hs"], metavar="{0,1}",
        help="hierarchical softmax (default %(default)s)")
    add("-negative", "--negative", type=NATURAL, default=C_DEFAULTS["negative"], metavar="N",
        help="negative samples, 0 = none (default %(default)s)")
    add("-threads", "--threads", "--workers", dest="workers", type=POSITIVE_INT,
        default=C_DEFAULTS["workers"], metavar="N", help="worker threads (default %(default)s)")
    add("-iter", "--iter", "--epochs", dest="epochs", type=POSITIVE_INT,
        default=C_DEFAULTS["epochs"], metavar="N", help="epochs (default %(default)s)")
    add("-min-count", "--min-count", dest="min_count", type=NATURAL,
        default=C_DEFAULTS["min_count"], metavar="N",
        help="ignore words seen fewer times (default %(default)s)")
    add("-alpha", "--alpha", type=_positive_float, metavar="X",
        help=f"starting learning rate (default {C_ALPHA_SG} skip-gram, {C_ALPHA_CBOW} CBOW)")
    add("-binary", "--binary", type=_switch, default=C_DEFAULTS["binary"], metavar="{0,1}",
        help="write -output in the binary format (default %(default)s)")
    add("-cbow", "--cbow", type=_switch, metavar="{0,1}",
        help=f"1 = CBOW, 0 = skip-gram (default {C_DEFAULTS['cbow']}; 0 with --fast)")
    add("-save-vocab", "--save-vocab", dest="save_vocab", metavar="FILE",
        help="write the vocabulary as 'word count' lines")
    add("-read-vocab", "--read-vocab", dest="read_vocab", metavar="FILE",
        help="take the vocabulary from 'word count' lines instead of counting the corpus")
    extra = parser.add_argument_group("w2vlib additions")
    extra.add_argument("--sg", dest="cbow", action="store_const", const=0, help="same as -cbow 0")
    extra.add_argument("--seed", type=NATURAL, default=DEFAULT_SEED,
                       help="random seed (default %(default)s)")
    extra.add_argument("--save-model", metavar="FILE",
                       help="also save the whole model (native format, loadable by Word2Vec.load)")
    extra.add_argument("--cbow-correction", dest="cbow_correction", action="store_true",
                       help="CBOW: divide each context word's update by the number of context "
                            "words, the true gradient of their mean (kōan's corrected CBOW; "
                            "the C tool applies the whole gradient to each)")
    extra.add_argument("--fast", action="store_true",
                       help="the recommended preset: skip-gram, negative sampling, shared "
                            "negatives (-cbow 0 -hs 0 --shared-negatives; the configuration "
                            "measured to reach the C tool's skip-gram quality soonest)")
    extra.add_argument("--shared-negatives", dest="shared_negatives", action="store_true",
                       help="skip-gram with negative sampling: one draw of negatives per window, "
                            "shared by its context words (HogBatch); -cbow 0 -hs 0 only")


def _add_phrase_flags(parser):
    tool = parser.add_argument_group("word2phrase flags (each also spelled --flag; defaults are "
                                     "word2phrase's)")
    add = tool.add_argument
    add("-train", "--train", required=True, metavar="FILE", help="text, one sentence a line")
    add("-output", "--output", required=True, metavar="FILE",
        help="write the text here with its phrases joined (compressed by its extension)")
    add("-min-count", "--min-count", dest="min_count", type=POSITIVE_INT,
        default=PHRASE_DEFAULTS["min_count"], metavar="N",
        help="the scorer's min_count: rarer bigrams score low (default %(default)s)")
    add("-threshold", "--threshold", type=FINITE, default=PHRASE_DEFAULTS["threshold"],
        metavar="X", help="join two words when their score is above X (default %(default)s)")
    add("-debug", dest="debug_level", type=int, choices=(0, 1, 2), default=PHRASE_DEFAULTS["debug"],
        help="0 silent, 1 a summary, 2 also progress (default %(default)s)")
    extra = parser.add_argument_group("w2vlib additions (gensim's Phrases arguments)")
    extra.add_argument("--scoring", choices=("default", "npmi"), default="default",
                       help="gensim's scorer (default %(default)s; npmi wants -threshold in "
                            "[-1, 1])")
    extra.add_argument("--connector-words", choices=sorted(CONNECTOR_SETS), default="none",
                       help="words allowed inside a phrase, as in bank_of_america (default "
                            "%(default)s)")
    extra.add_argument("--delimiter", default="_",
                       help="joins a phrase's words (default %(default)s)")
    extra.add_argument("--max-vocab-size", type=POSITIVE_INT, default=40000000, metavar="N",
                       help="keys kept while counting; the rarest are pruned above it (default "
                            "%(default)s, gensim's)")
    extra.add_argument("--save-model", metavar="FILE",
                       help="also save the phrase model (Phrases.load reads it)")
    extra.add_argument("-threads", "--threads", type=POSITIVE_INT, default=usable_cpus(),
                       metavar="N", help="threads counting (two at most: one reads, one counts) "
                                         "and phrasing a plain file (default: the CPUs, "
                                         "%(default)s; the output is the same for any number)")


def _add_model_flags(parser):
    parser.add_argument("-m", "--model", required=True, metavar="FILE",
                        help="vectors file: word2vec text/binary or w2vlib native")
    parser.add_argument("--format", choices=FORMATS,
                        help="format of --model (recognised from its content by default)")
    parser.add_argument("--limit", type=POSITIVE_INT, metavar="N", help="read only the first N vectors")


def _add_common_flags(parser, default):
    parser.add_argument("-q", "--quiet", action="store_true", default=default,
                        help="no progress output")
    parser.add_argument("-v", "--verbose", action="store_true", default=default,
                        help="log what the library does")
    parser.add_argument("--debug", action="store_true", default=default,
                        help="print the traceback of an error")


def build_parser():
    """The ``argparse`` parser of the command line."""
    # The common options work before the command and after it; in the commands they default to
    # SUPPRESS so that an option given before the command is not reset.
    parser = argparse.ArgumentParser(
        prog="w2vlib", allow_abbrev=False,
        description="Train, query, evaluate and convert word2vec vectors.",
        epilog="Run 'w2vlib COMMAND --help' for a command's options.")
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--version", action="version", version=f"w2vlib {__version__}")
    _add_common_flags(parser, False)
    _add_common_flags(common, argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name, handler, text):
        sub = commands.add_parser(name, parents=[common], allow_abbrev=False, help=text,
                                  description=text)
        sub.set_defaults(handler=handler)
        return sub

    demo = command("demo", cmd_demo, "train on the bundled corpus and show what the vectors learnt")
    demo.add_argument("--workers", type=POSITIVE_INT, default=usable_cpus(),
                      help="worker threads (default: the CPUs available, %(default)s)")
    demo.add_argument("--epochs", type=POSITIVE_INT, default=DEMO_EPOCHS,
                      help="epochs (default %(default)s)")
    demo.add_argument("--fast", action="store_true",
                      help="train with the recommended preset (skip-gram, shared negatives) "
                           "instead of CBOW")
    demo.add_argument("--seed", type=NATURAL, default=DEFAULT_SEED,
                      help="random seed (default %(default)s)")
    demo.add_argument("--output", metavar="FILE",
                      help="save the vectors (format from the extension: .txt, .bin, .kv)")
    demo.add_argument("--max-tokens", type=POSITIVE_INT, help=argparse.SUPPRESS)

    _add_train_flags(command("train", cmd_train, "train word vectors on a text file"))

    _add_phrase_flags(command("phrases", cmd_phrases,
                              "join the phrases of a text file (word2phrase); twice for trigrams"))

    similar = command("similar", cmd_similar, "nearest neighbours of words")
    similar.add_argument("words", nargs="*", metavar="WORD")
    _add_model_flags(similar)
    similar.add_argument("--topn", type=POSITIVE_INT, default=SIMILAR_TOPN,
                         help="neighbours (default %(default)s)")
    similar.add_argument("--queries", metavar="FILE", help="query words, one a line (- for stdin)")
    similar.add_argument("--index", metavar="PATH", help="approximate search with the index saved "
                         "at PATH (and PATH.dict); built and saved there if missing")
    similar.add_argument("--index-kind", choices=sorted(similarities.KINDS), default="hnsw",
                         help="kind of index to build (default %(default)s; a saved one says its own)")

    analogy = command("analogy", cmd_analogy, "A is to B as C is to ? (the words nearest B - A + C)")
    for name in ("a", "b", "c"):
        analogy.add_argument(name, metavar=name.upper())
    _add_model_flags(analogy)
    analogy.add_argument("--topn", type=POSITIVE_INT, default=ANALOGY_TOPN,
                         help="answers (default %(default)s)")

    evaluate = command("evaluate", cmd_evaluate,
                       "analogy accuracy and word-pair correlation (shipped sets by default)")
    _add_model_flags(evaluate)
    evaluate.add_argument("--analogies", metavar="FILE", help="analogy questions (': section' lines "
                          "and 'a b c d' lines)")
    evaluate.add_argument("--pairs", metavar="FILE", help="'word1<TAB>word2<TAB>score' lines")
    evaluate.add_argument("--restrict-vocab", type=POSITIVE_INT, default=EVALUATE_RESTRICT_VOCAB,
                          metavar="N", help="use only the first N words (default %(default)s)")

    convert = command("convert", cmd_convert, "convert between text, binary and native files")
    convert.add_argument("input", metavar="IN")
    convert.add_argument("output", metavar="OUT")
    convert.add_argument("--from", dest="source_format", choices=FORMATS,
                         help="format of IN (recognised from its content by default)")
    convert.add_argument("--to", choices=FORMATS, help="format of OUT (by default from its "
                         "extension: .txt/.vec text, .bin binary, .kv/.w2v/.model native)")
    convert.add_argument("--limit", type=POSITIVE_INT, metavar="N", help="convert only the first N vectors")

    info = command("info", cmd_info, "format, rows and dimensions of a vectors file")
    info.add_argument("file", metavar="FILE")
    return parser


# --- entry point -------------------------------------------------------------------------------

@contextlib.contextmanager
def _logging_to_stderr(args):
    """Send w2vlib's log records to stderr while a command runs: warnings always, progress
    lines unless quiet, everything with --verbose."""
    package, progress = logging.getLogger("w2vlib"), logging.getLogger("w2vlib.progress")
    saved = package.level, progress.level
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    package.addHandler(handler)
    package.setLevel(logging.INFO if args.verbose else logging.WARNING)
    progress.setLevel(logging.WARNING if args.quiet else logging.INFO)
    try:
        yield
    finally:
        package.removeHandler(handler)
        package.setLevel(saved[0])
        progress.setLevel(saved[1])


def _silence_stdout():
    """Point stdout at /dev/null so that the interpreter's final flush does not fail again."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _one_line(err):
    message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
    message = " ".join(str(message).split()) or type(err).__name__
    if isinstance(err, (ValueError, KeyError, OSError)):
        return message
    return f"{type(err).__name__}: {message}"


def main(argv=None):
    """Run the command line; returns the exit status (0 ok, 1 failure, 2 usage error).

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, or a usage error already reported by argparse
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    with _logging_to_stderr(args):
        try:
            return args.handler(args)
        except UsageError as err:
            print(f"w2vlib {args.command}: error: {err}", file=sys.stderr)
            return EXIT_USAGE
        except BrokenPipeError:
            # stdout was closed early (`w2vlib similar ... | head`): stop quietly.
            _silence_stdout()
            return EXIT_FAILURE
        except KeyboardInterrupt:
            print("w2vlib: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as err:  # every failure becomes one line (and exit 1)
            if args.debug:
                traceback.print_exc()
            print(f"w2vlib {args.command}: error: {_one_line(err)}", file=sys.stderr)
            return EXIT_FAILURE
