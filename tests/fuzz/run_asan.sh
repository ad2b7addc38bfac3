#!/usr/bin/env bash
# Sanitizer run (by hand, not in CI): build every compiled module of this tree with Cython's
# bounds/wraparound/initialisation checks and AddressSanitizer (setup.py's W2VLIB_DEBUG=1) in a
# throwaway copy, then run the fuzz quick corpus and the kernel, reader and format tests there.
#
#   tests/fuzz/run_asan.sh [copy folder, default /tmp/w2vlib-asan] [extra pytest arguments]
#
# The source tree is not touched. Python itself is not instrumented, so the ASan runtime is
# preloaded; leak detection is off (CPython keeps memory until exit by design). A huge
# allocation aborts under ASan instead of raising MemoryError, so the run also shows that no
# input makes a loader ask for one.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
DEST="${1:-/tmp/w2vlib-asan}"
shift || true
rm -rf "$DEST"
mkdir -p "$DEST"
# Sources only: generated C files, compiled modules and build folders are rebuilt in the copy.
(cd "$SRC" && tar --exclude=./build --exclude=./.git --exclude='*.egg-info' --exclude='./w2vlib/*.so' \
    --exclude='./w2vlib/*.c' -cf - .) | (cd "$DEST" && tar -xf -)
cd "$DEST"
echo "building in $DEST (log: $DEST/build.log)"
W2VLIB_DEBUG=1 python setup.py build_ext --inplace --force >build.log 2>&1 || { tail -40 build.log; exit 1; }
export LD_PRELOAD="$(gcc -print-file-name=libasan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:print_summary=1"
# The fuzz workers and the tests' child processes import w2vlib from this copy.
export PYTHONPATH="$DEST"
python -m pytest -q -p no:cacheprovider tests/fuzz tests/test_kernels.py tests/test_reader.py \
    tests/test_formats.py tests/test_native.py "$@"
