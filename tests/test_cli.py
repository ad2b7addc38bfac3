"""The command line (w2vlib.cli); its progress output is in test_progress.py.

References: gensim 4.4 reading the files the CLI writes (and answering the same queries), the
word2vec C tool's documented defaults and file layouts, counts made here with collections.Counter,
and learning rates computed by hand.
"""
import collections
import gzip
import re
import struct
import subprocess
import sys

import numpy as np
import pytest
from extras import needs_annoy
from gensim.models import KeyedVectors as GensimKeyedVectors
from gensim.models.phrases import Phrases as GensimPhrases
from gensim.models.word2vec import LineSentence as GensimLineSentence

from w2vlib import Word2Vec
from w2vlib import FAST_PRESET, datapath
from w2vlib._convert import detect_format
from w2vlib.cli import UsageError, build_parser, main, train_params
from w2vlib.keyedvectors import KeyedVectors
from w2vlib.phrases import ENGLISH_CONNECTOR_WORDS, Phrases

PTB_BIN = "vectors/c_tool/ptb_sgns_d50.bin"
TOPICS = [["king", "queen", "prince", "princess", "throne", "crown", "royal", "palace"],
          ["ship", "boat", "sail", "sea", "harbour", "captain", "crew", "anchor"],
          ["cat", "dog", "mouse", "horse", "cow", "sheep", "goat", "pig"],
          ["red", "green", "blue", "yellow", "black", "white", "brown", "grey"]]
COMMON = ["the", "a", "of", "and", "to", "in"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """~24k tokens: sentences of one topic's words mixed with common words, plus rare words."""
    rng = np.random.default_rng(4)
    lines = []
    for number in range(2000):
        topic = TOPICS[number % len(TOPICS)]
        words = list(rng.choice(topic, 6)) + list(rng.choice(COMMON, 5))
        rng.shuffle(words)
        if number % 250 == 0:
            words.append(f"rare{number}")  # seen once: below -min-count 2
        lines.append(" ".join(words))
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    """One training run writing text and binary vectors, the vocabulary and the model."""
    folder = tmp_path_factory.mktemp("trained")
    files = {name: folder / name for name in ("vectors.txt", "vectors.bin", "vocab.txt", "model.w2v")}
    common = ["train", "-train", str(corpus), "-size", "16", "-min-count", "2", "-iter", "3",
              "-threads", "2", "--quiet"]
    assert main(common + ["-output", str(files["vectors.bin"]), "-binary", "1",
                          "-save-vocab", str(files["vocab.txt"]),
                          "--save-model", str(files["model.w2v"])]) == 0
    assert main(common + ["-output", str(files["vectors.txt"])]) == 0
    return files


def run(capsys, argv):
    """main(argv) -> (status, stdout, stderr)."""
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def ranked(out):
    """``[(word, score)]`` from the indented lines of `similar` / `analogy` output."""
    return [(fields[0], float(fields[1])) for fields in
            (line.split() for line in out.splitlines() if line.startswith("  "))]


SCORE_TOLERANCE = 1e-4  # the output has 4 decimals; float32 sums may differ in the last bits


def assert_same_top(answers, reference):
    """`answers` are the best len(answers) of gensim's ranking `reference` (a longer list):
    the same scores word by word, in order, with nothing better left out (near-ties may swap)."""
    scores = dict(reference)
    for word, score in answers:
        assert word in scores and abs(scores[word] - score) <= SCORE_TOLERANCE, (word, score)
    printed = [score for _, score in answers]
    assert all(a >= b - SCORE_TOLERANCE for a, b in zip(printed, printed[1:]))
    assert printed[-1] >= reference[len(answers)][1] - SCORE_TOLERANCE


# --- train -> similar -> convert --------------------------------------------------------------

def test_train_similar_convert_round_trip(trained, tmp_path, capsys):
    text = trained["vectors.txt"]
    reference = GensimKeyedVectors.load_word2vec_format(str(text))
    status, out, _ = run(capsys, ["similar", "king", "ship", "--model", str(text), "--topn", "4"])
    assert status == 0
    answers = ranked(out)
    assert out.splitlines()[0] == "king" and out.splitlines()[5] == "ship"
    assert_same_top(answers[:4], reference.most_similar("king", topn=10))
    assert_same_top(answers[4:], reference.most_similar("ship", topn=10))

    chain = [text, tmp_path / "v.bin", tmp_path / "v.kv", tmp_path / "v.vec.gz", tmp_path / "back.txt"]
    for source, target in zip(chain, chain[1:]):
        assert run(capsys, ["convert", str(source), str(target), "--quiet"])[0] == 0
    for path, fmt in [(chain[1], "binary"), (chain[3], "text"), (chain[4], "text")]:
        got = GensimKeyedVectors.load_word2vec_format(str(path), binary=fmt == "binary")
        assert got.index_to_key == reference.index_to_key
        np.testing.assert_array_equal(got.vectors, reference.vectors)
    native = KeyedVectors.load(str(chain[2]))
    assert native.index_to_key == reference.index_to_key
    np.testing.assert_array_equal(native.vectors, reference.vectors)


def test_binary_output_loads_in_gensim_with_identical_vectors(trained):
    model = Word2Vec.load(str(trained["model.w2v"]))
    got = GensimKeyedVectors.load_word2vec_format(str(trained["vectors.bin"]), binary=True)
    assert got.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(got.vectors, model.wv.vectors)


def test_binary_output_has_the_c_tool_layout(trained):
    """'rows dims\\n', then per word: the word, a space, dims little-endian float32, '\\n'."""
    model = Word2Vec.load(str(trained["model.w2v"]))
    data = trained["vectors.bin"].read_bytes()
    header, _, body = data.partition(b"\n")
    assert header == f"{len(model.wv)} 16".encode()
    position = 0
    for key, vector in zip(model.wv.index_to_key, model.wv.vectors):
        space = body.index(b" ", position)
        assert body[position:space] == key.encode()
        values = struct.unpack_from("<16f", body, space + 1)
        assert values == tuple(vector.tolist())
        assert body[space + 1 + 16 * 4:space + 2 + 16 * 4] == b"\n"
        position = space + 2 + 16 * 4
    assert position == len(body)


def test_save_vocab_writes_word_count_lines(trained, corpus):
    counts = collections.Counter(corpus.read_text().split())
    expected = {word: count for word, count in counts.items() if count >= 2}
    lines = [line.split() for line in trained["vocab.txt"].read_text().splitlines()]
    assert {word: int(count) for word, count in lines} == expected
    numbers = [int(count) for _, count in lines]
    assert numbers == sorted(numbers, reverse=True)
    assert GensimKeyedVectors.load_word2vec_format(
        str(trained["vectors.txt"]), fvocab=str(trained["vocab.txt"])).get_vecattr("king", "count") \
        == counts["king"]


def test_read_vocab_takes_the_vocabulary_from_the_file(corpus, tmp_path, capsys):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("</s> 0\nking 500\nqueen 400\nship 300\nsea 3\nthe 1\n")
    out = tmp_path / "v.txt"
    status = main(["train", "-train", str(corpus), "-read-vocab", str(vocab), "-output", str(out),
                   "-size", "8", "-iter", "1", "-threads", "1", "--quiet"])
    assert status == 0
    # min_count 5 (the C default) drops "</s>", "sea" and "the"; rows ordered by count.
    assert GensimKeyedVectors.load_word2vec_format(str(out)).index_to_key == ["king", "queen", "ship"]


def test_a_bad_read_vocab_file_is_named_with_its_line_before_training(corpus, tmp_path, capsys):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("king 500\nqueen four hundred\n")
    status, _, err = run(capsys, ["train", "-train", str(corpus), "-read-vocab", str(vocab),
                                  "-output", str(tmp_path / "v.txt")])
    assert status == 1
    assert f"{vocab}" in err and "line 2" in err and "Trained" not in err


def test_train_without_output_only_builds_the_vocabulary(corpus, tmp_path, capsys):
    vocab = tmp_path / "vocab.txt"
    status, _, err = run(capsys, ["train", "-train", str(corpus), "-save-vocab", str(vocab)])
    assert status == 0 and vocab.exists()
    assert "Vocab size: 38" in err  # 32 topic words + 6 common ones
    assert "Trained" not in err


# --- flags ------------------------------------------------------------------------------------

C_TOOL_DEFAULTS = {  # word2vec.c: the values its usage text lists
    "vector_size": 100, "window": 5, "sample": 1e-3, "hs": 0, "negative": 5, "workers": 12,
    "epochs": 5, "min_count": 5, "alpha": 0.05, "min_alpha": 0.05 * 1e-4, "sg": 0, "seed": 1,
    "cbow_correction": False, "shared_negatives": False}


def parse_train(*flags):
    args = build_parser().parse_args(["train", "-train", "corpus.txt", *flags])
    return args, train_params(args)


def test_train_defaults_are_the_c_tools():
    args, params = parse_train()
    assert params == C_TOOL_DEFAULTS
    assert args.binary == 0 and args.output is None
    assert parse_train("-cbow", "0")[1]["alpha"] == 0.025
    assert parse_train("--sg")[1]["sg"] == 1


def test_c_flags_and_gnu_flags_agree():
    c_style = ["-size", "50", "-window", "3", "-sample", "1e-4", "-hs", "1", "-negative", "0",
               "-threads", "3", "-iter", "7", "-min-count", "2", "-alpha", "0.1", "-cbow", "0",
               "-binary", "1", "-output", "v.bin", "-save-vocab", "s.txt", "-read-vocab", "r.txt"]
    gnu = ["--vector-size", "50", "--window", "3", "--sample", "1e-4", "--hs", "1",
           "--negative", "0", "--workers", "3", "--epochs", "7", "--min-count", "2",
           "--alpha", "0.1", "--sg", "--binary", "1", "--output", "v.bin", "--save-vocab", "s.txt",
           "--read-vocab", "r.txt"]
    (c_args, c_params), (gnu_args, gnu_params) = parse_train(*c_style), parse_train(*gnu)
    assert c_params == gnu_params == {
        "vector_size": 50, "window": 3, "sample": 1e-4, "hs": 1, "negative": 0, "workers": 3,
        "epochs": 7, "min_count": 2, "alpha": 0.1, "min_alpha": 0.1 * 1e-4, "sg": 1, "seed": 1,
        "cbow_correction": False, "shared_negatives": False}
    assert vars(c_args) == vars(gnu_args)


def test_cbow_correction_is_a_w2vlib_addition():
    """kōan's corrected CBOW (Word2Vec's cbow_correction), off by default as in the C tool."""
    assert parse_train("--cbow-correction")[1]["cbow_correction"] is True


def test_shared_negatives_is_a_w2vlib_addition_for_skip_gram_ns(tmp_path, capsys):
    assert parse_train("--shared-negatives", "-cbow", "0")[1]["shared_negatives"] is True
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a b c\n" * 10)
    code = main(["train", "-train", str(corpus), "-output", str(tmp_path / "v.txt"),
                 "--shared-negatives"])                    # the C tool's default is CBOW
    assert code == 2 and "shared_negatives is for skip-gram" in capsys.readouterr().err
    assert not (tmp_path / "v.txt").exists()


def test_fast_is_the_recommended_preset(tmp_path, capsys):
    params = parse_train("--fast")[1]
    assert {key: params[key] for key in FAST_PRESET} == FAST_PRESET
    assert params["alpha"] == 0.025                     # the C tool's skip-gram rate
    assert parse_train("--fast", "-cbow", "0", "-negative", "10")[1]["negative"] == 10
    for flags in (["-cbow", "1"], ["-hs", "1"], ["-negative", "0"]):
        with pytest.raises(UsageError, match=f"drop {' '.join(flags)}"):
            parse_train("--fast", *flags)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a b c d\n" * 30)
    assert main(["train", "-train", str(corpus), "-output", str(tmp_path / "v.txt"), "--fast",
                 "-min-count", "1", "-size", "8", "-threads", "1", "--save-model",
                 str(tmp_path / "m.w2v"), "--quiet"]) == 0
    model = Word2Vec.load(str(tmp_path / "m.w2v"))
    assert (model.sg, model.hs, model.negative, model.shared_negatives) == (1, 0, 5, True)


# --- exit codes -------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    [], ["bogus"], ["train"], ["train", "-train", "c.txt", "-hs", "2"],
    ["train", "-train", "c.txt", "-size", "0"], ["train", "-train", "c.txt", "-classes", "5"],
    ["train", "-train", "c.txt", "-hs", "0", "-negative", "0"],
    ["similar", "king"], ["convert", "in.txt", "out.dat"]])
def test_usage_errors_exit_2(argv, capsys, tmp_path):
    if argv[:1] == ["convert"]:
        argv = ["convert", str(tmp_path / "missing.txt"), str(tmp_path / "out.dat")]
    status, _, err = run(capsys, argv)
    assert status == 2
    assert "error" in err and "Traceback" not in err


def test_failures_exit_1_with_one_line(trained, tmp_path, capsys):
    missing = str(tmp_path / "missing.bin")
    for argv in (["info", missing], ["similar", "nowhere", "--model", str(trained["vectors.txt"])],
                 ["info", str(trained["vocab.txt"])]):
        status, out, err = run(capsys, argv)
        assert status == 1 and out == ""
        assert len(err.strip().splitlines()) == 1 and err.startswith(f"w2vlib {argv[0]}: error: ")
    assert "nowhere" in run(capsys, ["similar", "nowhere", "-m", str(trained["vectors.txt"])])[2]
    status, _, err = run(capsys, ["info", missing, "--debug"])
    assert status == 1 and "Traceback" in err


def test_help_exits_0(capsys):
    status, out, _ = run(capsys, ["train", "--help"])
    assert status == 0 and "-min-count" in out and "--vector-size" in out
    assert "--cbow-correction" in out


# --- queries and files on vectors written by other tools --------------------------------------

@pytest.mark.parametrize("name, fmt", [
    (PTB_BIN, "binary"), ("vectors/c_tool/ptb_sgns_d50_head500.txt", "text"),
    ("vectors/gensim/euclidean_vectors.bin", "binary"), ("vectors/gensim/high_precision.kv.bin", "binary"),
    ("vectors/gensim/high_precision.kv.txt", "text"), ("vectors/fasttext/toy-model.vec", "text"),
    ("vectors/finalfusion/similarity.bin", "binary")])
def test_info_reports_format_rows_and_dims(data_dir, name, fmt, capsys):
    reference = GensimKeyedVectors.load_word2vec_format(str(data_dir / name), binary=fmt == "binary")
    status, out, _ = run(capsys, ["info", str(data_dir / name)])
    assert status == 0
    assert f"format: {fmt}\nrows: {len(reference)}\ndims: {reference.vector_size}\n" in out


def test_detect_format_refuses_a_file_without_header(data_dir):
    with pytest.raises(ValueError, match="test_glove.txt"):
        detect_format(data_dir / "vectors/glove/test_glove.txt")


def test_info_on_native_files(trained, capsys):
    status, out, _ = run(capsys, ["info", str(trained["model.w2v"])])
    assert status == 0 and "format: native (Word2Vec)" in out and "dims: 16" in out
    assert "negative 5" in out


def test_convert_limit_matches_gensim(data_dir, tmp_path, capsys):
    out = tmp_path / "head.txt"
    assert run(capsys, ["convert", str(data_dir / PTB_BIN), str(out), "--limit", "100"])[0] == 0
    reference = GensimKeyedVectors.load_word2vec_format(str(data_dir / PTB_BIN), binary=True, limit=100)
    got = GensimKeyedVectors.load_word2vec_format(str(out))
    assert got.index_to_key == reference.index_to_key
    np.testing.assert_array_equal(got.vectors, reference.vectors)


def test_analogy_matches_gensim(data_dir, capsys):
    reference = GensimKeyedVectors.load_word2vec_format(str(data_dir / PTB_BIN), binary=True)
    status, out, _ = run(capsys, ["analogy", "man", "king", "woman", "-m", str(data_dir / PTB_BIN)])
    assert status == 0 and out.startswith("man : king :: woman : ?")
    expected = reference.most_similar(positive=["king", "woman"], negative=["man"], topn=20)
    assert len(ranked(out)) == 5
    assert_same_top(ranked(out), expected)


def test_evaluate_matches_gensim(data_dir, capsys):
    path = str(data_dir / PTB_BIN)
    reference = GensimKeyedVectors.load_word2vec_format(path, binary=True)
    accuracy, _ = reference.evaluate_word_analogies(datapath("questions-words.txt"), restrict_vocab=3000)
    _, spearman, _ = reference.evaluate_word_pairs(datapath("wordsim353.tsv"), restrict_vocab=3000)
    status, out, _ = run(capsys, ["evaluate", "--model", path, "--restrict-vocab", "3000"])
    assert status == 0
    printed_accuracy = float(re.search(r"accuracy ([\d.]+)%", out).group(1))
    printed_spearman = float(re.search(r"Spearman (-?[\d.]+)", out).group(1))
    assert abs(printed_accuracy - 100 * accuracy) <= 0.05 + 1e-9  # printed with 1 decimal
    assert abs(printed_spearman - spearman[0]) <= 0.0005 + 1e-6  # printed with 3 decimals
    assert re.search(r"^  family\s+\d+/\d+", out, re.MULTILINE)


def test_module_entry_point(data_dir, tmp_path):
    """`python -m w2vlib` runs the same main() and returns its status to the shell."""
    command = [sys.executable, "-m", "w2vlib", "info", str(data_dir / PTB_BIN)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "rows: 9859" in done.stdout
    command = [sys.executable, "-m", "w2vlib", "info", str(tmp_path / "missing")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.count("\n") == 1


# --- demo -------------------------------------------------------------------------------------

@pytest.mark.parametrize("fast", [False, True])
def test_demo_prints_neighbours_and_scores(tmp_path, capsys, fast):
    output = tmp_path / "demo.bin"
    status, out, _ = run(capsys, ["demo", "--max-tokens", "200000", "--epochs", "1",
                                  "--workers", "2", "--quiet", "--output", str(output)]
                         + ["--fast"] * fast)
    assert status == 0
    assert out.startswith("Training the fast preset: skip-gram" if fast else "Training CBOW")
    match = re.search(r"\(([\d,]+) distinct words", out)
    rows = int(match.group(1).replace(",", ""))
    assert re.search(r"^  king\s+\w+ [\d.-]+, ", out, re.MULTILINE)
    assert re.search(r"^Analogy: king - man \+ woman = \w+", out, re.MULTILINE)
    assert re.search(r"accuracy [\d.]+% of \d+ questions", out)
    assert re.search(r"Spearman -?[\d.]+", out)
    assert len(GensimKeyedVectors.load_word2vec_format(str(output), binary=True)) == rows


@pytest.mark.parametrize("outputs, message", [
    (["-output", "{corpus}"], "-output {corpus} is also -train: it would be overwritten"),
    (["-output", "{tmp}/no/such/x.bin"], "-output {tmp}/no/such/x.bin: the folder {tmp}/no/such does not exist"),
    (["-output", "{tmp}/v.txt", "-save-vocab", "{tmp}"], "-save-vocab {tmp}: is a folder, not a file"),
])
def test_train_checks_its_outputs_before_training(corpus, tmp_path, capsys, outputs, message,
                                                  monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("trained before checking the outputs")
    monkeypatch.setattr(Word2Vec, "train", fail)
    fill = dict(corpus=corpus, tmp=tmp_path)
    before = open(corpus, "rb").read()
    status = main(["train", "-train", str(corpus), "--quiet"] + [o.format(**fill) for o in outputs])
    assert status == 2
    assert capsys.readouterr().err == f"w2vlib train: error: {message.format(**fill)}\n"
    assert open(corpus, "rb").read() == before


def test_demo_refuses_an_unknown_output_extension_before_training(capsys, monkeypatch):
    monkeypatch.setattr(Word2Vec, "build_vocab", lambda *a, **k: pytest.fail("trained first"))
    assert main(["demo", "--output", "x.xyz"]) == 2
    err = capsys.readouterr().err
    assert "cannot tell the format of x.xyz" in err and "name it .txt, .bin or .kv" in err
    assert "--to" not in err


@pytest.mark.parametrize("binary, named, written", [(0, "v.bin", "text"), (1, "v.txt", "binary")])
def test_train_warns_when_the_output_name_says_another_format(corpus, tmp_path, capsys, binary,
                                                              named, written):
    out = tmp_path / named
    assert main(["train", "-train", str(corpus), "-output", str(out), "-binary", str(binary),
                 "-iter", "1", "-size", "8", "-threads", "1", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert f"-output {out}: writing the {written} format (-binary {binary}" in err
    assert detect_format(out) == written   # as the C tool: the flag decides, the name does not


def test_commands_name_a_gensim_pickle_instead_of_printing_its_bytes(tmp_path, capsys):
    import gensim
    pickled = tmp_path / "gensim.model"
    gensim.models.Word2Vec([["a", "b"]] * 5, vector_size=4, min_count=1).save(str(pickled))
    for command in (["info", str(pickled)], ["similar", "a", "--model", str(pickled)],
                    ["convert", str(pickled), str(tmp_path / "out.bin")]):
        assert main(command + ["--quiet"]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"w2vlib {command[0]}: error: {pickled}: not a vectors file: this "
                              "is a gensim model saved by gensim's save()"), err
        assert "gensim.models.Word2Vec.load(path).wv.save_word2vec_format" in err
        assert "\\x" not in err


def test_version_and_plural_words(corpus, capsys, tmp_path):
    import w2vlib
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out == f"w2vlib {w2vlib.__version__}\n"
    assert main(["train", "-train", str(corpus), "-output", str(tmp_path / "v.txt"), "-iter", "1",
                 "-size", "8", "-threads", "1"]) == 0
    assert "Trained 1 epoch in" in capsys.readouterr().err


# --- phrases ----------------------------------------------------------------------------------

def test_phrases_writes_what_gensims_phrases_give(data_dir, tmp_path, capsys):
    """One pass joins gensim's bigrams (w2vlib applies the learnt Phrases model itself); a
    second pass over the output joins longer phrases, as word2phrase run twice does."""
    source, bigrams, trigrams = data_dir / "corpus_small.txt", tmp_path / "bi.txt", tmp_path / "tri.txt"
    status, _, err = run(capsys, ["phrases", "-train", str(source), "-output", str(bigrams),
                                  "-min-count", "3", "-threshold", "20", "-debug", "1"])
    assert status == 0
    model = GensimPhrases(GensimLineSentence(str(source)), min_count=3, threshold=20)
    expected = [" ".join(model[s]) for s in GensimLineSentence(str(source))]
    assert bigrams.read_text().splitlines() == expected and "_" in bigrams.read_text()
    assert f"Vocab size (unigrams + bigrams): {len(model.vocab)}" in err
    assert f"Words in train file: {model.corpus_word_count}" in err
    assert run(capsys, ["phrases", "-train", str(bigrams), "-output", str(trigrams), "-min-count",
                        "3", "-threshold", "20", "-debug", "0"]) == (0, "", "")
    second = GensimPhrases(GensimLineSentence(str(bigrams)), min_count=3, threshold=20)
    assert trigrams.read_text().splitlines() == [" ".join(second[s]) for s in GensimLineSentence(str(bigrams))]
    assert any(token.count("_") >= 2 for token in trigrams.read_text().split())


def gzip_text(path):
    with gzip.open(path, "rt") as fin:
        return fin.read()


def test_phrases_w2vlib_flags_and_saved_model(data_dir, tmp_path, capsys):
    source, out, saved = data_dir / "corpus_small.txt", tmp_path / "out.txt.gz", tmp_path / "model.phr"
    assert run(capsys, ["phrases", "-train", str(source), "-output", str(out), "-threshold", "0.5",
                        "--scoring", "npmi", "--connector-words", "english", "--delimiter", "+",
                        "--save-model", str(saved), "-q"])[0] == 0
    model = Phrases(source, min_count=5, threshold=0.5, scoring="npmi", delimiter="+",
                    connector_words=ENGLISH_CONNECTOR_WORDS)
    assert dict(Phrases.load(saved).vocab) == dict(model.vocab)
    model.phrase_file(source, tmp_path / "expected.txt.gz")
    assert out.read_bytes() and gzip_text(out) == gzip_text(tmp_path / "expected.txt.gz")


@pytest.mark.parametrize("output, status, message", [
    ("{train}", 1, "is the input corpus"),
    ("{tmp}/absent/out.txt", 1, "does not exist"),
    ("{tmp}/out.txt --scoring npmi", 2, "between -1 and 1"),
    ("{tmp}/out.txt -debug 3", 2, "invalid choice"),
])
def test_phrases_refuses_before_any_work(tmp_path, capsys, output, status, message):
    train = tmp_path / "in.txt"
    train.write_text("new york is big\nnew york\n")
    argv = ["phrases", "-train", str(train), "-output"] + output.format(train=train, tmp=tmp_path).split()
    code, _, err = run(capsys, argv)
    assert code == status and message in err and "Starting training" not in err
    assert train.read_text() == "new york is big\nnew york\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt"]


# --- similar: many queries, approximate index -------------------------------------------------

def test_similar_reads_queries_from_a_file_and_stdin(trained, tmp_path, capsys, monkeypatch):
    text = trained["vectors.txt"]
    reference = GensimKeyedVectors.load_word2vec_format(str(text))
    queries = tmp_path / "queries.txt"
    queries.write_text("king\n\n  ship \ncat\n")
    status, out, _ = run(capsys, ["similar", "red", "--queries", str(queries), "-m", str(text), "--topn", "3"])
    assert status == 0
    assert [line for line in out.splitlines() if not line.startswith("  ")] == ["red", "king", "ship", "cat"]
    answers = ranked(out)
    for block, word in enumerate(["red", "king", "ship", "cat"]):
        assert_same_top(answers[3 * block:3 * block + 3], reference.most_similar(word, topn=10))
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("queen\n"))
    status, out, _ = run(capsys, ["similar", "--queries", "-", "-m", str(text), "--topn", "2"])
    assert status == 0 and out.splitlines()[0] == "queen"
    assert_same_top(ranked(out), reference.most_similar("queen", topn=10))


@pytest.mark.parametrize("kind", ["hnsw", pytest.param("annoy", marks=needs_annoy)])
def test_similar_builds_then_loads_an_index(trained, tmp_path, capsys, kind):
    text = trained["vectors.txt"]
    reference = GensimKeyedVectors.load_word2vec_format(str(text))
    index = tmp_path / "vectors.index"
    argv = ["similar", "king", "sea", "-m", str(text), "--topn", "3", "--index", str(index),
            "--index-kind", kind]
    status, built, err = run(capsys, argv)
    assert status == 0 and "built and saved" in err and index.exists()
    status, loaded, err = run(capsys, argv[:-2])          # a saved index says its own kind
    assert status == 0 and "loaded" in err and loaded == built
    answers = ranked(built)
    assert "king" not in dict(answers[:3]) and "sea" not in dict(answers[3:])   # not its own neighbour
    for block, word in enumerate(["king", "sea"]):   # 38 words: the index finds the exact answers
        assert_same_top(answers[3 * block:3 * block + 3], reference.most_similar(word, topn=10))


def test_similar_refuses_an_index_of_other_vectors(trained, tmp_path, capsys):
    index = tmp_path / "vectors.index"
    assert run(capsys, ["similar", "king", "-m", str(trained["vectors.txt"]), "--index", str(index)])[0] == 0
    status, _, err = run(capsys, ["similar", "the", "-m", str(trained["vectors.bin"]),
                                  "--limit", "20", "--index", str(index)])
    assert status == 1 and "vectors.index: built on other keys than the model" in err


def test_similar_needs_query_words(trained, capsys):
    status, _, err = run(capsys, ["similar", "-m", str(trained["vectors.txt"])])
    assert status == 2 and "--queries" in err
