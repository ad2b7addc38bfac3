"""gensim's lifecycle log: ``add_lifecycle_event`` and the ``lifecycle_events`` list.

Word2Vec and KeyedVectors record the moments of their life — created, vocabulary built, trained,
loaded from a word2vec file, saved, loaded — as gensim's models do, and keep the list in their
native files. Events are plain JSON (the native header is JSON), checked when they are added, so
that a bad value is refused where it was given rather than when the model is saved.

>>> from w2vlib import KeyedVectors
>>> kv = KeyedVectors(2)
>>> kv.add_lifecycle_event("annotated", log_level=False, note="hand-made")
>>> event = kv.lifecycle_events[-1]
>>> event["event"], event["note"], sorted(event)
('annotated', 'hand-made', ['datetime', 'event', 'note', 'platform', 'python', 'w2vlib'])
"""
import copy
import datetime
import logging
import os
import platform
import sys

from w2vlib._native import encode_json
from w2vlib._version import __version__

logger = logging.getLogger("w2vlib")


class Lifecycle:
    """Mixin: the ``lifecycle_events`` log of gensim's ``SaveLoad``."""

    def add_lifecycle_event(self, event_name, log_level=logging.INFO, **event):
        """Append an event to :attr:`lifecycle_events` and log it at `log_level`.

        As gensim's ``add_lifecycle_event``: the event is the keyword arguments plus
        ``datetime``, ``python``, ``platform``, ``event`` (the name) and the library's version
        (under ``w2vlib``, where gensim writes ``gensim``). Set ``lifecycle_events = None`` to stop
        recording; ``log_level=False`` does not log.

        Parameters
        ----------
        event_name : str
            What happened, e.g. ``"created"``.
        log_level : int or False, optional
            Logging level of the log line (``logging.INFO`` by default).
        **event
            Values to record: JSON values (str, int, float, bool, None, lists and dicts of them).

        Raises
        ------
        ValueError
            If a key or value cannot be stored as JSON (the message names the key); nothing is
            recorded.
        """
        record = copy.deepcopy(event)
        record.update(datetime=datetime.datetime.now().isoformat(), w2vlib=__version__,
                      python=sys.version, platform=platform.platform(), event=event_name)
        for key, value in record.items():
            try:
                encode_json({key: value})
            except (TypeError, ValueError) as err:
                raise ValueError(f"lifecycle event {event_name!r}: the value of {key!r} cannot be "
                                 f"stored as JSON ({err})") from None
        if not hasattr(self, "lifecycle_events"):
            self.lifecycle_events = []
        if log_level:
            logger.log(log_level, "%s lifecycle event %s", type(self).__name__, record)
        if self.lifecycle_events is not None:
            self.lifecycle_events.append(record)


def path_text(fname):
    """A file name (or file object) as text an event can hold: bytes the file system gave that
    are not UTF-8 (``os.fsdecode`` turns them into lone surrogates) are written as backslash
    escapes.

    >>> path_text(os.fsdecode(b"caf\\xe9.w2v"))
    'caf\\\\udce9.w2v'
    """
    text = os.fsdecode(fname) if isinstance(fname, (str, bytes, os.PathLike)) else str(fname)
    return text.encode("utf8", "backslashreplace").decode("utf8")


def saved_events(obj):
    """The events to write into a native file: the list, or None when recording is off."""
    events = getattr(obj, "lifecycle_events", [])
    return None if events is None else list(events)


def loaded_events(meta, fname):
    """The events a native file holds (files of w2vlib <= 0.1 hold none: an empty list).

    Raises
    ------
    ValueError
        If the file's entry is neither None nor a list of objects.
    """
    events = meta.get("lifecycle_events", [])
    if events is not None and not (isinstance(events, list)
                                   and all(isinstance(e, dict) for e in events)):
        raise ValueError(f"{fname}: lifecycle_events must be a list of objects or null")
    return events
