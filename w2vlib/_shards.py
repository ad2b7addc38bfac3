"""What ``corpus_file=`` names, as a list of files, and those files cut into shards.

``corpus_file`` may be one path or URI, a glob (``"parts/part-*.txt"``, ``"s3://b/c/*.gz"``) or a
list of them; :func:`expand` turns it into the list of files in corpus order (a glob's matches
sorted, a list's order kept). :func:`split` cuts that list into :class:`Shard` s: a plain local
file into line-aligned byte ranges of about ``piece_bytes`` (a range holds the lines that *start*
in it, :class:`w2vlib._reader.FileBatcher`), any other file — compressed, remote — whole, since
its bytes cannot be reached without reading it from the start. Both run without Dask: the
single-machine trainer uses :func:`expand`, the Dask trainer both.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> for name in ("b.txt", "a.txt"):
...     with open(os.path.join(folder, name), "w") as f:
...         _ = f.write("one two\\nthree\\n")
>>> [os.path.basename(p) for p in expand(os.path.join(folder, "*.txt"))]
['a.txt', 'b.txt']
>>> [(os.path.basename(s.path), s.start, s.end)
...  for s in split(expand(os.path.join(folder, "a.txt")), piece_bytes=10)]
[('a.txt', 0, 10), ('a.txt', 10, 14)]
"""
import glob
import os
from dataclasses import dataclass

from w2vlib import _compressed
from w2vlib._atomic import local_path


@dataclass(frozen=True)
class Shard:
    """The lines of `path` that start in the byte range ``[start, end)`` (``end=-1``: the whole
    file, of unknown size)."""
    path: str
    start: int = 0
    end: int = -1

    def __str__(self):
        whole = self.start == 0 and self.end == -1
        return self.path if whole else f"{self.path} [bytes {self.start}:{self.end}]"


def is_uri(path):
    """True for a remote ``scheme://...`` (not ``file://``): where _atomic.local_path has none."""
    return local_path(path) is None


def splittable(path):
    """True when `path` is a plain (uncompressed) local file, whose bytes can be cut into
    ranges that workers read independently."""
    path = os.fspath(path)
    return (not is_uri(path)) and os.path.isfile(path) and not _compressed.is_compressed(path)


def expand(corpus_file):
    """The files `corpus_file` names, in corpus order.

    Parameters
    ----------
    corpus_file : str, os.PathLike or list of them
        A path or URI; one with glob characters (``* ? [``) is a pattern whose matching files are
        taken in sorted order (URIs are listed through fsspec); a list or tuple is expanded item
        by item, in its order.

    Returns
    -------
    list of str

    Raises
    ------
    TypeError
        If `corpus_file` (or an item) is not a path or URI.
    FileNotFoundError
        If a pattern matches no file.
    ValueError
        If the list is empty.
    """
    items = corpus_file if isinstance(corpus_file, (list, tuple)) else [corpus_file]
    if not items:
        raise ValueError("corpus_file is an empty list: name at least one file")
    paths = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError("corpus_file must be a path or URI, a glob or a list of them, got "
                            f"{type(item).__name__}")
        item = os.fspath(item)
        paths.extend(_glob(item) if glob.has_magic(item) else [item])
    return paths


def _glob(pattern):
    if is_uri(pattern):
        matches = _glob_uri(pattern)
    else:
        local = pattern[len("file://"):] if pattern.startswith("file://") else pattern
        matches = sorted(path for path in glob.glob(local) if os.path.isfile(path))
    if not matches:
        raise FileNotFoundError(f"corpus_file: no file matches {pattern!r}")
    return matches


def _glob_uri(pattern):
    try:
        import fsspec
    except ImportError:
        raise ImportError(f"corpus_file {pattern!r}: listing a remote glob needs fsspec "
                          '(pip install "w2vlib[dask]" brings it), or pass a list of URIs') from None
    filesystem, path = fsspec.core.url_to_fs(pattern)
    return sorted(filesystem.unstrip_protocol(match) for match in filesystem.glob(path)
                  if filesystem.isfile(match))


def cut(spans, parts):
    """Byte ranges laid end to end, cut into `parts` runs of nearly equal bytes.

    Parameters
    ----------
    spans : sequence of tuple
        Byte ranges in corpus order, each ``(*about, start, end)``: whatever says which file
        (`about`, kept), then the range.
    parts : int
        How many runs (>= 1).

    Returns
    -------
    list of list of list
        Per run, its pieces in corpus order, each ``[*about, start, end]`` (a run may be empty
        when there are fewer bytes than runs). Every byte is in exactly one piece.

    >>> cut([("a", 0, 10), ("b", 0, 4)], 2)
    [[['a', 0, 7]], [['a', 7, 10], ['b', 0, 4]]]
    """
    total = sum(span[-1] - span[-2] for span in spans)
    bounds = [total * k // parts for k in range(parts + 1)]
    runs, offset = [[] for _ in range(parts)], 0
    for *about, first, last in spans:
        for k in range(parts):
            lo, hi = max(bounds[k], offset), min(bounds[k + 1], offset + last - first)
            if lo < hi:
                runs[k].append([*about, first + lo - offset, first + hi - offset])
        offset += last - first
    return runs


def split(paths, piece_bytes=None):
    """Cut the files `paths` into shards: plain local files into byte ranges of at most
    `piece_bytes` (every line in exactly one; None: one range of the whole file, so its size is
    known), others whole. An empty plain file is one empty shard, so every file stays named."""
    if piece_bytes is not None and piece_bytes < 1:
        raise ValueError(f"piece_bytes must be >= 1, got {piece_bytes}")
    shards = []
    for path in paths:
        if not splittable(path):
            shards.append(Shard(path))
            continue
        size = os.path.getsize(path)
        step = piece_bytes or max(size, 1)
        shards.extend(Shard(path, start, min(size, start + step))
                      for start in range(0, max(size, 1), step))
    return shards
