"""knowledge/facts.yml against the two source articles (../shared/sources).

Each fact must be traceable to its section of its article (the section is found, every
`terms` entry and every number of the fact occurs in it), must not copy the article (no run of
8 or more consecutive words in common), and must be well formed. The articles are located as
in the other source tests (tests/unit/lib.source_texts: $HER2_SOURCES_DIR, else ../shared/sources
beside the checkout); the tests that need them are skipped with that reason when they are absent.
"""

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[3]

from knowledge import load  # noqa: E402
from tests.unit.lib import source_articles_dir, source_texts  # noqa: E402

FACTS_FILE = load("facts")
FACTS = FACTS_FILE["facts"]
OUTLINE = FACTS_FILE["outline"]
SOURCE_KEYS = {key for key in load("drugs")["sources"] if key in ("everyday_health", "bcrf")}
TOPICS = set(load("topics")["topics"])
FIELDS = {"id", "text", "source", "section", "terms", "topic", "readme"}
REQUIRED = {"id", "text", "source", "section", "terms"}
COPY_RUN = 8  # this many consecutive words shared with an article counts as copied

_NUMBER = re.compile(r"(?<![A-Za-z0-9])\d+(?:\.\d+)?")


def normalise(text: str) -> str:
    """Lower case, with curly quotes and dashes made plain (the articles use both kinds)."""
    return (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
        .replace("\u2013", "-")
        .replace("\u2014", "-")
        .replace("\u00ae", "")
        .lower()
    )


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", normalise(text))


def contains_term(text: str, term: str) -> bool:
    """``term`` occurs in ``text`` as whole words (case-insensitive; "IV" is not in "given")."""
    pattern = r"(?<![a-z0-9])" + re.escape(normalise(term)) + r"(?![a-z0-9])"
    return re.search(pattern, normalise(text)) is not None


def numbers(text: str) -> List[str]:
    return _NUMBER.findall(normalise(text))


def words(text: str) -> List[str]:
    return re.findall(r"[a-z0-9]+", normalise(text))


def shared_run(fact: str, article: str, n: int = COPY_RUN) -> str:
    """The first run of ``n`` consecutive words of ``fact`` that also occurs in ``article``."""
    article_words = words(article)
    grams = {tuple(article_words[i : i + n]) for i in range(len(article_words) - n + 1)}
    fact_words = words(fact)
    for i in range(len(fact_words) - n + 1):
        if tuple(fact_words[i : i + n]) in grams:
            return " ".join(fact_words[i : i + n])
    return ""


class Section(NamedTuple):
    heading: str
    level: int
    skip: str
    text: str  # from the heading's line to the next heading of the same or a higher level
    own_text: str  # the text under the heading before any other heading (heading excluded)


def cut_sections(article: str, outline: List[dict]) -> Dict[str, Section]:
    """The article cut at the outline's headings: each heading is the start of a line, found in
    outline order. Raises AssertionError naming a heading that is not found."""
    lines = article.splitlines()
    starts = []
    position = 0
    for entry in outline:
        heading = normalise(entry["heading"])
        for index in range(position, len(lines)):
            if normalise(lines[index]).startswith(heading):
                starts.append(index)
                position = index + 1
                break
        else:
            raise AssertionError(f"heading not found (in outline order): {entry['heading']!r}")
    sections = {}
    for k, entry in enumerate(outline):
        start = starts[k]
        end = next(
            (
                starts[j]
                for j in range(k + 1, len(outline))
                if outline[j]["level"] <= entry["level"]
            ),
            len(lines),
        )
        next_heading = starts[k + 1] if k + 1 < len(outline) else len(lines)
        own_lines = [lines[start][len(entry["heading"]) :]] + lines[start + 1 : next_heading]
        sections[entry["heading"]] = Section(
            entry["heading"],
            entry["level"],
            entry.get("skip", ""),
            "\n".join(lines[start:end]),
            "\n".join(own_lines).strip(),
        )
    return sections


@lru_cache(maxsize=1)
def _sections_by_source() -> Dict[str, Dict[str, Section]]:
    texts = source_texts()  # skips when the articles are not there
    return {key: cut_sections(texts[key], OUTLINE[key]) for key in SOURCE_KEYS}


def fact_ids(facts=FACTS):
    return [fact["id"] for fact in facts]


# ------------------------------------------------------------------ well formed (no articles)


def test_fact_ids_are_unique_snake_case_and_prefixed_by_source():
    ids = fact_ids()
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"ids used twice: {duplicates}"
    for fact in FACTS:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", fact["id"]), fact["id"]
        prefix = {"everyday_health": "eh_", "bcrf": "bcrf_"}.get(fact["source"], "?")
        assert fact["id"].startswith(prefix), f"{fact['id']}: expected the prefix {prefix}"


@pytest.mark.parametrize("fact", FACTS, ids=fact_ids())
def test_fact_is_well_formed(fact):
    assert REQUIRED <= set(fact) <= FIELDS, f"fields: {sorted(set(fact) ^ REQUIRED)}"
    assert fact["source"] in SOURCE_KEYS, f"unknown source {fact['source']!r}"
    assert "topic" not in fact or fact["topic"] in TOPICS, f"unknown topic {fact.get('topic')!r}"
    text = fact["text"]
    assert isinstance(text, str) and 20 <= len(text) <= 320, "a fact is one or two sentences"
    assert len(re.findall(r"[.!?](?:\s|$)", text)) <= 2, "a fact is one or two sentences"
    terms = fact["terms"]
    assert isinstance(terms, list) and 2 <= len(terms) <= 6, "2 to 6 terms"
    assert len({normalise(str(t)) for t in terms}) == len(terms), "a term is listed twice"
    for term in terms:
        assert contains_term(text, str(term)), f"term {term!r} is not in the fact's text"
    sections = [e["heading"] for e in OUTLINE[fact["source"]] if not e.get("skip")]
    assert fact["section"] in sections, f"section {fact['section']!r} is not in the outline"


@pytest.mark.parametrize("fact", FACTS, ids=fact_ids())
def test_every_number_in_a_fact_is_a_term_or_from_the_readme(fact):
    listed = {n for term in fact["terms"] for n in numbers(str(term))}
    listed |= {n for phrase in fact.get("readme", []) for n in numbers(phrase)}
    missing = sorted(set(numbers(fact["text"])) - listed)
    assert not missing, f"numbers in the text but not among the terms: {missing}"


def test_the_outline_and_empty_sections_are_well_formed():
    assert set(OUTLINE) == SOURCE_KEYS
    for source, outline in OUTLINE.items():
        headings = [entry["heading"] for entry in outline]
        assert len(set(headings)) == len(headings), f"{source}: a heading is listed twice"
        for entry in outline:
            assert entry["level"] in (1, 2, 3), entry
    empty = FACTS_FILE["empty_sections"]
    for entry in empty:
        assert entry["source"] in SOURCE_KEYS
        assert entry["section"] in [e["heading"] for e in OUTLINE[entry["source"]]], entry
    with_facts = {(f["source"], f["section"]) for f in FACTS}
    for entry in empty:
        assert (entry["source"], entry["section"]) not in with_facts, f"facts under {entry}"


# ------------------------------------------------------------------ against the articles


def test_every_outline_heading_is_found_in_its_article_in_order():
    texts = source_texts()
    for source in SOURCE_KEYS:
        cut_sections(texts[source], OUTLINE[source])  # raises on a heading not found


@pytest.mark.parametrize("fact", FACTS, ids=fact_ids())
def test_fact_terms_and_numbers_occur_in_its_section(fact):
    section = _sections_by_source()[fact["source"]][fact["section"]]
    assert not section.skip
    missing = [t for t in fact["terms"] if not contains_term(section.text, str(t))]
    assert not missing, f"terms not in the section {fact['section']!r}: {missing}"
    from_readme = {n for phrase in fact.get("readme", []) for n in numbers(phrase)}
    in_section = set(numbers(section.text))
    extra = sorted(set(numbers(fact["text"])) - in_section - from_readme)
    assert not extra, f"numbers not in the section {fact['section']!r}: {extra}"


@pytest.mark.parametrize(
    "fact",
    [f for f in FACTS if f.get("readme")],
    ids=fact_ids([f for f in FACTS if f.get("readme")]),
)
def test_readme_phrases_are_in_the_sources_readme(fact):
    source_texts()  # skips without the articles
    readme = (source_articles_dir() / "README.md").read_text("utf-8")
    for phrase in fact["readme"]:
        assert _flat(phrase) in _flat(readme), f"not in the sources README: {phrase!r}"


@pytest.mark.parametrize("fact", FACTS, ids=fact_ids())
def test_fact_does_not_copy_the_article(fact):
    texts = source_texts()
    for source, article in texts.items():
        run = shared_run(fact["text"], article)
        assert not run, f"shares {COPY_RUN}+ consecutive words with {source}: {run!r}"


def test_every_section_with_text_has_facts_and_only_empty_ones_are_listed_empty():
    empty = {(e["source"], e["section"]) for e in FACTS_FILE["empty_sections"]}
    with_facts = {(f["source"], f["section"]) for f in FACTS}
    for source, sections in _sections_by_source().items():
        for heading, section in sections.items():
            key = (source, heading)
            full_body = section.text[len(heading) :].strip()
            if section.skip:
                assert key not in with_facts, f"facts taken from skipped text: {key}"
            elif not full_body:
                assert key in empty, f"no text in the scrape, so list it in empty_sections: {key}"
            elif section.own_text:
                assert key in with_facts, f"a section with text but no fact: {key}"
            else:
                assert key not in empty, f"a parent heading with sub-headings is not empty: {key}"


def test_the_checks_can_fail():
    """The helpers catch what they are meant to catch (a copied sentence, a misplaced term)."""
    texts = source_texts()
    copied = "Your doctor will perform a biopsy to diagnose breast cancer, says the article."
    assert shared_run(copied, texts["everyday_health"])
    sections = _sections_by_source()["everyday_health"]
    assert contains_term(sections["Kinase Inhibitors"].text, "tucatinib")
    assert not contains_term(sections["Surgery"].text, "tucatinib")
    assert not contains_term("it is given as a shot", "IV")
    assert "99" in numbers(sections["Prognosis for HER2-Positive Breast Cancer"].text)
    assert "99" not in numbers(sections["Surgery"].text)
