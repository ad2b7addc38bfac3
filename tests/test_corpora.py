"""Streaming corpora against gensim's LineSentence / PathLineSentences / Text8Corpus /
BrownCorpus."""
import bz2
import gzip
import io
import pathlib
import tracemalloc

import pytest
from gensim.models import word2vec as gensim_w2v

from w2vlib.corpora import (TEXT8_CHUNK_BYTES, BrownCorpus, LineSentence, PathLineSentences,
                            Text8Corpus)

DATA = pathlib.Path(__file__).parent / "data"
#: Lines with what tokenizers trip on: CRLF, tabs, Unicode spaces (NBSP, em space, U+001C),
#: non-ASCII words, blank lines, and no newline at the very end.
AWKWARD = ("crlf line\r\n\ttabbed\tline  \n\n   \nnbsp\u00a0split em\u2003space sep\x1cword\n"
           "caf\u00e9 \u0436\u0443\u043a \U0001f600 emoji\nlast line without newline")


@pytest.fixture(scope="module")
def text():
    lines = (DATA / "corpus_small.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(lines[:400]) + AWKWARD


@pytest.fixture
def files(tmp_path, text):
    data = text.encode("utf-8")
    paths = {"plain": tmp_path / "corpus.txt", "gz": tmp_path / "corpus.txt.gz",
             "bz2": tmp_path / "corpus.txt.bz2"}
    paths["plain"].write_bytes(data)
    paths["gz"].write_bytes(gzip.compress(data))
    paths["bz2"].write_bytes(bz2.compress(data))
    return paths


@pytest.mark.parametrize("kind", ["plain", "gz", "bz2"])
@pytest.mark.parametrize("max_sentence_length, limit", [(10000, None), (7, None), (3, 50), (5, 0)])
def test_line_sentence_matches_gensim(files, kind, max_sentence_length, limit):
    ours = LineSentence(files[kind], max_sentence_length=max_sentence_length, limit=limit)
    theirs = gensim_w2v.LineSentence(str(files[kind]), max_sentence_length=max_sentence_length,
                                     limit=limit)
    expected = list(theirs)
    assert list(ours) == expected
    assert list(ours) == expected  # restartable
    assert all(len(s) <= max_sentence_length for s in expected)


@pytest.mark.parametrize("mode", ["rb", "r"])
def test_line_sentence_from_file_object(files, mode):
    text_options = {"encoding": "utf-8", "newline": ""} if mode == "r" else {}
    with open(files["plain"], mode, **text_options) as f:
        expected = list(gensim_w2v.LineSentence(f, max_sentence_length=6))
        ours = LineSentence(f, max_sentence_length=6)
        assert list(ours) == expected
        assert list(ours) == expected
        assert ours._file_sources() is None


def test_line_sentence_in_memory():
    source = io.BytesIO(b"a b c d e\nf\n")
    expected = list(gensim_w2v.LineSentence(source, max_sentence_length=2))
    assert list(LineSentence(source, max_sentence_length=2)) == expected
    assert expected == [["a", "b"], ["c", "d"], ["e"], ["f"]]


def test_path_line_sentences_matches_gensim(tmp_path, text):
    folder = tmp_path / "parts"
    folder.mkdir()
    lines = text.splitlines(keepends=True)
    (folder / "b.txt").write_text("".join(lines[:150]), encoding="utf-8")
    (folder / "a.txt.gz").write_bytes(gzip.compress("".join(lines[150:300]).encode("utf-8")))
    (folder / "c.txt.bz2").write_bytes(bz2.compress("".join(lines[300:]).encode("utf-8")))
    (folder / "0-empty.txt").write_bytes(b"")
    for limit, length in [(None, 10000), (20, 4)]:
        theirs = gensim_w2v.PathLineSentences(str(folder), max_sentence_length=length, limit=limit)
        expected = list(theirs)
        ours = PathLineSentences(folder, max_sentence_length=length, limit=limit)
        assert list(ours) == expected
        assert list(ours) == expected
    single = folder / "b.txt"
    assert list(PathLineSentences(single)) == list(gensim_w2v.PathLineSentences(str(single)))
    # gensim fails on a subfolder (it opens it as a file); it is skipped here.
    expected = list(PathLineSentences(folder))
    (folder / "sub").mkdir()
    (folder / "sub" / "ignored.txt").write_text("not read\n")
    assert list(PathLineSentences(folder)) == expected


def test_path_line_sentences_rejects_missing(tmp_path):
    with pytest.raises(ValueError, match="neither a file nor a folder.*missing"):
        PathLineSentences(tmp_path / "missing")


def text8_reference(data, size):
    """The whole file's tokens, cut every `size` tokens."""
    words = data.decode("utf-8").split()
    return [words[i:i + size] for i in range(0, len(words), size)]


@pytest.mark.parametrize("size", [10000, 1000, 7])
def test_text8_matches_gensim_on_text8_style_file(tmp_path, text, size):
    # text8 itself: one line, tokens separated by single spaces, long enough for many chunks.
    data = (" " + " ".join(text.split() * 6)).encode("utf-8")
    assert len(data) > 4 * TEXT8_CHUNK_BYTES
    path = tmp_path / "text8"
    path.write_bytes(data)
    expected = list(gensim_w2v.Text8Corpus(str(path), max_sentence_length=size))
    assert expected == text8_reference(data, size)
    assert list(Text8Corpus(path, max_sentence_length=size)) == expected
    gz = tmp_path / "text8.gz"
    gz.write_bytes(gzip.compress(data))
    assert list(Text8Corpus(gz, max_sentence_length=size)) == expected


def test_text8_splits_on_any_whitespace_at_chunk_edges(tmp_path, text):
    # Line breaks and multi-byte characters land on chunk edges; every token must survive intact
    # (gensim's Text8Corpus glues "x\n" + "y" into "xy" when a chunk ends after the line break).
    data = text.encode("utf-8") * 8
    path = tmp_path / "lines.txt"
    path.write_bytes(data)
    corpus = Text8Corpus(path, max_sentence_length=1000)
    assert list(corpus) == text8_reference(data, 1000)
    assert list(corpus) == list(corpus)
    assert list(Text8Corpus(path)) == text8_reference(data, 10000)


def test_text8_token_split_across_chunks(tmp_path):
    word = "\u00e9" * (TEXT8_CHUNK_BYTES // 2 + 7)  # a token wider than a chunk, of 2-byte chars
    data = f"a {word} b\n{word}".encode("utf-8")
    path = tmp_path / "wide"
    path.write_bytes(data)
    assert list(Text8Corpus(path, max_sentence_length=2)) == [["a", word], ["b", word]]


def test_file_sources(tmp_path, files):
    gz = LineSentence(files["gz"], max_sentence_length=9)
    assert gz._file_sources() == [(str(files["gz"]), True, 9)]
    assert LineSentence(str(files["plain"]))._file_sources() == [(str(files["plain"]), True, 10000)]
    assert LineSentence(files["plain"], limit=3)._file_sources() is None
    assert Text8Corpus(files["plain"], 50)._file_sources() == [(str(files["plain"]), False, 50)]
    folder = files["plain"].parent
    expected = [(str(files[k]), True, 10000) for k in ("plain", "bz2", "gz")]
    assert PathLineSentences(folder)._file_sources() == expected
    assert PathLineSentences(folder, limit=1)._file_sources() is None


def test_invalid_utf8_names_file_and_place(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"fine line\nalso fine\nbroken \xff byte\n")
    with pytest.raises(UnicodeDecodeError):
        list(gensim_w2v.LineSentence(str(path)))
    with pytest.raises(UnicodeDecodeError, match=r"in .*bad\.txt, line 3"):
        list(LineSentence(path))
    with pytest.raises(UnicodeDecodeError, match=r"in .*bad\.txt, line 3"):
        list(PathLineSentences(path))
    with pytest.raises(UnicodeDecodeError, match=r"in .*bad\.txt, at byte 27"):
        list(Text8Corpus(path))
    truncated = tmp_path / "cut.txt"
    truncated.write_bytes(b"ok \xc3")
    with pytest.raises(UnicodeDecodeError, match=r"at byte 3"):
        list(Text8Corpus(truncated))


@pytest.mark.parametrize("make", [
    lambda: LineSentence("x", max_sentence_length=0),
    lambda: LineSentence("x", limit=-1),
    lambda: Text8Corpus("x", max_sentence_length=1.5),
])
def test_bad_arguments(make):
    with pytest.raises(ValueError):
        make()


def test_memory_stays_flat_on_a_large_file(tmp_path):
    """Iterating ~50 MB must not hold the file: the peak stays far below its size."""
    line = " ".join(f"token{i:03d}" * 40 for i in range(100)) + "\n"  # 32 kB, 100 tokens
    big = tmp_path / "big.txt"
    with open(big, "w") as out:
        out.write(line * (50_000_000 // len(line)))
    one_line = tmp_path / "one_line.txt"
    with open(one_line, "w") as out:
        out.write(line.replace("\n", " ") * (50_000_000 // len(line)))
    size_limit = 4_000_000
    for corpus in (LineSentence(big), PathLineSentences(big), Text8Corpus(one_line, 100)):
        tracemalloc.start()
        try:
            sentences = sum(1 for _ in corpus)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert sentences > 1500
        assert peak < size_limit, f"{type(corpus).__name__} peaked at {peak} bytes"


BROWN = ("The/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at\n"
         "\n      ,/, ''/'' ./.\n"
         "It/pps recommended/vbd that/cs a/b/c Fulton/np legislators/nns act/vb 1913/cd\n"
         "\tCAF\u00c9/NN-HL don't/do* \u00a0space/nn\r\n")


def test_brown_corpus_matches_gensim(tmp_path):
    """gensim lists the folder in os.listdir order; w2vlib sorts it, so one file is compared,
    and the sorted concatenation of two."""
    (tmp_path / "cb01").write_text(BROWN, encoding="utf-8")
    (tmp_path / "ca01").write_text(BROWN.upper(), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    ours = list(BrownCorpus(tmp_path))
    single = tmp_path / "single"
    single.mkdir()
    (single / "cb01").write_text(BROWN, encoding="utf-8")
    theirs = list(gensim_w2v.BrownCorpus(str(single)))
    assert list(BrownCorpus(single)) == theirs
    assert len(theirs) == 3 and theirs[0][0] == "the/at"
    upper = tmp_path / "upper"
    upper.mkdir()
    (upper / "ca01").write_text(BROWN.upper(), encoding="utf-8")
    assert ours == list(gensim_w2v.BrownCorpus(str(upper))) + theirs
    assert list(BrownCorpus(tmp_path)) == ours   # restartable


def test_brown_corpus_needs_a_folder(tmp_path):
    with pytest.raises(ValueError, match="needs a folder"):
        BrownCorpus(tmp_path / "missing")
