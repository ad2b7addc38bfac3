"""The arguments of :class:`w2vlib.Word2Vec`, each declared once: name, default, check and meaning.

:data:`ARGUMENTS` is the constructor's signature, in gensim's order, then w2vlib's extensions
(keyword-only; a saved file without one loads with its default). The hyperparameters among
them (:data:`HYPERPARAMETERS`, those with a check) are checked and set on the model by
:func:`configure`, saved with it and checked again when it is loaded; the others (the corpus,
``trim_rule``, ``callbacks``, ...) are used once by the constructor. The ``train`` command line
checks its flags with the same functions (:func:`check`).

>>> [p.name for p in ARGUMENTS][:4]
['sentences', 'corpus_file', 'vector_size', 'alpha']
>>> check("window", 0)
Traceback (most recent call last):
ValueError: window must be >= 1
>>> check("sample", None), check("epochs", np.int64(3))
(0.0, 3)
"""
import dataclasses
import inspect
import secrets
import types
from typing import Any, Callable, Optional

import numpy as np

from w2vlib import _checks
from w2vlib._reader import MAX_WORDS_IN_BATCH

#: More worker threads than this is a mistake (each holds buffers), not a setting.
MAX_WORKERS = 1024


@dataclasses.dataclass(frozen=True)
class Argument:
    """One constructor argument: its `default`, its meaning (`doc`) and, for a hyperparameter,
    the `check` that turns a given value into the model's attribute or raises TypeError or
    ValueError. An `extension` is w2vlib's, not gensim's: keyword-only, after gensim's."""
    name: str
    default: Any
    doc: str
    check: Optional[Callable[[str, Any], Any]] = None
    extension: bool = False


def _at_least(kind, minimum, maximum=None):
    def check(name, value):
        value = kind(name, value)
        if maximum is not None and not minimum <= value <= maximum:
            raise ValueError(f"{name} must be {minimum} to {maximum}")
        if not value >= minimum:   # also refuses NaN
            raise ValueError(f"{name} must be >= {minimum}")
        return value
    return check


def _positive_real(name, value):
    value = _checks.real(name, value)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number")
    return value


def _finite_real(name, value, minimum=None):
    value = _checks.real(name, value)
    if not np.isfinite(value) or (minimum is not None and value < minimum):
        raise ValueError(f"{name} must be a number >= {minimum}" if minimum is not None
                         else f"{name} must be a finite number")
    return value


def _optional_count(name, value):
    return _checks.count(name, value, allow_none=True)


def _sample(name, value):
    """gensim: None (or 0) turns subsampling off."""
    return 0.0 if value is None else _finite_real(name, value, minimum=0)


def _seed(name, value):
    """gensim: None seeds at random; the seed drawn is kept, so the run can be repeated."""
    return secrets.randbits(32) if value is None else _at_least(_checks.integer, 0)(name, value)


def _flag(name, value):
    return bool(value)


_integer = _checks.integer
_natural = _at_least(_checks.integer, 0)
_positive = _at_least(_checks.integer, 1)

#: The constructor's arguments in gensim 4's order; those with a check are hyperparameters.
ARGUMENTS = (
    Argument("sentences", None, "A restartable iterable of token lists (a list, "
             ":class:`~w2vlib.corpora.LineSentence`, ...); given, the model is built and trained "
             "at once."),
    Argument("corpus_file", None, "Path or URI of a text file, one sentence per line, tokens "
             "separated by whitespace (instead of `sentences`)."),
    Argument("vector_size", 100, "Dimensions of the word vectors.", _positive),
    Argument("alpha", 0.025, "Initial learning rate.", _positive_real),
    Argument("window", 5, "Maximum distance between the current and a predicted word.", _positive),
    Argument("min_count", 5, "Words with a lower total count are ignored.", _natural),
    Argument("max_vocab_size", None, "Prune the rarest words while counting to keep at most this "
             "many (None: no limit).", _optional_count),
    Argument("sample", 1e-3, "Threshold for downsampling frequent words; 0 or None turns it off.",
             _sample),
    Argument("seed", 1, "Seed of the random streams (None: drawn at random, then kept).", _seed),
    Argument("workers", 3, f"Worker threads (1 to {MAX_WORKERS}).",
             _at_least(_checks.integer, 1, MAX_WORKERS)),
    Argument("min_alpha", 0.0001, "The learning rate falls linearly to this over training.",
             lambda name, value: _finite_real(name, value, minimum=0)),
    Argument("sg", 0, "1 for skip-gram, else CBOW.", _integer),
    Argument("hs", 0, "1 for hierarchical softmax.", _integer),
    Argument("negative", 5, "Negative samples per word (0: no negative sampling).", _natural),
    Argument("ns_exponent", 0.75, "Exponent of the counts in the negative-sampling distribution.",
             _finite_real),
    Argument("cbow_mean", 1, "CBOW: 1 averages the context vectors, 0 sums them.", _integer),
    Argument("hashfxn", hash, "Unused, as in gensim 4: the vectors are initialised from `seed`."),
    Argument("epochs", 5, "Passes over the corpus.", _positive),
    Argument("null_word", 0, "1 adds gensim's null word to the vocabulary.", _integer),
    Argument("trim_rule", None, "``trim_rule(word, count, min_count)`` deciding which words stay "
             "in the vocabulary (see :meth:`build_vocab`)."),
    Argument("sorted_vocab", 1, "1 sorts the vocabulary by descending count.", _integer),
    Argument("batch_words", MAX_WORDS_IN_BATCH, "Words per job given to a worker thread.", _positive),
    Argument("compute_loss", False, "Keep the training loss (:meth:`get_latest_training_loss`).",
             _flag),
    Argument("callbacks", (), "Callbacks (:class:`~w2vlib.callbacks.CallbackAny2Vec`) run during "
             "training."),
    Argument("comment", None, "A comment recorded in the model's lifecycle events."),
    Argument("max_final_vocab", None, "Raise min_count as needed to keep at most this many words.",
             _optional_count),
    Argument("shrink_windows", True, "Draw each word's window size from 1..window (gensim's "
             "default); False uses the full window.", _flag),
    Argument("cbow_correction", False, "CBOW with ``cbow_mean=1``: divide each context vector's "
             "update by the number of context words, so that it is the true gradient of the mean "
             "(kōan's corrected CBOW, İrsoy et al. 2021); word2vec.c and gensim apply the mean's "
             "whole gradient to every context vector. No effect with ``cbow_mean=0`` (the sum's "
             "update stays gensim's) or skip-gram.", _flag, extension=True),
    Argument("shared_negatives", False, "Skip-gram with negative sampling: draw one set of "
             "``negative`` words per window, shared by all its context words, and take one "
             "gradient step of the window's loss (HogBatch, Ji et al. 2016; BlazingText's "
             "``batch_skipgram``): fewer random rows to fetch per word, other vectors than "
             "gensim's. Only with ``sg=1, hs=0, negative > 0``.", _flag, extension=True),
)

#: Not gensim's: a Dask client, keyword only after gensim's arguments (docs/distributed.md).
CLIENT = Argument("client", None, "A ``dask.distributed.Client`` (keyword only): with "
                  "`corpus_file`, count and train on its workers, each opening its own shards "
                  "(see docs/distributed.md).", extension=True)

#: Name -> argument.
BY_NAME = {argument.name: argument for argument in ARGUMENTS}
#: The hyperparameters, saved with the model, in constructor order.
HYPERPARAMETERS = tuple(argument.name for argument in ARGUMENTS if argument.check)
#: w2vlib's own arguments (not gensim's).
EXTENSIONS = tuple(argument.name for argument in ARGUMENTS if argument.extension)

#: ``Word2Vec.__init__``'s signature (with ``self``).
SIGNATURE = inspect.Signature(
    [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    + [inspect.Parameter(a.name, inspect.Parameter.KEYWORD_ONLY if a.extension
                         else inspect.Parameter.POSITIONAL_OR_KEYWORD, default=a.default)
       for a in ARGUMENTS]
    + [inspect.Parameter(CLIENT.name, inspect.Parameter.KEYWORD_ONLY, default=CLIENT.default)])


#: The recommended preset: the training method measured to reach gensim skip-gram's quality
#: soonest (docs/benchmarks.md, "Time to quality"): skip-gram with negative sampling, one draw of
#: negatives per window. The dimension, subsampling and epochs stay the user's (the record, 11.2x
#: gensim's time: ``vector_size=112, sample=5e-4, epochs=4`` beside it on the benchmark corpus).
#: ``Word2Vec(sentences, **FAST_PRESET)``; ``w2vlib train --fast``; ``w2vlib demo --fast``.
FAST_PRESET = types.MappingProxyType({"sg": 1, "hs": 0, "negative": 5, "shared_negatives": True})


def check(name, value):
    """The checked value of hyperparameter `name` (TypeError or ValueError if it has none)."""
    return BY_NAME[name].check(name, value)


def configure(model, values):
    """Check every hyperparameter in `values` (a mapping holding all of them) and set it as an
    attribute of `model`; then check how they combine."""
    for name in HYPERPARAMETERS:
        setattr(model, name, check(name, values[name]))
    if not (model.hs or model.negative):
        raise ValueError("set hs=1 and/or negative > 0: with hs=0 and negative=0 nothing "
                         "would be trained")
    if model.shared_negatives and not (model.sg and model.negative and not model.hs):
        raise ValueError("shared_negatives is for skip-gram with negative sampling only: set "
                         "sg=1, hs=0 and negative > 0")


def saved(model):
    """The hyperparameters of `model`, as saved with it."""
    return {name: getattr(model, name) for name in HYPERPARAMETERS}


def docstring_section():
    """The numpydoc ``Parameters`` entries of the constructor, from :data:`ARGUMENTS`."""
    def shown(default):
        return default.__name__ if callable(default) else repr(default)
    return "\n".join(f"{a.name} : optional, default {shown(a.default)}\n    "
                     f"{'(w2vlib extension) ' if a.extension else ''}{a.doc}"
                     for a in ARGUMENTS + (CLIENT,))
