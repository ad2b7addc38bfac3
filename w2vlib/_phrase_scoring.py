"""How phrases are scored: gensim's two scorers, the checks of a custom one, and its name.

``original_scorer`` and ``npmi_scorer`` are gensim's functions, unchanged; the phrase models
compute them in compiled code with the same operations (``w2vlib._phrase_apply``) and call them
here only from the Python reference path. A custom scorer is any function taking gensim's six
keyword arguments. Models are saved without pickle, so a custom scorer is stored by its
importable name, ``module:qualname``, and looked up again on load: a function that cannot be
found by that name (a lambda, a function defined inside another, a ``functools.partial``, a
callable object) is refused when the model is made, as gensim refuses a scorer that cannot be
pickled.

>>> scorer_name(npmi_scorer), scorer_from_name("default", "model.phr") is original_scorer
('npmi', True)
>>> scorer_name(lambda worda_count, wordb_count, bigram_count, len_vocab, min_count,
...             corpus_word_count: 1.0)
Traceback (most recent call last):
w2vlib._phrase_scoring.ScorerNotImportable: the scoring function <lambda> cannot be saved: a model stores a custom scorer by its importable name (module:qualname), and '<lambda>' cannot be imported from its module w2vlib._phrase_scoring; define it at the top level of a module
"""
import importlib
import inspect
import math
import pickle

NEGATIVE_INFINITY = float("-inf")
#: The keyword arguments a scorer is called with (gensim's names).
SCORER_PARAMETERS = ("worda_count", "wordb_count", "bigram_count", "len_vocab", "min_count",
                     "corpus_word_count")


def original_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    r"""Bigram score of Mikolov et al., "Distributed Representations of Words and Phrases and their
    Compositionality" (gensim's ``original_scorer``).

    :math:`\frac{(bigram\_count - min\_count) \cdot len\_vocab}{worda\_count \cdot wordb\_count}`;
    ``corpus_word_count`` is not used. Minus infinity when a count of the two words is 0.

    >>> original_scorer(10, 20, 8, 1000, 5, 50000)
    15.0
    """
    denom = worda_count * wordb_count
    if denom == 0:
        return NEGATIVE_INFINITY
    return (bigram_count - min_count) / float(denom) * len_vocab


def npmi_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    r"""Normalized pointwise mutual information of the two words (Bouma, "Normalized (Pointwise)
    Mutual Information in Collocation Extraction"; gensim's ``npmi_scorer``), in [-1, 1].

    :math:`\frac{\ln(p(a, b) / (p(a) p(b)))}{-\ln p(a, b)}` with :math:`p(x) = count(x) /
    corpus\_word\_count`; minus infinity when the bigram is seen fewer than ``min_count`` times.
    ``len_vocab`` is not used.

    >>> round(npmi_scorer(10, 20, 8, 1000, 5, 50000), 6)
    0.869635
    """
    if bigram_count >= min_count:
        corpus_word_count = float(corpus_word_count)
        pa = worda_count / corpus_word_count
        pb = wordb_count / corpus_word_count
        pab = bigram_count / corpus_word_count
        try:
            return math.log(pab / (pa * pb)) / -math.log(pab)
        except ValueError:  # some of the counts were zero: never a phrase
            return NEGATIVE_INFINITY
    return NEGATIVE_INFINITY


#: The scorers a model names by a word, as gensim's ``scoring`` argument does.
BUILT_IN = {"default": original_scorer, "npmi": npmi_scorer}
#: gensim's own functions, which compute the same scores (a model carried over from gensim).
GENSIM_BUILT_IN = {"gensim.models.phrases:original_scorer": "default",
                   "gensim.models.phrases:npmi_scorer": "npmi"}


def built_in_word(scorer):
    """``'default'`` or ``'npmi'`` when `scorer` is one of the two scorers (w2vlib's or gensim's
    function), else None.

    >>> built_in_word(original_scorer), built_in_word(len)
    ('default', None)
    """
    for word, function in BUILT_IN.items():
        if scorer is function:
            return word
    name = f"{getattr(scorer, '__module__', None)}:{getattr(scorer, '__qualname__', None)}"
    return GENSIM_BUILT_IN.get(name)


class ScorerNotImportable(pickle.PicklingError, ValueError):
    """A custom scorer that a model could not save by name (a ValueError, and the
    ``pickle.PicklingError`` gensim raises for a scorer it cannot pickle)."""


def resolve(scoring):
    """The scoring function `scoring` names or is, checked as gensim checks it.

    Raises
    ------
    ValueError
        For an unknown name, or a function missing one of gensim's keyword parameters.
    TypeError
        For anything that is neither a name nor a callable.
    ScorerNotImportable
        For a custom function that cannot be saved by name.
    """
    if isinstance(scoring, str):
        if scoring not in BUILT_IN:
            raise ValueError(f"unknown scoring method string {scoring} specified")
        return BUILT_IN[scoring]
    if not callable(scoring):
        raise TypeError(f"scoring must be 'default', 'npmi' or a function, got "
                        f"{type(scoring).__name__}")
    try:
        parameters = inspect.getfullargspec(scoring).args
    except TypeError:
        parameters = []
    missing = [name for name in SCORER_PARAMETERS if name not in parameters]
    if missing:
        raise ValueError(f"scoring function missing expected parameters {missing}")
    scorer_name(scoring)
    return scoring


def scorer_name(scorer):
    """How a model file names `scorer`: ``'default'``, ``'npmi'`` or ``'module:qualname'``.

    Raises
    ------
    ScorerNotImportable
        When importing the module and following the qualified name does not give `scorer` back.
    """
    word = built_in_word(scorer)
    if word is not None:
        return word
    module = getattr(scorer, "__module__", None)
    qualname = getattr(scorer, "__qualname__", None)
    label = qualname or repr(scorer)
    if not (isinstance(module, str) and isinstance(qualname, str)):
        raise ScorerNotImportable(
            f"the scoring function {label} cannot be saved: a model stores a custom scorer by its "
            f"importable name (module:qualname), and {label} has none; use a function defined at "
            f"the top level of a module")
    try:
        found = _follow(module, qualname)
    except (ImportError, AttributeError):
        found = None
    if found is not scorer:
        raise ScorerNotImportable(
            f"the scoring function {label} cannot be saved: a model stores a custom scorer by its "
            f"importable name (module:qualname), and {qualname!r} cannot be imported from its "
            f"module {module}; define it at the top level of a module")
    return f"{module}:{qualname}"


def scorer_from_name(name, where):
    """The scorer a model file names (see :func:`scorer_name`); `where` names the file.

    Loading a model with a custom scorer imports the scorer's module, as unpickling a gensim
    model does (but nothing else is run).

    Raises
    ------
    ValueError
        When the name is malformed, or the module or the function cannot be found.
    """
    if not isinstance(name, str):
        raise ValueError(f"{where}: the scoring function's name must be a string, got {name!r}")
    if name in BUILT_IN:
        return BUILT_IN[name]
    module, _, qualname = name.partition(":")
    if not module or not qualname:
        raise ValueError(f"{where}: scoring {name!r} is neither 'default', 'npmi' nor "
                         f"'module:qualname'")
    try:
        scorer = _follow(module, qualname)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"{where}: the scoring function {name} cannot be imported ({err}); "
                         f"make its module importable before loading") from None
    if not callable(scorer):
        raise ValueError(f"{where}: the scoring function {name} is not callable")
    return scorer


def _follow(module, qualname):
    found = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found
