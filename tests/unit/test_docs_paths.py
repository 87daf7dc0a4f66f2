"""No stale paths in the README and the docs pages: every repository path, `make` target,
Python module and link named there exists.

What is checked, in README.md and in DOCS below:
- every link target (relative to the page) and every path-like word in code (inline code and
  code blocks, relative to the repository root) names a file or folder of the repository.
  A word is path-like when its first part is a top-level entry of the repository or it ends
  with a known file extension; URLs and absolute paths (/webhooks/...) are not
  repository paths. A path under a git-ignored folder (var/, logs/, results/, models/...) is
  made at run time and is not checked; a placeholder (`data/nlu/<area>.yml`) is checked up to
  the folder before it; a bare file name (`delivery.py`) must be the name of some file here;
- every `make TARGET` in code is a rule of the Makefile that does something (has a recipe or
  prerequisites): a target only listed in .PHONY succeeds doing nothing;
- every dotted name in code whose first part is a top-level folder here (`rasa_fixes.apply`,
  `serving.tracker_store.ReconnectingSQLTrackerStore`) is a module, or a name defined in one;
- every #anchor of a link to a Markdown page is one of that page's headings;
- the README stays short (details go in docs/).
"""

import fnmatch
import os
import re
from pathlib import Path
from typing import Iterator, List, Set, Tuple

import pytest


def _repo_root() -> Path:
    here = Path(__file__).resolve().parent
    for folder in (here, *here.parents):
        if (folder / "Makefile").is_file() and (folder / "README.md").is_file():
            return folder
    raise RuntimeError("no repository root (Makefile and README.md) above " + str(here))


ROOT = _repo_root()
# The pages this check covers: the README and the pages that hold what it used to.
DOCS = ["README.md", "docs/performance.md", "docs/security.md", "docs/deploying.md"]
README_MAX_LINES = 200
EXTENSIONS = {
    "py",
    "yml",
    "yaml",
    "md",
    "sh",
    "txt",
    "json",
    "toml",
    "ini",
    "js",
    "html",
    "css",
    "png",
    "cfg",
    "conf",
    "template",
    "lock",
}
MODULE_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
MAKE_TARGET = re.compile(r"(?:^|[\s;&|(])make\s+([A-Za-z0-9][\w.-]*)")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^(\s*)```")


# ---------------------------------------------------------------------------- the page


def code_texts(markdown: str) -> List[str]:
    """Inline code spans and code-block lines, in order."""
    texts, in_block = [], False
    for line in markdown.splitlines():
        if FENCE.match(line):
            in_block = not in_block
            continue
        if in_block:
            texts.append(line)
        else:
            texts.extend(INLINE_CODE.findall(line))
    return texts


def prose(markdown: str) -> str:
    """The page without its code blocks (links are read from this)."""
    kept, in_block = [], False
    for line in markdown.splitlines():
        if FENCE.match(line):
            in_block = not in_block
        elif not in_block:
            kept.append(line)
    return "\n".join(kept)


def words(text: str) -> Iterator[str]:
    for word in re.split(r"[\s,;|&]+", text):
        if "=" in word:  # VAR=value, --option=value
            word = word.rsplit("=", 1)[1]
        word = word.strip("'\"()[]{}:").rstrip(".")
        if word:
            yield word


def heading_anchors(markdown: str) -> Set[str]:
    """GitHub's anchors for a page's headings."""
    anchors = set()
    for line in prose(markdown).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            title = match.group(1).lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


# ---------------------------------------------------------------------------- the repository


class Repo:
    def __init__(self, root: Path):
        self.root = root
        self.ignore_patterns = self._ignore_patterns()
        self.file_names = self._file_names()
        self.top_level = {entry.name for entry in root.iterdir()} | {
            p.split("/")[0]
            for negated, _, p in self.ignore_patterns
            if not negated and "*" not in p
        }
        self.targets = self._make_targets()

    def _ignore_patterns(self) -> List[Tuple[bool, bool, str]]:
        """.gitignore's patterns, in order: (negated, directories only, pattern)."""
        gitignore = self.root / ".gitignore"
        patterns = []
        for line in gitignore.read_text().splitlines() if gitignore.exists() else []:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            line = line.lstrip("!")
            patterns.append((negated, line.endswith("/"), line.strip("/")))
        return patterns

    def _file_names(self) -> Set[str]:
        names = set()
        for folder, subdirs, files in os.walk(self.root):
            rel = Path(folder).relative_to(self.root).as_posix()
            subdirs[:] = [
                d
                for d in subdirs
                if not d.startswith(".")
                and not self.is_generated(f"{rel}/{d}" if rel != "." else d)
            ]
            names.update(files)
        return names

    def _make_targets(self) -> Set[str]:
        """Makefile rules that do something: with a recipe or prerequisites."""
        lines = (self.root / "Makefile").read_text().splitlines()
        targets = set()
        for number, line in enumerate(lines):
            rule = re.match(r"^([A-Za-z0-9][\w.\- ]*?)\s*:(?![=:])\s*(.*)$", line)
            if not rule:
                continue
            prerequisites = rule.group(2).split("#")[0].strip()
            recipe = number + 1 < len(lines) and lines[number + 1].startswith("\t")
            if prerequisites or recipe:
                targets.update(rule.group(1).split())
        return targets

    def _ignored(self, path: str, is_dir: bool) -> bool:
        """The last .gitignore pattern that matches `path` decides."""
        ignored = False
        for negated, dirs_only, pattern in self.ignore_patterns:
            if dirs_only and not is_dir:
                continue
            subject = path if "/" in pattern else path.rsplit("/", 1)[-1]
            if fnmatch.fnmatchcase(subject, pattern):
                ignored = not negated
        return ignored

    def is_generated(self, path: str) -> bool:
        """Git-ignored, so made at run time (var/, models/, results/, node_modules/...); as in
        git, nothing inside an ignored folder can be taken back by a later pattern."""
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            is_dir = depth < len(parts) or path.endswith("/") or (self.root / prefix).is_dir()
            if self._ignored(prefix, is_dir):
                return True
        return False

    def exists(self, path: str) -> bool:
        return (self.root / path).exists()

    def module_problem(self, dotted: str) -> str:
        """'' if `dotted` is a module here or a name defined in one."""
        parts = dotted.split(".")
        for length in range(len(parts), 0, -1):
            base = self.root.joinpath(*parts[:length])
            source = base.with_suffix(".py")
            if not source.is_file() and (base / "__init__.py").is_file():
                source = base / "__init__.py"
            if source.is_file():
                if length == len(parts):
                    return ""
                name = parts[length]
                text = source.read_text()
                if re.search(
                    rf"^\s*(def|class|async def)\s+{name}\b|^\s*{name}\s*[:=]|"
                    rf"import[^\n]*\b{name}\b",
                    text,
                    re.M,
                ):
                    return ""
                return f"{dotted}: {source.relative_to(self.root)} defines no {name!r}"
        return f"{dotted}: no such module"

    def is_folder(self, name: str) -> bool:
        return not name.startswith(".") and (self.root / name).is_dir()


# ---------------------------------------------------------------------------- the checks


def path_problem(repo: Repo, word: str, base: str = "", link: bool = False) -> str:
    """'' if `word` (relative to `base`, a folder of the repository) is fine. In code a bare
    file name may be any file's name; a link's target is always relative to its page."""
    if "://" in word or word.startswith(("/", "~", "-", "#", "mailto:")):
        return ""
    placeholder = re.search(r"[<>$*{}]", word)
    if placeholder:
        word = word[: placeholder.start()]
        word = word[: word.rfind("/") + 1] if "/" in word else ""
        if not word:
            return ""
    joined = os.path.normpath(os.path.join(base, word)) if base else os.path.normpath(word)
    if joined.startswith(".."):
        return f"{word}: outside the repository"
    path = Path(joined).as_posix() + ("/" if word.endswith("/") else "")
    if repo.is_generated(path):
        return ""
    if not link and "/" not in word.strip("/") and not word.endswith("/"):
        if word.rsplit(".", 1)[-1] in EXTENSIONS and "." in word:
            return (
                ""
                if word in repo.file_names or repo.exists(path)
                else f"{word}: no file of that name"
            )
        return ""
    return "" if repo.exists(path) else f"{word}: no such file or folder"


def is_path_like(repo: Repo, word: str) -> bool:
    if "://" in word or word.startswith("/") or re.fullmatch(r"\.\w+", word):
        return False  # a URL, an absolute path, an extension (`.json`)
    last = word.rstrip("/").split("/")[-1]
    extension = last.rsplit(".", 1)[-1] if "." in last else ""
    if "/" in word:
        return word.split("/")[0] in repo.top_level or extension in EXTENSIONS
    return extension in EXTENSIONS


def problems(repo: Repo, page: str, markdown: str) -> List[str]:
    found = []
    page_dir = os.path.dirname(page)
    texts = prose(markdown)
    for target in LINK.findall(texts):
        if "://" in target or target.startswith("mailto:"):
            continue
        path, _, anchor = target.partition("#")
        where = page if not path else os.path.normpath(os.path.join(page_dir, path))
        if path:
            problem = path_problem(repo, path, page_dir, link=True)
            if problem:
                found.append(f"link {problem}")
                continue
        if anchor and where.endswith(".md"):
            if anchor not in heading_anchors((repo.root / where).read_text()):
                found.append(f"link {target}: {where} has no heading #{anchor}")
    for text in code_texts(markdown):
        for target in MAKE_TARGET.findall(text):
            if target not in repo.targets:
                found.append(f"make {target}: no Makefile rule that does something")
        for word in words(text):
            dotted = word[:-2] if word.endswith("()") else word
            if (
                MODULE_NAME.match(dotted)
                and repo.is_folder(dotted.split(".")[0])
                and dotted.rsplit(".", 1)[-1] not in EXTENSIONS
            ):
                problem = repo.module_problem(dotted)
            elif is_path_like(repo, word):
                problem = path_problem(repo, word)
            else:
                continue
            if problem:
                found.append(problem)
    return found


# ---------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def repo() -> Repo:
    return Repo(ROOT)


@pytest.mark.parametrize("page", DOCS)
def test_every_path_target_module_and_anchor_exists(repo, page):
    markdown = (ROOT / page).read_text()
    assert problems(repo, page, markdown) == [], f"stale references in {page}"


def test_readme_stays_short():
    lines = len((ROOT / "README.md").read_text().splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines: move details to docs/"


def test_the_readme_links_every_docs_page():
    readme = (ROOT / "README.md").read_text()
    missing = [
        p.name for p in sorted((ROOT / "docs").glob("*.md")) if f"docs/{p.name}" not in readme
    ]
    assert missing == []


def _fake_repo(tmp_path: Path) -> Repo:
    (tmp_path / "Makefile").write_text(
        ".PHONY: run declared\nrun: install\n\t@echo run\ninstall:\n\t@echo install\n"
    )
    (tmp_path / "README.md").write_text("# x\n")
    (tmp_path / ".gitignore").write_text("var/\nresults/\n!pkg/results/\n*.db\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "stores.py").write_text("class SafeStore:\n    pass\nLIMIT = 3\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# The guide\n## Upgrading Rasa: the checklist\n")
    return Repo(tmp_path)


def test_the_check_finds_stale_paths_targets_modules_and_anchors(tmp_path):
    repo = _fake_repo(tmp_path)
    page = "\n".join(
        [
            "Run `make run`, not `make declared` or `make gone`.",
            "See [the guide](docs/guide.md#upgrading-rasa-the-checklist) and [old](docs/old.md),",
            "[a heading](docs/guide.md#nowhere), `pkg/stores.py`, `pkg/moved.py`, `scripts/run.sh`,",
            "`pkg.stores.SafeStore`, `pkg.stores.LIMIT`, `pkg.stores.Gone`, `pkg.old.Store`,",
            "`docs.stores.SafeStore` (a folder that holds no code), `e.g.` `3.6.21`,",
            "`var/tracker.db` (made at run time), `pkg/<name>.py`, `nope/<name>.py`, `stores.py`,",
            "`missing.py`, `application/json`, `/webhooks/rest/webhook`, `https://x.org/a.py`,",
            "`results/review.md` and `pkg/results/gone.md` (taken back from .gitignore).",
            "```bash",
            "make install && make clean",
            "PYTHONPATH=. .venv/bin/pytest pkg/old_test.py -q",
            "```",
        ]
    )
    assert problems(repo, "README.md", page) == [
        "link docs/old.md: no such file or folder",
        "link docs/guide.md#nowhere: docs/guide.md has no heading #nowhere",
        "make declared: no Makefile rule that does something",
        "make gone: no Makefile rule that does something",
        "pkg/moved.py: no such file or folder",
        "scripts/run.sh: no such file or folder",
        "pkg.stores.Gone: pkg/stores.py defines no 'Gone'",
        "pkg.old.Store: pkg/__init__.py defines no 'old'",
        "docs.stores.SafeStore: no such module",
        "nope/: no such file or folder",
        "missing.py: no file of that name",
        "pkg/results/gone.md: no such file or folder",
        "make clean: no Makefile rule that does something",
        "pkg/old_test.py: no such file or folder",
    ]


def test_links_in_docs_pages_are_relative_to_the_page(tmp_path):
    repo = _fake_repo(tmp_path)
    page = (
        "[up](../Makefile), [same](guide.md#the-guide), [wrong](docs/guide.md), "
        "[elsewhere](stores.py), `pkg/stores.py`, `stores.py`"
    )
    assert problems(repo, "docs/guide.md", page) == [
        "link docs/guide.md: no such file or folder",
        "link stores.py: no such file or folder",
    ]
