"""The fingerprint of everything a trained model depends on, so a model is retrained only
when one of them changed (scripts/train_if_needed.sh, and the benchmark's models).

    python -m ops.training_fingerprint [CONFIG]   # prints it; CONFIG: config.yml

Besides the configuration itself: the domain, the training data, the knowledge files, the
pinned packages, and the custom components the configuration lists together with the
project modules they import (so a change to a component that one configuration does not
use does not retrain that configuration's model).
"""

import ast
import hashlib
import sys
from pathlib import Path
from typing import Iterable, List, Set

import yaml

ROOT = Path(__file__).resolve().parent.parent
TRAINING_INPUTS = ("domain.yml", "data", "knowledge", "requirements-lock.txt")
SUFFIXES = (".yml", ".yaml", ".py", ".txt")
PROJECT_PACKAGES = ("components",)


def _files(entry: Path) -> List[Path]:
    if entry.is_dir():
        return sorted(p for p in entry.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    return [entry]


def _module_file(root: Path, module: str) -> Path:
    path = root.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _imported_project_modules(source: Path) -> Iterable[str]:
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        names = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module]
            if isinstance(node, ast.ImportFrom) and node.module
            else []
        )
        yield from (n for n in names if n.split(".")[0] in PROJECT_PACKAGES)


def component_files(config: Path, root: Path = ROOT) -> List[Path]:
    """The project's component modules a configuration lists, and the ones they import."""
    data = yaml.safe_load(Path(config).read_text()) or {}
    entries = (data.get("pipeline") or []) + (data.get("policies") or [])
    pending = [
        name.rsplit(".", 1)[0]
        for name in (e.get("name", "") for e in entries)
        if name.split(".")[0] in PROJECT_PACKAGES
    ]
    seen: Set[Path] = set()
    while pending:
        module = pending.pop()
        for candidate in (module, module.rsplit(".", 1)[0]):  # a module, or a name in one
            path = _module_file(root, candidate)
            if path.is_file():
                break
        else:
            continue
        if path not in seen:
            seen.add(path)
            pending.extend(_imported_project_modules(path))
    return sorted(seen)


def training_fingerprint(config: Path, root: Path = ROOT) -> str:
    digest = hashlib.sha256(Path(config).read_bytes())
    files = [f for entry in TRAINING_INPUTS for f in _files(root / entry) if f.exists()]
    for file in files + component_files(config, root):
        digest.update(str(file.relative_to(root)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


if __name__ == "__main__":
    print(training_fingerprint(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "config.yml"))
