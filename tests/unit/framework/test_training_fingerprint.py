"""A model is retrained when something it was trained from changed, and only then."""

from pathlib import Path

from ops.training_fingerprint import ROOT, component_files, training_fingerprint


def _project(root: Path) -> Path:
    (root / "components").mkdir()
    (root / "components" / "__init__.py").write_text("")
    (root / "components" / "listed.py").write_text("from components.helper import thing\n")
    (root / "components" / "helper.py").write_text("thing = 1\n")
    (root / "components" / "unused.py").write_text("other = 1\n")
    (root / "data").mkdir()
    (root / "data" / "nlu.yml").write_text("nlu: []\n")
    (root / "domain.yml").write_text("version: '3.1'\n")
    config = root / "config.yml"
    config.write_text(
        "pipeline:\n  - name: WhitespaceTokenizer\n"
        "  - name: components.listed.Listed\npolicies: []\n"
    )
    return config


def test_changes_to_the_data_or_to_a_listed_component_and_its_imports_count(tmp_path):
    config = _project(tmp_path)
    before = training_fingerprint(config, tmp_path)
    for changed in ("components/helper.py", "components/listed.py", "data/nlu.yml"):
        path = tmp_path / changed
        original = path.read_text()
        path.write_text(original + "# changed\n")
        assert training_fingerprint(config, tmp_path) != before, changed
        path.write_text(original)
    assert training_fingerprint(config, tmp_path) == before


def test_a_component_the_configuration_does_not_list_does_not_count(tmp_path):
    config = _project(tmp_path)
    before = training_fingerprint(config, tmp_path)
    (tmp_path / "components" / "unused.py").write_text("other = 2\n")
    assert training_fingerprint(config, tmp_path) == before


def test_the_benchmark_peer_depends_only_on_the_components_it_lists():
    peer = {p.name for p in component_files(ROOT / "bench" / "peer_config.yml")}
    project = {p.name for p in component_files(ROOT / "config.yml")}
    assert peer == {"drug_entity_extractor.py", "safety_triage.py", "intent_override.py"}
    assert project >= peer | {"sentence_features.py"}


def test_the_run_time_fixes_are_not_a_training_input(tmp_path):
    """rasa_fixes/ is applied by the launcher, not listed in a configuration: editing a fix
    does not retrain."""
    assert not [
        p for p in component_files(ROOT / "config.yml") if "rasa_fixes" in p.relative_to(ROOT).parts
    ]
    config = _project(tmp_path)
    (tmp_path / "rasa_fixes").mkdir()
    fix = tmp_path / "rasa_fixes" / "a_fix.py"
    fix.write_text("GAIN = 1\n")
    before = training_fingerprint(config, tmp_path)
    fix.write_text("GAIN = 2\n")
    assert training_fingerprint(config, tmp_path) == before
