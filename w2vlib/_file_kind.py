"""What kind of vectors file a file is, from its first bytes: the word2vec C tool's text or
binary format, w2vlib's native file, or something else (a gensim pickle, a numpy array, a GloVe
file without the ``rows dims`` header ...), and what to say to a user who opened it the wrong
way. The command line picks its reader with :func:`kind`; the word2vec reader adds
:func:`hint` to the error it raises for a file of another kind.

>>> kind(b"2 3\\nking 0.1 0.2 0.3\\nqueen 0.3 0.2 0.1\\n"), kind(b"2 3\\nking \\x00\\x00\\x80?")
('text', 'binary')
>>> hint(b"2 3\\nking 0.1 0.2 0.3\\n", binary=True)
('this looks like a word2vec text file: load it with binary=False', False)
"""
import os

import smart_open

from w2vlib import _native

#: Bytes read to recognise the kind of a vectors file.
SNIFF_BYTES = 1 << 20
#: Characters of a text-format value line.
TEXT_VALUE_BYTES = frozenset(b"0123456789+-.eEinfatyINFATY \t\r")
#: Bytes of a line quoted in a description.
SHOWN_BYTES = 80


def head_of(path):
    """The first :data:`SNIFF_BYTES` bytes of `path` (a local path or URI; decompressed)."""
    with smart_open.open(os.fspath(path), "rb") as fin:
        return fin.read(SNIFF_BYTES)


def kind(head):
    """``'native'``, ``'text'`` or ``'binary'`` for a file starting with `head`, or None when it
    is none of them (:func:`describe` says what it seems to be)."""
    if head.startswith(_native.MAGIC):
        return "native"
    header, _, body = head.partition(b"\n")
    fields = header.split()
    if len(fields) != 2 or not all(field.isdigit() for field in fields):
        return None
    dims = int(fields[1])
    key_end = body.find(b" ")
    if key_end < 0:
        return "text"
    values = body[key_end + 1:].split(b"\n", 1)[0]
    if set(values) <= TEXT_VALUE_BYTES and len(values.split()) == dims:
        return "text"
    return "binary"


def describe(head):
    """What a file starting with `head`, of no :func:`kind`, seems to be, and what to do.

    >>> describe(b"the 0.1 -0.2 0.3\\nof 0.2 0.1 0.0\\n")
    "this looks like a GloVe-style text file without the 'rows dims' header: load it with KeyedVectors.load_word2vec_format(path, no_header=True)"
    >>> describe(b"hello")
    "the first line b'hello' is not a word2vec 'rows dims' header, and the file is not a w2vlib native file"
    """
    found = recognised(head)
    if found is not None:
        return found
    if not head:
        return "the file is empty"
    first_line = head.partition(b"\n")[0][:SHOWN_BYTES]
    return (f"the first line {first_line!r} is not a word2vec "
            "'rows dims' header, and the file is not a w2vlib native file")


def recognised(head):
    """What a file starting with `head` is when it is a known kind of file that holds no
    vectors w2vlib reads as they are (a pickle, a numpy array, a zip archive, a GloVe file
    without header), else None."""
    if _glove_like(head):
        return ("this looks like a GloVe-style text file without the 'rows dims' header: load "
                "it with KeyedVectors.load_word2vec_format(path, no_header=True)")
    if not head or head.startswith(_native.MAGIC):
        return None
    detail = _native.describe_foreign(head)
    if not detail.startswith("not a w2vlib native file: this is"):
        return None
    return detail.removeprefix("not a w2vlib native file: ")


def hint(head, binary):
    """What to tell a user whose word2vec read (``binary`` or not) of a file starting with
    `head` failed, when the file is of another kind, as ``(hint, replaces)``: `replaces` when
    the parser's own message would only quote the bytes of a file that is no text at all (a
    native file, a pickle, a numpy array, a zip archive). ``(None, False)`` when the file is
    of the kind asked for, or of no kind known.

    >>> hint(b"W2VLIB\\x00\\x01...", binary=False)
    ('this is a w2vlib native file: load it with KeyedVectors.load(path) (or Word2Vec.load)', True)
    """
    found = kind(head)
    if found == "native":
        return ("this is a w2vlib native file: load it with KeyedVectors.load(path) (or "
                "Word2Vec.load)", True)
    if found is None:
        other = recognised(head)
        if other is None:
            return None, False
        return f"not a word2vec file: {other}", not _glove_like(head)
    if found != ("binary" if binary else "text"):
        return f"this looks like a word2vec {found} file: load it with binary={found == 'binary'}", False
    return None, False


def _glove_like(head):
    """Whether the first lines of `head` are ``key v1 v2 ...`` lines of one length, with at
    least two values (the layout of GloVe's files, which have no header)."""
    lines = head.split(b"\n", 2)[:2]
    lengths = {len(line.split()) for line in lines if line.strip()}
    return len(lengths) == 1 and lengths.pop() > 2 and all(
        _is_number(field) for line in lines for field in line.split()[1:])


def _is_number(field):
    try:
        float(field)
    except ValueError:
        return False
    return True
