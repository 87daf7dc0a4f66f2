"""The spaCy side of the triage: a blank English pipeline whose tokens carry a matching key.

A token's key (stored as its NORM, which the Matcher compares fastest) is its lemma from spaCy's English lookup table (the
``spacy-lookups-data`` package) after two normalisations:
- spaCy's own norms for contractions and their apostrophe-less forms ("can't", "cant" ->
  "can" "not"; "im" -> "i" "be");
- a spelling correction for words no English word list knows (the lookup table's words,
  spaCy's stop words and pyspellchecker's English word list: "than" is not a misspelt
  "thank", "overjoyed" not a misspelt "overdosed", "west" not "welt"), towards the lexicon's own
  words ("sucidal" -> "suicidal", "breathng" -> "breathing"), with rapidfuzz's
  optimal-string-alignment distance: at most 1 edit (a swap of two letters counts as one)
  for words of 4-7 letters, 2 from 8, never changing the first letter.

The lexicon's phrases are turned into keys by the same function, so "breathe" in a phrase
matches "breathing", "breathed" and "breating" in a message.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List

import numpy as np
import spacy
import spellchecker
from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.lookups import load_lookups
from spacy.strings import hash_string
from spacy.symbols import ORTH
from spacy.tokens import Doc

# Where the lookup table is wrong for our words, or a norm needs a lemma.
_KEY_OVERRIDES = {
    "dying": "die",
    "m": "be",
    "'m": "be",
    "ve": "have",
    "'ve": "have",
    "re": "be",
    "'re": "be",
    "ll": "will",
    "'ll": "will",
    "'d": "would",
    "d": "would",
    "nt": "not",
    "n't": "not",
    "wo": "will",
    "ca": "can",
    "cannot": "can",
    "breath": "breath",
    "left": "left",
    "number": "number",  # not breathe, leave, numb
    "does": "do",
    "planing": "plan",  # not doe (deer), plane
    "mets": "mets",  # metastases, not meds
}
_MIN_CORRECTED_LENGTH = 4
# pyspellchecker's English word frequency list (160,000 words seen in subtitles and web text;
# misspellings are not in it): only its words' hashes are kept, sorted (1 MB).
_ENGLISH_WORDS = Path(spellchecker.__file__).parent / "resources" / "en.json.gz"


def _english_word_hashes() -> np.ndarray:
    words = json.loads(gzip.open(_ENGLISH_WORDS).read())
    return np.unique(np.fromiter((hash_string(w) for w in words if w.isalpha()), dtype=np.uint64))


# Quotation marks around reported words ("she said she's swallowed 'all of them'") are not
# punctuation that ends a clause: an opening or closing quotation mark is left out of the text
# the lexicon reads (an apostrophe inside a word, "she's", "nobody's", is kept).
_QUOTES = re.compile(
    r"(?:(?<=^)|(?<=[\s(\[]))['\"](?=\w)|(?<=\w)['\"](?=[\s.,!?;:)\]]|$)|(?<=\s)\"(?=\s)"
)


def _normalise(text: str) -> str:
    return (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("`", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
    )


def _unquote(text: str) -> str:
    """A whole message without its quotation marks (a token such as "'s" keeps its
    apostrophe: only whole texts are unquoted)."""
    return _QUOTES.sub("", _normalise(text))


class Keyer:
    """Computes token keys: norm -> spelling correction -> lemma."""

    def __init__(self) -> None:
        table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
        self._lemmas = table  # keys are hashed: look words up with `in` and .get()
        self._base_forms: FrozenSet[str] = frozenset(table.values())
        self._english = _english_word_hashes()
        self._vocabulary: Dict[str, List[str]] = {}
        self._words: FrozenSet[str] = frozenset()

    def set_vocabulary(self, words: Iterable[str]) -> None:
        """The lexicon's words that misspellings are corrected towards (by first letter)."""
        by_letter: Dict[str, List[str]] = {}
        for word in sorted(set(words)):
            if len(word) >= _MIN_CORRECTED_LENGTH and word.isalpha():
                by_letter.setdefault(word[0], []).append(word)
        self._vocabulary = by_letter
        self._words = frozenset(w for words in by_letter.values() for w in words)
        self.correct.cache_clear()

    def lemma(self, word: str) -> str:
        if word in _KEY_OVERRIDES:
            return _KEY_OVERRIDES[word]
        return self._lemmas.get(word, word)

    @lru_cache(maxsize=20000)
    def correct(self, word: str) -> str:
        """``word`` itself when it is a known English word, else the nearest lexicon word."""
        if (
            len(word) < _MIN_CORRECTED_LENGTH
            or not word.isalpha()
            or word in self._lemmas
            or word in self._base_forms
            or word in _KEY_OVERRIDES
            or word in STOP_WORDS
        ):
            return word
        if self.is_english(word):
            return self._adjective_of(word) or word
        candidates = self._vocabulary.get(word[0], ())
        limit = 1 if len(word) < 8 else 2
        best = extractOne(word, candidates, scorer=OSA.distance, score_cutoff=limit)
        return best[0] if best else word

    def _adjective_of(self, word: str) -> str:
        """The lexicon's adjective an English adverb comes from ("normally" -> "normal",
        "horribly" -> "horrible", "heavily" -> "heavy"), or ""."""
        if len(word) < 6 or not word.endswith("ly") or word in self._words:
            return ""
        for base in (word[:-2], word[:-1] + "e", word[:-3] + "y"):
            if base in self._words:
                return base
        return ""

    def is_english(self, word: str) -> bool:
        """``word`` (lower-case) is in the English word list."""
        code = np.uint64(hash_string(word))
        index = int(np.searchsorted(self._english, code))
        return index < len(self._english) and self._english[index] == code

    def key(self, norm: str) -> str:
        norm = norm.lower()
        return self.lemma(self.correct(norm))


@lru_cache(maxsize=1)
def keyer() -> Keyer:
    return Keyer()


# "'s" after these words is "is" ("it's over", "she's going"), not a possessive or "has".
_IS_AFTER = frozenset(
    {
        "it",
        "that",
        "he",
        "she",
        "there",
        "here",
        "what",
        "who",
        "where",
        "this",
        "everything",
        "everyone",
        "nothing",
        "plan",
        "life",
    }
)


def _contextual(previous: str, key: str, text: str) -> str:
    if text.lower() in ("'s", "s") and previous in _IS_AFTER:
        return "be"
    return key


@Language.component("triage_keys")
def _set_keys(doc: Doc) -> Doc:
    k = keyer()
    previous = ""
    for token in doc:
        key = _contextual(previous, k.key(token.norm_), _normalise(token.text))
        token.norm_ = key
        previous = key
    return doc


@lru_cache(maxsize=1)
def pipeline() -> Language:
    """Blank English: tokenizer, sentence splitter, keys. No model is downloaded."""
    nlp = spacy.blank("en")
    _add_upper_case_contractions(nlp)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("triage_keys")
    return nlp


def _add_upper_case_contractions(nlp: Language) -> None:
    """spaCy's English tokenizer exceptions split "can't", "cant", "Cant" into "ca" "nt" but
    leave "CAN'T" and "CANT" whole, so a message in capitals ("MY DAD CANT FEEL HIS LEGS")
    would miss every phrase with "can not". Each exception that splits a word gets its
    capitalised form too (same pieces, same norms)."""
    rules = nlp.tokenizer.rules
    for word, pieces in list(rules.items()):
        upper = word.upper()
        if len(pieces) > 1 and upper != word and upper not in rules:
            nlp.tokenizer.add_special_case(
                upper, [{**piece, ORTH: piece[ORTH].upper()} for piece in pieces]
            )


def make_doc(text: str) -> Doc:
    return pipeline()(_unquote(text))


def phrase_keys(phrase: str) -> List[str]:
    """The keys of a lexicon phrase's words, as a message's tokens would get them."""
    nlp = pipeline()
    keys: List[str] = []
    for token in nlp.make_doc(_normalise(phrase)):
        keys.append(
            _contextual(keys[-1] if keys else "", keyer().lemma(token.norm_.lower()), token.text)
        )
    return keys
