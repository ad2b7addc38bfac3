"""Restartable, constant-memory corpora that stream token lists from text files.

* :class:`LineSentence` — one file (path, URI or open file object), one sentence per line.
* :class:`PathLineSentences` — every file of a folder, in file name order, one sentence per line.
* :class:`Text8Corpus` — one file read as a single stream of tokens (text8 has no line breaks),
  cut into sentences of ``max_sentence_length`` tokens.
* :class:`BrownCorpus` — NLTK's Brown corpus folder, ``word/TAG`` tokens, as gensim reads it.

They behave like gensim's classes of the same names: tokens are separated by whitespace (as
``str.split()`` sees it), bytes are decoded as strict UTF-8, files are opened through smart_open
(``.gz``/``.bz2``/... by extension, remote URIs), and a line longer than ``max_sentence_length``
tokens becomes several sentences — none is dropped or cut short. Each ``iter()`` starts over.

Paths and URIs can also be read by the training engine's compiled reader rather than through
Python: ``_file_sources()`` lists them with how to cut sentences (see :class:`LineSentence`).

Examples
--------
>>> import io
>>> corpus = LineSentence(io.BytesIO(b"the cat sat\\non the mat\\n"), max_sentence_length=2)
>>> list(corpus)
[['the', 'cat'], ['sat'], ['on', 'the'], ['mat']]
>>> list(corpus) == list(corpus)
True
"""
import codecs
import itertools
import logging
import numbers
import os

import smart_open

from w2vlib._compressed import located
from w2vlib._reader import MAX_WORDS_IN_BATCH

logger = logging.getLogger(__name__)

#: gensim's default cap on sentence length (tokens); longer lines are split, not truncated.
#: The same number as gensim's batch size, defined once in the compiled reader.
MAX_SENTENCE_LENGTH = MAX_WORDS_IN_BATCH
#: Bytes read per step by :class:`Text8Corpus`.
TEXT8_CHUNK_BYTES = 1 << 16


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_limit(limit):
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, numbers.Integral)
                              or limit < 0):
        raise ValueError(f"limit must be None or a non-negative integer, got {limit!r}")
    return None if limit is None else int(limit)


def _decode_error(err, where):
    """The same UnicodeDecodeError (a ValueError), with the file and place appended."""
    return UnicodeDecodeError(err.encoding, err.object, err.start, err.end,
                              f"{err.reason} ({where})")


def _line_sentences(lines, name, max_sentence_length, limit):
    """Sentences of the first `limit` lines (str or UTF-8 bytes) of an open file named `name`."""
    for number, line in enumerate(itertools.islice(lines, limit), start=1):
        if not isinstance(line, str):
            try:
                line = str(line, "utf-8")
            except UnicodeDecodeError as err:
                raise _decode_error(err, f"in {name}, line {number}") from None
        words = line.split()
        if len(words) <= max_sentence_length:
            if words:
                yield words
        else:
            for start in range(0, len(words), max_sentence_length):
                yield words[start:start + max_sentence_length]


def _source_name(source):
    return getattr(source, "name", None) or repr(source)


class LineSentence:
    """Sentences from one text file: one line is one sentence, tokens separated by whitespace.

    Parameters
    ----------
    source : str, path-like or file object
        A path or URI opened with smart_open (compression by extension), or an open file object
        (binary or text) that supports ``seek(0)``, read from its start on each iteration.
    max_sentence_length : int, optional
        Lines with more tokens are split into several sentences of at most this many.
    limit : int or None, optional
        Read only the first `limit` lines.

    Raises
    ------
    UnicodeDecodeError
        While iterating, on a line that is not valid UTF-8; the message names the file and line.

    Examples
    --------
    >>> import io
    >>> list(LineSentence(io.StringIO("a b c\\n\\nd\\n"), limit=2))
    [['a', 'b', 'c']]
    >>> LineSentence("corpus.txt.gz")._file_sources()
    [('corpus.txt.gz', True, 10000)]
    """

    def __init__(self, source, max_sentence_length=MAX_SENTENCE_LENGTH, limit=None):
        self.source = source
        self.max_sentence_length = _check_positive("max_sentence_length", max_sentence_length)
        self.limit = _check_limit(limit)

    def _is_file_object(self):
        return hasattr(self.source, "read")

    def __iter__(self):
        if self._is_file_object():
            self.source.seek(0)
            yield from _line_sentences(self.source, _source_name(self.source),
                                       self.max_sentence_length, self.limit)
        else:
            with located(self.source), smart_open.open(self.source, "rb") as lines:
                yield from _line_sentences(lines, self.source, self.max_sentence_length, self.limit)

    def _file_sources(self):
        """Files the compiled reader can read instead of iterating in Python.

        Returns
        -------
        list of (str, bool, int) or None
            ``[(path_or_uri, line_mode, max_sentence_length)]``: open each with smart_open (it
            may be compressed or remote); ``line_mode`` True means one line is one sentence, cut
            every ``max_sentence_length`` tokens, False means one token stream cut every
            ``max_sentence_length`` tokens. None when the corpus must be iterated in Python
            (an open file object, or a `limit`).
        """
        if self._is_file_object() or self.limit is not None:
            return None
        return [(os.fspath(self.source), True, self.max_sentence_length)]


class PathLineSentences:
    """Sentences from every file of a folder (in file name order), like :class:`LineSentence`.

    Parameters
    ----------
    source : str or path-like
        A folder (its files are listed once, here; subfolders are skipped, not recursed into), or
        a single file.
    max_sentence_length : int, optional
        As in :class:`LineSentence`.
    limit : int or None, optional
        Read only the first `limit` lines of each file.

    Attributes
    ----------
    input_files : list of str
        The files read, in order.

    Raises
    ------
    ValueError
        If `source` is neither a file nor a folder.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "b.txt").write_text("third line\\n")
    >>> _ = (folder / "a.txt").write_text("first line\\nsecond line\\n")
    >>> list(PathLineSentences(folder))
    [['first', 'line'], ['second', 'line'], ['third', 'line']]
    """

    def __init__(self, source, max_sentence_length=MAX_SENTENCE_LENGTH, limit=None):
        self.source = os.fspath(source)
        self.max_sentence_length = _check_positive("max_sentence_length", max_sentence_length)
        self.limit = _check_limit(limit)
        if os.path.isfile(self.source):
            self.input_files = [self.source]
        elif os.path.isdir(self.source):
            folder = os.path.join(self.source, "")
            logger.info("reading directory %s", folder)
            self.input_files = sorted(folder + name for name in os.listdir(folder)
                                      if os.path.isfile(folder + name))
        else:
            raise ValueError(f"input is neither a file nor a folder: {self.source!r}")
        logger.info("files read into PathLineSentences: %s", "\n".join(self.input_files))

    def __iter__(self):
        for path in self.input_files:
            logger.info("reading file %s", path)
            with located(path), smart_open.open(path, "rb") as lines:
                yield from _line_sentences(lines, path, self.max_sentence_length, self.limit)

    def _file_sources(self):
        """As :meth:`LineSentence._file_sources`: one entry per file, or None with a `limit`."""
        if self.limit is not None:
            return None
        return [(path, True, self.max_sentence_length) for path in self.input_files]


class Text8Corpus:
    """Sentences from a file read as one stream of tokens, cut every `max_sentence_length` tokens.

    Made for text8 (one 100 MB line). Line breaks are whitespace like any other, the file is read
    in chunks of :data:`TEXT8_CHUNK_BYTES`, and the last sentence holds the remaining tokens.

    Parameters
    ----------
    fname : str or path-like
        Path or URI, opened with smart_open.
    max_sentence_length : int, optional
        Tokens per sentence.

    Raises
    ------
    UnicodeDecodeError
        While iterating, on bytes that are not valid UTF-8; the message names the file and the
        byte offset.

    Notes
    -----
    gensim splits its chunks at the last space byte and strips the remainder, so a token followed
    by a line break at a chunk edge can be glued to the next token, and a file without spaces
    becomes one sentence of unbounded length. Here the token stream is exactly the file's
    ``split()``; on text8-style files (spaces only) both give the same sentences.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "text8")
    >>> with open(path, "w") as out:
    ...     _ = out.write(" anarchism originated as a term of abuse")
    >>> list(Text8Corpus(path, max_sentence_length=3))
    [['anarchism', 'originated', 'as'], ['a', 'term', 'of'], ['abuse']]
    """

    def __init__(self, fname, max_sentence_length=MAX_SENTENCE_LENGTH):
        self.fname = os.fspath(fname)
        self.max_sentence_length = _check_positive("max_sentence_length", max_sentence_length)

    def __iter__(self):
        size = self.max_sentence_length
        decoder = codecs.getincrementaldecoder("utf-8")()
        sentence, partial, offset = [], "", 0
        with located(self.fname), smart_open.open(self.fname, "rb") as stream:
            while True:
                chunk = stream.read(TEXT8_CHUNK_BYTES)
                pending = len(decoder.getstate()[0])
                try:
                    text = partial + decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as err:
                    raise _decode_error(err, f"in {self.fname}, at byte "
                                             f"{offset - pending + err.start}") from None
                offset += len(chunk)
                words = text.split()
                # A chunk that ends inside a token leaves its start for the next chunk.
                partial = words.pop() if chunk and words and not text[-1].isspace() else ""
                sentence.extend(words)
                full = len(sentence) - len(sentence) % size
                for start in range(0, full, size):
                    yield sentence[start:start + size]
                del sentence[:full]
                if not chunk:
                    break
        if sentence:
            yield sentence

    def _file_sources(self):
        """As :meth:`LineSentence._file_sources`, with ``line_mode`` False."""
        return [(self.fname, False, self.max_sentence_length)]


class BrownCorpus:
    """Sentences of the Brown corpus as NLTK ships it: every file of a folder (in file name
    order), one sentence per line of ``word/TAG`` tokens, as gensim's ``BrownCorpus`` reads them.

    Each sentence is the line's ``word/TAG`` tokens (exactly one ``/``) whose tag's first two
    characters (or only one) are letters, as ``word.lower() + "/" + TAG[:2]``; lines left with
    no such token are skipped.

    Parameters
    ----------
    dirname : str or path-like
        The folder (subfolders are skipped).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "ca01").write_text("The/at Fulton/np-tl said/vbd ,/, it/pps\\n\\n./.\\n")
    >>> list(BrownCorpus(folder))
    [['the/at', 'fulton/np', 'said/vb', 'it/pp']]
    """

    def __init__(self, dirname):
        self.dirname = os.fspath(dirname)
        if not os.path.isdir(self.dirname):
            raise ValueError(f"BrownCorpus needs a folder, got {self.dirname!r}")

    def __iter__(self):
        folder = os.path.join(self.dirname, "")
        for path in sorted(folder + name for name in os.listdir(folder) if os.path.isfile(folder + name)):
            with located(path), smart_open.open(path, "rb") as lines:
                for tokens in _line_sentences(lines, path, float("inf"), None):
                    pairs = [token.split("/") for token in tokens]
                    words = [f"{word.lower()}/{tag[:2]}" for word, tag in
                             (pair for pair in pairs if len(pair) == 2) if tag[:2].isalpha()]
                    if words:
                        yield words
