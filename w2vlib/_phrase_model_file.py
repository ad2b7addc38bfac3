"""The file of a phrase model (``Phrases.save`` / ``load``): w2vlib's native, pickle-free
container (:mod:`w2vlib._native`).

Kind ``'Phrases'``: the settings, ``min_reduce``, ``corpus_word_count``, the connector words,
the scorer's name and the lifecycle events as JSON metadata; the counts as three arrays
(``keys``: the UTF-8 keys end to end, ``key_offsets``: where each starts, ``counts``). Kind
``'FrozenPhrases'``: the settings and the phrases with their ``scores``. Everything read is
checked (settings as the constructor checks them, keys as valid distinct UTF-8, array shapes)
before a model is made of it; a damaged or forged file raises ValueError naming the file.
"""
from w2vlib import _native
from w2vlib._lifecycle import loaded_events, saved_events
from w2vlib._phrase_mapping import TableMapping
from w2vlib._phrase_scoring import BUILT_IN, scorer_from_name, scorer_name
from w2vlib._phrase_tables import from_arrays

#: Metadata of both kinds, and of Phrases only.
COMMON = ("min_count", "threshold", "delimiter", "scoring", "connector_words")
PHRASES_ONLY = ("max_vocab_size", "progress_per", "min_reduce", "corpus_word_count")
#: The values array of each kind, and whether it holds scores.
VALUES = {"Phrases": ("counts", False), "FrozenPhrases": ("scores", True)}


def save(model, fname):
    """Write `model` (a Phrases or FrozenPhrases) to `fname`, atomically."""
    kind = "Phrases" if hasattr(model, "_vocab") else "FrozenPhrases"
    meta = {"min_count": model.min_count, "threshold": model.threshold,
            "delimiter": model.delimiter, "scoring": scorer_name(model.scoring),
            "connector_words": sorted(model.connector_words),
            "lifecycle_events": saved_events(model)}
    if kind == "Phrases":
        meta.update(max_vocab_size=model.max_vocab_size, progress_per=model.progress_per,
                    min_reduce=model.min_reduce, corpus_word_count=model.corpus_word_count)
        table = model._vocab.table
    else:
        table = model._phrasegrams.table
    keys, offsets, values = table.arrays()
    _native.save_native(fname, kind, meta,
                        {"keys": keys, "key_offsets": offsets, VALUES[kind][0]: values})


def load(fname, mmap, classes):
    """The model in `fname`, made as an instance of ``classes[kind]`` without its constructor."""
    from w2vlib.phrases import check_settings   # the constructor's checks (phrases imports us)
    kind, meta, arrays = _native.load_native(fname, mmap=mmap)
    if kind not in VALUES:
        raise ValueError(f"{fname}: holds a {kind}, not a Phrases or FrozenPhrases model")
    missing = [name for name in COMMON + (PHRASES_ONLY if kind == "Phrases" else ())
               if name not in meta]
    missing += [name for name in ("keys", "key_offsets", VALUES[kind][0]) if name not in arrays]
    if missing:
        raise ValueError(f"{fname}: incomplete {kind}: missing {', '.join(missing)}")
    model = classes[kind].__new__(classes[kind])
    settings = {name: meta[name] for name in ("min_count", "threshold", "delimiter")}
    if kind == "Phrases":
        settings.update(max_vocab_size=meta["max_vocab_size"], progress_per=meta["progress_per"])
    model.scoring = scorer_from_name(meta["scoring"], fname)
    try:
        check_settings(scoring=meta["scoring"] if meta["scoring"] in BUILT_IN else model.scoring,
                       **{"max_vocab_size": 0, "progress_per": 1, **settings})
        words = meta["connector_words"]
        if not isinstance(words, list):
            raise TypeError("connector_words must be a list of str")
        model.connector_words = words
        if kind == "Phrases":
            for name in ("min_reduce", "corpus_word_count"):
                value = meta[name]
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    except (TypeError, ValueError) as err:
        raise ValueError(f"{fname}: {err}") from None
    for name, value in settings.items():
        setattr(model, name, value)
    name, scores = VALUES[kind]
    table = from_arrays(arrays["keys"], arrays["key_offsets"], arrays[name], scores, str(fname))
    if kind == "Phrases":
        model.min_reduce, model.corpus_word_count = meta["min_reduce"], meta["corpus_word_count"]
        model._vocab = TableMapping(table)
    else:
        model._phrasegrams = TableMapping(table)
    model.lifecycle_events = loaded_events(meta, fname)
    return model
