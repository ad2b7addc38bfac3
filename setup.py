"""Build script: compiles every ``w2vlib/*.pyx`` into a private extension module.

Environment switches (off by default, so a wheel runs on any x86-64/ARM machine):

* ``W2VLIB_NATIVE=1`` adds ``-march=native`` (faster kernels on the build machine only; no
  kernel variants are built then).
* ``W2VLIB_ONLY=_name[,_name]`` builds only the named modules (a quick rebuild while developing).
* ``W2VLIB_DEBUG=1`` turns on Cython bounds/wraparound checks and builds with
  AddressSanitizer (``-fsanitize=address``); run Python with the ASan runtime preloaded.
"""
import filecmp
import glob
import os
import platform
import shutil

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

NATIVE = os.environ.get("W2VLIB_NATIVE") == "1"
DEBUG = os.environ.get("W2VLIB_DEBUG") == "1"
ONLY = {n for n in os.environ.get("W2VLIB_ONLY", "").split(",") if n}

# Release builds: no debug information (Python's own CFLAGS carry -g, which doubled the compile
# time of the large generated C files and made the wheel five times larger).
RELEASE_FLAGS = ["-O3", "-g0"]
# Float reassociation lets the compiler vectorise the dot/axpy loops of the kernels.
# It is limited to the training kernels: parsers keep strict IEEE semantics.
FAST_MATH_MODULES = {"_inner"}
FAST_MATH_FLAGS = ["-fno-math-errno", "-fno-trapping-math", "-fassociative-math",
                   "-fno-signed-zeros", "-ffp-contract=fast", "-funroll-loops", "-fvariable-expansion-in-unroller"]


# On x86-64 the training kernels are also built for AVX2 + FMA (x86-64-v3) and for AVX-512 with
# 512-bit vectors (x86-64-v4), beside the baseline build that runs anywhere; w2vlib._dispatch
# picks the most capable variant the CPU supports when imported. (-mprfchw: prefetch-for-write
# instructions, which every AVX2 CPU runs.)
AVX2_FLAGS = ["-mavx2", "-mfma", "-mprfchw"]
AVX512_FLAGS = AVX2_FLAGS + ["-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq",
                             "-mprefer-vector-width=512"]
KERNEL_VARIANTS = {"_inner": {"_inner_avx2": AVX2_FLAGS, "_inner_avx512": AVX512_FLAGS}} \
    if platform.machine().lower() in ("x86_64", "amd64") and not NATIVE else {}
VARIANT_DIR = os.path.join("build", "kernel_variants")
#: C headers the modules include (the shared string table): a change rebuilds them.
HEADERS = sorted(glob.glob(os.path.join("w2vlib", "*.h")))


def extension(pyx_path, name=None, extra_args=(), base=None):
    """The Extension for `pyx_path`, named `name` (default: after the file); `base` is the module
    whose flags apply (default: `name`), for variants built from a copy of its source."""
    name = name or os.path.splitext(os.path.basename(pyx_path))[0]
    base = base or name
    compile_args = ["-O1", "-g", "-fsanitize=address", "-fno-omit-frame-pointer"] if DEBUG \
        else list(RELEASE_FLAGS)
    link_args = ["-fsanitize=address"] if DEBUG else []
    if base in FAST_MATH_MODULES:
        compile_args += FAST_MATH_FLAGS
    if NATIVE:
        compile_args.append("-march=native")
    compile_args += extra_args
    return Extension(
        f"w2vlib.{name}",
        [pyx_path],
        include_dirs=[numpy.get_include(), "w2vlib"],
        depends=HEADERS,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=compile_args,
        extra_link_args=link_args,
    )


def variant_extensions(pyx_path):
    """The ISA variants of one kernel module: its source copied under a new module name (Cython
    names a module after its file), compiled with extra flags."""
    base = os.path.splitext(os.path.basename(pyx_path))[0]
    variants = []
    for name, flags in KERNEL_VARIANTS.get(base, {}).items():
        copy = os.path.join(VARIANT_DIR, name + ".pyx")
        os.makedirs(VARIANT_DIR, exist_ok=True)
        if not (os.path.exists(copy) and filecmp.cmp(pyx_path, copy, shallow=False)):
            shutil.copyfile(pyx_path, copy)   # unchanged copies keep their time: no re-cythonize
        variants.append(extension(copy, name, flags, base=base))
    return variants


def extensions():
    sources = sorted(glob.glob(os.path.join("w2vlib", "*.pyx")))
    if not sources:   # e.g. an sdist made without MANIFEST.in: never build a wheel without kernels
        raise SystemExit("setup.py: no w2vlib/*.pyx sources here; the build needs them")
    chosen = [p for p in sources if not ONLY or os.path.splitext(os.path.basename(p))[0] in ONLY]
    return [ext for p in chosen for ext in [extension(p), *variant_extensions(p)]]


class BuildExtAlsoInSource(build_ext):
    """Compile the modules in parallel, one per core, and also copy them beside their sources, so
    that ``python -m w2vlib`` run from the checkout after ``pip install .`` (the current folder
    comes first on sys.path) finds them."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = os.cpu_count() or 1

    def run(self):
        super().run()
        if not self.inplace:
            self.copy_extensions_to_source()


directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "cdivision": not DEBUG,
    "initializedcheck": DEBUG,
}

setup(
    cmdclass={"build_ext": BuildExtAlsoInSource},
    ext_modules=cythonize(extensions(), compiler_directives=directives, nthreads=os.cpu_count() or 1),
)
