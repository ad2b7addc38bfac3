"""Fuzz the vectors loaders with damaged real files; the quick run is in test_fuzz_loaders.py.

Each input number ``n`` of a run with base seed ``s`` is a pure function of ``(s, n)``: a seed
file (see ``fuzz_seeds``), mutations (``fuzz_mutate``), a loader and its arguments. The input is
written to a file (gzip-compressed for some inputs, which takes the loaders' unknown-size path)
and loaded under three bounds:

* time: a watchdog (``faulthandler``) ends the process if loading and checking one input takes
  ``HANG_SECONDS``; a load must finish within ``TIME_BUDGET_SECONDS`` plus
  ``TIME_PER_MB_SECONDS`` per MB;
* memory: the tracemalloc peak of the load (numpy registers its buffers with tracemalloc) must
  stay below ``MEMORY_FACTOR`` times the input size plus ``MEMORY_SLACK_BYTES`` (the 1 MiB parse
  buffer, decompressor state); workers also run under an address-space cap;
* outcome: ``fuzz_oracle`` — a ValueError naming the file (and location), or a result equal to a
  plain-Python reading of the bytes.

Long mode (by hand; see docs/reliability.md)::

    python tests/fuzz/fuzz_harness.py --iterations 200000 --start 1000000 --jobs 2
    python tests/fuzz/fuzz_harness.py --only 1012345 --show      # replay one input

With ``--jobs``, each worker is a subprocess; a worker that dies (a crash, or the watchdog)
is reported with the input it was running and restarted after it.
"""
import argparse
import collections
import contextlib
import dataclasses
import faulthandler
import gzip
import json
import logging
import os
import pathlib
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
import traceback
import warnings

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
# Test the w2vlib of this source tree (also in a throwaway copy, such as the sanitizer build),
# whatever an editable install points at.
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

import fuzz_oracle  # noqa: E402
import fuzz_seeds  # noqa: E402
from fuzz_mutate import Mutator  # noqa: E402

HANG_SECONDS = 60
TIME_BUDGET_SECONDS = 2.0
TIME_PER_MB_SECONDS = 2.0
MEMORY_FACTOR = 32
MEMORY_SLACK_BYTES = 8 << 20
SMALL_SEED_WEIGHT = 10                 # small seeds are picked this many times more often
NATIVE_SHARE = 0.3                     # inputs made from native seeds
COMPRESSED_SHARE = 0.08                # inputs written as .gz (the loaders cannot know the size)
CONFUSION_SHARE = 0.08                 # inputs given to a loader of another format
FVOCAB_SHARE = 0.3                     # C-tool inputs loaded with their (mutated) vocabulary
MB = 1 << 20
WORKER_HEADROOM_BYTES = 2 << 30        # address space a worker may add to what it has at start
RATIO_MIN_BYTES = 64 << 10             # smaller inputs are dominated by the fixed 1 MiB buffer
DEFAULT_BASE_SEED = 20240601
#: The module whose loader must refuse what it cannot load consistently.
LOADER_MODULES = {"read_word2vec": "_word2vec_format.py", "KeyedVectors.load_word2vec_format": "keyedvectors.py",
                  "load_native": "_native.py", "KeyedVectors.load": "keyedvectors.py",
                  "Word2Vec.load": "word2vec.py"}


@dataclasses.dataclass
class Case:
    number: int
    seed: fuzz_seeds.Seed
    data: bytes
    ops: list
    loader: str
    kwargs: dict
    compressed: bool
    fvocab: bytes = None

    def describe(self):
        size = f"{len(self.data)} bytes" + (" gz" if self.compressed else "")
        extra = f" fvocab={len(self.fvocab)} bytes" if self.fvocab is not None else ""
        return f"#{self.number} {self.seed.name} {self.ops} -> {self.loader}({self.kwargs}){extra} [{size}]"


class Fuzzer:
    """Makes inputs from the seeds (native ones written into ``folder``) and runs them there."""

    def __init__(self, folder, base_seed=DEFAULT_BASE_SEED):
        self.folder = pathlib.Path(folder)
        self.base_seed = base_seed
        word2vec, native = fuzz_seeds.word2vec_seeds(), fuzz_seeds.native_seeds(self.folder)
        self.seeds = word2vec + native
        self.all_small = [s for s in self.seeds if s.small]
        weights = [SMALL_SEED_WEIGHT if s.small else 1 for s in word2vec]
        scale = sum(weights) * NATIVE_SHARE / (1 - NATIVE_SHARE) / len(native)
        self.weights = weights + [scale] * len(native)
        self.vocab = fuzz_seeds.C_TOOL_VOCAB.read_bytes()

    def case(self, number):
        rng = random.Random(f"{self.base_seed}:{number}")
        seed = rng.choices(self.seeds, self.weights)[0]
        mutator = Mutator(rng, self.all_small + [seed])
        data, ops = mutator.mutate(seed)
        loader, kwargs = self.pick_loader(rng, seed)
        fvocab = None
        if loader == "read_word2vec" and seed.name.startswith("c_tool/") and rng.random() < FVOCAB_SHARE:
            fvocab = self.vocab if rng.random() < 0.5 else mutator.mutate(
                fuzz_seeds.make_seed("vocab", "noheader", self.vocab, {}))[0]
        compressed = rng.random() < COMPRESSED_SHARE and not kwargs.get("mmap")
        return Case(number, seed, data, ops, loader, kwargs, compressed, fvocab)

    @staticmethod
    def pick_loader(rng, seed):
        native = seed.layout == "native"
        if rng.random() < CONFUSION_SHARE:
            native = not native
        if native:
            loader = rng.choice(["load_native", "KeyedVectors.load", "Word2Vec.load",
                                 "Word2Vec.load" if seed.kind == "Word2Vec" else "KeyedVectors.load"])
            return loader, {"mmap": rng.choice([None, None, "r", "c"])}
        binary = seed.layout == "binary"
        if rng.random() < CONFUSION_SHARE:
            binary = not binary
        kwargs = dict(seed.kwargs, binary=binary)
        if not binary and (seed.layout == "noheader") != (rng.random() < CONFUSION_SHARE):
            kwargs["no_header"] = True
        if rng.random() < 0.3:
            kwargs["limit"] = rng.choice([0, 1, 2, 5, 39, 40, 41, 1000])
        if rng.random() < 0.3:
            kwargs["datatype"] = rng.choice([np.float64, np.float16, np.float32])
        if rng.random() < 0.2:
            kwargs["unicode_errors"] = rng.choice(["strict", "replace", "ignore"])
        if rng.random() < 0.05:
            kwargs["encoding"] = rng.choice(["latin1", "utf-16", "ascii"])
        if rng.random() < 0.15:
            kwargs["allow_nonfinite"] = True
        loader = "read_word2vec"
        if rng.random() < 0.2 and "allow_nonfinite" not in kwargs:
            loader = "KeyedVectors.load_word2vec_format"
        return loader, kwargs

    def write(self, name, data, compressed):
        path = self.folder / (name + (".gz" if compressed else ""))
        if path.exists():
            path.unlink()          # a memory map of the previous input may still hold it
        if compressed:
            with gzip.GzipFile(path, "wb", mtime=0) as fout:
                fout.write(data)
        else:
            path.write_bytes(data)
        return str(path)

    def run(self, case):
        """Load one input and check the outcome; raise :class:`fuzz_oracle.Finding` for any
        broken promise. A watchdog ends the process if this takes ``HANG_SECONDS``."""
        faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
        try:
            return self._run(case)
        finally:
            faulthandler.cancel_dump_traceback_later()

    def _run(self, case):
        from w2vlib import KeyedVectors, Word2Vec
        from w2vlib._word2vec_format import Word2VecFormatError, read_word2vec
        from w2vlib._native import NativeFormatError, load_native

        suffix = fuzz_seeds.file_suffix(case.seed)
        path = self.write("fuzz-input" + suffix, case.data, case.compressed)
        kwargs = dict(case.kwargs)
        if case.fvocab is not None:
            kwargs["fvocab"] = self.write("fuzz-vocab.txt", case.fvocab, False)
        calls = {
            "read_word2vec": lambda: read_word2vec(path, **kwargs),
            "KeyedVectors.load_word2vec_format": lambda: KeyedVectors.load_word2vec_format(path, **kwargs),
            "load_native": lambda: load_native(path, **kwargs),
            "KeyedVectors.load": lambda: KeyedVectors.load(path, **kwargs),
            "Word2Vec.load": lambda: Word2Vec.load(path, **kwargs),
        }
        size = len(case.data) + len(case.fvocab or b"")
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        try:
            result = calls[case.loader]()
        except ValueError as err:
            result = err
        except Exception as err:
            origin = _origin(err)
            raise fuzz_oracle.Finding(f"exception:{type(err).__name__}:{origin}", f"{err!s:.300}",
                                      origin.partition(":")[0]) from err
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] - before
        self.last_measure = (size, peak, elapsed)
        if elapsed > TIME_BUDGET_SECONDS + TIME_PER_MB_SECONDS * size / MB:
            raise fuzz_oracle.Finding("slow", f"{elapsed:.2f} s for {size} bytes")
        if peak > MEMORY_FACTOR * size + MEMORY_SLACK_BYTES:
            raise fuzz_oracle.Finding("memory", f"peak {peak} bytes for a {size}-byte input")
        if isinstance(result, ValueError):
            if kwargs.get("fvocab") and kwargs["fvocab"] in str(result):
                path = kwargs["fvocab"]
                data = case.fvocab
            else:
                data = case.data
            format_error = isinstance(result, (Word2VecFormatError, NativeFormatError))
            try:
                fuzz_oracle.check_error(result, path, data, format_error)
            except fuzz_oracle.Finding as finding:
                origin = _origin(result)
                finding.kind += f":{origin}"
                finding.origin = origin.partition(":")[0]
                raise
            return "rejected", type(result).__name__
        # A successful load must give what the file says; blame the loader's module if not.
        try:
            if case.loader == "read_word2vec":
                fuzz_oracle.check_word2vec_result(result, case.data, kwargs)
            elif case.loader == "load_native":
                fuzz_oracle.check_native_result(result, case.data)
            elif case.loader == "Word2Vec.load":
                fuzz_oracle.check_word2vec_model(result, writable=kwargs.get("mmap") != "r")
            else:
                if case.loader == "KeyedVectors.load_word2vec_format":
                    fuzz_oracle.check_word2vec_result((result.index_to_key, result.vectors, result.expandos["count"]),
                                                      case.data, kwargs)
                fuzz_oracle.check_keyed_vectors(result)
        except fuzz_oracle.Finding as finding:
            finding.origin = LOADER_MODULES[case.loader]
            raise
        except Exception as err:
            raise fuzz_oracle.Finding(f"unusable-after-load:{type(err).__name__}:{_origin(err)}",
                                      f"{err!s:.300}", LOADER_MODULES[case.loader]) from err
        return "loaded", case.loader


def _origin(err):
    """``file:line`` of the innermost frame inside w2vlib (where the error escaped from)."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if "w2vlib" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(err.__traceback__)[-1]
    return f"{os.path.basename(frame.filename)}:{frame.lineno}"


@dataclasses.dataclass
class Report:
    """Counts of outcomes, and findings grouped by kind (first input, detail, blamed file)."""
    ran: int = 0
    outcomes: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    findings: dict = dataclasses.field(default_factory=dict)
    crashes: list = dataclasses.field(default_factory=list)     # (input number, exit code)
    worst_ratio: float = 0.0          # largest allocation peak / input size, inputs >= RATIO_MIN_BYTES
    slowest: float = 0.0              # longest load, seconds

    def measure(self, size, peak, elapsed):
        if size >= RATIO_MIN_BYTES:
            self.worst_ratio = max(self.worst_ratio, peak / size)
        self.slowest = max(self.slowest, elapsed)

    def add_finding(self, record):
        """``record``: dict with kind, count, first (input description), detail, origin, loader."""
        mine = self.findings.setdefault(record["kind"], dict(record, count=0))
        mine["count"] += record["count"]

    def merge(self, other):
        self.worst_ratio = max(self.worst_ratio, other.worst_ratio)
        self.slowest = max(self.slowest, other.slowest)
        self.ran += other.ran
        self.outcomes.update(other.outcomes)
        for record in other.findings.values():
            self.add_finding(record)
        self.crashes += other.crashes

    def to_json(self):
        return {"ran": self.ran, "outcomes": dict(self.outcomes), "findings": list(self.findings.values()),
                "worst_ratio": self.worst_ratio, "slowest": self.slowest}

    @classmethod
    def from_json(cls, data):
        report = cls(data["ran"], collections.Counter(data["outcomes"]),
                     worst_ratio=data["worst_ratio"], slowest=data["slowest"])
        for record in data["findings"]:
            report.add_finding(record)
        return report

    def text(self):
        lines = [f"inputs run: {self.ran} (slowest load {self.slowest:.3f} s; largest allocation peak "
                 f"{self.worst_ratio:.1f}x the input for inputs of {RATIO_MIN_BYTES >> 10} KiB or more)"]
        lines += [f"  {outcome}: {count}" for outcome, count in sorted(self.outcomes.items())]
        lines.append(f"findings: {sum(r['count'] for r in self.findings.values())} ({len(self.findings)} kinds)")
        for kind, record in sorted(self.findings.items()):
            lines.append(f"  [{record['origin']}] {kind} x{record['count']}\n"
                         f"    first: {record['first']}\n    {record['detail']}")
        lines += [f"CRASH on input #{number} (exit {code})" for number, code in self.crashes]
        return "\n".join(lines)


def finding_record(case, finding):
    return {"kind": f"{case.loader}: {finding.kind}", "count": 1, "first": case.describe(),
            "detail": str(finding)[:400], "origin": finding.origin, "loader": case.loader}


@contextlib.contextmanager
def quiet():
    """Silence the loaders' warnings (repeated keys ...) and numpy's, which damaged files
    produce by the thousand."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            yield
        finally:
            logging.disable(logging.NOTSET)


@contextlib.contextmanager
def unraisable_as_finding():
    """An exception compiled code could not raise (printed as "Exception ignored in ...", e.g. a
    bounds check failing in a ``noexcept`` function of the debug build) becomes a Finding."""
    caught = []
    previous, sys.unraisablehook = sys.unraisablehook, caught.append
    try:
        yield
    finally:
        sys.unraisablehook = previous
    if caught:
        raise fuzz_oracle.Finding(f"unraisable:{caught[0].exc_type.__name__}",
                                  f"{caught[0].exc_value!r} in {caught[0].object!r}")


def run_numbers(fuzzer, numbers, report, on_input=None, on_finding=None):
    """Run the given input numbers in this process, collecting into ``report``."""
    tracemalloc.start()
    try:
        with quiet():
            for number in numbers:
                case = fuzzer.case(number)
                if on_input is not None:
                    on_input(number)
                try:
                    with unraisable_as_finding():
                        outcome = fuzzer.run(case)
                    report.measure(*fuzzer.last_measure)
                    report.outcomes[f"{case.loader} {outcome[0]}"] += 1
                except fuzz_oracle.Finding as finding:
                    record = finding_record(case, finding)
                    report.add_finding(record)
                    if on_finding is not None:
                        on_finding(record)
                report.ran += 1
    finally:
        tracemalloc.stop()
    return report


def limit_address_space():
    """Cap this process's address space, so that a loaded file asking for absurd resources
    (a model claiming a billion worker threads ...) gets a MemoryError, not the machine's memory.
    Not under AddressSanitizer, which reserves terabytes of shadow memory."""
    if not sys.platform.startswith("linux") or "asan" in os.environ.get("LD_PRELOAD", ""):
        return
    import resource

    with open("/proc/self/status") as status:
        used = int(status.read().split("VmSize:")[1].split()[0]) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (used + WORKER_HEADROOM_BYTES, resource.RLIM_INFINITY))


def _worker(args):
    """Run ``range(start, stop, stride)``; note each input in the status file before running it
    and each finding in the findings file, so a crash loses neither; print the report."""
    limit_address_space()
    status, found = pathlib.Path(args.status), pathlib.Path(args.status + ".findings")

    def note_finding(record):
        with found.open("a") as fout:
            fout.write(json.dumps(record) + "\n")

    with tempfile.TemporaryDirectory() as folder:
        fuzzer = Fuzzer(folder, args.base_seed)
        report = run_numbers(fuzzer, range(args.start, args.stop, args.stride), Report(),
                             on_input=lambda n: status.write_text(str(n)), on_finding=note_finding)
    print(json.dumps(report.to_json()))


def supervise(iterations, start=0, jobs=1, base_seed=DEFAULT_BASE_SEED, log=sys.stderr):
    """Run inputs ``start .. start+iterations-1`` in ``jobs`` worker subprocesses; a worker that
    dies (crash or hang watchdog) is recorded with its input and restarted after it."""
    total = Report()
    with tempfile.TemporaryDirectory() as folder:
        pending = [(job, start + job, start + iterations) for job in range(jobs)]
        while pending:
            running = []
            for job, first, stop in pending:
                status = os.path.join(folder, f"status{job}-{first}")
                command = [sys.executable, str(HERE / "fuzz_harness.py"), "--worker", "--start", str(first),
                           "--stop", str(stop), "--stride", str(jobs), "--base-seed", str(base_seed),
                           "--status", status]
                running.append((job, first, stop, status, subprocess.Popen(command, stdout=subprocess.PIPE)))
            pending = []
            for job, first, stop, status, process in running:
                out, _ = process.communicate()
                if process.returncode == 0:
                    total.merge(Report.from_json(json.loads(out.decode().strip().splitlines()[-1])))
                    continue
                if not os.path.exists(status):
                    raise RuntimeError(f"fuzz worker {job} failed before running any input")
                last = int(pathlib.Path(status).read_text())
                total.crashes.append((last, process.returncode))
                total.ran += (last - first) // jobs + 1
                if os.path.exists(status + ".findings"):
                    for line in pathlib.Path(status + ".findings").read_text().splitlines():
                        total.add_finding(json.loads(line))
                print(f"fuzz worker died (exit {process.returncode}) on input #{last}; replay it with "
                      f"fuzz_harness.py --only {last} --base-seed {base_seed}", file=log)
                if last + jobs < stop:
                    pending.append((job, last + jobs, stop))
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=10000)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--base-seed", type=int, default=DEFAULT_BASE_SEED)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--only", type=int, help="replay one input number and show its outcome")
    parser.add_argument("--show", action="store_true", help="with --only: save the input to ./fuzz-case*")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stop", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stride", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--status", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args)
    if args.only is not None:
        return _replay(args)
    started = time.time()
    report = supervise(args.iterations, args.start, args.jobs, args.base_seed)
    print(report.text())
    print(f"elapsed {time.time() - started:.0f} s")
    return 1 if report.crashes or report.findings else 0


def _replay(args):
    limit_address_space()
    with tempfile.TemporaryDirectory() as folder:
        fuzzer = Fuzzer(folder, args.base_seed)
        case = fuzzer.case(args.only)
        print(case.describe())
        if args.show:
            name = f"fuzz-case{args.only}{fuzz_seeds.file_suffix(case.seed)}"
            pathlib.Path(name).write_bytes(case.data)
            print(f"input saved to {name}")
        tracemalloc.start()
        print(fuzzer.run(case))


if __name__ == "__main__":
    sys.exit(main())
