"""Safety triage of one message (pure Python + spaCy rules; no Rasa imports).

assess(text) -> Assessment
    tier      "emergency"        current danger to the user or someone with them
              "symptom_question" a symptom, side effect or risk asked about or mild
              "distress"         fear, sadness, overwhelm with no danger
              None               none of these
    kind      "self_harm" | "medical" for an emergency, else ""
    category  the clinical category of knowledge/red_flags.yml that decided it
    evidence  the words that decided it

Built on a blank spaCy English pipeline (triage/text.py), the lexicon in
knowledge/red_flags.yml compiled to Matcher patterns (triage/lexicon.py) and
ConText/NegEx-style scopes (triage/context.py). docs/safety.md explains the tiers, the
categories and how to add a phrase; tests/safety/ measures it on blind-written messages.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Tuple

from knowledge import load
from triage.context import Context, Scopes
from triage.lexicon import Lexicon, build
from triage.text import keyer, make_doc

TIERS = ("emergency", "symptom_question", "distress")
KINDS = ("self_harm", "medical")
# Longer messages are read in full up to this many characters (the channels cap input below it).
MAX_CHARS = 20000


@dataclass(frozen=True)
class Assessment:
    tier: Optional[str] = None
    kind: str = ""
    category: str = ""
    evidence: str = ""

    @property
    def is_emergency(self) -> bool:
        return self.tier == "emergency"


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    built = build(load("red_flags"))
    keyer().set_vocabulary(built.vocabulary)
    return built


def _reading_spans(doc, readings: List[Dict]) -> List[Tuple[str, Tuple[int, int]]]:
    """Written readings in a range that matters (knowledge/red_flags.yml `readings`): a
    number within a few words after one of a reading's words ("temp 38.4", "heart rate is
    160"), or, for a reading with `bare`, a number of that form on its own ("37.9 twice").
    A matching heuristic that errs towards the emergency reply, not a threshold the bot
    states."""
    spans = []
    for reading in readings:
        words = set(reading["words"])
        ranges = reading["ranges"]
        for i, token in enumerate(doc):
            if token.norm_ in words:
                for j in range(i + 1, min(i + 7, len(doc))):
                    value = _number(doc[j].text)
                    if value is None:
                        continue
                    if (
                        not _other_unit(doc, j)
                        and not _threshold(doc, j)
                        and any(low <= value <= high for low, high in ranges)
                    ):
                        spans.append((reading["category"], (i, j + 1)))
                    break
            elif reading.get("bare") and re.fullmatch(reading["bare"], token.text.lower()):
                value = _number(token.text)
                if (
                    value is not None
                    and not _other_unit(doc, i)
                    and not _threshold(doc, i)
                    and any(low <= value <= high for low, high in ranges)
                ):
                    spans.append((reading["category"], (i, i + 1)))
    return spans


# A number followed by one of these is not a reading ("37.5mg of venlafaxine", "a survival
# rate of 72%").
_OTHER_UNITS = frozenset(
    {"%", "mg", "ml", "mcg", "mm", "cm", "kg", "lb", "lbs", "years", "months", "weeks", "days"}
    | {"g", "grams", "gram", "teaspoons", "tsp", "calories", "kcal", "cubes", "spoons"}
)


def _other_unit(doc, index: int) -> bool:
    return index + 1 < len(doc) and doc[index + 1].lower_ in _OTHER_UNITS


# A limit quoted, not a reading: "anything under 37.5 is ok", "ring if it's over 38", "what
# number counts, 37.5 or 38?" (dev27, written blind; real posts quoting instructions).
_LIMIT_WORDS = frozenset({"under", "below", "above", "over", "than", "exceeds"})
_LIMIT_FRAMES = frozenset({"anything", "everything"})
# "if"/"whenever" frame a limit only for no one in particular ("ring if your temperature goes
# above 38", "if it's over 38"), never the writer's own ("not sure if my temp over 38.5 matters")
_CONDITIONS = frozenset({"if", "whenever"})
_GENERIC_AFTER_IF = frozenset(
    {"it", "it's", "its", "your", "you", "the", "a", "temperature", "temp"} | _LIMIT_WORDS
)


def _threshold(doc, index: int) -> bool:
    if index >= 1 and doc[index - 1].lower_ in _LIMIT_WORDS:
        for k in range(max(0, index - 5), index - 1):
            word = doc[k].lower_
            if word in _LIMIT_FRAMES or (
                word in _CONDITIONS and doc[k + 1].lower_ in _GENERIC_AFTER_IF
            ):
                return True
    # "37.5 or 38?", "is it 37.5 or 38": two limits offered in a question (not "37.9 or 38.0 now")
    if index + 2 < len(doc) and doc[index + 1].lower_ == "or":
        return _number(doc[index + 2].text) is not None and _asks(doc, index, index + 3)
    if index >= 2 and doc[index - 1].lower_ == "or":
        return _number(doc[index - 2].text) is not None and _asks(doc, index - 2, index + 1)
    return False


_READING_VERBS = frozenset({"is", "was", "'s", "reads", "read", "showing", "shows", "says", "been"})


def _asks(doc, start: int, end: int) -> bool:
    """The two numbers end a question: a "?" after them, or "is it" / "between" just before
    them ("my temp is 38 or 39" is a reading)."""
    if start >= 1 and doc[start - 1].lower_ in _READING_VERBS:
        return False  # "my temp is 38 or 39?" is a reading, however unsure
    if end < len(doc) and doc[end].text == "?":
        return True
    return any(doc[k].lower_ in ("between", "it") for k in range(max(0, start - 2), start))


def _number(text: str) -> Optional[float]:
    # a blood pressure's top number: "70/40"
    text = re.sub(r"^(\d{2,3})/\d{2,3}$", r"\1", text)
    cleaned = text.lower().replace("°", "").rstrip("cf").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


# The parts of an `all:` group count together only this many sentences apart at most (0: in
# one sentence): "most of the time" in one paragraph and "I began to vomit" four sentences on
# are not "vomiting all the time". Chosen on the dev sets (bench/TUNING.md, change 23).
ALL_GROUP_SENTENCES = 2


def _distinct_choice(
    parts: List[List[Tuple[int, int]]], sentence_of: Callable[[Tuple[int, int]], int]
) -> bool:
    """One span for each part of an `all:` group, no two overlapping (one word doesn't
    count for two parts: "hot flashes" is not both "red or hot" and "swollen or hot"), all
    within ALL_GROUP_SENTENCES sentences of each other."""

    def choose(index: int, taken: List[Tuple[int, int]]) -> bool:
        if index == len(parts):
            sentences = [sentence_of(span) for span in taken]
            return max(sentences) - min(sentences) <= ALL_GROUP_SENTENCES
        return any(
            choose(index + 1, taken + [span])
            for span in parts[index]
            if all(span[1] <= t[0] or t[1] <= span[0] for t in taken)
        )

    return choose(0, [])


def assess(text: str) -> Assessment:
    if not text or not text.strip():
        return Assessment()
    lex = lexicon()
    doc = make_doc(text[:MAX_CHARS])
    found: Dict[str, List[Tuple[int, int]]] = defaultdict(list)
    wildcard_tokens: Dict[Tuple[int, int], set] = defaultdict(set)
    for match_id, start, end, alignment in lex.matcher(doc, with_alignments=True):
        key = doc.vocab.strings[match_id]
        label = key.split("#", 1)[0]
        found[label].append((start, end))
        if key in lex.wildcards:
            wildcard_tokens[(start, end)].update(
                start + i for i, position in enumerate(alignment) if position in lex.wildcards[key]
            )
    for category, span in _reading_spans(doc, lex.config.get("readings", [])):
        found[f"E|{category}|symptom"].append(span)
    context = Context.from_matches(
        {
            rule.category: found.get(label, [])
            for label, rule in lex.rules.items()
            if rule.tier == "context"
        }
    )
    windows = lex.config["context"]["negation"]["window"]
    disowned_never = frozenset(lex.config["context"]["disowned_never"])
    scopes = Scopes(doc, context, windows, wildcard_tokens)
    scopes.symptom_sentences = {
        scopes.sentence(span)
        for label, spans in found.items()
        if label.startswith("E|")
        for span in spans
    }

    def excepted(category: str, span, beats_except: bool = False) -> bool:
        """An everyday use overlapping the phrase cancels it; for a `beats_except` phrase,
        only one that is not wholly inside it ("asked if I had thoughts of suicide" is
        excepted, "asked if I had thoughts of suicide and I said yes" is not)."""
        return any(
            (s[0] <= span[0] < s[1] or span[0] <= s[0] < span[1])
            and not (beats_except and span[0] <= s[0] and s[1] <= span[1])
            for s in found.get(f"X|{category}", [])
        )

    emergencies: List[Tuple[str, str, str]] = []  # (kind, category, evidence)
    symptom_evidence: List[str] = []
    distress_evidence: List[str] = []

    short_message = len(doc) <= 4

    def judge(kind: str, category: str, strength: str, span) -> None:
        """An emergency phrase that is not negated: an emergency, or (asked in general, as
        a hypothetical, in the past, or over) a symptom question."""
        evidence = doc[span[0] : span[1]].text
        if kind == "medical" and strength in ("symptom", "mention") and scopes.hypothetical(span):
            symptom_evidence.append(evidence)  # "if I get a temperature ..."
            return
        now = scopes.current(span, clause_only=strength == "mention")
        if scopes.historical(span, kind):
            # in the past: for self-harm, support; for symptoms, the answer and the note
            (distress_evidence if kind == "self_harm" else symptom_evidence).append(evidence)
            return
        if kind == "medical" and scopes.resolved(span):
            symptom_evidence.append(evidence)
            return
        # self-harm told as a dated episode that is over ("last summer I took a handful of my
        # tablets ... it's been a year, I'm in a good place"): support, not the crisis reply;
        # undated ("I took them all. I'm fine now") it stays an emergency
        if (
            kind == "self_harm"
            and scopes.dated(span)
            and scopes.resolved(span, only_a_return_undoes=True)
        ):
            distress_evidence.append(evidence)
            return
        # dark humour about an everyday last straw, laughed at ("if I hear that hold music one
        # more time I'll top myself lol"): support offered gently, not the crisis reply. Only
        # for a `strong` phrase, and never when the message names a means (Scopes.joking); a
        # plan or an act (`symptom`, `all`) stays an emergency whatever the emoji, and the
        # classifier still gives its own opinion.
        if kind == "self_harm" and strength == "strong" and scopes.joking(span):
            distress_evidence.append(evidence)
            return
        # a thought disowned right after it is told ("I keep thinking everyone would be better
        # off without me. I'd never do anything, I've got the kids"): support with the crisis
        # line offered gently. Only a `strong` thought of the suicide category, never an
        # overdose, a plan or a means (Scopes.disowned).
        if (
            category == "suicide_self_harm"
            and strength == "strong"
            and not any(doc[i].norm_ in disowned_never for i in range(*span))
            and scopes.disowned(span)
        ):
            distress_evidence.append(evidence)
            return
        general = scopes.general(span, kind)
        hypothetical = kind == "medical" and scopes.hypothetical(span, opening_a_question=True)
        mentioned_only = strength == "mention" and not now and not short_message
        # a character's emergency in a story the writer is telling (Scopes.fiction)
        if kind == "medical" and scopes.fiction(span) and not scopes.admitted(span):
            symptom_evidence.append(evidence)
            return
        # a general frame is outweighed by a cue of now in the phrase's own clause only
        # ("I'm on Enhertu and was told to report any cough": the "I'm" is not the cough)
        framed = (
            (general or hypothetical)
            and not scopes.current(span, clause_only=True)
            # "what happens if someone took the whole pack? Not hypothetical, I did it"
            and not scopes.admitted(span)
        )
        if framed or mentioned_only:
            symptom_evidence.append(evidence)
        else:
            emergencies.append((kind, category, evidence))

    all_groups: Dict[Tuple[str, int], Dict[int, List]] = defaultdict(lambda: defaultdict(list))
    for label, spans in found.items():
        rule = lex.rules.get(label)
        if rule is None or rule.tier != "emergency":
            continue
        for span in spans:
            if excepted(rule.category, span, rule.beats_except) or scopes.negated(span, rule.kind):
                continue
            if rule.group >= 0:
                all_groups[(rule.category, rule.group)][rule.part].append(span)
            else:
                judge(rule.kind, rule.category, rule.strength, span)
    emergency_config = lex.config["emergency"]
    for (category, group), parts in all_groups.items():
        needed = len(emergency_config[category]["all"][group])
        if len(parts) == needed and _distinct_choice(
            [parts[p] for p in sorted(parts)], scopes.sentence_index
        ):
            anchor = min(parts[0])
            judge(emergency_config[category]["kind"], category, "symptom", anchor)

    if emergencies:
        self_harm = [e for e in emergencies if e[0] == "self_harm"]
        kind, category, evidence = (self_harm or emergencies)[0]
        return Assessment("emergency", kind, category, evidence)
    for span in found.get("S|symptom", []):
        if not scopes.negated(span, "medical"):
            symptom_evidence.append(doc[span[0] : span[1]].text)
    distress = distress_evidence + [
        doc[s[0] : s[1]].text
        for s in found.get("D|distress", [])
        if not excepted("distress", s) and not scopes.negated(s, "medical")
    ]
    # feelings plus a symptom word, with no question asked: distress ("so stressed I feel sick")
    if symptom_evidence and not (distress and "?" not in text):
        return Assessment("symptom_question", "", "symptom", symptom_evidence[0])
    if distress:
        return Assessment("distress", "", "distress", distress[0])
    return Assessment()


__all__ = ["Assessment", "KINDS", "MAX_CHARS", "TIERS", "assess", "lexicon"]
