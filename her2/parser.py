"""parse(text) -> Findings: read HER2, ISH and ER/PR values from free text with spaCy rules.

How it works: the text is lower-cased and normalised (spelling variants, glued tokens), tokenised
by a blank English spaCy pipeline, and spaCy PhraseMatcher/Matcher rules (lexicon.py) mark
mentions: subjects ("HER2", "FISH", "ER", "Ki-67"...), cues ("ratio", "copy number"), status
words and scores.
Each value or status word is then given a topic: the subject it is about, which is the subject
just after it through a preposition ("negative for HER2") or else the nearest subject before it
in the same sentence ("ER positive 90%, HER2 2+"). Values whose topic is not HER2 (Ki-67,
grade, ER...) are left out, or stored as ER/PR values.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from . import lexicon as lx
from .findings import Findings, refine_zero_score
from .guideline import load_guideline

# Applied in order to the lower-cased text.
_INTENSITY_BINS = (
    r"\b0\s+(\d{1,3})\s*%\s*[;,]?\s*1\s*\+\s+(\d{1,3})\s*%\s*[;,]?\s*"
    r"2\s*\+\s+(\d{1,3})\s*%\s*[;,]?\s*3\s*\+\s+(\d{1,3})\s*%"
)


def _bins_status(match: "re.Match") -> str:
    stained = sum(int(match.group(i)) for i in (2, 3, 4))
    return " positive (intensity bins) " if stained > 0 else " negative (intensity bins) "


# Bins named by intensity words after an ER or PR value: "PR: positive, H-score 120 (40%
# moderate, 20% weak)" is stained, but no single percentage. Only after ER/PR, never for HER2.
_WORDED_BINS = (
    r"(\d{1,3})\s*%\s*(?:strong|moderate|weak|intense)\b\s*[,;/]\s*(\d{1,3})\s*%\s*"
    r"(?:strong|moderate|weak)\b(?:\s*[,;/]\s*(\d{1,3})\s*%\s*(?:strong|moderate|weak)\b)?"
)
_RECEPTOR_BEFORE = re.compile(r"\b(?:er|pr|pgr|estrogen|oestrogen|progesterone)\b[^.;]{0,60}$")


def _worded_bins_status(match: "re.Match") -> str:
    before = match.string[max(0, match.start() - 80) : match.start()]
    if not _RECEPTOR_BEFORE.search(before) or "her2" in before.split(".")[-1]:
        return match.group(0)
    stained = sum(int(g) for g in match.groups() if g)
    return " positive (intensity bins) " if stained > 0 else " negative (intensity bins) "


# Bins keyed by score, in any order, after ER or PR only: "ER: 3+: 60%, 2+: 25%, 1+: 5%, 0: 10%",
# "ER (SP1): 3+ in 70%, 2+ in 20%, 1+ in 5% of tumour nuclei" (stained, no single percentage).
_SCORE_BIN = r"(?<![\d.%])(?:[0-3]\s*\+\s*(?::|=|in)?|0\s*(?::|=|in))\s*\d{1,3}\s*%"
_SCORED_BINS = (
    _SCORE_BIN
    + r"(?:\s*(?:of\s+(?:tumou?r\s+)?(?:cells|nuclei))?\s*[,;/]\s*(?:and\s+)?"
    + _SCORE_BIN
    + r")+"
)
_SCORED_BIN_PARTS = re.compile(r"(?<![\d.%])([0-3])\s*\+?\s*(?::|=|in)?\s*(\d{1,3})\s*%")


def _scored_bins_status(match: "re.Match") -> str:
    before = match.string[max(0, match.start() - 80) : match.start()]
    if not _RECEPTOR_BEFORE.search(before) or "her2" in before.split(".")[-1]:
        return match.group(0)
    stained = sum(
        int(percent) for score, percent in _SCORED_BIN_PARTS.findall(match.group(0)) if score != "0"
    )
    return " positive (intensity bins) " if stained > 0 else " negative (intensity bins) "


# The same bins in brackets with some intensities left out: "(0 100%)" is every cell unstained;
# "(0 90%; 1+ 10%)" has stained cells.
_BRACKETED_BINS = r"\(\s*0\s+\d{1,3}\s*%((?:\s*[;,]?\s*[1-3]\s*\+\s+\d{1,3}\s*%)*)\s*\)"


def _bracketed_bins_status(match: "re.Match") -> str:
    stained = sum(int(n) for n in re.findall(r"\+\s+(\d{1,3})", match.group(1)))
    return " positive (intensity bins) " if stained > 0 else " negative (intensity bins) "


_STATUS_SHORT = r"(?:pos(?:itive)?|neg(?:ative)?|\+|-)"
_ALIGNED_STATUSES = (
    r"\b((?:er|pr|pgr|her2)(?:\s*/\s*(?:er|pr|pgr|her2)){1,2})\s*(?:[:=]|status\s*:?)?\s*"
    r"(" + _STATUS_SHORT + r"(?:\s*/\s*" + _STATUS_SHORT + r"){1,2})(?![a-z0-9+])"
    # their percentages in the same order: "ER/PR: Positive/Negative (60%/0%)"
    r"(?:\s*\(\s*(\d{1,3})\s*%\s*/\s*(\d{1,3})\s*%(?:\s*/\s*(\d{1,3})\s*%)?\s*\))?"
)


def _aligned_statuses(match: "re.Match") -> str:
    names = [n.strip() for n in match.group(1).split("/")]
    values = [v.strip() for v in match.group(2).split("/")]
    if len(names) != len(values):
        return match.group(0)
    percents = [p for p in match.groups()[2:] if p is not None]
    if len(percents) != len(names):
        percents = []  # "ER/PR/HER2: +/+/- (90%/50%)": which percentage is whose is unclear
    status = {"+": "positive", "-": "negative"}
    words = [status.get(v, "positive" if v.startswith("pos") else "negative") for v in values]
    if percents:
        words = [f"{w} ({p}%)" for w, p in zip(words, percents)]
    return " " + ", ".join(f"{n} {w}" for n, w in zip(names, words)) + " "


_NORMALISATIONS: List[Tuple[str, object]] = [
    # A literature reference printed under a report ("Romond EH, et al. Trastuzumab plus
    # adjuvant chemotherapy for operable HER2-positive breast cancer. N Engl J Med
    # 2005;353(16):1673-84.") names kinds of cancer, not this tumour's result.
    (
        r"\bet\s+al\b.{0,300}?\b(?:19|20)\d{2}\s*[;:]\s*\d+\s*(?:\(\s*[\d-]+\s*\))?\s*:\s*\d+(?:\s*-\s*\d+)?",
        " literature reference ",
    ),
    # Hesitations ("er, I think..."), not the estrogen receptor.
    (
        r"(^|[.!?]\s*)(?:er|erm|um|uh)\s*,(?=\s*(?:i|it|its|it's|the|my|so|well|maybe|they|we|"
        r"that|was)\b)",
        r"\1",
    ),
    (r"\u2265", " >= "),
    (r"\u2264", " <= "),
    (r"[\u2010-\u2015\u2212]", "-"),
    (r"\uff05", "%"),
    (r"\u207a", "+"),
    (r"[\u00a0\u2009\u202f]", " "),
    # OCR and notation: "</=" is "<=", "85Z" is "85%", ">0 <1+" is IHC 0 with staining
    # (HER2-ultralow), "zero or 1+" (an old pick-list value) is HER2-negative with no one score.
    # dot leaders of a synoptic line ("HER2/CEP17 ratio ......... 1.21") lead to its value
    (r"(?<=[a-z)])[ \t]*\.{3,}[ \t]*(?=[<>=]?[ \t]*\d)", " : "),
    (r"\.{2,}", "."),
    (r"<\s*/\s*=", "<="),
    (r">\s*/\s*=", ">="),
    (r"(?<=\d)z\b", "%"),
    (r">\s*0\s*(?:,|and|but)?\s*<\s*1\s*\+", " 0 (ultralow) "),
    # A results page's reference scale beside the result: "Result: 3+ Reference: 0-1+
    # (negative), 2+ (equivocal), 3+ (positive) Flag: HIGH" (the scale is no result).
    (
        r"\b(?:reference|ref\.?)(?:\s+(?:range|interval|values?))?\s*:\s*"
        r"(?:(?:[0-3]\s*(?:-|\u2013|to|or)\s*)?[0-3]\s*\+?\s*"
        r"(?:\(\s*(?:negative|equivocal|positive|borderline)\s*\))?\s*[,;/]?\s*)+",
        " ; ",
    ),
    # "zero or 1+" is a HER2 pick-list value (ER/PR are not scored 0 or 1+).
    (r"\b(?:zero|0)\s*(?:or|/|-|to)\s*(?:one|1)\s*\+", " her2 negative "),
    (r"[\u2018\u2019]", "'"),
    # The month May is not the modal "may" (a general statement: "patients may benefit").
    (
        r"\b(in|of|since|until|till|last|this|next|early|mid|late|by|from|on|end)\s+may\b",
        r"\1 maymonth",
    ),
    (r"\bmay(?=\s+\d)", "maymonth"),
    (
        r"\b(?:c-?erb-?b-?2|erbb-?2|her(?:[ \t-]?|-[ \t]*\.[ \t]*)2(?:\s*/\s*neu\b|[ \t-]?neu\b)?)(?!\d)",
        "her2",
    ),
    (r"\b(?:cep|cen|chr|chromosome)[ \t-]?17\b", "cep17"),
    # Statuses aligned with the names they follow: "ER/PR/HER2 = POS/NEG/NEG", "ER/PR/HER2: +/+/-"
    (_ALIGNED_STATUSES, _aligned_statuses),
    (r"\b(?:ki[ \t-]?67|mib[ \t-]?1)\b", "ki67"),
    # A letter O read for a zero: "HER2NEU-O", "intensity o".
    (r"\b(her2|intensity)[ \t]*[-:=]?[ \t]*o\b", r"\1 0"),
    (r"\bpd[ \t-]?l1\b", "pdl1"),
    (r"\bin[ \t-]situ\b", "in situ"),
    (r"hybridisation", "hybridization"),
    (r"\bultra[ \t-]low\b", "ultralow"),
    (r"\bnon[ \t-]?amplified\b", "nonamplified"),
    # Pick-list fields with their scale in brackets: "HER2/neu IHC (0-3+, n/a): 1" is a score
    # of 1; "Estrogen receptor (% positive nuclei): 70" is 70% of nuclei.
    (r"\(\s*0\s*-\s*3\s*\+?\s*(?:,\s*n\s*/?\s*a)?\s*\)\s*:\s*(?=[0-3]\b)", " score "),
    (
        r"\(\s*%\s*(?:positive|stained|staining)?\s*(?:nuclei|cells)?\s*\)\s*:\s*(\d{1,3}(?:[.,]\d+)?)\b(?!\s*%)",
        r": \1 % ",
    ),
    # Intensity bins of ER or PR ("0 10%; 1+ 20%; 2+ 40%; 3+ 30%"): not HER2 scores and not a
    # single percentage; stained (positive) when any cells stain at 1+ or more.
    (_INTENSITY_BINS, _bins_status),
    (_WORDED_BINS, _worded_bins_status),
    (_SCORED_BINS, _scored_bins_status),
    (_BRACKETED_BINS, _bracketed_bins_status),
    # A detail field's percentage written without its sign: "Percent cells staining: 85",
    # "Percentage of cells with nuclear positivity: 85", "PR % cells: 0".
    (
        r"\b(percent(?:age)?\s+(?:of\s+)?(?:positive\s+)?(?:tumou?r\s+)?(?:cells|nuclei)"
        r"(?:\s+(?:staining|stained|positive|with\s+(?:nuclear\s+)?(?:positivity|staining)))?"
        r"\s*:\s*)(\d{1,3})\b(?!\s*(?:%|\.\d|[-\u2013]\s*\d))",
        r"\1\2 % ",
    ),
    # a bare "Percent: 95" field in a receptor's line ("ER: POSITIVE; PERCENT: 95; INTENSITY: 3+")
    (r"(\bpercent(?:age)?\s*:\s*)(\d{1,3})\b(?!\s*(?:%|\.\d|[-\u2013]\s*\d))", r"\1\2 % "),
    (
        r"\b(er|pr|pgr)\s*%\s*((?:of\s+)?(?:cells|nuclei)(?:\s+(?:staining|stained|positive))?"
        r"\s*:\s*)(\d{1,3})\b(?!\s*(?:%|\.\d|[-\u2013]\s*\d))",
        r"\1 percent \2\3 % ",
    ),
    # An H-score (0-300) is neither a percentage nor a HER2 score: "ER H-score 280".
    (r"\bh\s*-?\s*score\s*[:=]?\s*\d{1,3}\b", " hscore "),
    # "ultralow not assessed" is not an ultralow result.
    (
        r"\(?\s*\bultra[ \t-]?low\s+(?:not\s+(?:assessed|evaluated|reported|determined)|n/?a)\s*\)?",
        " ",
    ),
    # "The 'ultralow' category (faint staining in <=10% of cells) does not apply": not ultralow.
    (
        r"\bultra[ \t-]?low['\"]?\s*(?:category|result|score)?\s*(?:\([^)]*\)\s*)?"
        r"(?:does\s+not|doesn't|is\s+not|isn't)\s+(?:apply|applicable|met)\b",
        " ",
    ),
    # A count of cells is not a result: "(60 nuclei counted)".
    (
        r"\b\d+\s+(?:tumou?r\s+)?(?:nuclei|cells)\s+(?:were\s+)?(?:counted|scored|analy[sz]ed|evaluated|enumerated)\b",
        " cells counted ",
    ),
    # An amended value in one sentence: "HER2 IHC originally reported as 0 is corrected to 1+" is
    # "HER2 IHC is 1+" (the superseded value set aside; an amendment in its own sentence is
    # read as superseded by the statement kinds).
    (
        r"\b(?:originally|initially|previously)\s+(?:reported|scored|read|called)\s+as\s+"
        r"[^.;]{0,40}?\s(?:is|was|has\s+been|have\s+been)\s+"
        r"(?:corrected|amended|revised|changed|upgraded|downgraded)\s+to\b",
        " is ",
    ),
    # An Allred score written out of its maximum: "Allred score 7/8" is Allred 7.
    (r"\b(allred[^.;\d]{0,16}\d)\s*/\s*8\b", r"\1"),
    # A receptor's score out of 8 with no name is its Allred (quick) score, as clinic letters
    # write it: "ER 8/8, PR 6/8" is ER Allred 8, PR Allred 6.
    (r"\b(er|pr|pgr)[ \t]*:?[ \t]*([0-8])[ \t]*/[ \t]*8\b", r"\1 allred \2"),
    # "(SCORE +1)" is a score of 1+ (older wording); "0+" is a score of 0.
    (r"\bscore\s*\+\s*([0-3])\b", r"score \1+"),
    # common misspellings of the two status words
    (
        r"\b(?:postive|postitive|posititve|possitive|posative|positve|postivie|poisitive)\b",
        "positive",
    ),
    (r"\b(?:negitive|negetive|nagative|negatve|neagtive|negtive|negaitve)\b", "negative"),
    (r"\bpos\.", "positive"),
    (r"\bneg\.", "negative"),
    # the short forms of a flattened line: "ER POS 100% PR NEG"
    (r"\b(er|pr|pgr|her2)([ \t]*:?[ \t]*)pos\b", r"\1\2positive"),
    (r"\b(er|pr|pgr|her2)([ \t]*:?[ \t]*)neg\b", r"\1\2negative"),
    # field names written with full stops: "P.R.: Positive", "E.R. POSITIVE (80%)"
    (
        r"\b([ep])\.\s?r\.(?=\s*[:=(-]|\s+(?:positive|negative|pos\b|neg\b|status|strongly|"
        r"weakly|moderately|focally))",
        r"\1r",
    ),
    # "approx. 2%" does not end a sentence
    (r"\bapprox\.", "approximately"),
    (r"~\s*(?=\d)", " approximately "),
    # a score written over its scale: "0/3+" is 0, "2/3+" is 2+
    (r"\b0\s*/\s*3\s*\+", " 0 "),
    (r"\b([1-3])\s*/\s*3\s*\+", r" \1+ "),
    # letters spaced by OCR in a field name: "E R: POSITIVE", "P R : NEGATIVE"
    (r"\b([ep]) (r)(?= ?:)", r"\1\2"),
    (r"\+\s?ve\b", " positive"),
    (r"(?<![a-z0-9])-\s?ve\b", " negative"),
    (r"(?<=[a-z0-9])-ve\b", " negative"),
    (r"(?<![\d+])\+\+\+(?!\+)", " 3+ "),
    (r"(?<![\d+])\+\+(?!\+)", " 2+ "),
    # "HER" with a sign, straight after an ER/PR sign, is HER2: "ER+PR+HER+", "Es-pr-Her+".
    (r"(?<=[+-])([ \t]*[,/]?[ \t]*)her(?=[ \t]?[+-])", r"\1her2"),
    # "ERPR+", "ErPr+": both receptors.
    (r"\berpr\b", "er/pr"),
    # Short and misspelt receptor names with a sign or a status as patients type them: "EST+",
    # "Proj-", "ER and PRO positive", "HERS2 positive"; "progesterone-" is PR-negative.
    (r"\b(?:est|estro)(?=[ \t]?[+-](?![a-z0-9])|[ \t]+(?:positive|negative)\b)", "estrogen"),
    (r"\b(?:pro|proj|prog|progest)(?=[ \t]?[+-](?![a-z0-9])|[ \t]+(?:positive|negative)\b)", "pr"),
    (r"\bhers2\b", "her2"),
    (r"\b(estrogen|oestrogen|progesterone)-(?![a-z0-9])", r"\1 negative "),
    # A sign straight after a test name is its result: "ER+", "HER2 +", "FISH-", "estrogen +".
    (
        r"\b(her2|er|pr|pgr|hr|fish|cish|sish|dish|ish|ihc|estrogen|oestrogen|progesterone)"
        r"[ \t]?\+(?![+\d])",
        r"\1 positive ",
    ),
    (r"\b(her2|er|pr|pgr|hr|fish|cish|sish|dish|ish|ihc)-(?![a-z0-9])", r"\1 negative "),
    # ... and a minus after a space when nothing but punctuation, the end or another marker
    # follows ("ER +, PR +, HER2 -.", "Her2 -, Er +"); "HER2 - 3+" or "ER - 90%" is a dash.
    (
        r"\b(her2|er|pr|pgr|hr|fish|ish|ihc)[ \t]-(?=[ \t]*(?:[,.;)/]|$|(?:er|pr|her2|hr)\b))",
        r"\1 negative ",
    ),
    # A dash hanging off a word ("breast- triple negative- stage 1") is a separator; a
    # markdown escape ("\\*Triple negative") is not part of the word.
    (r"(?<=[a-z])-(?=\s)", " - "),
    (r"\\(?=[*_#])", " "),
    # Glued tokens: "ihc2+", "her2-0", "ratio:2.0".
    (r"\b(ihc|fish|cish|sish|dish|ish|score|ratio|her2)[-:=]?(?=\d)", r"\1 "),
    (r"\b(er|pr|pgr)[-:=](?=\d)", r"\1 - "),
    # A single letter then a period at a word's end ("HER2-C.", "ER-C.") ends a statement; the
    # tokenizer would keep "c." as one abbreviation.
    (r"(?<=[\s-][a-z])\.(?=\s|$)", " ."),
    (r"(<=|>=|<|>)", r" \1 "),
    (r"([()\[\]:;]|(?<![<>])=)", r" \1 "),
    (r"(?<!\d)/|/(?!\d)", " / "),
    (r"(?<!\d),|,(?!\d)", " , "),
    (r"\s+", " "),
]
_COMPILED = [(re.compile(pattern), replacement) for pattern, replacement in _NORMALISATIONS]
_NUMBER = re.compile(lx.NUMBER_REGEX)

# Topics a HER2 IHC score or HER2 status word may have (None: no subject, e.g. a bare "2+").
_HER2_TOPICS = {None, "her2", "ihc"}
_AMPLIFICATION_HEADINGS = {
    "ratio",
    "status",
    "test",
    "testing",
    "assay",
    "analysis",
    "result",
    "results",
    ":",
    "?",
    "by",
    "with",
    "using",
    "of",
}
_SCORE_TOPICS = _HER2_TOPICS | {"ish"}
# Mentions that give a value: a statement with one of these is not a heading.
_VALUE_KINDS = {"STATUS", "AMP", "PERCENT", "TRIPLE", "RATIO", "COPIES_CUE"}
_HEADING_REACH = 4  # statements after a heading that still belong to it
_ANALYTES = {"her2", "er", "pr", "erpr"}
# Words between a receptor and the method it was tested by ("ER assay (IHC)", "PR by IHC").
_METHOD_LINKS = {"(", ")", "by", "assay", "test", "testing", "using", "via", "-", "/", "status"}


def normalize(text: str) -> str:
    text = text.replace("\u2122", "").replace("\u00ae", "")  # "HercepTest™", "Enhertu®"
    text = unicodedata.normalize("NFKC", text)  # NFKC: full-width "２＋" -> "2+"
    text = _repair_ocr(_structure(text).lower())
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=1)
def _ocr_variants() -> Dict[str, str]:
    """{damaged word: word} for every word of lexicon.OCR_TARGETS with one OCR confusion."""
    variants: Dict[str, str] = {}
    for word in lx.OCR_TARGETS:
        for index, letter in enumerate(word):
            for a, b in lx.OCR_CONFUSIONS:
                for old, new in ((a, b), (b, a)):
                    if letter == old:
                        variants.setdefault(word[:index] + new + word[index + 1 :], word)
        # one confusion made throughout the word ("pr0gester0ne", "posltlve")
        for a, b in lx.OCR_CONFUSIONS:
            for old, new in ((a, b), (b, a)):
                if word.count(old) > 1:
                    variants.setdefault(word.replace(old, new), word)
    for word in lx.OCR_TARGETS:
        variants.pop(word, None)
    return variants


_WORD = re.compile(r"\b[a-z0-9]{3,}\b")


@lru_cache(maxsize=1)
def _split_words() -> "re.Pattern":
    """A long word of lexicon.OCR_TARGETS cut in two by a space ("POSI TIVE", "PROGES TERONE")."""
    splits = sorted(
        {
            re.escape(word[:cut]) + " " + re.escape(word[cut:])
            for word in lx.OCR_TARGETS
            if len(word) >= 7
            for cut in range(2, len(word) - 1)
        },
        key=len,
        reverse=True,
    )
    return re.compile(r"\b(?:" + "|".join(splits) + r")\b")


def _repair_ocr(text: str) -> str:
    variants = _ocr_variants()
    text = _split_words().sub(lambda match: match.group(0).replace(" ", ""), text)
    text = _WORD.sub(lambda match: variants.get(match.group(0), match.group(0)), text)
    for pattern, replacement in _OCR_NUMBERS:
        text = pattern.sub(replacement, text)
    return text


# OCR damage inside numbers: a letter O for a zero ("8O%", "3.O4"), a letter l for a one
# ("ratio l.8", "l0%", "(l+)"), and a decimal cut by a space after a ratio's or a copy number's
# cue ("ratio = 2. 3", "4. 85", "mean 2. 4 per cell"); "copy no." is "copy number".
_OCR_NUMBERS = [
    # a percent sign read as "0/0" or "0/o" after its number ("80 0/o of tumor nuclei", "9O 0/0")
    (re.compile(r"(?<=[\do])\s*[0o]/[0o](?![\d/])"), "%"),
    # a digit zero inside a word ("RATI0", "P0SITIVE"; not a TNM code such as "pT1N0M0")
    (re.compile(r"(?<=[a-z]{2})0(?=[a-z])|(?<=[a-z]{4})0\b"), "o"),
    # a letter l for a one: "ratio l.8", "l.O8", "l0%", "(l+)", "5. l" (a decimal cut by a space),
    # "l.l8", "2.5l", "l2. 4"; twice, as a one made in the first pass is the next one's context
    *[
        (
            re.compile(
                r"(?<![a-z0-9.])l(?=\.[\dol]|\d+\s*%|\+|\d*\.\s?\d)|(?<=\d\.)l(?=\d|\b)"
                r"|(?<=\d\.\d)l\b|(?<=\d\.\s)l\b"
            ),
            "1",
        )
    ]
    * 2,
    # a letter O for a zero alone before a percent sign: "PR: NEGATIVE (O%)"
    (re.compile(r"(?<=[(\s:])o(?=\s*%)"), "0"),
    (
        re.compile(
            r"(?<=\d)o(?=\d|%)|(?<=\d\.)o(?=\d)|(?<=\d)o\b(?=\s*(?:%|percent\b))|(?<=\d\.\d)o\b"
        ),
        "0",
    ),
    # a percentage's decimal cut by a space after a cue ("positive in 2. 5% of cells")
    (
        re.compile(
            r"(\b(?:in|approximately|approx\.?|about|of)\s+\d)\.\s(\d)(?=\s*(?:%|percent\b))"
        ),
        r"\1.\2",
    ),
    (re.compile(r"\bcopy\s+no\.(?=\s*[:=]?\s*\d)"), "copy number"),
    (
        re.compile(
            r"(\b(?:ratio|copy\s+number|copies|mean|average|signals)\b[^.;\d]{0,40}?\d+)"
            r"\.\s(\d{1,2})(?![\d%])"
        ),
        r"\1.\2",
    ),
]


# (not before a chat question or the writer: "HER2 negative. what does this mean?")
_CHAT_START = r"(?:what|whats|what's|why|how|can|could|should|please|help|i|im|i'm)\b"
_OCR_LINE_JOIN = re.compile(r"(?<=[a-z,])\.\s+(?=[a-z])(?!" + _CHAT_START + ")")


# A results-page row pasted as text ("HER2/CEP17 | 1.1 |", "HER2 (IHC)<tab>3+<tab>Negative: 0 or
# 1+<tab>H"): its name and its value, without the reference range and the flag columns.
_CELL_SPLIT = re.compile(r"(\t+|\s*\|\s*)")
_REFERENCE_CELL = re.compile(
    r"(?i)^(?:ref(?:erence)?(?:\s*range)?\s*:?\s*)?(?:negative|normal|neg)\s*[:=]?\s*"
    r"(?:0|zero)\s*(?:or|-|\u2013|to|/)\s*1\s*\+?$"
)
_FLAG_CELL = re.compile(r"(?i)^(?:h|l|hi|lo|high|low|a|abn|abnormal|\*+)$")


def _table_row(line: str) -> str:
    if "\t" not in line and "|" not in line:
        return line
    pieces = _CELL_SPLIT.split(line)  # cell, separator, cell, ...
    cells = [
        (cell.strip(), "|" if i and "|" in pieces[i - 1] else " ")
        for i, cell in enumerate(pieces)
        if i % 2 == 0
    ]
    cells = [
        (cell, separator)
        for cell, separator in cells
        if cell and not _REFERENCE_CELL.match(cell) and not _FLAG_CELL.match(cell)
    ]
    if not cells:
        return ""
    # the first column names the row; later columns keep a pipe as a boundary, a tab as a space
    row = cells[0][0] + (": " if len(cells) > 1 else "")
    return row + " ".join(
        (f"| {cell}" if separator == "|" and i else cell)
        for i, (cell, separator) in enumerate(cells[1:])
    )


def _structure(text: str) -> str:
    """Line structure, read before lower-casing: a line break ends a statement ("ER: Positive"
    on one line, "PR: Negative" on the next) unless the next line carries on a mixed-case
    sentence (it starts in lower case). In mixed-case text, ". " before a lower-case word is a
    line join made by OCR ("neoplastic. cell nuclei"), not the end of a sentence."""
    mixed = any(c.islower() for c in text) and any(c.isupper() for c in text)
    lines = [_table_row(line) for line in text.splitlines()]
    if not lines:
        return text
    parts = [lines[0]]
    for line in lines[1:]:
        stripped = line.strip()
        continues = mixed and stripped[:1].islower() and not re.match(_CHAT_START, stripped)
        parts.append((" " if continues else " . ") + line)
    joined = "".join(parts)
    return _OCR_LINE_JOIN.sub(" ", joined) if mixed else joined


@dataclass(frozen=True)
class Mention:
    kind: str
    value: Optional[str]
    start: int
    end: int


@dataclass(frozen=True)
class _Rules:
    """One layer of lexicon patterns. Patterns made only of literal words (with optional ones)
    are expanded into a PhraseMatcher, whose cost doesn't grow with the number of phrases; the
    rest (numbers, repeats) go to a Matcher."""

    phrases: object
    tokens: object

    def __call__(self, doc) -> List[Tuple[int, int, int]]:
        token_matches = list(self.tokens(doc)) if len(self.tokens) else []
        return list(self.phrases(doc)) + token_matches


@dataclass(frozen=True)
class _Pipeline:
    nlp: object
    main: _Rules
    scores: _Rules
    staining: _Rules
    statements: _Rules


@lru_cache(maxsize=1)
def _pipeline() -> _Pipeline:
    """The blank spaCy pipeline and matchers, built once per process (~1 s)."""
    import spacy

    nlp = spacy.blank("en")
    # normalize() spaces the comparators out; keep "<=" and ">=" one token each ("ratio >= 2.0"
    # is a threshold, as "ratio > 2.0" is)
    for comparator in ("<=", ">="):
        nlp.tokenizer.add_special_case(comparator, [{"ORTH": comparator}])
    return _Pipeline(
        nlp,
        _rules(nlp, lx.PATTERNS),
        _rules(nlp, lx.SCORE_PATTERNS),
        _rules(nlp, lx.STAINING_PATTERNS),
        _rules(nlp, lx.STATEMENT_PATTERNS),
    )


def _rules(nlp, patterns: Dict[str, list]) -> _Rules:
    from spacy.matcher import Matcher, PhraseMatcher
    from spacy.tokens import Doc

    phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
    tokens = Matcher(nlp.vocab)
    for label, label_patterns in patterns.items():
        for pattern in label_patterns:
            word_sequences = _word_sequences(pattern)
            if word_sequences is None:
                tokens.add(label, [pattern])
            else:
                phrases.add(label, [Doc(nlp.vocab, words=words) for words in word_sequences])
    return _Rules(phrases, tokens)


def _word_sequences(pattern: List[dict]) -> Optional[List[List[str]]]:
    """Every word sequence a literal pattern matches, or None if it isn't literal."""
    sequences: List[List[str]] = [[]]
    for token in pattern:
        lower = token.get("LOWER")
        words = lower.get("IN") if isinstance(lower, dict) else [lower]
        if (
            set(token) - {"LOWER", "OP"}
            or words is None
            or None in words
            or token.get("OP") not in (None, "?")
        ):
            return None
        options = [[word] for word in words] + ([[]] if token.get("OP") == "?" else [])
        sequences = [prefix + option for prefix in sequences for option in options]
    return [words for words in sequences if words]


def _mentions(doc, rules: _Rules) -> List[Mention]:
    """Matches as Mentions; overlapping matches are resolved longest first."""
    strings = doc.vocab.strings
    matches = sorted(rules(doc), key=lambda match: (match[1] - match[2], match[1]))
    taken: set = set()
    found = []
    for match_id, start, end in matches:
        if taken.intersection(range(start, end)):
            continue
        taken.update(range(start, end))
        kind, _, value = strings[match_id].partition(":")
        found.append(Mention(kind, value or None, start, end))
    return sorted(found, key=lambda mention: mention.start)


EXPECTED_ANSWERS = (None, "ihc", "ish", "ratio", "copy_number")


def parse(text: str, expect: Optional[str] = None) -> Findings:
    """Read HER2 findings from free text (a chat message or a pasted report excerpt).

    `expect` (optional) says what the chatbot just asked, for reading bare answers: a lone
    number is an IHC score by default ("3" -> 3+), a ratio with expect="ratio", a copy number
    with expect="copy_number"; a lone "positive"/"negative" is a stated HER2 status by default
    and an ISH result with expect="ish". Text that names its values ("ratio 2.3") is read the
    same whatever `expect` says.
    """
    if expect not in EXPECTED_ANSWERS:
        raise ValueError(f"expect must be one of {EXPECTED_ANSWERS}, not {expect!r}")
    if not text or not text.strip():
        return Findings()
    pipeline = _pipeline()
    doc = pipeline.nlp.make_doc(normalize(text))
    tokens = [token.text for token in doc]
    main = _mentions(doc, pipeline.main)
    set_aside = _statement_kinds(tokens, _mentions(doc, pipeline.statements), main)
    her2_named = (
        "her2" in tokens
        or any(_names_her2(mention) for mention in main)
        or _her2_scoring_text(tokens, main)
    )
    findings = _read(doc, tokens, main, set_aside, expect)
    if findings.er is None and findings.pr is None and "in_situ" in set_aside.values():
        # ER and PR given only for the in-situ component (DCIS) are still its receptors: the
        # HER2 values of that statement stay set aside
        in_situ_too = _receptors_with_in_situ(doc.text, expect)
        for name in ("er", "er_percent", "pr", "pr_percent"):
            setattr(findings, name, getattr(in_situ_too, name))
    findings.repeat_requested = any(
        set_aside.get(index) == "pending" and token.lower() in lx.REPEAT_WORDS
        for index, token in enumerate(tokens)
    )
    findings.her2_mentioned = bool(
        her2_named
        or findings.has_test_values()
        or findings.stated_status
        or findings.outdated_terms
    )
    return findings


# Mentions kept whatever statement they are in: they name things, they don't give results.
_ALWAYS_KEPT = {"SUBJ", "METHOD", "PROBE"}
# Mentions set aside in method/control statements (the rest of those statements is kept).
_SET_ASIDE_IN_METHOD = {"STATUS", "AMP", "TRIPLE", "STAINING"}
# Mentions of an in-situ statement that still count for ER and PR (never for HER2).
_ER_PR_IN_SITU = {"STATUS", "PERCENT"}


def _listed_statuses(tokens: List[str], main: List[Mention]) -> List[int]:
    """Different status words listed together ("high, low and negative HER2 expression",
    "positive, negative or equivocal") name a scale, not a result."""
    words = [m for m in main if m.kind in ("STATUS", "AMP")]
    listed = []
    for first, second in zip(words, words[1:]):
        between = tokens[first.end : second.start]
        if (
            first.value != second.value
            and between
            and all(token in (",", "and", "or", "/") for token in between)
        ):
            listed += [first.start, second.start]
    return listed


# "ER (DCIS): positive, 70%", "PR in the DCIS: 30%": the in-situ component named as the
# receptor's specimen (only read for ER and PR, when the text gives no other).
_IN_SITU_MARK = re.compile(r"\(\s*dcis\s*\)|\bin\s+(?:the\s+)?dcis\b")


def _receptors_with_in_situ(normalized: str, expect) -> Findings:
    """The text read with its in-situ statements kept (ER and PR only are taken from it)."""
    pipeline = _pipeline()
    doc = pipeline.nlp.make_doc(_IN_SITU_MARK.sub(" ", normalized))
    tokens = [token.text for token in doc]
    main = _mentions(doc, pipeline.main)
    set_aside = _statement_kinds(tokens, _mentions(doc, pipeline.statements), main)
    kept = {i: kind for i, kind in set_aside.items() if kind != "in_situ"}
    return _read(doc, tokens, main, kept, expect)


def _read(
    doc, tokens: List[str], main: List[Mention], set_aside: Dict[int, str], expect
) -> Findings:
    pipeline = _pipeline()
    reader = _Reader(
        tokens=tokens,
        main=[m for m in main if _kept(m, set_aside)],
        scores=[m for m in _mentions(doc, pipeline.scores) if _kept(m, set_aside)],
        staining=[m for m in _mentions(doc, pipeline.staining) if _kept(m, set_aside)],
        expect=expect,
        set_aside=set_aside,
    )
    return reader.read()


def _kept(mention: Mention, set_aside: Dict[int, str]) -> bool:
    kind = set_aside.get(mention.start)
    if kind is None or mention.kind in _ALWAYS_KEPT:
        return True
    if kind == "method":
        return mention.kind not in _SET_ASIDE_IN_METHOD
    if kind == "in_situ":
        # ER and PR are reported for DCIS too ("DCIS, ER/PR positive (90%/30%)"): a status or
        # percentage is kept for the reader, which takes it only for ER or PR (_for_er_pr_only)
        return mention.kind in _ER_PR_IN_SITU
    return False


def _her2_scoring_text(tokens: List[str], main: List[Mention]) -> bool:
    """HER2 IHC scoring text that doesn't write "HER2": membrane staining given a score ("Score
    0 = Negative: ... only a portion of the membrane is positive"), in a text that names no
    other marker (E-cadherin, EGFR and CK5/6 are membrane stains too)."""
    if any(m.kind == "SUBJ" and m.value == "other" for m in main) or not any(
        m.kind == "SCORE_CUE" for m in main
    ):
        return False
    phrases = lx.HER2_ONLY_PHRASES
    return any(
        tuple(tokens[index : index + size]) in phrases
        for size in {len(phrase) for phrase in phrases}
        for index in range(len(tokens))
    )


def _names_her2(mention: Mention) -> bool:
    return (mention.kind == "SUBJ" and mention.value == "her2") or (
        mention.kind == "METHOD" and mention.value in lx.HER2_SPECIFIC_METHODS
    )


def _statement_kinds(tokens: List[str], cues: List[Mention], main: List[Mention]) -> Dict[int, str]:
    """{token index: statement kind} for every token in a statement that is not a result
    (pending, failed, method, control, criterion, general; lexicon.STATEMENT_KINDS), each cue covering
    its scope; plus criterion clauses: a status word with a threshold ("Negative: staining in
    less than 1% of cells")."""
    scopes = {
        "sentence": _segment_ids(tokens),
        "clause": _segment_ids(tokens, lx.BOUNDARIES | lx.CLAUSE_BOUNDARIES),
        # A ";" inside brackets doesn't end a bracket's scope: "(scores of 0 and 1+ are
        # considered negative; 2+ equivocal; 3+ positive)" is one scale.
        "bracket": _segment_ids(
            tokens, lx.BOUNDARIES | lx.CLAUSE_BOUNDARIES | lx.BRACKETS, semicolon_in_brackets=False
        ),
        # a line or sentence, ";" included: "Single-gene scores (RT-PCR): ER 8.6; HER2 11.8"
        "line": _segment_ids(tokens, lx.BOUNDARIES - {";"}),
    }
    found = [
        (cue.value, cue.start)
        for cue in cues
        if lx.STATEMENT_KINDS[cue.value]
        # "HER2 ISH requested by oncology: ratio 2.1" names who asked; the result is there
        and not (cue.value == "pending" and tokens[cue.end : cue.end + 1] == ["by"])
    ]
    if not lx.SUPERSEDING_WORDS & set(tokens):
        found = [(kind, start) for kind, start in found if kind != "superseded"]
    brackets = scopes["bracket"]
    thresholds = {
        brackets[i]
        for i in range(len(tokens) - 1)
        if _NUMBER.match(tokens[i + 1])
        and (
            tokens[i] in lx.THRESHOLD_WORDS
            or (i >= 1 and (tokens[i - 1], tokens[i]) in lx.THRESHOLD_PHRASES)
        )
    }
    thresholds |= {
        brackets[i]
        for i in range(len(tokens) - 2)
        if _NUMBER.match(tokens[i + 2]) and (tokens[i], tokens[i + 1]) in lx.THRESHOLD_PHRASES
    }
    # "ER: Negative <1%": a status given as a hormone receptor's field value, with its bound,
    # is that receptor's result, not a criterion (HER2's are left to the rule: "HER2 Positive
    # >= 11.5" is an RT-PCR scale).
    receptor_ends = {m.end for m in main if m.kind == "SUBJ" and m.value in ("er", "pr", "erpr")}
    receptor_values = {
        m.start
        for m in main
        if m.kind == "STATUS"
        and (
            m.start in receptor_ends
            # "ER: Positive", "ER strongly positive in >95% of tumor nuclei"
            or (
                m.start - 1 in receptor_ends
                and tokens[m.start - 1] in (":", "=") + tuple(lx.INTENSITY_ADVERBS)
            )
        )
    }
    found = [
        (k, start) for k, start in found if not (k == "criterion" and start in receptor_values)
    ]
    found += [
        ("criterion", m.start)
        for m in main
        if m.kind in ("STATUS", "AMP")
        and brackets[m.start] in thresholds
        and m.start not in receptor_values
    ]
    found += [("criterion", start) for start in _listed_statuses(tokens, main)]
    legends = _legend_brackets(tokens, main)
    members: Dict[Tuple[str, int], List[int]] = {}
    for name, ids in scopes.items():
        for index, scope_id in enumerate(ids):
            members.setdefault((name, scope_id), []).append(index)
    kinds: Dict[int, str] = {}
    done: set = set()  # a kind already spread over a scope: once is enough (linear time)
    clauses = scopes["clause"]
    for kind, start in found:
        name = lx.STATEMENT_KINDS[kind]
        if kind == "in_situ" and any(
            tokens[i] in lx.INVASIVE_WORDS
            and clauses[i] == clauses[start]
            and not (i and tokens[i - 1] in ("no", "non", "-"))
            for i in range(len(tokens))
        ):
            continue  # "3+ in both the invasive and in situ components"
        if (
            kind == "in_situ"
            and tokens[start + 1 : start + 3][-1:]
            and tokens[start + 1 : start + 3][-1].startswith("hybridi")
        ):
            continue  # "fluorescence in situ hybridization" is a test, not the DCIS
        if kind == "other_assay":
            # only HER2's part of the line: the same assay's ER/PR statuses are kept as the
            # report words them ("ER Score 9.1 units (Positive)")
            line = [i for i in members[("line", scopes["line"][start])]]
            subjects = sorted(m.start for m in main if m.kind == "SUBJ" and m.start in line)
            for m in main:
                if m.kind == "SUBJ" and m.value == "her2" and m.start in line:
                    after = [i for i in subjects if i > m.start]
                    stop = after[0] if after else line[-1] + 1
                    for index in range(m.start, stop):
                        if kinds.get(index) in (None, "method"):
                            kinds[index] = kind
            continue
        inside = _inside_brackets(tokens, start, scopes["sentence"])
        if kind == "criterion" and ":" in tokens[start + 1 : start + 3] and not inside:
            # a heading of criteria ("HER2 scoring criteria: 0 = ...; 1+ = ...; 3+ = ...")
            # covers its whole list, ";" included
            name = "line"
        elif name in ("sentence", "clause") and kind not in lx.WHOLE_LINE_KINDS and inside:
            # a cue in brackets covers the bracket only: "HER2 by IHC: 0 (scores of 0 and 1+
            # are ...)", "Equivocal (2+) [ISH pending]", "PR (clone 1E2): negative"
            name = "bracket"
        if kind in _FIELD_KINDS and name == "clause":
            field = _field_around(start, scopes["clause"], main)
            if field is not None:
                # a flattened line of fields ("ER POS 100% PR POS 60% KI67 12% HER2 PENDING"):
                # the cue covers its own analyte's field only
                for index in range(*field):
                    if kinds.get(index) in (None, "method"):
                        kinds[index] = kind
                continue
        if name == "forward":
            clause = scopes["clause"]
            while (
                start > 0
                and clause[start - 1] == clause[start]
                and tokens[start - 1] in lx.CONTROL_MODIFIERS
            ):
                start -= 1
            for index in range(start, len(tokens)):
                if clause[index] != clause[start]:
                    break
                if inside and tokens[index] == ")":
                    break  # "(INFORM, no chromosome 17 control): average 8.2 signals" keeps 8.2
                if kinds.get(index) in (None, "method"):
                    kinds[index] = kind
            continue
        # A cue after a ";" inside brackets covers only what follows that ";" ("(ratio 1.05;
        # reference: amplified >= 2.0)" keeps its 1.05).
        first = _after_semicolon(tokens, start) if name == "bracket" else 0
        key = (kind, name, scopes[name][start], first)
        if key in done:
            continue
        done.add(key)
        for index in members[(name, scopes[name][start])]:
            if index >= first and kinds.get(index) in (None, "method"):
                kinds[index] = kind
    for index in legends + _legend_sentences(tokens, main, scopes["sentence"]):
        kinds[index] = "criterion"
    # A short gloss in brackets straight after a criterion is part of it: "... is reported as
    # amplified (positive)".
    for index, token in enumerate(tokens):
        if (
            token == "("
            and (kinds.get(index) == "criterion" or (index and kinds.get(index - 1) == "criterion"))
            and index + 1 not in kinds
        ):
            close = next(
                (i for i in range(index + 1, min(index + 12, len(tokens))) if tokens[i] == ")"),
                None,
            )
            if close is not None:
                for inside in range(index + 1, close + 1):
                    kinds[inside] = "criterion"
    # A value corrected in place: "score corrected from 2+ to 1+", "revised from 1+ to 2+": the
    # value after "from" is the superseded one (only with a word of a correction just before)
    for index, token in enumerate(tokens):
        if token != "from" or not lx.SUPERSEDING_WORDS & set(tokens[max(0, index - 4) : index]):
            continue
        to = next(
            (i for i in range(index + 2, min(index + 6, len(tokens))) if tokens[i] == "to"), None
        )
        if to is not None:
            for inside in range(index + 1, to):
                kinds[inside] = "superseded"
    return kinds


# Statement kinds whose cue, in a clause of several analytes' fields, covers its own field only.
_FIELD_KINDS = {"pending", "failed"}


def _field_around(start: int, clauses: List[int], main: List[Mention]) -> Optional[Tuple[int, int]]:
    """[from, to) of the analyte field a cue at `start` is in, when its clause names two or
    more analytes (the cue's field runs from the last subject before it to the next one);
    None otherwise."""
    # another marker's field ends one too: "PR: Negative   Ki-67: pending" keeps PR's result
    subjects = sorted(
        m.start
        for m in main
        if m.kind == "SUBJ"
        and m.value in _ANALYTES | {"other"}
        and clauses[m.start] == clauses[start]
    )
    before = [i for i in subjects if i <= start]
    if len(subjects) < 2 or not before:
        return None
    after = [i for i in subjects if i > start]
    end = after[0] if after else max(i for i, c in enumerate(clauses) if c == clauses[start]) + 1
    return before[-1], end


def _legend_sentences(tokens: List[str], main: List[Mention], sentences: List[int]) -> List[int]:
    """The tokens of sentences that give three or more different scores with either two
    statuses or two "=" signs, or the word "scoring": a scale ("HERCEPTEST SCORING: 0 AND 1+
    NEGATIVE, 2+ WEAKLY POSITIVE, 3+ STRONGLY POSITIVE", "0 = no staining; 1+ = ...")."""
    # brackets are left to _legend_brackets: "HER2 by IHC: 0 (scores of 0 and 1+ are ...)"
    outside, depth = [], 0
    for index, token in enumerate(tokens):
        if index and sentences[index] != sentences[index - 1]:
            depth = 0
        if token in ("(", "["):
            depth += 1
        elif token in (")", "]"):
            depth = max(depth - 1, 0)
        elif depth == 0:
            outside.append(index)
    kept = set(outside)
    statuses: Dict[int, set] = {}
    for m in main:
        if m.kind == "STATUS" and m.start in kept:
            statuses.setdefault(sentences[m.start], set()).add(m.value)
    members: Dict[int, List[int]] = {}
    for index in outside:
        members.setdefault(sentences[index], []).append(index)
    found: List[int] = []
    for sentence, indices in members.items():
        scores = {
            tokens[i]
            for i in indices
            if _score_value(tokens[i]) is not None
            and (tokens[i] == "0" or (i + 1 < len(tokens) and tokens[i + 1] == "+"))
        }
        equals = sum(tokens[i] == "=" for i in indices)
        named = any(tokens[i] == "scoring" for i in indices)
        if len(scores) >= 3 and (len(statuses.get(sentence, ())) >= 2 or equals >= 2 or named):
            found.extend(indices)
    return found


def _legend_brackets(tokens: List[str], main: List[Mention]) -> List[int]:
    """The tokens of brackets that pair several scores with several statuses: a scoring
    legend, "(Positive: 3+; Equivocal: 2+; Negative: 0-1+)", "(3+ positive, 2+ equivocal)"."""
    statuses = {m.start: m.value for m in main if m.kind == "STATUS"}
    inside: List[int] = []
    opened: Optional[int] = None
    for index, token in enumerate(tokens):
        if token in ("(", "["):
            opened = index
        elif token in (")", "]") and opened is not None:
            span = range(opened, index + 1)
            found = {statuses[i] for i in span if i in statuses}
            scores = {
                tokens[i]
                for i in span
                if _score_value(tokens[i]) is not None
                and i + 1 < len(tokens)
                and tokens[i + 1] == "+"
            }
            if len(found) >= 2 and len(scores) >= 2:
                inside.extend(span)
            opened = None
    return inside


def _after_semicolon(tokens: List[str], index: int) -> int:
    """The index after the last ";" between the bracket the token is in and the token (0 when
    the token is not in brackets or no ";" comes first)."""
    for i in range(index - 1, -1, -1):
        if tokens[i] in (")", "]", "."):
            return 0
        if tokens[i] in ("(", "["):
            return 0
        if tokens[i] == ";":
            inner = i
            for j in range(i - 1, -1, -1):
                if tokens[j] in (")", "]", "."):
                    return 0
                if tokens[j] in ("(", "["):
                    return inner + 1
            return 0
    return 0


def _inside_brackets(tokens: List[str], index: int, sentences: List[int]) -> bool:
    """Whether the token is inside an open bracket of its sentence."""
    depth = 0
    for i in range(index - 1, -1, -1):
        if sentences[i] != sentences[index]:
            break
        if tokens[i] in (")", "]"):
            depth -= 1
        elif tokens[i] in ("(", "["):
            depth += 1
            if depth > 0:
                return True
    return False


@dataclass
class _Collected:
    """Everything seen, before it is settled into Findings."""

    ihc_hits: List[Tuple[int, str]] = field(default_factory=list)
    ish_hits: List[Tuple[int, str]] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)
    staining_seen: bool = False
    no_staining_seen: bool = False
    ultralow_seen: bool = False
    implied_receptors: Dict[str, str] = field(default_factory=dict)  # "er"/"pr" -> status
    stated_hits: List[Tuple[int, str]] = field(default_factory=list)  # HER2 status words
    # percentages read for "ER/PR" together, per statement: "ER/PR positive (90%/30%)"
    paired_percents: Dict[int, List[float]] = field(default_factory=dict)
    # ER or PR given two different percentages in two result statements (two specimens): no
    # one percentage; and the statement each first percentage was read in
    percent_conflicts: set = field(default_factory=set)
    percent_statement: Dict[str, int] = field(default_factory=dict)


class _Reader:
    def __init__(
        self,
        tokens: List[str],
        main: List[Mention],
        scores: List[Mention],
        staining: List[Mention],
        expect: Optional[str] = None,
        set_aside: Optional[Dict[int, str]] = None,
    ):
        self.tokens = tokens
        self.set_aside = {i for i, kind in (set_aside or {}).items() if kind != "method"}
        self.in_statement = set(set_aside or {})  # any statement that is not a result
        self.in_situ = {i for i, kind in (set_aside or {}).items() if kind == "in_situ"}
        self.expect = expect
        self.main = main
        self.scores = scores
        self.staining = staining
        self.segments = _segment_ids(tokens)
        self.mention_at = {i: m for m in main for i in range(m.start, m.end)}
        self.subjects = [m for m in main if _subject_topic(m) is not None]
        # Indexes built once so that topic lookups stay linear in the text's length.
        self.subjects_in: Dict[int, List[Mention]] = {}  # statement id -> its subjects
        self.subject_ends_in: Dict[int, List[int]] = {}  # statement id -> their ends
        self.subjects_ending_at: Dict[int, List[Mention]] = {}
        for mention in self.subjects:
            segment = self.segments[mention.start]
            self.subjects_in.setdefault(segment, []).append(mention)
            self.subject_ends_in.setdefault(segment, []).append(mention.end)
            self.subjects_ending_at.setdefault(mention.end, []).append(mention)
        self.segment_start: Dict[int, int] = {}
        for index, segment in enumerate(self.segments):
            self.segment_start.setdefault(segment, index)
        self.questions = {self.segments[i] for i, token in enumerate(tokens) if token == "?"}
        self.scores_in: Dict[int, set] = {}  # statement id -> IHC codes read in it
        # Hormone receptors named anywhere: then a value with no subject is not taken as HER2.
        self.receptors_named = any(
            _subject_topic(m) in ("er", "pr", "erpr", "hr") for m in self.subjects
        )
        self.headings = self._heading_topics()
        self.used: set = set()
        self.seen = _Collected()
        self.limits = load_guideline()

    # --- the reading order matters: numbers claimed by one reader are not read again ---

    def read(self) -> Findings:
        for kind, handler in (
            ("RANGE", self._range),
            ("PERCENT", self._percent),
            ("RATIO", self._ratio),
            ("COPIES_CUE", self._copies),
            ("COPIES_UNIT", self._copies),
            ("ALLRED", self._allred),
        ):
            for mention in self._main_of(kind):
                handler(mention)
        for mention in self.scores:
            self._written_score(mention)
        self._table_cell_scores()
        for mention in self.main:
            if mention.kind in ("SCORE_CUE", "SUBJ") and mention.value in (None, "her2", "ihc"):
                self._score_after_cue(mention)
        word_handlers = {
            "STATUS": self._status,
            "AMP": self._amplification,
            "TRIPLE": self._triple,
            "METHOD": self._method,
            "PROBE": self._probe,
        }
        for mention in self.main:
            if mention.kind in word_handlers:
                word_handlers[mention.kind](mention)
        for mention in self.staining:
            self._staining(mention)
            self._score_before_staining(mention)
        self._receptor_presence()
        if not (self.seen.ihc_hits or self.seen.ish_hits) and self.seen.findings.is_empty():
            self._bare_number_answer()
        return self._settle()

    def _main_of(self, kind: str) -> List[Mention]:
        return [m for m in self.main if m.kind == kind]

    # --- numbers ---

    def _range(self, mention: Mention) -> None:
        """Ranges ("1.8-2.2", "10 to 20%") are never values; 1.8-2.2 is the pre-2013 band."""
        low, high = self._number(mention.start), self._number(mention.end - 1)
        self.used.update(range(mention.start, mention.end))
        if (low, high) == (1.8, 2.2):
            self.seen.findings.outdated_terms = True
        # an ER/PR range of stained nuclei ("PR 50-60%") gives the status, not a percentage
        if (
            mention.end < len(self.tokens)
            and self.tokens[mention.end] == "%"
            and low is not None
            and high is not None
            and low <= high <= 100
        ):
            self._imply_receptor(
                self.topic(mention.start, mention.end),
                low >= _receptor_limits()["positive_from_percent"],
                high < 1,
            )

    def _imply_receptor(self, topic: Optional[str], positive: bool, negative: bool) -> None:
        """An ER/PR status from a range or a bound of stained nuclei, when no word gives it."""
        if topic not in ("er", "pr", "erpr") or positive == negative:
            return
        status = "positive" if positive else "negative"
        for receptor in ("er", "pr") if topic == "erpr" else (topic,):
            self.seen.implied_receptors.setdefault(receptor, status)

    def _percent(self, mention: Mention) -> None:
        index = mention.start
        self.used.add(index)
        value = self._number(index)
        if value is None:
            return
        if self._is_threshold(index):
            # "ER: >95% strong" is ER-positive, "PR <1%" PR-negative; the bound is no value
            previous = self.tokens[index - 1]
            if not self.in_statement & {index} and previous in (">", ">=", "<", "<="):
                above = previous in (">", ">=")
                limit = _receptor_limits()["positive_from_percent"]
                self._imply_receptor(
                    self.topic(mention.start, mention.end),
                    above and value >= limit,
                    not above and value <= limit,
                )
            return
        topic = self.topic(mention.start, mention.end)
        if self._for_er_pr_only(index, topic):
            return
        targets = {
            "er": ("er_percent",),
            "pr": ("pr_percent",),
            "erpr": ("er_percent", "pr_percent"),
        }.get(topic)
        if targets is None and topic in _HER2_TOPICS:
            targets = ("percent_stained",)
        if not targets:
            return
        if not self.limits.within_limits("percent", value):
            self._problem("percent_over_100")
            return
        if topic == "erpr" and self._second_of_pair(index, value):
            return
        segment = self.segments[index]
        for name in targets:
            known = getattr(self.seen.findings, name)
            if known is None:
                setattr(self.seen.findings, name, value)
                self.seen.percent_statement[name] = segment
            elif (
                known != value
                and name != "percent_stained"
                and index not in self.in_statement
                and self.seen.percent_statement.get(name) != segment
            ):
                self.seen.percent_conflicts.add(name)

    def _second_of_pair(self, index: int, value: float) -> bool:
        """Two percentages after both receptors named together ("ER/PR positive (90%/30%)",
        "PR and ER at 5% and 95%") are one each, in the order the receptors were named; the
        first was given to both until the second came."""
        segment = self.segments[index]
        seen = self.seen.paired_percents.setdefault(segment, [])
        seen.append(value)
        if len(seen) != 2:
            return len(seen) > 2  # a third is nobody's
        findings, first = self.seen.findings, seen[0]
        if (findings.er_percent, findings.pr_percent) != (first, first):
            return True  # the first one was not given to both: leave them as they are
        subject = max(
            (
                m
                for m in self.subjects_in.get(segment, [])
                if m.start < index and _subject_topic(m) == "erpr"
            ),
            key=lambda m: m.start,
            default=None,
        )
        pr_first = subject is not None and self.tokens[subject.start] in (
            "pr",
            "pgr",
            "progesterone",
        )
        if pr_first:
            findings.er_percent = value
        else:
            findings.pr_percent = value
        return True

    def _allred(self, mention: Mention) -> None:
        """An Allred score of ER or PR gives its status when no status word does."""
        index = next(
            (i for i in range(mention.start, mention.end) if self._number(i) is not None), None
        )
        if index is None:
            return
        self.used.add(index)
        value, limits = self._number(index), _receptor_limits()
        topic = self.topic(mention.start, mention.end)
        if (
            topic not in ("er", "pr", "erpr")
            or value != int(value)
            or not 0 <= value <= limits["allred_max"]
        ):
            return
        status = "positive" if value >= limits["allred_positive_from"] else "negative"
        for receptor in ("er", "pr") if topic == "erpr" else (topic,):
            self.seen.implied_receptors.setdefault(receptor, status)

    def _copies(self, mention: Mention) -> None:
        if self._subject_just_before(mention.start, "cep17"):
            return
        index = mention.start - 1
        if self._cep17_value(index) and "her2" not in self.tokens[mention.start : mention.end]:
            return  # "Average CEP17: 2.0 signals/cell" is the reference probe's count
        if (
            mention.kind == "COPIES_UNIT"
            and self.tokens[mention.end - 1].startswith("signal")
            and index >= 0
            and self._typical_cell_count(index, mention.end)
        ):
            return  # "cells displayed 2 CEP17 signals and 2 HER2 signals": one cell, not the mean
        if not (index >= 0 and self._free_number(index)):
            # "HER2 signals 120" is usually a total count, so only copy cues look ahead.
            unit = self.tokens[mention.end - 1]
            if mention.kind == "COPIES_UNIT" and unit.startswith("signal"):
                return  # "2 HER-2 signals" in a typical cell: a count, not the average per cell
            index = self._number_after(mention.end)
        if index is None:
            return
        self.used.add(index)
        self._store_copies(self._number(index))

    def _cep17_value(self, index: int) -> bool:
        """The number at `index` is the field value of CEP17 ("Average CEP17: 2.0")."""
        back = index - 1
        while back >= 0 and self.tokens[back] in (":", "=", "-", "mean", "average", "avg"):
            back -= 1
        return back >= 0 and self.tokens[back] == "cep17"

    def _typical_cell_count(self, index: int, end: int) -> bool:
        """A whole number of signals with no average word before it and no "per cell" after
        it counts the signals of a typical cell; the mean copy number is an average ("average
        of 4.5 signals", "4 signals per cell")."""
        value = self._number(index)
        if value is None or value != int(value):
            return False
        return not (
            any(token in lx.AVERAGE_WORDS for token in self.tokens[max(index - 4, 0) : index])
            or any(token in lx.PER_CELL_WORDS for token in self.tokens[end : end + 2])
        )

    def _ratio(self, mention: Mention) -> None:
        before = self.tokens[max(0, mention.start - 3) : mention.start]
        if lx.OTHER_RATIO_WORDS & set(before):
            return
        index = self._number_after(mention.end)
        if index is None:
            return
        self.used.add(index)
        self._store_ratio(self._number(index))

    def _store_copies(self, value: float) -> None:
        if not self.limits.within_limits("copies", value):
            self._problem("copies_not_positive" if value <= 0 else "copies_over_100")
        else:
            self.seen.findings.copy_number = value

    def _store_ratio(self, value: float) -> None:
        if not self.limits.within_limits("ratio", value):
            self._problem("ratio_not_positive")
        else:
            self.seen.findings.ratio = value

    # --- IHC scores ---

    def _written_score(self, mention: Mention) -> None:
        """A score from the score layer: "2+", "two plus", "2 (equivocal)", "negative (0)"."""
        index = next(
            i for i in range(mention.start, mention.end) if _score_value(self.tokens[i]) is not None
        )
        if index in self.used:
            return
        self.used.add(index)
        if self.topic(index, index + 1) not in _SCORE_TOPICS or self._negated(index, window=2):
            return
        if self._followed_by_unit(mention.end - 1):
            return
        self._add_score(_score_value(self.tokens[index]), index)

    def _table_cell_scores(self) -> None:
        """A statement that is only a number 0-3 under a HER2 heading is its IHC score: a
        synoptic table flattened into sentences ("C-erbB-2 (HER-2/neu). Negative. 0%. 0.")."""
        contents: Dict[int, List[int]] = {}
        for index, segment in enumerate(self.segments):
            if self.tokens[index] not in lx.BOUNDARIES:
                contents.setdefault(segment, []).append(index)
        for segment, topic in self.headings.items():
            if topic not in ("her2", "ihc"):
                continue
            content = contents.get(segment, [])
            if len(content) != 1 or content[0] in self.used or content[0] in self.set_aside:
                continue
            value = _score_value(self.tokens[content[0]])
            if value is not None and value <= self.limits.limits["ihc_max"]:
                self.used.add(content[0])
                self._add_score(value, content[0])

    def _score_before_staining(self, staining: Mention) -> None:
        """ "0 with faint staining in 5% of cells", "1 (weak incomplete membrane staining)"."""
        index = staining.start - 1
        while (
            index >= 0 and self.tokens[index] in lx.STAIN_MODIFIERS and staining.start - index <= 6
        ):
            index -= 1
        value = _score_value(self.tokens[index]) if index >= 0 else None
        if value is None or value > 3 or index in self.used or index in self.set_aside:
            return
        self.used.add(index)
        if self.topic(index, index + 1) in _SCORE_TOPICS:
            self._add_score(value, index)

    def _score_after_cue(self, cue: Mention) -> None:
        """A plain number after "IHC", "HER2" or "score": "IHC 2", "my HER2 was 3", "score of 0"."""
        if cue.kind == "SCORE_CUE" and self.topic(cue.start, cue.end) not in _HER2_TOPICS:
            return  # "Allred score 8", "Nottingham score 6"
        anchor = cue.start
        end = min(cue.end + 6, len(self.tokens))
        index = cue.end - 1
        while index + 1 < end:
            index += 1
            if not self._same_segment(anchor, index):
                return
            token = self.tokens[index]
            neighbour = self.mention_at.get(index)
            if token == "(":
                # an antibody clone and its maker in brackets ("HER2 (4B5): 0", "HER2 (4B5,
                # VENTANA PATHWAY): 0"): read on after it, in the segment that follows it
                close = next(
                    (
                        i
                        for i in range(index + 1, min(index + 7, len(self.tokens)))
                        if self.tokens[i] == ")"
                    ),
                    None,
                )
                if close is not None and all(
                    _score_value(self.tokens[i]) is None for i in range(index + 1, close)
                ):
                    end = min(end + close - index, len(self.tokens))
                    index = close
                    anchor = min(close + 1, len(self.tokens) - 1)
                    continue
            if (
                neighbour
                and neighbour.kind in ("SCORE_CUE", "SUBJ")
                and neighbour.value in (None, "her2", "ihc")
            ):
                continue
            if token in lx.SCORE_FILLERS and not neighbour:
                continue
            if (
                neighbour
                and neighbour.kind == "STATUS"
                and neighbour.end + 1 < len(self.tokens)
                and self.tokens[neighbour.end] == ","
                and _score_value(self.tokens[neighbour.end + 1]) is not None
                and (
                    neighbour.end + 2 == len(self.tokens)
                    or self.tokens[neighbour.end + 2] in lx.BOUNDARIES | {"+", ")", "|"}
                )
            ):
                # a status and then the score: "HER2/neu IHC: Negative, 0"
                index = neighbour.end
                continue
            value = _score_value(token)
            if (
                value is None
                or index in self.used
                or index in self.set_aside
                or self._is_threshold(index)
                or self._followed_by_unit(index)
            ):
                return
            self.used.add(index)
            self._add_score(value, index)
            return

    def _bare_number_answer(self) -> None:
        """A message that is just a number ("3", "it was a 2") answers the bot's question: the
        IHC score unless `expect` says a ratio or copy number was asked for."""
        content = [
            i
            for i, token in enumerate(self.tokens)
            if token.strip() and token not in lx.BARE_ANSWER_FILLERS
        ]
        if len(content) != 1:
            return
        index = content[0]
        if self.expect in ("ratio", "copy_number"):
            value = self._number(index)
            if value is not None:
                store = self._store_ratio if self.expect == "ratio" else self._store_copies
                store(value)
            return
        value = _score_value(self.tokens[index])
        if value is not None and (value <= self.limits.limits["ihc_max"] or self.expect == "ihc"):
            self._add_score(value, index)

    def _add_score(self, value: int, index: int) -> None:
        if value <= self.limits.limits["ihc_max"]:
            self._hit_score(index, _score_code(value))
        elif value <= 10:  # larger numbers are more likely something else than a typo'd score
            self._problem("ihc_out_of_range")

    def _hit_score(self, index: int, code: str) -> None:
        self.seen.ihc_hits.append((index, code))
        self.scores_in.setdefault(self.segments[index], set()).add(code)

    # --- words ---

    def _for_er_pr_only(self, index: int, topic: Optional[str]) -> bool:
        """A value of an in-situ (DCIS) statement, which counts only for ER or PR."""
        return index in self.in_situ and topic not in ("er", "pr", "erpr")

    def _status(self, mention: Mention) -> None:
        topic = self.topic(mention.start, mention.end)
        if self._for_er_pr_only(mention.start, topic):
            return
        status = mention.value
        negated = self._negated(mention.start, window=2)
        if self.tokens[mention.end - 1] in lx.OVEREXPRESSION_NOUNS and not negated:
            return  # "HER2 protein overexpression": the test's name, not its result
        if self._describes_cells(mention.end):
            return  # "Percent of positive tumor cells: 75%": a count of cells, no result
        if negated and status in ("positive", "negative"):
            status = "negative" if status == "positive" else "positive"
        elif negated:
            return
        findings = self.seen.findings
        if topic in ("er", "pr", "erpr") and status in ("positive", "negative"):
            if topic in ("er", "erpr"):
                findings.er = status
            if topic in ("pr", "erpr"):
                findings.pr = status
        elif topic == "hr" and status in ("positive", "negative"):
            findings.hr_stated = status
        elif topic == "ish" or (topic is None and self.expect == "ish"):
            if status in ("positive", "negative"):
                self.seen.ish_hits.append((mention.start, status))
            elif status == "equivocal":
                findings.outdated_terms = True  # "FISH equivocal": pre-2018 wording
        elif topic in _HER2_TOPICS:
            self._her2_status(status, topic, mention.start)

    def _describes_cells(self, end: int) -> bool:
        index = end
        while index < len(self.tokens) and self.tokens[index] in lx.CELL_QUALIFIERS:
            index += 1
        return index < len(self.tokens) and self.tokens[index] in lx.CELL_NOUNS

    def _her2_status(self, status: str, topic: Optional[str], index: int) -> None:
        if self._is_not_a_statement(index):
            return  # "what does HER2 positive mean?", "I'm positive it was..."
        if self._describes_a_score(status, index):
            return  # "weakly positive (score 2+)": the staining of an IHC 2+, not HER2-positive
        if status == "positive" and topic is None and not self._is_short_answer():
            return  # in a report, "positive" with no subject isn't an explicit HER2 result
        if status == "equivocal":
            self._hit_score(index, "2+")
        elif status == "ultralow":
            self.seen.ultralow_seen = True
            self.seen.findings.stated_status = "ultralow"
        elif status == "low" and topic is None:
            return  # "low" alone is too common a word ("low grade")
        else:
            self.seen.stated_hits.append((index, status))
            self.seen.findings.stated_status = status

    def _is_short_answer(self) -> bool:
        """A chat answer ("it was positive"), not a passage of a report."""
        return self.segments[-1] <= 1 and len(self.tokens) <= 12

    def _describes_a_score(self, status: str, index: int) -> bool:
        """A positive/negative word next to an IHC score in the same statement describes the
        staining; it is a HER2 status only when the guideline gives that score that result."""
        if status not in ("positive", "negative"):
            return False
        results = {self.limits.ihc[code] for code in self.scores_in.get(self.segments[index], ())}
        return (
            bool(results)
            and status not in results
            and not (status == "negative" and results == {"positive"})
        )

    def _is_not_a_statement(self, index: int) -> bool:
        segment = self.segments[index]
        in_question = (
            segment in self.questions and not self._before_a_question_clause(index)
        ) or self.tokens[self.segment_start[segment]] in lx.QUESTION_WORDS
        personal = index >= 1 and self.tokens[index - 1] in lx.PERSONAL_CUES
        return in_question or personal or self._hedged(index)

    def _hedged(self, index: int) -> bool:
        """A guess, not a result: "Maybe I am HER2 positive", "it could be HER2 positive"."""
        start = self.segment_start[self.segments[index]]
        return any(self.tokens[k] in lx.HEDGES for k in range(max(start, index - 6), index))

    def _before_a_question_clause(self, index: int) -> bool:
        """A statement that a question follows in its own clause: "My HER2 is negative, what
        does this mean?" states the result; "is HER2 negative bad?" does not, nor does a hedged
        one ("Maybe I am HER2 positive, how would I know?": the safe side stays undetermined)."""
        segment = self.segments[index]
        start = self.segment_start[segment]
        if any(self.tokens[k] in lx.HEDGES for k in range(start, index)):
            return False
        for j in range(index + 1, len(self.tokens) - 1):
            if self.segments[j] != segment:
                return False
            if self.tokens[j] in (",", "-", ":", "so", "but", "and") and (
                self.tokens[j + 1] in lx.QUESTION_WORDS
            ):
                return True
        return False

    def _amplification(self, mention: Mention) -> None:
        if mention.value == "negative" or self._amplification_negated(mention):
            self.seen.ish_hits.append((mention.start, "negative"))
        elif not self._amplification_is_a_heading(mention):
            self.seen.ish_hits.append((mention.start, "positive"))

    def _amplification_is_a_heading(self, mention: Mention) -> bool:
        """A legend ("amplified if ratio >= 2.0"), or the noun as a heading or a request:
        "amplification ratio", "amplification status:", "FISH for HER2 amplification"."""
        following = self.tokens[mention.end] if mention.end < len(self.tokens) else ""
        preceding = self.tokens[max(mention.start - 2, 0) : mention.start]
        if following in ("if", "when") or "if" in preceding:
            return True  # a legend: "amplified if ratio >= 2.0"
        if self.tokens[mention.start] != "amplification":
            return False
        return following in _AMPLIFICATION_HEADINGS or "for" in preceding

    def _amplification_negated(self, mention: Mention) -> bool:
        if self._negated(mention.start, window=5, extra={"negative"}):
            return True
        for index in range(mention.end, min(mention.end + 3, len(self.tokens))):
            token = self.tokens[index]
            if token in (",", "but") or not self._same_segment(mention.start, index):
                return False
            if token in lx.POST_NEGATORS:
                return True
        return False

    def _receptor_presence(self) -> None:
        """ER/PR described, not stated: "estrogen receptors found in 75% of nuclei" or "ER: weak
        expression in 30%" (positive), "no expression of PR", "PR: no expression" (negative).
        Used only where no status word is given for that receptor."""
        for index, token in enumerate(self.tokens):
            if token not in lx.RECEPTOR_PRESENCE or index in self.in_statement:
                continue
            topic = self.topic(index, index + 1)
            if topic not in ("er", "pr", "erpr"):
                topic = self._subject_of(index + 1)  # "no expression of progesterone receptor"
            if topic not in ("er", "pr", "erpr"):
                continue
            status = (
                "negative"
                if self._negated(index, window=5)
                or self._in_no_cells(index)
                or self._absent_after(index)
                else "positive"
            )
            for receptor in ("er", "pr") if topic == "erpr" else (topic,):
                self.seen.implied_receptors.setdefault(receptor, status)

    def _subject_of(self, index: int) -> Optional[str]:
        """The subject named by "of (the) <subject>" at index, in the same statement."""
        if index >= len(self.tokens) or self.tokens[index] != "of":
            return None
        index += 1
        if index < len(self.tokens) and self.tokens[index] in ("the", "a", "an"):
            index += 1
        subject = self.mention_at.get(index)
        if subject is None or subject.start != index or not self._same_segment(index - 1, index):
            return None
        return _subject_topic(subject)

    def _absent_after(self, index: int) -> bool:
        """ "staining for progesterone receptor is absent", "... not identified": the presence
        word negated after it, in its clause."""
        for i in range(index + 1, min(index + 8, len(self.tokens))):
            token = self.tokens[i]
            if token in lx.NEGATION_SCOPE_END or not self._same_segment(index, i):
                return False
            if token in ("absent", "lacking", "nil") or (
                token == "not"
                and i + 1 < len(self.tokens)
                and self.tokens[i + 1] in ("identified", "seen", "detected", "present")
            ):
                return True
        return False

    def _in_no_cells(self, index: int) -> bool:
        """ "detected in 0% of nuclei": present in no cells."""
        following = self.tokens[index + 1 : index + 4]
        return any(
            token in ("0", "0%") and (token == "0%" or following[i + 1 : i + 2] == ["%"])
            for i, token in enumerate(following)
        )

    def _triple(self, mention: Mention) -> None:
        """ "triple negative" / "triple positive": ER, PR and HER2 all that status (a HER2
        status word elsewhere that disagrees leaves HER2 undetermined)."""
        if self._is_not_a_statement(mention.start) or self._negated(mention.start, window=2):
            return  # "what is triple negative?", "not triple negative"
        findings = self.seen.findings
        findings.er = findings.pr = findings.stated_status = mention.value
        self.seen.stated_hits.append((mention.start, mention.value))

    def _method(self, mention: Mention) -> None:
        findings = self.seen.findings
        if mention.start in self.in_statement and findings.ish_method:
            return  # "dual-probe ISH has been requested": not the test whose result is given
        if findings.ish_method in (None, "ISH"):
            findings.ish_method = mention.value
        if mention.value == "DISH" and findings.ish_probe is None:
            findings.ish_probe = "dual"

    def _probe(self, mention: Mention) -> None:
        if mention.start in self.in_statement and self.seen.findings.ish_probe:
            return
        self.seen.findings.ish_probe = mention.value

    def _staining(self, mention: Mention) -> None:
        if self.topic(mention.start, mention.end) not in _HER2_TOPICS:
            return  # e.g. "ER: strong staining in 90%"
        following = self.tokens[mention.end] if mention.end < len(self.tokens) else ""
        if following in ("intensity", "with", "by", "using"):
            return  # "staining intensity 0", "stained with HercepTest": not staining seen
        if mention.start > 0 and self.tokens[mention.start - 1] == "protein":
            return  # "HER2/neu protein expression ... is 0" names the test
        negated = self._negated(mention.start, window=3) or any(
            self.tokens[i] in ("absent", "none", "not", "nil")
            for i in range(mention.end, min(mention.end + 2, len(self.tokens)))
        )
        if negated:
            self.seen.no_staining_seen = True
        else:
            self.seen.staining_seen = True

    # --- settling ---

    def _settle(self) -> Findings:
        findings = self.seen.findings
        corrections = [
            i for i, token in enumerate(self.tokens) if token in lx.CORRECTIONS | lx.CONCLUSIONS
        ]
        findings.ihc, findings.ihc_candidates = _choose(self.seen.ihc_hits, corrections)
        findings.ish_result, findings.ish_result_candidates = _choose(
            self.seen.ish_hits, corrections
        )
        stated, distinct = _choose(self.seen.stated_hits, corrections)
        if "positive" in distinct and stated is None:
            # "HER2: positive" and "HER2 negative" in one text, with no correction between them:
            # never settled as positive (the category falls to undetermined).
            findings.stated_status = None
        if self._zero_has_staining():
            findings.ihc_candidates = list(
                dict.fromkeys(
                    "0-staining" if score == "0" else score for score in findings.ihc_candidates
                )
            )
            if findings.ihc == "0":
                findings.ihc = "0-staining"
        findings.ihc = refine_zero_score(findings.ihc, findings.percent_stained)
        findings.ihc_candidates = [
            score
            for score in (
                refine_zero_score(code, findings.percent_stained)
                for code in findings.ihc_candidates
            )
            if score
        ]
        for name in self.seen.percent_conflicts:
            if not corrections:
                receptor = name.split("_")[0]
                # "ER 90%" and "ER 95%" (biopsy, excision): the status stays, the number goes
                status = self._receptor_status(receptor)
                if status and getattr(findings, receptor) is None:
                    setattr(findings, receptor, status)
                setattr(findings, name, None)
        for receptor in ("er", "pr"):
            stated = getattr(findings, receptor)
            percent = getattr(findings, f"{receptor}_percent")
            if stated is None or (stated in ("positive", "negative") and percent is not None):
                # no status word, or one its own percentage contradicts ("PR: negative (5%
                # weak staining)"): the percentage decides, by the ER/PgR guideline's 1%
                setattr(findings, receptor, self._receptor_status(receptor) or stated)
                if stated is not None and getattr(findings, receptor) != stated:
                    findings.receptor_word_differs.append(receptor)
        findings.problems = list(dict.fromkeys(findings.problems))
        return findings

    def _receptor_status(self, receptor: str) -> Optional[str]:
        """ER/PR status from its description or its percentage of stained nuclei (ASCO/CAP
        ER/PgR guideline: positive from 1%; receptors.yml)."""
        implied = self.seen.implied_receptors.get(receptor)
        if implied:
            return implied
        percent = getattr(self.seen.findings, f"{receptor}_percent")
        if percent is None:
            return None
        return "positive" if percent >= _receptor_limits()["positive_from_percent"] else "negative"

    def _zero_has_staining(self) -> bool:
        seen = self.seen
        return seen.ultralow_seen or (seen.staining_seen and not seen.no_staining_seen)

    # --- helpers ---

    def topic(self, start: int, end: int) -> Optional[str]:
        """What the words at [start, end) are about (see the module docstring). Words with no
        subject in their statement take the subject of a heading just before ("HER2 protein
        stained with HercepTest. Negative reaction (Score = 0)"); with none, they are HER2's
        only when the text names no hormone receptor (a chat answer such as "2+")."""
        after = self._topic_after(start, end)
        topic = after if after is not None else self._topic_before(start)
        if topic is None:
            topic = self.headings.get(self.segments[start])
        if topic is None and self.receptors_named:
            return "unattached"
        return topic

    def _heading_topics(self) -> Dict[int, str]:
        """{statement id: topic} for statements with no subject of their own that belong to a
        subject named before them, as in synoptic tables flattened into sentences:
        - after a heading (a statement naming a subject and no value: "Estrogen Receptor.
          Positive. 100 %."), for up to _HEADING_REACH statements;
        - after a statement that ends with its subject ("... AND HER-2/NEU. NEGATIVE");
        - a bracket right after a statement ("IS NEGATIVE. (1+)");
        - a detail field under its analyte ("Percentage of cells with nuclear positivity: 5%")."""
        if not self.segments:
            return {}
        count = self.segments[-1] + 1
        subjects: Dict[int, List[Mention]] = {}
        for mention in self.subjects:
            subjects.setdefault(self.segments[mention.start], []).append(mention)
        valued_after: Dict[int, int] = {}  # segment -> index of its last value
        for mention in self.main:
            # "C-ERBB-2 (HER-2/NEU) OVEREXPRESSION. NEGATIVE.": the test's name is no value
            if mention.kind in _VALUE_KINDS and not (
                mention.kind == "STATUS" and self.tokens[mention.end - 1] in lx.OVEREXPRESSION_NOUNS
            ):
                valued_after[self.segments[mention.start]] = mention.start
        for mention in self.scores:
            segment = self.segments[mention.start]
            valued_after[segment] = max(valued_after.get(segment, -1), mention.start)
        for index, token in enumerate(self.tokens):
            # a number set aside (a criterion, the DCIS's score) is no value of the statement:
            # "HER2 IHC: the DCIS shows ... (3+). The invasive carcinoma is negative (1+)"
            if _NUMBER.match(token) and index not in self.set_aside:
                segment = self.segments[index]
                valued_after[segment] = max(valued_after.get(segment, -1), index)
        starts = {}
        for index, segment in enumerate(self.segments):
            starts.setdefault(segment, index)
        topics: Dict[int, str] = {}
        heading, hops, previous_last = None, 0, None
        for segment in range(count):
            if heading is not None and hops < _HEADING_REACH:
                topics[segment] = heading  # for the words before the statement's own subject
            if segment in subjects:
                last = subjects[segment][-1]
                # an analyte named in brackets inside another's statement heads nothing: "HER2
                # immunostain on block A4 (block A2 was used for ER/PR). Faint ... staining"
                analytes = [
                    m
                    for m in subjects[segment]
                    if _subject_topic(m) in _ANALYTES
                    and not (
                        _inside_brackets(self.tokens, m.start, self.segments)
                        and any(
                            _subject_topic(o) in _ANALYTES and o.start < m.start
                            for o in subjects[segment]
                        )
                    )
                ]
                # A heading names an analyte with no value after it ("by IHC" is not one).
                ends_with_subject = (
                    bool(analytes)
                    and valued_after.get(segment, -1) < analytes[-1].start
                    and (_subject_topic(last) in _ANALYTES or segment not in valued_after)
                )
                heading = _subject_topic(analytes[-1]) if ends_with_subject else None
                # another marker's heading ("e-Cadherin. Negative."): its values are not HER2's
                if (
                    not analytes
                    and _subject_topic(last) == "other"
                    and valued_after.get(segment, -1) < last.start
                ):
                    heading = "other"
                # "Estrogen receptor (ER) by IHC: Positive" then "Percent of positive tumor
                # cells: 75%": the detail belongs to ER, not to the IHC named as its method
                previous_last, hops = self._topic_before(last.end, segment), 0
                continue
            hops += 1
            first = self.tokens[starts[segment]] if segment in starts else ""
            if heading is not None and hops <= _HEADING_REACH:
                topics[segment] = heading
            elif (
                previous_last is not None
                and hops == 1
                and (first in lx.BRACKETS or first in lx.DETAIL_FIELDS)
            ):
                topics[segment] = previous_last
        return topics

    def _topic_after(self, start: int, end: int) -> Optional[str]:
        """ "negative for HER2", "positive by FISH"; "2 positive nodes" and "negative for
        malignancy" are about something else."""
        if end >= len(self.tokens) or not self._same_segment(start, end):
            return None
        following = self.mention_at.get(end)
        if (
            following is not None
            and following.start == end
            and _subject_topic(following) == "other"
            and not self._opens_field(following.end)
        ):
            return "other"
        preposition = self.tokens[end]
        if preposition not in lx.ATTACHING_PREPOSITIONS:
            return None
        index = end + 1
        if index < len(self.tokens) and self.tokens[index] in ("the", "a", "an"):
            index += 1
        subject = self.mention_at.get(index)
        if (
            subject is not None
            and subject.start == index
            and _subject_topic(subject)
            and self._same_segment(start, index)
        ):
            # "negative for HER2 by FISH": the method named after the subject is the topic.
            method = self.mention_at.get(subject.end + 1)
            if (
                _subject_topic(subject) == "her2"
                and subject.end < len(self.tokens)
                and self.tokens[subject.end] in ("by", "with", "using")
                and method is not None
                and method.kind == "METHOD"
            ):
                return "ish"
            return _subject_topic(subject)
        if (
            preposition == "for"
            and index < len(self.tokens)
            and _score_value(self.tokens[index]) is None
        ):
            return "other"
        return None

    def _opens_field(self, index: int) -> bool:
        """A subject followed by its own value opens the next field of a flattened line ("PR
        90% Ki-67 10%": the 90% is PR's, not Ki-67's; "2 positive nodes." is about nodes)."""
        if index >= len(self.tokens):
            return False
        token = self.tokens[index]
        return (
            token in (":", "=", "-")
            or (  # "Ki-67 <5%"
                token in lx.COMPARATORS
                and index + 1 < len(self.tokens)
                and self._number(index + 1) is not None
            )
            or self._number(index) is not None
            or (self.mention_at.get(index) is not None and self.mention_at[index].kind == "STATUS")
        )

    def _topic_before(self, start: int, segment: Optional[int] = None) -> Optional[str]:
        """The subject of the words at `start`, from the subjects before it in its statement
        (or in `segment`, for the position just after that statement's last word)."""
        segment = self.segments[start] if segment is None else segment
        count = bisect_right(self.subject_ends_in.get(segment, []), start)
        before = self.subjects_in.get(segment, [])[max(count - 2, 0) : count]
        if not before:
            return None
        nearest = before[-1]
        # "ER (IHC): Positive", "Estrogen receptor assay (immunohistochemical)": immunohisto-
        # chemistry named just after a hormone receptor is how that receptor was tested.
        if _subject_topic(nearest) == "ihc" and len(before) > 1:
            previous = before[-2]
            between = self.tokens[previous.end : nearest.start]
            if _subject_topic(previous) in ("er", "pr", "erpr", "hr") and all(
                token in _METHOD_LINKS for token in between
            ):
                return _subject_topic(previous)
        # "FISH: HER2 not amplified": a test name just before "HER2" is the real subject.
        if _subject_topic(nearest) == "her2" and len(before) > 1:
            previous = before[-2]
            if _subject_topic(previous) in ("ish", "ihc") and nearest.start - previous.end <= 1:
                return _subject_topic(previous)
        return _subject_topic(nearest)

    def _number(self, index: int) -> Optional[float]:
        token = self.tokens[index]
        return float(token.replace(",", ".")) if _NUMBER.match(token) else None

    def _free_number(self, index: int) -> bool:
        return (
            self._number(index) is not None
            and index not in self.used
            and index not in self.set_aside
            and not self._is_threshold(index)
        )

    def _number_after(self, start: int) -> Optional[int]:
        """The first unclaimed number after a cue, skipping only filler words."""
        for index in range(start, min(start + 6, len(self.tokens))):
            if not self._same_segment(start - 1, index):
                return None
            token = self.tokens[index]
            if self._number(index) is not None:
                return index if self._free_number(index) else None
            neighbour = self.mention_at.get(index)
            if (
                token in lx.NUMBER_FILLERS
                or (neighbour and neighbour.kind == "RATIO")
                or (neighbour and _subject_topic(neighbour) == "her2")
            ):
                continue
            return None
        return None

    def _is_threshold(self, index: int) -> bool:
        previous = self.tokens[index - 1] if index >= 1 else ""
        before_previous = self.tokens[index - 2] if index >= 2 else ""
        after = tuple(self.tokens[index + 1 : index + 3])
        return (
            previous in lx.COMPARATORS
            or previous == "than"
            or (previous == "to" and before_previous == "up")
            # "a ratio under 2.0", "when the ratio is 2.0 or greater"
            or previous in lx.THRESHOLD_PREPOSITIONS
            or after in lx.THRESHOLD_PHRASES
        )

    def _followed_by_unit(self, index: int) -> bool:
        following = self.tokens[index + 1] if index + 1 < len(self.tokens) else ""
        return following in lx.UNITS

    def _negated(self, index: int, window: int, extra: frozenset = frozenset()) -> bool:
        """A negation cue within `window` words before, NegEx-style: its scope ends at a
        punctuation mark or a conjunction such as "but"."""
        negators = lx.NEGATORS | set(extra)
        for i in range(index - 1, max(index - window, 0) - 1, -1):
            token = self.tokens[i]
            if token in lx.NEGATION_SCOPE_END:
                return False
            if token in negators:
                return True
        return False

    def _subject_just_before(self, index: int, topic: str) -> bool:
        return any(
            _subject_topic(m) == topic
            for end in (index, index - 1)
            for m in self.subjects_ending_at.get(end, ())
        )

    def _same_segment(self, a: int, b: int) -> bool:
        return self.segments[a] == self.segments[b]

    def _problem(self, code: str) -> None:
        self.seen.findings.problems.append(code)


@lru_cache(maxsize=1)
def _receptor_limits() -> dict:
    from pathlib import Path

    import yaml

    return yaml.safe_load(Path(__file__).with_name("receptors.yml").read_text(encoding="utf-8"))


def _segment_ids(
    tokens: List[str], boundaries=lx.BOUNDARIES, semicolon_in_brackets: Optional[bool] = None
) -> List[int]:
    """A statement id per token. A ";" inside brackets ("(1E2; Ventana)") doesn't end one
    (by default, unless brackets are boundaries themselves)."""
    if semicolon_in_brackets is None:
        semicolon_in_brackets = "(" in boundaries
    ids, current, depth = [], 0, 0
    for token in tokens:
        ids.append(current)
        depth = max(depth + (token == "(") - (token == ")"), 0)
        if token in boundaries and not (token == ";" and depth and not semicolon_in_brackets):
            current += 1
    return ids


def _subject_topic(mention: Mention) -> Optional[str]:
    """The topic a mention sets for nearby words, or None if it isn't a subject."""
    if mention.kind == "SUBJ":
        return mention.value
    if mention.kind in ("METHOD", "RATIO", "COPIES_CUE", "AMP"):
        return "ish"
    return None


def _score_value(token: str) -> Optional[int]:
    if token.isdigit() and len(token) <= 2:
        return int(token)
    return lx.NUMBER_WORDS.get(token)


def _score_code(value: int) -> str:
    return "0" if value == 0 else f"{value}+"


def _choose(hits: List[Tuple[int, str]], corrections: List[int]) -> Tuple[Optional[str], list]:
    """The value and the distinct candidates. Two different values contradict each other
    unless a correction word ("sorry", "I meant", "actually") comes between them."""
    distinct = list(dict.fromkeys(value for _, value in hits))
    if len(distinct) <= 1:
        return (distinct[0] if distinct else None), distinct
    # the last cue with values on both sides ("NOT AMPLIFIED overall" ends with one)
    for cue in sorted(corrections, reverse=True):
        before = [value for index, value in hits if index < cue]
        after = [value for index, value in hits if index > cue]
        if before and after:
            return after[-1], distinct
    return None, distinct


# --- statement facts for read_report (report.py) ---

# Topics that make a statement "about HER2/ER/PR" (the ratio and copy cues count as ISH).
REPORT_TOPICS = ("her2", "ihc", "ish", "cep17", "er", "pr", "erpr", "hr")


@dataclass(frozen=True)
class StatementFacts:
    """What the parser's rules see in a short piece of text, without reading values:
    kinds: the statement kinds of lexicon.STATEMENT_KINDS found in it, in reading order
        (a "reference" cue counts even though the parser keeps a referenced value);
    topics: {topic: first token index} for the HER2/ER/PR subjects, methods and cues named
        (REPORT_TOPICS, plus "ratio" and "copies" for those cues, "score" for an IHC score and
        "other" for another marker or feature: Ki-67, grade, margins);
    valued: it has a status word, a score or a number."""

    kinds: Tuple[str, ...]
    topics: Dict[str, int]
    valued: bool


def statement_facts(text: str) -> StatementFacts:
    if not text or not text.strip():
        return StatementFacts((), {}, False)
    pipeline = _pipeline()
    doc = pipeline.nlp.make_doc(normalize(text))
    tokens = [token.text for token in doc]
    main = _mentions(doc, pipeline.main)
    cues = _mentions(doc, pipeline.statements)
    scopes = _statement_kinds(tokens, cues, main)
    firsts: Dict[str, int] = {}
    for index, kind in sorted(scopes.items()):
        firsts.setdefault(kind, index)
    for cue in cues:
        if cue.value == "reference":
            firsts.setdefault("reference", cue.start)
    kinds = tuple(kind for kind, _ in sorted(firsts.items(), key=lambda item: item[1]))
    scores = _mentions(doc, pipeline.scores)
    topics: Dict[str, int] = {}
    for mention in main:
        topic = _subject_topic(mention)
        if mention.kind == "RATIO":
            topic = "ratio"
        elif mention.kind in ("COPIES_CUE", "COPIES_UNIT"):
            topic = "copies"
        if topic in REPORT_TOPICS or topic in ("ratio", "copies", "other"):
            topics.setdefault(topic, mention.start)
    for mention in scores:
        topics.setdefault("score", mention.start)
    valued = (
        bool(scores)
        or any(m.kind in _VALUE_KINDS for m in main)
        or any(_NUMBER.match(token) for token in tokens)
    )
    return StatementFacts(kinds, topics, valued)
