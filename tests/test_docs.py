"""Every Python example in README.md and docs/*.md runs, so a broken example fails CI.

A fenced block whose info string is ``python`` runs; the blocks of one page share a namespace
and run in page order, in a fresh working folder. A block with ``>>>`` prompts runs as a doctest
(output compared, ELLIPSIS and NORMALIZE_WHITESPACE on); a block without prompts runs as a
script. A block that must not run says so in its info string: ```` ```python no-run ````.
Other blocks (``sh``, ``text``, ...) are not run.

Also checked: the README opens with the two commands CI relies on, links between the pages
resolve, and docs/api.md is what docs/gen_api.py generates from the docstrings.
"""
import doctest
import importlib.util
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
NO_RUN = "no-run"
DOCTEST_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
README_COMMANDS = ['PIP_CONSTRAINT=constraints.txt python -m pip install . && python -m w2vlib demo',
                   'PIP_CONSTRAINT=constraints.txt python -m pip install -e ".[test]" && python -m pytest -q']
#: Pages another task is writing; a link to them may dangle until they land.
PENDING_PAGES = set()
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def python_blocks(page):
    """``(first line number, code, runs)`` of each ```python block of `page`."""
    text = page.read_text(encoding="utf8")
    for match in FENCE.finditer(text):
        info = match.group(1).split()
        if info[:1] == ["python"]:
            line = text.count("\n", 0, match.start(2)) + 1
            yield line, match.group(2), NO_RUN not in info[1:]


def run_block(page, line, code, namespace):
    name = f"{page.relative_to(ROOT)}:{line}"
    if ">>>" not in code:
        exec(compile("\n" * (line - 1) + code, str(page), "exec"), namespace)
        return
    test = doctest.DocTestParser().get_doctest(code, namespace, name, str(page), line - 1)
    report = []
    runner = doctest.DocTestRunner(optionflags=DOCTEST_FLAGS)
    runner.run(test, out=report.append, clear_globs=False)
    namespace.update(test.globs)  # the doctest ran in a copy; later blocks build on it
    if runner.failures:
        pytest.fail(f"doctest failures in the block at {name}:\n" + "".join(report), pytrace=False)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_examples_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for line, code, runs in python_blocks(page):
        if runs:
            run_block(page, line, code, namespace)


def test_readme_opens_with_the_install_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf8")
    first_block = FENCE.search(readme)
    assert readme[:first_block.start()].count("\n") <= 2, "the commands must open the README"
    assert first_block.group(2).splitlines() == README_COMMANDS
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf8").splitlines()
    steps = [line for line in ci if line and not line.startswith(("#", "set ", "cd "))]
    assert steps == [step.strip() for step in README_COMMANDS[1].split("&&")], "CI runs the README's command"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_links_resolve(page):
    for target in LINK.findall(page.read_text(encoding="utf8")):
        if "://" in target:
            continue
        resolved = (page.parent / target).resolve()
        if str(resolved.relative_to(ROOT)) in PENDING_PAGES and not resolved.exists():
            continue
        assert resolved.exists(), f"{page.relative_to(ROOT)} links to missing {target}"


def test_api_reference_is_up_to_date():
    spec = importlib.util.spec_from_file_location("gen_api", ROOT / "docs" / "gen_api.py")
    gen_api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_api)
    current = (ROOT / "docs" / "api.md").read_text(encoding="utf8")
    assert current == gen_api.render(), "docs/api.md is stale: run python docs/gen_api.py"
