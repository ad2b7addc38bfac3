"""w2vlib's own exceptions.

w2vlib's errors say what went wrong and where (the file, its line or byte offset, the shard);
gensim often raised a bare built-in exception for the same mistake. Where gensim raised another
type than w2vlib's, the class derives from both, so code ported from gensim that catches
gensim's type (``except EOFError:``, ``except RuntimeError:``) still catches it, and code that
catches w2vlib's (``except ValueError:``) does too.

>>> from w2vlib import Word2Vec
>>> try:
...     Word2Vec([])
... except RuntimeError as error:         # gensim's type
...     print(type(error).__name__, isinstance(error, ValueError))
EmptyVocabularyError True
"""


class EmptyVocabularyError(ValueError, RuntimeError):
    """No word is left to train: the corpus is empty, or no word survives ``min_count``,
    ``max_final_vocab`` or the ``trim_rule`` (gensim: RuntimeError when training starts)."""


class WrongKindError(ValueError, AttributeError):
    """A native file holds another kind of object than the class loading it, e.g.
    ``Word2Vec.load`` of a saved KeyedVectors (gensim: AttributeError)."""


class ShardError(OSError):
    """A shard of a corpus trained on a Dask cluster (a file, or a byte range of one) could not
    be read by the worker that opened it; the message names the shard and the worker's error.

    >>> str(ShardError("s3://b/part-3.txt.gz", "FileNotFoundError: no such key"))
    's3://b/part-3.txt.gz: FileNotFoundError: no such key'
    """

    def __init__(self, shard, detail):
        self.shard, self.detail = shard, detail
        super().__init__(f"{shard}: {detail}")

    def __str__(self):
        return self.args[0]

    def __reduce__(self):   # travels from the worker to the client
        return type(self), (self.shard, self.detail)


class Word2VecFormatError(ValueError):
    """A word2vec file that cannot be read; the message names the file and the line (text)
    or byte offset (binary)."""

    def __init__(self, fname, detail, line=None, offset=None):
        self.fname, self.detail, self.line, self.offset = fname, detail, line, offset
        where = "" if line is None and offset is None else (
            f"line {line}: " if line is not None else f"byte offset {offset}: ")
        # not super(): in UndecodableKeyError's MRO the next class is UnicodeDecodeError, whose
        # constructor takes other arguments
        ValueError.__init__(self, f"{fname}: {where}{detail}")

    def __reduce__(self):   # pickled (a Dask worker's error reaches the client) and copied
        return type(self), (self.fname, self.detail, self.line, self.offset)


class TruncatedFileError(Word2VecFormatError, EOFError):
    """A word2vec file that ends before the rows its header declares (gensim: EOFError)."""


class UndecodableKeyError(Word2VecFormatError, UnicodeDecodeError):
    """A key that cannot be decoded with ``unicode_errors='strict'`` (gensim:
    UnicodeDecodeError); ``encoding``, ``object``, ``start``, ``end`` and ``reason`` are the
    codec's, the message names the file and place.

    >>> error = UndecodableKeyError("v.txt", "cannot decode key", UnicodeDecodeError(
    ...     "utf-8", b"\\xff", 0, 1, "invalid start byte"), line=3)
    >>> str(error), error.reason, isinstance(error, ValueError)
    ('v.txt: line 3: cannot decode key', 'invalid start byte', True)
    """

    def __init__(self, fname, detail, decode_error, line=None, offset=None):
        UnicodeDecodeError.__init__(self, decode_error.encoding, decode_error.object,
                                    decode_error.start, decode_error.end, decode_error.reason)
        Word2VecFormatError.__init__(self, fname, detail, line, offset)

    def __str__(self):
        return self.args[0]

    def __reduce__(self):
        # The codec's fields travel as plain values: tblib (which Dask installs) pickles a
        # UnicodeDecodeError without them.
        return _undecodable, (type(self), self.fname, self.detail, self.encoding, self.object,
                              self.start, self.end, self.reason, self.line, self.offset)


def _undecodable(cls, fname, detail, encoding, data, start, end, reason, line, offset):
    """Rebuild an :class:`UndecodableKeyError` (or subclass) from its pickled fields."""
    return cls(fname, detail, UnicodeDecodeError(encoding, data, start, end, reason), line, offset)


class MissingExtraError(ImportError):
    """An optional package w2vlib needs for this call is not installed; the message names the
    package and the extra that installs it (``pip install "w2vlib[annoy]"``).

    >>> print(MissingExtraError("annoy", "annoy", "AnnoyIndexer"))
    AnnoyIndexer needs the 'annoy' package: pip install "w2vlib[annoy]"
    """

    def __init__(self, package, extra, user):
        self.package, self.extra, self.user = package, extra, user
        super().__init__(f'{user} needs the {package!r} package: pip install "w2vlib[{extra}]"',
                         name=package)

    def __reduce__(self):
        return type(self), (self.package, self.extra, self.user)


class IndexFileError(ValueError):
    """A saved nearest-neighbour index that cannot be used: damaged, of another kind, or not
    the index its labels file (``fname + '.dict'``) describes, or built on other keys than the
    model it is used with; the message names the file.

    >>> str(IndexFileError("idx.ann", "written for 300 dimensions, the model has 100"))
    'idx.ann: written for 300 dimensions, the model has 100'
    """

    def __init__(self, fname, detail):
        self.fname, self.detail = fname, detail
        super().__init__(f"{fname}: {detail}")

    def __reduce__(self):
        return type(self), (self.fname, self.detail)
