"""The fingerprint of everything a trained model depends on, so a model is retrained only
when one of them changed (scripts/train_if_needed.sh, and the benchmark's models).

    python scripts/training_fingerprint.py [CONFIG]     # prints it; CONFIG: config.yml
"""
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Besides the pipeline configuration: the files and folders training reads.
TRAINING_INPUTS = ("domain.yml", "data", "components", "knowledge", "requirements-lock.txt")
SUFFIXES = (".yml", ".yaml", ".py", ".txt")


def _files(entry: Path):
    if entry.is_dir():
        return sorted(p for p in entry.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    return [entry]


def training_fingerprint(config: Path) -> str:
    digest = hashlib.sha256(Path(config).read_bytes())
    for entry in TRAINING_INPUTS:
        for file in _files(ROOT / entry):
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


if __name__ == "__main__":
    print(training_fingerprint(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "config.yml"))
