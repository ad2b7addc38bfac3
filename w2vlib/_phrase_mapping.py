"""gensim's ``Phrases.vocab`` and ``FrozenPhrases.phrasegrams`` dicts, as mappings over the
compiled tables.

A :class:`TableMapping` is a ``MutableMapping`` (str to int counts, or to float scores) whose
storage is a :class:`w2vlib._phrase_tables.KeyTable`: reading, iterating, assigning and deleting
work as on gensim's dict, in the same key order, without a Python object per key until one is
asked for. Compare it with a dict with ``==``, or copy it into one with ``dict(mapping)``.

>>> vocab = TableMapping(KeyTable())
>>> vocab.update({"new": 3, "york": 2, "new_york": 2})
>>> vocab["new_york"], vocab.get("old", 0), len(vocab), "york" in vocab
(2, 0, 3, True)
>>> vocab == {"new": 3, "york": 2, "new_york": 2}, vocab
(True, TableMapping({'new': 3, 'york': 2, 'new_york': 2}))
"""
from collections.abc import ItemsView, MutableMapping, ValuesView

from w2vlib._phrase_tables import KeyTable

#: How many items ``repr`` shows before it only counts the rest.
REPR_ITEMS = 20


class _Items(ItemsView):
    def __iter__(self):
        return self._mapping.table.items()


class _Values(ValuesView):
    def __iter__(self):
        return self._mapping.table.values()


class TableMapping(MutableMapping):
    """A dict-like view of a KeyTable; changes go to the table."""

    __slots__ = ("table",)

    def __init__(self, table):
        self.table = table

    @classmethod
    def of(cls, mapping, scores):
        """A new table holding `mapping`'s items (str keys; int counts, or float scores)."""
        table = KeyTable(scores, len(mapping))
        for key, value in mapping.items():
            table[key] = value
        return cls(table)

    def __getitem__(self, key):
        return self.table[key]

    def __setitem__(self, key, value):
        self.table[key] = value

    def __delitem__(self, key):
        del self.table[key]

    def __iter__(self):
        return iter(self.table)

    def __len__(self):
        return len(self.table)

    def __contains__(self, key):
        return key in self.table

    def get(self, key, default=None):
        return self.table.get(key, default)

    def items(self):
        return _Items(self)

    def values(self):
        return _Values(self)

    def clear(self):
        self.table.clear()

    def copy(self):
        """A dict with the same items."""
        return dict(self.items())

    def __repr__(self):
        shown = []
        for key, value in self.items():
            if len(shown) == REPR_ITEMS:
                shown.append(f"... ({len(self) - REPR_ITEMS} more)")
                break
            shown.append(f"{key!r}: {value!r}")
        return f"{type(self).__name__}({{{', '.join(shown)}}})"
