"""Generate docs/api.md, the API reference, from the docstrings of the public classes.

Run ``python docs/gen_api.py`` after changing a public docstring or signature; ``--check``
only reports whether docs/api.md is up to date (tests/test_docs.py checks it too).
"""
import inspect
import pathlib
import re
import sys

import w2vlib
import w2vlib.phrases
from w2vlib import errors, similarities
from w2vlib import (BrownCorpus, CallbackAny2Vec, KeyedVectors, LineSentence, PathLineSentences,
                    Text8Corpus, Word2Vec)
from w2vlib import datapath
from w2vlib.phrases import FrozenPhrases, Phrases, npmi_scorer, original_scorer

TARGET = pathlib.Path(__file__).resolve().parent / "api.md"
SECTIONS = [
    ("Training", [Word2Vec, CallbackAny2Vec]),
    ("Vectors", [KeyedVectors, datapath]),
    ("Corpora", [LineSentence, PathLineSentences, Text8Corpus, BrownCorpus]),
    ("Phrases", [Phrases, FrozenPhrases, original_scorer, npmi_scorer]),
    ("Nearest-neighbour indexes", [similarities.AnnoyIndexer, similarities.HnswIndexer,
                                   similarities.load_index, similarities.open_index]),
    ("Errors", [errors.EmptyVocabularyError, errors.WrongKindError, errors.Word2VecFormatError,
                errors.TruncatedFileError, errors.UndecodableKeyError, errors.ShardError,
                errors.MissingExtraError, errors.IndexFileError]),
]
#: Object addresses in default values (``<function f at 0x7f...>``) differ between runs.
ADDRESS = re.compile(r" at 0x[0-9a-f]+")

HEADER = """# API reference

Generated from the docstrings by `python docs/gen_api.py` — edit the docstrings, not this page
(`tests/test_docs.py` fails when it is out of date). The examples in the docstrings run as
doctests (`pytest --doctest-modules`). Names, arguments and defaults are gensim 4's; where
w2vlib differs on purpose, see [differences.md](differences.md).
"""


def signature(obj, name):
    try:
        text = str(inspect.signature(obj))
    except (TypeError, ValueError):
        text = "(...)"
    text = re.sub(r"^\(self(, |\))", lambda m: "(" if m.group(1) == ", " else "()", text)
    return ADDRESS.sub("", f"{name}{text}")


def block(title, obj):
    """`title` (a signature) and the docstring of `obj` in one fenced block."""
    text = inspect.getdoc(obj) or "(no docstring)"
    return f"```text\n{title}\n\n{text}\n```\n"


def public_members(cls):
    """Public methods and properties of `cls` (its own and those of w2vlib base classes)."""
    members = []
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        owner = next(klass for klass in cls.__mro__ if name in vars(klass))
        if not owner.__module__.startswith("w2vlib"):
            continue
        raw = vars(owner)[name]
        if isinstance(raw, property):
            members.append((name, raw, f"{cls.__name__}.{name}  (property)"))
        elif callable(getattr(cls, name)):
            member = getattr(cls, name)
            members.append((name, member, signature(member, f"{cls.__name__}.{name}")))
    return members


#: The public modules, in the order an object's import path is looked for.
PUBLIC = (w2vlib, w2vlib.phrases)


def public_path(obj):
    """Where users import `obj` from: the first public module that exports it, else its own."""
    module = next((m.__name__ for m in PUBLIC if getattr(m, obj.__name__, None) is obj), obj.__module__)
    return f"{module}.{obj.__name__}"


def render_class(cls):
    lines = [f"### `{public_path(cls)}`\n",
             block(signature(cls, cls.__name__), cls)]
    for name, member, title in public_members(cls):
        lines += [f"#### `{cls.__name__}.{name}`\n", block(title, member)]
    return lines


def render_function(func):
    return [f"### `{public_path(func)}`\n", block(signature(func, func.__name__), func)]


def render():
    """The text of docs/api.md."""
    contents = [f"* {title}: " + ", ".join(f"[`{obj.__name__}`](#{_anchor(obj)})" for obj in objects)
                for title, objects in SECTIONS]
    lines = [HEADER, "\n".join(contents) + "\n"]
    for title, objects in SECTIONS:
        lines.append(f"\n## {title}\n")
        for obj in objects:
            lines += render_class(obj) if inspect.isclass(obj) else render_function(obj)
    return "\n".join(lines)


def _anchor(obj):
    """GitHub's anchor of the heading written for `obj`."""
    return re.sub(r"[^a-z0-9_ -]", "", public_path(obj).lower()).replace(" ", "-")


def main(argv):
    text = render()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf8") if TARGET.exists() else ""
        print("docs/api.md is up to date" if current == text else "docs/api.md is stale")
        return 0 if current == text else 1
    TARGET.write_text(text, encoding="utf8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
