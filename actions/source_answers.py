"""Replies built from the sources' facts (knowledge/facts.yml) and from what they don't cover
(knowledge/uncovered.yml, answers/coverage.py)."""
from typing import Dict, List, Optional

from answers.coverage import Uncovered, topic
from actions.replies import button, source_line
from knowledge import load


def fact(fact_id: str) -> Dict:
    """One fact of knowledge/facts.yml by its id."""
    by_id = {f["id"]: f for f in load("facts")["facts"]}
    return by_id[fact_id]


def uncovered_reply(topic_ids: List[str]) -> Optional[str]:
    """"My sources don't cover ...", who can answer, and what the sources say next to it."""
    topics = [t for t in (topic(i) for i in topic_ids) if t is not None]
    if not topics:
        return None
    parts = [_not_covered(topics)]
    near = list(dict.fromkeys(f for t in topics for f in t.near))
    if near:
        facts = [fact(f) for f in near]
        parts.append("What my sources do say that is close to it:\n"
                     + "\n".join(f"• {f['text']}" for f in facts))
        parts.append(source_line(*(f["source"] for f in facts)))
    return "\n\n".join(parts)


def _not_covered(topics: List[Uncovered]) -> str:
    concepts = " or ".join(t.concept for t in topics)
    lines = []
    for t in topics:
        if t.heading:
            lines.append(f"Everyday Health has a section called “{t.heading}”, but my copy "
                         "of it holds only the heading, so I can't tell you what it says.")
    who = topics[0].who
    lines.append(f"My sources don't cover {concepts}, so I can't answer that. "
                 f"{who[0].upper()}{who[1:]} can.")
    return " ".join(lines)


def offer_button(faq_topic: Optional[str]) -> List[Dict[str, str]]:
    """The FAQ topic the question resembled, offered (not sent) as a button."""
    topics = load("topics")["topics"]
    if faq_topic in topics:
        return [button(topics[faq_topic]["title"], topics[faq_topic]["payload"])]
    return []
