"""What the sources don't cover: finds the concepts of knowledge/uncovered.yml in a question.

A blank English spaCy pipeline with the lookup lemmatizer (``spacy-lookups-data``, no model
download) and a spaCy ``Matcher`` over lower-cased lemmas, so "vaccines", "vaccinated" and
"vaccination" all find the vaccines topic. Pure: no Rasa imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

import spacy
from spacy.language import Language
from spacy.matcher import Matcher

from knowledge import load

# At most this many uncovered concepts are named in one reply.
MAX_TOPICS = 2


@dataclass(frozen=True)
class Uncovered:
    id: str
    concept: str
    who: str
    near: Tuple[str, ...] = field(default_factory=tuple)
    heading: Optional[str] = None
    answered_by: Tuple[str, ...] = field(default_factory=tuple)
    asked_only: bool = False


# A message this long, with several sentences, is a story around a question: only its
# question sentences are read for what it asks.
LONG_MESSAGE_WORDS = 40
_QUESTION_OPENERS = frozenset(
    {
        "how",
        "what",
        "why",
        "when",
        "which",
        "where",
        "who",
        "can",
        "could",
        "should",
        "does",
        "do",
        "is",
        "are",
        "will",
        "would",
        "has",
        "have",
        "anyone",
        "any",
    }
)
# Sentences that ask without a question mark: "I'm wondering if ...", "I am concerned that it
# is the same dosage regardless of weight", "curious what others have experienced" (a cue
# followed by what is asked; "which made me a little concerned." tells, it doesn't ask).
_INDIRECT_QUESTION = frozenset(
    {"wonder", "wondering", "wondered", "curious", "concerned", "worried"}
)
_ASKED_NEXT = frozenset(
    {"if", "whether", "that", "about", "what", "how", "why", "when", "who", "which", "as"}
)


@lru_cache(maxsize=1)
def _pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


@lru_cache(maxsize=32)
def _sentences(text: str) -> tuple:
    """The message's sentences (spaCy spans; one parse per message for all who ask)."""
    return tuple(_pipeline()(text).sents)


def question_part(text: str) -> str:
    """The question(s) of a long, story-like message ("... had my echo today ... has anyone
    else been in this position?"): its sentences with a question mark or opening like a
    question. A short message, or one without a recognisable question, is kept whole."""
    if len(text.split()) < LONG_MESSAGE_WORDS:
        return text
    sentences = _sentences(text)
    if len(sentences) < 3:
        return text
    asked = [s.text for s in sentences if _asks(s)]
    return " ".join(asked) if asked else text


def _asks(sentence) -> bool:
    """A sentence that asks: a question mark, a question word first, or an indirect question."""
    if "?" in sentence.text:
        return True
    if len(sentence) and sentence[0].lower_ in _QUESTION_OPENERS:
        return True
    return any(
        t.lower_ in _INDIRECT_QUESTION and t.i + 1 < sentence.end and t.nbor().lower_ in _ASKED_NEXT
        for t in sentence
    )


def _lemmas(text: str) -> List[str]:
    return [t.lemma_.lower() for t in _pipeline()(text.lower())]


def _pattern(term: str) -> List[Dict]:
    """A term's token pattern: lemmas; "_" any one word; a trailing "?" an optional word."""
    pattern: List[Dict] = []
    for word in term.split():
        if word == "_":
            pattern.append({})
            continue
        optional = word.endswith("?")
        for lemma in _lemmas(word.rstrip("?")):
            token: Dict = {"LEMMA": lemma}
            if optional:
                token["OP"] = "?"
            pattern.append(token)
    return pattern


# A topic's `except` terms: everyday uses that cancel an overlapping match of its terms.
_EXCEPT = "#except"


@lru_cache(maxsize=1)
def _catalogue() -> Tuple[Dict[str, Uncovered], Matcher]:
    topics = load("uncovered")["topics"]
    matcher = Matcher(_pipeline().vocab)
    catalogue: Dict[str, Uncovered] = {}
    for topic_id, topic in topics.items():
        catalogue[topic_id] = Uncovered(
            topic_id,
            topic["concept"],
            topic["who"],
            tuple(topic.get("near") or ()),
            topic.get("heading"),
            tuple(topic.get("answered_by") or ()),
            bool(topic.get("asked_only")),
        )
        matcher.add(topic_id, [_pattern(term) for term in topic["terms"]])
        if topic.get("except"):
            matcher.add(f"{topic_id}{_EXCEPT}", [_pattern(term) for term in topic["except"]])
    return catalogue, matcher


def uncovered_topics(text: str) -> List[Uncovered]:
    """The uncovered concepts a message asks about, in the order they first appear (at most
    MAX_TOPICS); in a long message, those of its questions first."""
    if not text or not text.strip():
        return []
    asked = question_part(text)
    story = _is_story(text)
    found = _topics_in(asked, story_told=story and asked == text)
    if not found and asked != text:
        # the question points back at the story ("what next?"), but what a story recounts
        # ("6 cycles of TC", "waiting for the results") is not what it asks
        found = _topics_in(text, story_told=True)
    return found


def _is_story(text: str) -> bool:
    """A long message of several sentences (question_part's test)."""
    return len(text.split()) >= LONG_MESSAGE_WORDS and len(_sentences(text)) >= 3


def _topics_in(text: str, story_told: bool = False) -> List[Uncovered]:
    """The catalogue's concepts in this text; when it is a story's narrative rather than its
    questions (``story_told``), without the concepts that stories recount (``asked_only``)."""
    catalogue, matcher = _catalogue()
    # lower-cased, so a capital doesn't block the lemma
    doc = _pipeline()(text.lower())
    first: Dict[str, int] = {}
    matches = [(doc.vocab.strings[match_id], start, end) for match_id, start, end in matcher(doc)]
    excepted = {
        (label[: -len(_EXCEPT)], start, end)
        for label, start, end in matches
        if label.endswith(_EXCEPT)
    }
    for topic_id, start, end in matches:
        if topic_id.endswith(_EXCEPT) or any(
            other == topic_id and s < end and start < e for other, s, e in excepted
        ):
            continue  # "my hair started coming back" is not the cancer coming back
        if story_told and catalogue[topic_id].asked_only:
            continue
        first[topic_id] = min(first.get(topic_id, start), start)
    ordered = sorted(first, key=first.get)
    return [catalogue[topic_id] for topic_id in ordered[:MAX_TOPICS]]


def topic(topic_id: str) -> Optional[Uncovered]:
    return _catalogue()[0].get(topic_id)
