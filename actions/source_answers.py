"""Replies built from the sources' facts (knowledge/facts.yml) and from what they don't cover
(knowledge/uncovered.yml, answers/coverage.py)."""

from typing import Dict, List, Optional

from actions.replies import button, source_line
from answers import Fact, fact_by_id
from answers.coverage import Uncovered, topic
from knowledge import load


def facts_reply(fact_ids: List[str]) -> Optional[str]:
    """The sources' facts that best match a question, each cited with its source (and, for
    Everyday Health, whose page has headings, its section)."""
    facts = [fact_by_id(i) for i in fact_ids if _known(i)]
    if not facts:
        return None
    lines = ["Here is what my sources say that is closest to your question:"]
    lines += [f"• {f.text}" for f in facts]
    return "\n".join(lines) + "\n\n" + _citations(facts)


def _citations(facts: List[Fact]) -> str:
    cited: Dict[str, List[str]] = {}
    for f in facts:
        sections = cited.setdefault(f.source, [])
        if f.source == "everyday_health" and f.section not in sections:
            sections.append(f.section)
    lines = []
    for source, sections in cited.items():
        line = source_line(source)
        if sections:
            line += " (" + "; ".join(f"“{s}”" for s in sections) + ")"
        lines.append(line)
    return "\n".join(lines)


def _known(fact_id: str) -> bool:
    try:
        fact_by_id(fact_id)
    except KeyError:
        return False
    return True


def uncovered_reply(topic_ids: List[str]) -> Optional[str]:
    """ "My sources don't cover ...", who can answer, and what the sources say next to it."""
    topics = [t for t in (topic(i) for i in topic_ids) if t is not None]
    if not topics:
        return None
    parts = [_not_covered(topics)]
    near = list(dict.fromkeys(f for t in topics for f in t.near))
    if near:
        facts = [fact_by_id(f) for f in near]
        parts.append(
            "What my sources do say that is close to it:\n"
            + "\n".join(f"• {f.text}" for f in facts)
        )
        parts.append(_citations(facts))
    return "\n\n".join(parts)


def _not_covered(topics: List[Uncovered]) -> str:
    concepts = " or ".join(t.concept for t in topics)
    lines = []
    for t in topics:
        if t.heading:
            lines.append(
                f"Everyday Health has a section called “{t.heading}”, but my copy "
                "of it holds only the heading, so I can't tell you what it says."
            )
    who = topics[0].who
    lines.append(
        f"My sources don't cover {concepts}, so I can't answer that. {who[0].upper()}{who[1:]} can."
    )
    return " ".join(lines)


def topic_buttons(faq_topics: List[str]) -> List[Dict[str, str]]:
    """Buttons for FAQ topics (knowledge/topics.yml), in order, without repeats."""
    topics = load("topics")["topics"]
    return [
        button(topics[t]["title"], topics[t]["payload"])
        for t in dict.fromkeys(faq_topics)
        if t in topics
    ]
