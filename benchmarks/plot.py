"""Plot the figures of ``bench_train.py --json FILE``: speed per mode and quality, w2vlib vs gensim.

    python benchmarks/plot.py results.json docs/benchmarks.png

Needs matplotlib (not a dependency of w2vlib: ``pip install matplotlib``).
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the non-interactive backend)


def main(src, dst):
    results = json.loads(open(src).read())
    speed, quality = results["speed"], results["quality"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    modes = list(speed)
    width = 0.38
    xs = range(len(modes))
    left.bar([x - width / 2 for x in xs], [speed[m]["gensim"] / 1e3 for m in modes], width, label="gensim 4.4 (best mode)")
    left.bar([x + width / 2 for x in xs], [speed[m]["w2vlib"] / 1e3 for m in modes], width, label="w2vlib")
    for x, mode in zip(xs, modes):
        ratio = speed[mode]["w2vlib"] / speed[mode]["gensim"]
        left.annotate(f"{ratio:.2f}x", (x + width / 2, speed[mode]["w2vlib"] / 1e3), ha="center", va="bottom")
    left.set_xticks(list(xs), modes)
    left.set_ylabel("thousand raw words / s (2 workers)")
    left.set_title("Training speed, 1 epoch")
    left.legend()
    qmodes = list(quality)
    qx = range(len(qmodes))
    for offset, lib in ((-width / 2, "gensim"), (width / 2, "w2vlib")):
        name = "gensim 4.4 (iterable)" if lib == "gensim" else lib
        right.bar([x + offset for x in qx], [100 * quality[m][lib][0] for m in qmodes], width, label=f"{name} analogy %")
    twin = right.twinx()
    for offset, lib in ((-width / 2, "gensim"), (width / 2, "w2vlib")):
        twin.plot([x + offset for x in qx], [quality[m][lib][1] for m in qmodes], "o", color="black")
    right.set_xticks(list(qx), qmodes)
    right.set_ylabel("analogy accuracy, % (bars)")
    twin.set_ylabel("WS353 Spearman (dots)")
    right.set_title(f"Quality after {results['quality_epochs']} epochs")
    right.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
