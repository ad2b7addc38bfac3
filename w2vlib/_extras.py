"""Optional packages: imported when a feature needs them, with an error naming the extra that
installs them (``pip install "w2vlib[annoy]"``) when they are missing.

>>> require("math", "none", "this example").pi > 3
True
>>> require("no_such_package_here", "ann", "HnswIndexer")
Traceback (most recent call last):
w2vlib.errors.MissingExtraError: HnswIndexer needs the 'no_such_package_here' package: pip install "w2vlib[ann]"
"""
import importlib

from w2vlib.errors import MissingExtraError


def require(module, extra, user):
    """Import the optional `module` for `user` (what needs it, for the message), or raise
    :class:`~w2vlib.errors.MissingExtraError` naming the package and the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(module, extra, user) from None
