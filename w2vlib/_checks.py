"""Checks of arguments and stored values that several modules share, each defined once.

The model's hyperparameters use :func:`integer`, :func:`real` and :func:`count`; the vocabulary
and the native file's table use :func:`is_count`; keys, lock factors and read-only arrays are
checked the same way by :class:`w2vlib.KeyedVectors` and :class:`w2vlib.Word2Vec`.
"""
import numbers
import operator

import numpy as np


def integer(name, value):
    """`value` as an int; a float or a str is refused, not truncated (gensim fails on them).

    >>> integer("window", np.int64(5))
    5
    >>> integer("window", 5.0)
    Traceback (most recent call last):
    TypeError: window must be an integer, got 5.0 (float)
    """
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})") from None


def real(name, value):
    """`value` as a float; a bool, a str or None is refused.

    >>> real("alpha", 1)
    1.0
    >>> real("alpha", "0.025")
    Traceback (most recent call last):
    TypeError: alpha must be a number, got '0.025' (str)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    return float(value)


def is_count(value):
    """Whether `value` is an integer >= 0 (a Python or numpy integer, not a bool).

    >>> is_count(3), is_count(np.uint8(0)), is_count(True), is_count(-1), is_count(2.0)
    (True, True, False, False, False)
    """
    return (isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
            and bool(value >= 0))


def count(name, value, allow_none=False, minimum=0):
    """`value` as an int >= `minimum` (or None, if `allow_none`), else ValueError naming `name`.

    >>> count("min_count", np.int32(5))
    5
    >>> count("progress_per", 0, minimum=1)
    Traceback (most recent call last):
    ValueError: progress_per must be an integer >= 1, got 0
    """
    if value is None and allow_none:
        return None
    if not (is_count(value) and value >= minimum):
        expected = f"an integer >= {minimum}" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def is_storable_key(key):
    """A key the native format stores: a str or an int (not a bool)."""
    return isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool))


def storable_keys(keys, allow_none=False):
    """`keys` for a native file, whose keys are str or int (numpy integers become int); any other
    key raises ValueError at save time, rather than making a file that cannot be loaded.

    >>> storable_keys(["a", np.int64(7)])
    ['a', 7]
    >>> storable_keys(["a", ("b", "c")])
    Traceback (most recent call last):
    ValueError: key 1 is a tuple, ('b', 'c'): the native format stores str and int keys only
    """
    stored = []
    for position, key in enumerate(keys):
        if isinstance(key, np.integer):
            key = int(key)
        if not (is_storable_key(key) or (key is None and allow_none)):
            raise ValueError(f"key {position} is a {type(key).__name__}, {key!r}: the native format "
                             "stores str and int keys only")
        stored.append(key)
    return stored


def lock_factors(lockf, rows, name="vectors_lockf"):
    """`lockf` as the training kernels take it: float32, one factor for every key or one per key
    (``rows`` of them); None means 1 for every key. gensim wraps any other length around the
    vocabulary; w2vlib refuses it.

    >>> lock_factors([0, 1], 2)
    array([0., 1.], dtype=float32)
    >>> lock_factors([0, 1, 1], 2)
    Traceback (most recent call last):
    ValueError: vectors_lockf has shape (3,); it needs 1 entry or one per word (2)
    """
    lockf = np.ones(1, np.float32) if lockf is None else np.ascontiguousarray(lockf, np.float32)
    if lockf.ndim != 1 or len(lockf) not in (1, rows):
        raise ValueError(f"{name} has shape {lockf.shape}; it needs 1 entry or one per word ({rows})")
    if not np.isfinite(lockf).all():
        raise ValueError(f"{name} holds NaN or infinity")
    return lockf


def check_writable(array, name="the vectors"):
    """Refuse to change an array mapped read-only (``load(mmap='r')``), naming the way out."""
    if not array.flags.writeable:
        raise ValueError(f"{name} is read-only (loaded with mmap='r'): load with mmap='c' (copy "
                         "on write) or without mmap to change it")


#: gensim's ``SaveLoad.save`` options, which ``save`` accepts on both classes, and their defaults.
SAVE_OPTIONS = {"separately": None, "sep_limit": 10 * 1024 ** 2, "ignore": frozenset(),
                "pickle_protocol": 4}


def left_out(options, leavable):
    """The attributes gensim's ``save(fname, **options)`` asks to leave out of the file.

    In w2vlib's native file every array is stored on its own, aligned and memory-mappable, and
    nothing is pickled, so ``separately``, ``sep_limit`` and ``pickle_protocol`` have nothing to
    choose: they are checked and accepted. ``ignore`` names attributes to leave out; `leavable`
    maps each name that can be to what leaving it out means (anything else is refused, not
    silently stored or dropped).

    >>> sorted(left_out({"sep_limit": 0, "ignore": ["syn1neg"]}, {"syn1neg": "no more training"}))
    ['syn1neg']
    >>> left_out({"ignore": ["vectors"]}, {"syn1neg": "no more training"})
    Traceback (most recent call last):
    ValueError: save(ignore=...) cannot leave out 'vectors'; it can leave out: syn1neg (no more training)
    >>> left_out({"compress": True}, {})
    Traceback (most recent call last):
    TypeError: save() got an unexpected keyword argument 'compress'
    """
    unknown = next((name for name in options if name not in SAVE_OPTIONS), None)
    if unknown is not None:
        raise TypeError(f"save() got an unexpected keyword argument {unknown!r}")
    options = {**SAVE_OPTIONS, **options}
    count("sep_limit", options["sep_limit"])
    integer("pickle_protocol", options["pickle_protocol"])
    for name in ("separately", "ignore"):
        value = options[name]
        if value is not None and (isinstance(value, str) or not all(
                isinstance(item, str) for item in value)):
            raise TypeError(f"save({name}=...) takes a list of attribute names, got {value!r}")
    ignored = set(options["ignore"] or ())
    refused = sorted(ignored - set(leavable))
    if refused:
        choices = ", ".join(f"{name} ({meaning})" for name, meaning in leavable.items()) or "nothing"
        raise ValueError(f"save(ignore=...) cannot leave out {refused[0]!r}; it can leave out: "
                         f"{choices}")
    return ignored
