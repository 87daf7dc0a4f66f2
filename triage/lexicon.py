"""knowledge/red_flags.yml compiled to spaCy Matcher patterns over token keys.

Phrase syntax (also described at the top of red_flags.yml):
    a|b      either word at this position (an alternative may be several words: go_on)
    word?    optional word (or optional a|b)
    ~N       up to N other words, none of them punctuation (N = 1..8)
    <num>    a number
    <many>   a number of five or more, in digits or words (a count of tablets beyond a dose)
    @name    any entry of `words: name`
    pre*     a word whose key starts with "pre"
    =word    the word exactly as written (no lemma: "=fainted" is not "faint")
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Sequence

from spacy.matcher import Matcher

from triage.text import phrase_keys, pipeline

Token = Dict  # one Matcher token pattern
WILDCARD_KEY = "IS_PUNCT"  # a "~N" word: any token that is not punctuation
Branch = List[Token]  # one way to match a position
# <many>: five or more, in digits or words ("took 2 of my tablets" is a dose, "took 30" is not)
MANY = (
    r"^(?:[5-9]|[1-9][0-9]+|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|dozen|dozens|hundred|hundreds)$"
)


@dataclass(frozen=True)
class Rule:
    """What a match label stands for."""

    label: str
    tier: str  # emergency | except | symptom | distress | context
    category: str  # clinical category, or the context role
    kind: str = ""  # self_harm | medical (emergencies)
    strength: str = ""  # strong | symptom (emergencies)
    group: int = -1  # index of the `all` group, -1 for a plain phrase
    part: int = -1  # index of the part inside that group
    # a `beats_except` phrase: an everyday use that lies wholly inside it does not cancel it
    beats_except: bool = False


class Lexicon:
    def __init__(self, config: Dict):
        self.words: Dict[str, List[str]] = config.get("words", {})
        self.matcher = Matcher(pipeline().vocab)
        self.rules: Dict[str, Rule] = {}
        self.wildcards: Dict[str, set] = {}  # per-pattern key -> its wildcard positions
        self.vocabulary: set = set()
        self.config = config

    # -- building -----------------------------------------------------------------------
    def add(self, rule: Rule, phrases: Iterable[str]) -> None:
        patterns = [p for phrase in phrases for p in self.patterns(phrase)]
        if not patterns:
            raise ValueError(f"no patterns for {rule.label}")
        self.rules[rule.label] = rule
        plain = [p for p in patterns if not any(WILDCARD_KEY in t for t in p)]
        if plain:
            self.matcher.add(rule.label, plain)
        # A pattern with "~N" gets a key of its own, so that a match tells which of its
        # words the wildcards took ("rash isn't spreading": "n't" is a negation).
        for pattern in patterns:
            if pattern in plain:
                continue
            key = f"{rule.label}#{len(self.wildcards)}"
            self.wildcards[key] = {i for i, t in enumerate(pattern) if WILDCARD_KEY in t}
            self.matcher.add(key, [pattern])

    def patterns(self, phrase: str) -> List[List[Token]]:
        if not isinstance(phrase, str):  # YAML reads a bare no/yes/on/off as a boolean
            raise ValueError(f"phrase {phrase!r} is not text: quote it in red_flags.yml")
        if "'@" in phrase:  # a list reference quoted inside a phrase is a literal word
            raise ValueError(f"phrase {phrase!r}: write @name without quotes inside a phrase")
        positions = [self._position(part) for part in phrase.split()]
        patterns = []
        for combination in itertools.product(*positions):
            pattern = [token for branch in combination for token in branch]
            if pattern and any(t.get("OP") not in ("?", "*") for t in pattern):
                patterns.append(pattern)
        if not patterns:
            raise ValueError(f"phrase {phrase!r} matches nothing")
        return patterns

    def _position(self, part: str) -> List[Branch]:
        """Alternative token sequences for one space-separated element of a phrase."""
        if re.fullmatch(r"~[1-8]", part):
            return [[{WILDCARD_KEY: False, "OP": "?"}] * int(part[1:])]
        optional = part.endswith("?") and len(part) > 1
        if optional:
            part = part[:-1]
        single: List[str] = []
        exact: List[str] = []
        prefixes: List[str] = []
        branches: List[Branch] = []
        for alternative in self._alternatives(part):
            if alternative == "<num>":  # a number among words: "<num>|two|three"
                branches.append([{"LIKE_NUM": True}])
                continue
            if alternative == "<many>":  # "took 30 of them", not "I take 2 of my tablets"
                branches.append([{"LOWER": {"REGEX": MANY}}])
                continue
            if alternative.startswith("="):
                exact.append(alternative[1:].lower())
                continue
            if alternative.endswith("*") and len(alternative) > 1:
                prefixes.append(re.escape(alternative[:-1].lower()))
                continue
            self.vocabulary.update(w.lower() for w in re.findall(r"[A-Za-z]+", alternative))
            keys = phrase_keys(alternative)
            if len(keys) == 1:
                single.append(keys[0])
            elif keys:
                branches.append([{"NORM": k} for k in keys])
        if single:
            branches.append([{"NORM": {"IN": sorted(set(single))}}])
        if exact:
            branches.append([{"LOWER": {"IN": sorted(set(exact))}}])
        if prefixes:
            branches.append([{"NORM": {"REGEX": "^(" + "|".join(prefixes) + ")"}}])
        if optional:
            if all(len(b) == 1 for b in branches):
                merged = [_or_tokens([b[0] for b in branches])]
                return [[{**t, "OP": "?"} for t in merged]] if len(merged[0]) else [[]]
            branches.append([])
        return branches

    def _alternatives(self, part: str) -> List[str]:
        out: List[str] = []
        for alternative in part.split("|"):
            if alternative.startswith("@"):
                name = alternative[1:]
                if name not in self.words:
                    raise ValueError(f"unknown word list @{name}")
                for entry in self.words[name]:
                    out.extend(self._alternatives(str(entry).replace(" ", "_")))
            else:
                out.append(alternative.replace("_", " "))
        return out


def _or_tokens(tokens: Sequence[Token]) -> Token:
    """One token pattern from several one-token alternatives (for an optional position)."""
    if len(tokens) == 1:
        return dict(tokens[0])
    keys = []
    for token in tokens:
        value = token.get("NORM")
        if isinstance(value, str):
            keys.append(value)
        elif isinstance(value, dict) and "IN" in value:
            keys.extend(value["IN"])
        else:
            raise ValueError("an optional position mixes exact words or prefixes with others")
    return {"NORM": {"IN": sorted(set(keys))}}


def build(config: Dict) -> Lexicon:
    """Every match label of the triage, from the parsed red_flags.yml."""
    lexicon = Lexicon(config)
    for category, spec in config["emergency"].items():
        kind = spec["kind"]
        for strength in ("strong", "symptom", "mention"):
            phrases = spec.get(strength) or []
            if phrases:
                lexicon.add(
                    Rule(f"E|{category}|{strength}", "emergency", category, kind, strength), phrases
                )
        if spec.get("beats_except"):
            lexicon.add(
                Rule(
                    f"E|{category}|beats_except",
                    "emergency",
                    category,
                    kind,
                    "strong",
                    beats_except=True,
                ),
                spec["beats_except"],
            )
        for g, group in enumerate(spec.get("all") or []):
            for p, part in enumerate(group):
                lexicon.add(
                    Rule(f"A|{category}|{g}|{p}", "emergency", category, kind, "symptom", g, p),
                    part,
                )
        if spec.get("except"):
            lexicon.add(Rule(f"X|{category}", "except", category), spec["except"])
    lexicon.add(Rule("S|symptom", "symptom", "symptom"), config["symptoms"])
    lexicon.add(Rule("D|distress", "distress", "distress"), config["distress"])
    if config.get("distress_except"):
        lexicon.add(Rule("X|distress", "except", "distress"), config["distress_except"])
    context = config["context"]
    negation = context["negation"]
    for role in ("preceding", "following", "pseudo", "terminators"):
        lexicon.add(Rule(f"C|{role}", "context", role), negation[role])
    for role in ("causal", "informational", "question_start", "hypothetical"):
        lexicon.add(Rule(f"C|{role}", "context", role), context["general"][role])
    lexicon.add(Rule("C|current", "context", "current"), context["current"])
    lexicon.add(
        Rule("C|clause_terminators", "context", "clause_terminators"), context["clause_terminators"]
    )
    for role in (
        "historical",
        "recent_past",
        "resolved",
        "current_sentence",
        "laughter",
        "hyperbole",
        "means",
        "onset",
        "admitted",
        "disowned",
        "fiction",
    ):
        lexicon.add(Rule(f"C|{role}", "context", role), context[role])
    return lexicon
