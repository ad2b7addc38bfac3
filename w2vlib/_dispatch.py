"""Choose the build of the training kernels (:mod:`w2vlib._inner`) that suits this CPU.

On x86-64, ``setup.py`` compiles ``_inner.pyx`` three times: ``_inner`` for the baseline
instruction set (runs on any x86-64 CPU), ``_inner_avx2`` with AVX2 + FMA, whose dot products and
row updates process twice as many floats per instruction, and ``_inner_avx512`` with 512-bit
vectors (twice as many again). All come from the same source, so they compute the same updates
(up to float rounding from fused multiply-adds and the order of partial sums);
``tests/test_kernels.py`` checks every variant against the numpy reference. What the CPU runs is
asked of :mod:`w2vlib._cpu` (compiled once, for the baseline). The environment variable
``W2VLIB_KERNEL`` overrides the choice (``baseline``, ``avx2`` or ``avx512``), e.g. for
benchmarks.

>>> inner.__name__ in {f"w2vlib.{name}" for name in available()}
True
"""
import importlib
import os

from w2vlib import _cpu, _inner

#: Variant name -> module name, most capable last.
VARIANTS = {"baseline": "_inner", "avx2": "_inner_avx2", "avx512": "_inner_avx512"}


def _supported(variant):
    return (variant == "baseline" or (variant == "avx2" and _cpu.has_avx2_fma())
            or (variant == "avx512" and _cpu.has_avx512()))


def _load(variant):
    try:
        return importlib.import_module(f"w2vlib.{VARIANTS[variant]}")
    except ImportError:   # not built here (another architecture, or W2VLIB_NATIVE builds)
        return None


def available():
    """Names of the kernel modules built here that this CPU can run, baseline first.

    >>> available()[0]
    '_inner'
    """
    return [VARIANTS[v] for v in VARIANTS if _supported(v) and _load(v) is not None]


def select(requested=None):
    """The kernel module to train with: `requested` (a :data:`VARIANTS` name) if given and
    usable, else the most capable one available.

    Raises
    ------
    ValueError
        For an unknown or unusable `requested` variant.
    """
    if requested:
        if requested not in VARIANTS:
            raise ValueError(f"W2VLIB_KERNEL must be one of {', '.join(VARIANTS)}, got {requested!r}")
        module = _load(requested) if _supported(requested) else None
        if module is None:
            raise ValueError(f"the {requested!r} kernels are not available on this machine")
        return module
    for variant in reversed(VARIANTS):
        if _supported(variant) and (module := _load(variant)) is not None:
            return module
    return _inner


#: The kernel module in use.
inner = select(os.environ.get("W2VLIB_KERNEL"))
