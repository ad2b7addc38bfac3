"""Read the benchmark results file: check it, print its tables, draw the plot of docs/benchmarks.md.

    python benchmarks/plot.py benchmarks/results.json docs/benchmarks.png   # draw the plot
    python benchmarks/plot.py benchmarks/results.json --tables              # markdown tables
    python benchmarks/plot.py benchmarks/results.json --check               # check the file only

The file is what ``bench_train.py``, ``bench_load.py``, ``bench_phrases.py`` and
``bench_time_to_quality.py`` write (layout in
results.py); it is checked before anything is read from it, and a file that does not fit is
refused with the name of the field at fault (exit status 1). The tables are those of
docs/benchmarks.md: training speed, speed per kernel build, quality, loading, phrases, time to
quality, then build_vocab, scaling and memory. The plot shows training speed and quality,
w2vlib against gensim 4.4, and (when the file has them) quality against training time.

Each table is taken from one configuration (kernel build and hot-rows setting) of the file:
``--config`` names it; by default the most capable kernel build with the shipped hot rows that
has the section. The kernel table lists every kernel build with the shipped hot rows.

Drawing needs matplotlib, which w2vlib does not depend on (``pip install matplotlib``);
``--check`` and ``--tables`` work without it.
"""
import argparse
import pathlib
import statistics

import results

#: Speeds in the plot are in thousands of words/s.
THOUSAND = 1e3
#: Bar width in the plot, as a share of the space per mode.
BAR_WIDTH = 0.38
FIGURE_INCHES = (11, 4)
DPI = 110
MINUS = "\N{MINUS SIGN}"


class Unavailable(Exception):
    """What was asked for is not in the results file (message says what is missing)."""


def shipped_configs(train):
    """Labels of the configurations with the shipped hot rows, most capable kernel build first."""
    labels = [label for label, entry in train.items() if entry["config"]["hot_rows"] is None]
    return sorted(labels, key=lambda label: -results.KERNELS.index(train[label]["config"]["kernel"]))


def section(data, name, label=None):
    """``(label, section)``: section `name` of configuration `label`, or by default of the most
    capable shipped configuration that has it.

    Raises
    ------
    Unavailable
        If there is no such section.
    """
    train = data.get("train") or {}
    if label is not None:
        if label not in train:
            raise Unavailable(f"no configuration {label!r} (the file has: {', '.join(train) or 'none'})")
        if train[label].get(name) is None:
            raise Unavailable(f"configuration {label!r} has no {name} figures")
        return label, train[label][name]
    for candidate in shipped_configs(train):
        if train[candidate].get(name) is not None:
            return candidate, train[candidate][name]
    raise Unavailable(f"no {name} figures in the file")


def load_section(data):
    """The ``load`` section (Unavailable if the file has none)."""
    if not data.get("load"):
        raise Unavailable("no load figures in the file")
    return data["load"]


def gensim_best(figures):
    """words/s of gensim's faster mode."""
    return max(figures["gensim_iterable"], figures["gensim_corpus_file"])


def signed(value, digits):
    """`value` with its sign, a true minus sign for negatives."""
    return f"{value:+.{digits}f}".replace("-", MINUS)


def speed_table(speed):
    """The training speed table."""
    lines = ["| mode | gensim 4.4, iterable (words/s) | gensim 4.4, corpus_file (words/s) "
             "| w2vlib (words/s) | w2vlib / gensim's faster mode |", "|---|---:|---:|---:|---:|"]
    for mode, figures in speed["modes"].items():
        lines.append(f"| {mode} | {figures['gensim_iterable']:,.0f} | {figures['gensim_corpus_file']:,.0f} "
                     f"| {figures['w2vlib']:,.0f} | {figures['w2vlib'] / gensim_best(figures):.2f}x |")
    return lines


def kernel_table(data):
    """Speed per kernel build: w2vlib's words/s and its ratio to gensim in the same run."""
    train = data.get("train") or {}
    labels = [label for label in shipped_configs(train)[::-1] if train[label].get("speed")]
    if not labels:
        raise Unavailable("no speed figures in the file")
    modes = list(dict.fromkeys(mode for label in labels for mode in train[label]["speed"]["modes"]))
    lines = ["| kernel build | " + " | ".join(modes) + " |", "|---|" + "---:|" * len(modes)]
    for label in labels:
        figures = train[label]["speed"]["modes"]
        cells = [f"{figures[m]['w2vlib']:,.0f} ({figures[m]['w2vlib'] / gensim_best(figures[m]):.2f}x gensim)"
                 if m in figures else "-" for m in modes]
        lines.append(f"| {train[label]['config']['kernel']} | " + " | ".join(cells) + " |")
    return lines


def mean_cell(figures):
    """``mean analogy % / mean WS353`` over the seeds."""
    return f"{statistics.mean(figures['analogy']):.1%} / {statistics.mean(figures['ws353']):.3f}"


def quality_table(quality):
    """The quality table: means over the seeds, w2vlib against gensim (iterable mode)."""
    models = list(dict.fromkeys(model for figures in quality["modes"].values() for model in figures))
    others = [model for model in models if model not in ("w2vlib", "gensim")]
    header = ["mode", "seeds", "w2vlib", "gensim 4.4", f"w2vlib {MINUS} gensim", *others]
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 2)]
    for mode, figures in quality["modes"].items():
        ours, theirs = figures.get("w2vlib"), figures.get("gensim")
        seeds = (ours or theirs or next(iter(figures.values())))["seeds"]
        difference = "-"
        if ours and theirs:
            difference = (signed(100 * (statistics.mean(ours["analogy"]) - statistics.mean(theirs["analogy"])), 1)
                          + " points / "
                          + signed(statistics.mean(ours["ws353"]) - statistics.mean(theirs["ws353"]), 3))
        cells = [", ".join(map(str, seeds)), mean_cell(ours) if ours else "-",
                 mean_cell(theirs) if theirs else "-", difference,
                 *(mean_cell(figures[model]) if model in figures else "-" for model in others)]
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    return lines


def load_table(load):
    """The loading table."""
    lines = ["| file | size (MB) | raw read (s) | w2vlib (s) | gensim 4.4 (s) | gensim / w2vlib "
             "| w2vlib / raw read | peak RSS growth / matrix |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for entry in load["files"]:
        kind = "binary" if entry["binary"] else "text"
        theirs = entry["gensim_s"]
        cells = [f"{entry['rows']:,} x {entry['dims']} {kind}", f"{entry['size_mb']:.0f}",
                 f"{entry['raw_s']:.3f}", f"{entry['w2vlib_s']:.3f}",
                 "-" if theirs is None else f"{theirs:.3f}",
                 "-" if theirs is None else f"{theirs / entry['w2vlib_s']:.1f}x",
                 f"{entry['w2vlib_s'] / entry['raw_s']:.2f}",
                 f"{(entry['rss_peak_mb'] - entry['rss_before_mb']) / entry['matrix_mb']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def phrases_section(data):
    """The ``phrases`` section (Unavailable if the file has none)."""
    if not data.get("phrases"):
        raise Unavailable("no phrases figures in the file")
    return data["phrases"]


def phrases_table(phrases):
    """The phrases table: each step's seconds in gensim and in w2vlib with its default threads
    and with one, the ratios, peak memory, agreement."""
    threads = phrases["settings"]["threads"]
    lines = [f"| step | gensim 4.4 (s) | w2vlib, {threads} threads (s) | w2vlib, 1 thread (s) "
             f"| gensim / w2vlib ({threads} threads) | gensim / w2vlib (1 thread) |",
             "|---|---:|---:|---:|---:|---:|"]
    for step, times in phrases["steps"].items():
        theirs, ours, one = times["gensim_s"], times["w2vlib_s"], times["w2vlib_1thread_s"]
        lines.append(f"| {step} | {theirs:.3f} | {ours:.3f} | {one:.3f} | {theirs / ours:.1f}x "
                     f"| {theirs / one:.1f}x |")
    theirs, ours, one = (phrases["memory"][name]["rss_peak_mb"]
                         for name in ("gensim", "w2vlib", "w2vlib-1thread"))
    lines += [f"| peak RSS after learning (MB) | {theirs:.0f} | {ours:.0f} | {one:.0f} "
              f"| {theirs / ours:.1f}x | {theirs / one:.1f}x |", ""]
    for name, check in phrases["agreement"].items():
        count = f" ({check['count']:,})" if check["count"] != 1 else ""
        lines.append(f"- {name}: {'the same' if check['equal'] else 'DIFFERENT'}{count}")
    return lines


def time_to_quality_section(data):
    """The ``time_to_quality`` section (Unavailable if the file has none)."""
    if not data.get("time_to_quality"):
        raise Unavailable("no time_to_quality figures in the file")
    return data["time_to_quality"]


def quality_points(section):
    """Per configuration, per epoch count (in order): ``(epochs, mean seconds, mean analogy %,
    mean WS353, GFLOP/s, whether it reaches the reference's quality)``; and the reference's
    ``(seconds, analogy %, WS353)`` (the mean of its most epochs)."""
    configs = section["configs"]
    reference = configs[section["reference"]]["epochs"]
    ref = reference[max(reference, key=int)]
    goal = (statistics.mean(ref["seconds"]), 100 * statistics.mean(ref["analogy"]),
            statistics.mean(ref["ws353"]))
    tolerance = section["tolerance"]
    points = {}
    for name, config in configs.items():
        for epochs in sorted(config["epochs"], key=int):
            f = config["epochs"][epochs]
            analogy, ws353 = 100 * statistics.mean(f["analogy"]), statistics.mean(f["ws353"])
            gflops = statistics.mean(config["flops_per_word"] * words / seconds / 1e9
                                     for words, seconds in zip(f["trained_words"], f["seconds"]))
            reaches = (analogy >= goal[1] - tolerance["analogy_points"]
                       and ws353 >= goal[2] - tolerance["ws353"])
            points.setdefault(name, []).append((int(epochs), statistics.mean(f["seconds"]),
                                                analogy, ws353, gflops, reaches))
    return points, goal


def time_to_quality_table(section):
    """The headline (per configuration, the time of the fewest epochs that reach the reference's
    quality) and every run's figures, as markdown lines."""
    points, (ref_s, ref_analogy, ref_ws353) = quality_points(section)
    seeds = len(next(iter(next(iter(section["configs"].values()))["epochs"].values()))["seeds"])
    tolerance = section["tolerance"]
    lines = [f"Goal: {section['reference']}'s {ref_analogy:.2f}% analogy and {ref_ws353:.3f} "
             f"WS353 (mean of {seeds} seeds, {ref_s:.1f} s of training), within "
             f"{tolerance['analogy_points']} points and {tolerance['ws353']}.", "",
             "| configuration | fewest epochs reaching the goal | training time (s) "
             "| reference's time / this |", "|---|---:|---:|---:|"]
    for name, runs in points.items():
        first = next((run for run in runs if run[5]), None)
        if first is None:
            lines.append(f"| {name} | not within {', '.join(str(r[0]) for r in runs)} epochs | | |")
        else:
            lines.append(f"| {name} | {first[0]} | {first[1]:.1f} | {ref_s / first[1]:.1f}x |")
    peak = section["peak_gflops"]
    lines += ["", f"| configuration | epochs | training time (s) | reference's time / this "
                  f"| analogy % | WS353 | GFLOP/s | share of {peak:.0f} GFLOP/s |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, runs in points.items():
        for epochs, seconds, analogy, ws353, gflops, _ in runs:
            lines.append(f"| {name} | {epochs} | {seconds:.1f} | {ref_s / seconds:.1f}x "
                         f"| {analogy:.2f} | {ws353:.3f} | {gflops:.1f} | {gflops / peak:.1%} |")
    return lines


def other_lines(data, label):
    """build_vocab, scaling and memory, one line each (those the file has)."""
    lines = []
    for name, describe in (("build_vocab", lambda s: (
            f"build_vocab(corpus_file=...): w2vlib {s['w2vlib_s']:.2f} s, gensim {s['gensim_s']:.2f} s "
            f"({s['gensim_s'] / s['w2vlib_s']:.1f}x faster, best of {s['repeats']})")),
            ("scaling", lambda s: (
                f"{s['run']['workers']} workers / 1 worker, sg-ns: median "
                f"{statistics.median(m / o for o, m in zip(s['one'], s['many'])):.2f}x over {len(s['one'])} "
                f"interleaved repeats; two separate one-worker models "
                f"{statistics.median(a / o for o, a in zip(s['one'], s['apart'])):.2f}x; two threads of "
                f"arithmetic {statistics.median(s['arithmetic']):.2f}x")),
            ("memory", lambda s: (
                f"peak RSS training {s['mode']} for one epoch: {s['peak_rss_mb']:.0f} MB on the corpus, "
                f"{s['peak_rss_copies_mb']:.0f} MB on it repeated {s['copies']} times"))):
        try:
            lines.append("- " + describe(section(data, name, label)[1]))
        except Unavailable:
            continue
    return lines


def tables(data, label=None):
    """Every table the file has figures for, as markdown lines."""
    lines = []
    for title, make in (("Training speed", lambda: speed_table(section(data, "speed", label)[1])),
                        ("Kernel builds", lambda: kernel_table(data)),
                        ("Quality", lambda: quality_table(section(data, "quality", label)[1])),
                        ("Loading", lambda: load_table(load_section(data))),
                        ("Phrases", lambda: phrases_table(phrases_section(data))),
                        ("Time to quality",
                         lambda: time_to_quality_table(time_to_quality_section(data)))):
        try:
            lines += [f"### {title}", "", *make(), ""]
        except Unavailable:
            continue
    others = other_lines(data, label)
    return lines + (["### Also", "", *others, ""] if others else [])


def draw(data, destination, label=None):
    """Draw into `destination` (PNG) the panels the file has figures for: training speed and
    quality, w2vlib against gensim 4.4 (the quality panel needs a mode measured in both), and
    analogy accuracy and WS353 against training time (two panels)."""
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("plot.py: drawing needs matplotlib, which is not installed "
                         "(pip install matplotlib); --check and --tables work without it") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    _, speed = section(data, "speed", label)
    panels = [lambda axes: draw_speed(speed, axes)]
    try:
        _, quality = section(data, "quality", label)
        compared = compared_modes(quality)
        panels.append(lambda axes: draw_quality(quality, compared, axes))
    except Unavailable:
        pass
    timing = data.get("time_to_quality")
    if timing:
        panels += [lambda axes: draw_time_to_quality(timing, "analogy", axes),
                   lambda axes: draw_time_to_quality(timing, "ws353", axes)]
    columns = 3 if len(panels) == 3 else 2
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, squeeze=False, figsize=(
        FIGURE_INCHES[0] * columns / 2, FIGURE_INCHES[1] * rows))
    for panel, where in zip(panels, axes.flat):
        panel(where)
    for unused in list(axes.flat)[len(panels):]:
        unused.set_visible(False)
    fig.tight_layout()
    fig.savefig(destination, dpi=DPI)


def draw_speed(speed, left):
    """Raw words/s per mode, gensim's faster mode beside w2vlib's, with the ratio."""
    modes = list(speed["modes"])
    xs = range(len(modes))
    rates = [speed["modes"][m] for m in modes]
    left.bar([x - BAR_WIDTH / 2 for x in xs], [gensim_best(r) / THOUSAND for r in rates], BAR_WIDTH,
             label="gensim 4.4 (faster mode)")
    left.bar([x + BAR_WIDTH / 2 for x in xs], [r["w2vlib"] / THOUSAND for r in rates], BAR_WIDTH, label="w2vlib")
    for x, rate in zip(xs, rates):
        left.annotate(f"{rate['w2vlib'] / gensim_best(rate):.2f}x", (x + BAR_WIDTH / 2, rate["w2vlib"] / THOUSAND),
                      ha="center", va="bottom")
    left.set_xticks(list(xs), modes)
    left.set_ylabel(f"thousand raw words / s ({speed['run']['workers']} workers)")
    left.set_title("Training speed, 1 epoch")
    left.legend()


def compared_modes(quality):
    """The quality modes measured in both w2vlib and gensim (Unavailable if none)."""
    modes = [m for m, figures in quality["modes"].items() if "w2vlib" in figures and "gensim" in figures]
    if not modes:
        raise Unavailable("the quality figures have no mode with both w2vlib and gensim")
    return modes


def draw_quality(quality, qmodes, right):
    """Mean analogy accuracy (bars) and WS353 (dots) per mode, gensim beside w2vlib."""
    qx = range(len(qmodes))
    twin = right.twinx()
    for offset, model, name in ((-BAR_WIDTH / 2, "gensim", "gensim 4.4 (iterable)"),
                                (BAR_WIDTH / 2, "w2vlib", "w2vlib")):
        figures = [quality["modes"][m][model] for m in qmodes]
        right.bar([x + offset for x in qx], [100 * statistics.mean(f["analogy"]) for f in figures], BAR_WIDTH,
                  label=f"{name} analogy %")
        twin.plot([x + offset for x in qx], [statistics.mean(f["ws353"]) for f in figures], "o", color="black")
    right.set_xticks(list(qx), qmodes)
    right.set_ylabel("analogy accuracy, % (bars)")
    twin.set_ylabel("WS353 Spearman (dots)")
    right.set_title(f"Quality after {quality['epochs']} epochs")
    right.legend(loc="lower right")


def draw_time_to_quality(section, metric, axes):
    """`metric` ("analogy" or "ws353") against training time, one line per configuration through
    its epoch counts (labelled); dashed: the reference's quality."""
    points, goal = quality_points(section)
    from matplotlib.ticker import NullFormatter, ScalarFormatter
    column, target, label, title = {
        "analogy": (2, goal[1], "analogy accuracy, %", "Analogy accuracy"),
        "ws353": (3, goal[2], "WS353 Spearman", "WS353")}[metric]
    for name, runs in points.items():
        line, = axes.plot([run[1] for run in runs], [run[column] for run in runs], "o-", label=name)
        for run in runs:
            axes.annotate(str(run[0]), (run[1], run[column]), textcoords="offset points",
                          xytext=(4, -10), fontsize=7, color=line.get_color())
    axes.axhline(target, linestyle="--", color="grey", linewidth=1)
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(ScalarFormatter())
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.set_xlabel(f"training time, s (log scale; {section['run']['workers']} threads; "
                    "labels: epochs)")
    axes.set_ylabel(label)
    reference = section["reference"]
    epochs = max(int(e) for e in section["configs"][reference]["epochs"])
    axes.set_title(f"{title} against training time\n(dashed: {reference}, {epochs} epochs)")
    if metric == "analogy":
        axes.legend(fontsize=7, loc="lower right")


def parser():
    """The command line (``--help`` explains every option)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", type=pathlib.Path, help="the results file (benchmarks/results.json)")
    p.add_argument("image", type=pathlib.Path, nargs="?", help="PNG to draw the plot into")
    p.add_argument("--tables", action="store_true", help="print the tables of docs/benchmarks.md")
    p.add_argument("--check", action="store_true",
                   help="only check the file against the schema (exit status 1 if it does not fit)")
    p.add_argument("--config", help="configuration to take the tables and plot from, e.g. 'avx512' or "
                                    "'avx512 hot-rows 0:0:0' (default: see above)")
    return p


def main(argv=None):
    """Check the results file, then print its tables and/or draw its plot."""
    args = parser().parse_args(argv)
    if not (args.image or args.tables or args.check):
        parser().error("nothing to do: give an image to draw, --tables or --check")
    try:
        data = results.read(args.results)
    except (OSError, results.SchemaError) as error:
        raise SystemExit(f"plot.py: {error}") from None
    if args.check:
        configs = ", ".join(f"{label} ({', '.join(k for k in entry if k != 'config')})"
                            for label, entry in (data.get("train") or {}).items())
        print(f"{args.results}: fits schema {results.SCHEMA_VERSION}; training: {configs or 'none'}; "
              f"loading: {'yes' if data.get('load') else 'no'}; "
              f"phrases: {'yes' if data.get('phrases') else 'no'}")
        return
    try:
        if args.tables:
            print("\n".join(tables(data, args.config)))
        if args.image:
            draw(data, args.image, args.config)
    except Unavailable as error:
        raise SystemExit(f"plot.py: {error}") from None


if __name__ == "__main__":
    main()
