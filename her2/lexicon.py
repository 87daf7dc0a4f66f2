"""Vocabulary and spaCy Matcher patterns for reading HER2 reports.

Each Matcher label is "KIND:value" (e.g. "METHOD:FISH", "STATUS:negative"); parser.py reads the
kind and value back from the label. Patterns run on text already lower-cased and normalised by
parser.normalize (so "Her-2/neu" is "her2", "ihc2+" is "ihc 2+", "+++" is "3+").
"""

from __future__ import annotations

NUMBER_REGEX = r"^-?\d+(?:[.,]\d+)?$"
NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}

# Tokens after which a number is not a HER2 value: sizes, durations, dates, counts.
UNITS = {
    "cm",
    "mm",
    "m",
    "um",
    "µm",
    "inch",
    "inches",
    "%",
    "percent",
    "pct",
    "x",
    "year",
    "years",
    "yr",
    "yrs",
    "month",
    "months",
    "week",
    "weeks",
    "day",
    "days",
    "hours",
    "times",
    "slides",
    "blocks",
    "cores",
    "nodes",
    "node",
    "am",
    "pm",
}
# A number right after one of these is a threshold (e.g. a legend "ratio >= 2.0"), not a value.
COMPARATORS = {
    "<",
    ">",
    "<=",
    ">=",
    "less",
    "more",
    "greater",
    "over",
    "under",
    "below",
    "above",
    "least",
    "fewer",
    "upto",
}
# Words that negate the status/amplification/staining word after them.
NEGATORS = {
    "no",
    "not",
    "non",
    "without",
    "n't",
    "never",
    "absence",
    "absent",
    "lack",
    "lacks",
    "lacking",
    "nil",
    "none",
}
# Words that negate an amplification word before them ("amplification: not detected").
POST_NEGATORS = {"not", "no", "absent", "negative", "none", "n't", "nil"}
# Cues that a later value corrects an earlier one in the same message.
CORRECTIONS = {
    "meant",
    "mean",
    "actually",
    "correction",
    "sorry",
    "oops",
    "rather",
    "instead",
    "correct",
    # an amended report: "HER2 IHC originally reported as 0 is corrected to 1+"
    "corrected",
    "revised",
}
# In a report, a value after one of these is the report's own conclusion over values before it
# ("30% of cells 3+, the rest 1+. Overall HER2 score: 3+"; "originally reported as 2+ ...
# Final HER2 IHC score: 0"): they settle values the way a correction does (parser._choose).
CONCLUSIONS = {"overall", "final"}
# Words that make a statement a guess, not a result: a status with one of them a few words before
# it is no result ("Maybe I am HER2 positive", parser._hedged), and a statement with one anywhere
# before its status is never read out of its question ("..., how would I know?").
HEDGES = {
    "maybe",
    "might",
    "could",
    "possibly",
    "perhaps",
    "probably",
    "think",
    "thinks",
    "suspect",
    "suspects",
    "wonder",
    "wondering",
    "if",
    "whether",
    "likely",
    "unsure",
    "guess",
}
# A status word followed by one of these and then a subject belongs to that subject
# ("negative for HER2", "positive by FISH").
ATTACHING_PREPOSITIONS = {"by", "on", "for", "per", "via", "using", "in"}
# A status word in a question, or right after one of these, is not a statement of the result.
QUESTION_WORDS = {
    "what",
    "whats",
    "what's",
    "does",
    "do",
    "is",
    "are",
    "can",
    "could",
    "how",
    "why",
    "should",
    "would",
    "will",
    "which",
    "if",
}
PERSONAL_CUES = {"'m", "am", "im", "feel", "feeling", "stay", "staying", "think", "thinking", "be"}
# Sentence-like boundaries: values never attach across them.
BOUNDARIES = {".", ";", "!", "?", "|"}

# Words allowed between a cue ("IHC", "ratio", ...) and its number.
SCORE_FILLERS = {
    ":",
    "=",
    "-",
    "was",
    "is",
    "of",
    "score",
    "scored",
    "scoring",
    "a",
    "an",
    "the",
    "result",
    "results",
    "came",
    "back",
    "as",
    "(",
    ")",
    "at",
    "level",
    "reported",
    "status",
    "my",
    "it",
    "showed",
    "shows",
    "shown",
    "be",
    "been",
    "stain",
    "value",
    # "HER2/neu protein expression (clone CB11) is 0"
    "protein",
    "expression",
}
NUMBER_FILLERS = {
    ":",
    "count",  # "the mean HER2 signal count was 2.4"
    "=",
    "-",
    "was",
    "is",
    "of",
    "a",
    "an",
    "the",
    "value",
    "came",
    "back",
    "as",
    "(",
    "at",
    "reported",
    "ratio",
    "per",
    "cell",
    "cells",
    "nucleus",
    "nuclei",
    "/",
    "average",
    "mean",
    "avg",
    "approximately",
    "about",
    "around",
    "approx",
    "~",
}
# A whole message made of these plus one small number is a bare IHC answer ("it was 2").
BARE_ANSWER_FILLERS = {
    "it",
    "its",
    "it's",
    "'s",
    "was",
    "is",
    "a",
    "an",
    "the",
    "i",
    "think",
    "believe",
    "guess",
    "just",
    "only",
    "maybe",
    "probably",
    "about",
    "um",
    "uh",
    "so",
    "yes",
    "yeah",
    "ok",
    "okay",
    "they",
    "said",
    "says",
    "score",
    "of",
    "my",
    "scored",
    ".",
    "!",
    ",",
    "?",
    ":",
}

# Words allowed between a score and its staining description: "0 with faint, incomplete staining".
STAIN_MODIFIERS = {
    "with",
    "(",
    ",",
    "faint",
    "weak",
    "incomplete",
    "barely",
    "perceptible",
    "partial",
    "membrane",
    "membranous",
    "some",
    "focal",
    "no",
    "any",
    "and",
    "/",
    "-",
    "complete",
    "moderate",
    "strong",
    "intense",
    "circumferential",
}


def _words(*words, op=None):
    token = {"LOWER": {"IN": list(words)}}
    if op:
        token["OP"] = op
    return token


_NUMBER = {"LIKE_NUM": True}  # the parser re-checks it is numeric
_SMALL_INT = {"LOWER": {"IN": [str(n) for n in range(0, 100)] + list(NUMBER_WORDS)}}
_INT_0_TO_3 = _words("0", "1", "2", "3", "zero", "one", "two", "three")
_SCORE_STATUS_WORDS = ["equivocal", "borderline", "ultralow", "negative", "positive", "low"]
_HYBRIDIZATION = [_words("in"), _words("situ"), _words("hybridization")]


# Main layer: subjects, cues, statuses and values. Overlaps are resolved longest-first.
PATTERNS = {
    # Subjects: what a nearby status word or number is about.
    "SUBJ:her2": [[_words("her2", "erbb2")]],
    "SUBJ:ihc": [
        [
            _words(
                "ihc",
                "immunohistochemistry",
                "immunohistochemical",
                "immunostain",
                "immunostaining",
                "hercepttest",
                "herceptest",
            )
        ],
        [_words("hercep"), _words("test")],
    ],
    "SUBJ:cep17": [[_words("cep17")]],
    "SUBJ:er": [
        [_words("er", "estrogen", "oestrogen", "er-alpha"), _words("receptor", "receptors", op="?")]
    ],
    "SUBJ:pr": [[_words("pr", "pgr", "progesterone"), _words("receptor", "receptors", op="?")]],
    # Both receptors named together, in either order ("ER/PR", "ER PR", "PR and ER",
    # "progesterone and estrogen"): a status after them is both receptors' status.
    "SUBJ:erpr": [
        [_words("er"), _words("/", "and", "&", ",", "+", "or", "-", op="?"), _words("pr", "pgr")],
        [_words("pr", "pgr"), _words("/", "and", "&", ",", "+", "or", "-", op="?"), _words("er")],
        [
            _words("estrogen", "oestrogen"),
            _words("and", "&", "/"),
            _words("progesterone"),
            _words("receptor", "receptors", op="?"),
        ],
        [
            _words("progesterone"),
            _words("and", "&", "/"),
            _words("estrogen", "oestrogen"),
            _words("receptor", "receptors", op="?"),
        ],
    ],
    "SUBJ:hr": [
        [_words("hr")],
        [
            _words("hormone", "hormonal"),
            _words("-", op="?"),
            _words("receptor", "receptors", op="?"),
        ],
    ],
    "SUBJ:other": [
        [
            _words(
                "ki67",
                "grade",
                "size",
                "cellularity",
                "stage",
                "age",
                "margin",
                "margins",
                "nodes",
                "node",
                "lymph",
                "allred",
                "nottingham",
                "mitoses",
                "mitotic",
                "tubules",
                "tils",
                "pdl1",
                "oncotype",
                "brca",
                "brca1",
                "brca2",
                "pik3ca",
                "dcis",
                "ar",
                "androgen",
                "egfr",
                "cadherin",
                "gata3",
                "p53",
                "p63",
                "ck5",
                "ck5/6",
                "ck14",
                "ck8/18",
                "cd10",
                "sox10",
                "trps1",
                "lvi",
                "lymphovascular",
                "covid",
                # other stains of a report's special studies ("KERATIN (CAM5.2). NEGATIVE")
                "keratin",
                "ae1",
                "ae3",
                "cytokeratin",
                "ck7",
                "ck20",
                "cam5.2",
                "calponin",
                "mammaglobin",
                "gcdfp",
                "s100",
                "cd31",
                "synaptophysin",
                "chromogranin",
            )
        ],
        [_words("recurrence"), _words("score")],
        [_words("h"), _words("-"), _words("score")],
    ],
    # ISH method and probe.
    "METHOD:FISH": [
        [_words("fish")],
        [_words("fluorescence", "fluorescent"), _words("-", op="?"), *_HYBRIDIZATION],
    ],
    "METHOD:CISH": [[_words("cish")], [_words("chromogenic"), *_HYBRIDIZATION]],
    "METHOD:SISH": [
        [_words("sish")],
        [_words("silver"), _words("-", "enhanced", op="*"), *_HYBRIDIZATION],
    ],
    "METHOD:DISH": [
        [_words("dish", "ddish")],
        [_words("dual"), _words("-", op="?"), _words("ish")],
        [_words("dual"), _words("-", op="?"), *_HYBRIDIZATION],
    ],
    "METHOD:ISH": [[_words("ish")], _HYBRIDIZATION],
    "PROBE:dual": [
        [
            _words("dual", "double", "two"),
            _words("-", op="?"),
            _words("probe", "probes", "color", "colour"),
        ]
    ],
    "PROBE:single": [
        [_words("single", "one"), _words("-", op="?"), _words("probe", "color", "colour")]
    ],
    # Cues that a number follows (or, for units, precedes).
    "RATIO": [[_words("ratio")], [_words("her2"), _words("/", ":"), _words("cep17")]],
    "COPIES_CUE": [
        [
            _words("average", "mean", "avg", op="?"),
            _words("her2", op="?"),
            _words("gene", op="?"),
            _words("copy"),
            _words("number", "no", "#", "numbers"),
        ],
        [
            _words("average", "mean", "avg", op="?"),
            _words("her2", op="?"),
            _words("copies", "signals", "signal", "copy"),
            _words("per", "/"),
            _words("cell", "cells", "nucleus", "nuclei"),
        ],
        [
            _words("average", "mean", "avg"),
            _words("her2", op="?"),
            _words("gene", op="?"),
            _words("copies", "signals", "signal"),
        ],
        [_words("her2"), _words("gene", op="?"), _words("copies")],
        # "HER2:CEP17 1.12; HER2 per nucleus 2.2"
        [_words("her2"), _words("per"), _words("cell", "nucleus")],
        # "HER2 gene signals: mean 1.9/nucleus"
        [
            _words("her2"),
            _words("gene", op="?"),
            _words("signals", "signal"),
            _words(":", op="?"),
            _words("average", "mean", "avg"),
        ],
        # "mean HER2 2.25, mean CEP17 1.95", "HER2 avg 3.65": a number right after (a "/" or
        # a word in between is not taken: "mean HER2/CEP17 ratio")
        [_words("average", "mean", "avg"), _words("her2")],
        [_words("her2"), _words("average", "mean", "avg")],
    ],
    "COPIES_UNIT": [
        [
            _words("her2", op="?"),
            _words("gene", op="?"),
            _words("copies", "signals", "copy", "signal"),
        ]
    ],
    "PERCENT": [[_NUMBER, _words("%", "percent", "pct")], [_NUMBER, _words("per"), _words("cent")]],
    "RANGE": [[_NUMBER, _words("-", "to"), _NUMBER]],
    "SCORE_CUE": [[_words("score", "scored")], [_words("intensity")]],
    # An Allred score (0-8) of ER or PR: "ER, PR - 8 points", "Allred score: 7".
    "ALLRED": [
        [_NUMBER, _words("points", "point")],
        [_words("allred"), _words("score", op="?"), _words(":", "=", "-", "of", op="?"), _NUMBER],
    ],
    # Status words.
    "STATUS:positive": [
        [_words("positive", "pos", "positivity", "overexpressed", "overexpression")],
        # "hormone receptive", "estrogen-receptive" (patients' wording)
        [_words("receptive")],
        [_words("over"), _words("-", op="?"), _words("expressed", "expression")],
    ],
    "STATUS:negative": [[_words("negative", "neg", "negativity")]],
    "STATUS:equivocal": [[_words("equivocal", "borderline")]],
    "STATUS:low": [[_words("low")]],
    "STATUS:ultralow": [[_words("ultralow")]],
    "AMP:positive": [[_words("amplified", "amplification", "amplify", "amplifies")]],
    "AMP:negative": [[_words("nonamplified", "unamplified", "non-amplified")]],
    # "Triple negative" / "triple positive": ER, PR and HER2 all negative / all positive.
    "TRIPLE:negative": [
        [_words("triple"), _words("-", op="?"), _words("negative", "neg")],
        [_words("tnbc")],
    ],
    "TRIPLE:positive": [[_words("triple"), _words("-", op="?"), _words("positive", "pos")]],
}

# Score layer: IHC scores written with "+" or "plus", or a small number next to a bracketed
# status. (A small number described by its staining, "0 with faint staining", is found by the
# parser from the staining layer.) These may overlap main-layer mentions; the score itself is
# the first token(s).
SCORE_PATTERNS = {
    "SCORE_PLUS": [[_SMALL_INT, _words("+", "plus")]],
    "SCORE_BRACKETED": [[_INT_0_TO_3, _words("(", ",", "-"), _words(*_SCORE_STATUS_WORDS)]],
    "SCORE_AFTER_STATUS": [
        [
            _words(*_SCORE_STATUS_WORDS),
            _words("("),
            _words("score", "ihc", op="?"),
            _INT_0_TO_3,
            _words(")"),
        ]
    ],
}

# Staining layer: staining described in words (for telling IHC 0 from 0 with staining).
STAINING_PATTERNS = {
    "STAINING": [[_words("staining", "stain", "stained", "immunoreactivity", "expression")]],
}

# --- statements: what kind of statement a value sits in (parser._Statements) ---
# Before a value is taken, the statement around it is classified. A cue marks its scope as one
# of these kinds; values in a scope that is not a result are set aside (the mention of HER2
# still counts: "HER2 pending" is an undetermined HER2 result, not "no HER2 statement").
# Scope "clause": up to the nearest comma, bracket or sentence end; "sentence": the whole
# sentence (or line). Kind "method" sets aside only status and amplification words (a control
# or antibody description), never a written score or number.
STATEMENT_KINDS = {
    "pending": "clause",  # ordered, pending, to follow
    "failed": "clause",  # failed, could not be determined
    "reference": None,  # a result quoted from another report: kept ("negative on previous
    # biopsy" is still the result); a pointer alone has no value anyway
    "method": "clause",  # method, antibody (only status words are set aside)
    "control": "forward",  # a control and what it showed ("external control (3+ cell line)
    # stained as expected"): everything from the cue to its clause end
    "criterion": "bracket",  # a threshold, scale or definition printed next to a result
    "general": "sentence",  # statements about tests or patients in general, statistics
    "definition": "sentence",  # a scoring scale: "Score 1 = Negative: faint ... staining"
    # another kind of assay: a gene-expression test's single-gene scores ("Oncotype DX (RT-PCR):
    # HER2 11.8 units, positive") are not IHC or ISH, which decide HER2 status (ASCO/CAP)
    "other_assay": "line",
    # the in situ (DCIS) component: HER2 is scored on the invasive tumour (ASCO/CAP), so
    # "the DCIS shows strong complete staining (3+)" is not the result; a clause that also
    # names the invasive tumour keeps its values (parser._statement_kinds)
    "in_situ": "clause",
    # an earlier result the report itself corrects ("Previously reported: HER2 negative (1+).
    # Corrected: HER2 POSITIVE (3+)"): only in a text with a word of SUPERSEDING_WORDS
    "superseded": "sentence",
    # an earlier, other cancer in the history ("History of left breast carcinoma (2009), HER2
    # amplified, treated with trastuzumab. Current right breast tumour: HER2 negative (IHC 1+)"):
    # its results are not this tumour's
    "history": "sentence",
}
# Words of a pending statement that say the testing is being repeated or reviewed ("repeat
# testing of both specimens has been requested", "the case has been sent for review",
# "clarification has been requested"): results that disagree wait for it (classifier).
REPEAT_WORDS = frozenset(
    {"repeat", "repeated", "repeating", "retest", "retesting", "redo"}
    | {"review", "clarification", "clarify"}
)
# Intensity words between a hormone receptor and its status ("ER strongly positive").
INTENSITY_ADVERBS = frozenset({"strongly", "weakly", "moderately", "focally", "diffusely"})
# Words that say a report corrects an earlier result (an "addendum" alone usually adds one).
SUPERSEDING_WORDS = {
    "corrected",
    "correction",
    "revised",
    "revision",
    "amended",
    "amendment",
    "supersedes",
    "superseded",
    "supersede",
    "replaces",
    "erroneously",
}
# Kinds whose cue covers its whole statement even from inside brackets ("Single-gene scores
# (RT-PCR, units): ... HER2 11.8 Positive").
WHOLE_LINE_KINDS = {"other_assay"}
# Words that put an in-situ clause back under the invasive tumour ("3+ in the invasive and in
# situ components").
INVASIVE_WORDS = {"invasive", "infiltrating"}
# Scopes: "sentence"; "clause" (also ends at a comma, ";" or "but"); "bracket" (a clause that
# also ends at a bracket: "ratio 2.3 (>= 2.0 is considered amplified)"); "forward" (from the cue
# to the end of its clause: "HER2 3+ with appropriate controls" keeps its 3+).
_STATUS_WORDS = [
    "positive",
    "negative",
    "equivocal",
    "borderline",
    "amplified",
    "nonamplified",
    "amplification",
    "low",
    "pos",
    "neg",
]
_COMPARATOR_TOKENS = ["<", ">", "<=", ">=", "="]
STATEMENT_PATTERNS = {
    "STMT:pending": [
        [_words("pending", "ordered", "requested", "recommended", "awaited", "awaiting", "please")],
        [_words("will", "shall"), _words("be", "follow")],
        [_words("to"), _words("follow")],
        [_words("to"), _words("be"), _words("repeated", "redone", "performed")],
        [_words("in"), _words("progress")],
        [_words("sent"), _words("out", "for")],
        [_words("referred"), _words("for", "to")],
        [_words("has", "have"), _words("been"), _words("sent")],
    ],
    "STMT:failed": [
        [
            _words(
                "failed",
                "unable",
                "insufficient",
                "inadequate",
                "uninterpretable",
                "indeterminate",
                "unsuccessful",
            )
        ],
        [
            _words("could", "can", "cannot"),
            _words("not", op="?"),
            _words("be"),
            _words("determined", "assessed", "evaluated", "interpreted", "performed"),
        ],
        [_words("not"), _words("performed", "done", "interpretable", "evaluable")],
        # "ER: no interpretable tumor in the stained section"
        [_words("no"), _words("interpretable", "evaluable", "assessable")],
        [_words("no"), _words("result", "results")],
    ],
    "STMT:reference": [
        [
            _words("see"),
            _words("the", "separate", "prior", "previous", "outside", op="?"),
            _words("report", "reports"),
        ],
        [
            _words("prior", "previous", "earlier", "outside"),
            _words("sample", "specimen", "biopsy", "report"),
        ],
        [_words("done", "performed"), _words("on", op="?"), _words("previous", "prior")],
        [_words("previously")],
    ],
    "STMT:control": [
        [_words("control", "controls", "cont")],
    ],
    "STMT:method": [
        [
            _words(
                "antibody",
                "antibodies",
                "clone",
                "kit",
                "reagent",
                "reagents",
                "fda",
                "fda-approved",
                "immunoperoxidase",
                "detection",
            )
        ],
        [_words("cell"), _words("lines", "line")],
        [_words("in"), _words("accordance")],
        [_words("is", "was", "were"), _words("evaluated", "assessed")],
        [_words("method"), _words("for")],
        # "Reactivity ... is determined based on the percentage of positively stained nuclei"
        [_words("determined", "calculated", "assessed"), _words("based", "by")],
    ],
    "STMT:criterion": [
        [
            _words(
                "considered",
                "defined",
                "define",
                "defines",
                "criteria",
                "criterion",
                "if",
                "semiquantitated",
                "guideline",
                "guidelines",
            )
        ],
        [_words("reference"), _words("range", "ranges", "values", "value", op="?")],
        [_words(*_STATUS_WORDS), _words(*_COMPARATOR_TOKENS), {"LIKE_NUM": True}],
        [
            _words(*_COMPARATOR_TOKENS, "less", "more", "greater"),
            _words("than", op="?"),
            {"LIKE_NUM": True},
            _words("%", op="?"),
            _words("is", "are", "="),
            _words(*_STATUS_WORDS),
        ],
        [{"LIKE_NUM": True}, _words("%"), _words("is", "are"), _words(*_STATUS_WORDS)],
        # "A ratio of 2.0 or greater with 4.0 or more signals per cell is interpreted as amplified"
        [
            {"LIKE_NUM": True},
            _words("or"),
            _words("greater", "more", "higher", "above", "less", "lower", "below", "fewer"),
            {"LOWER": {"NOT_IN": [".", ";", "!", "?", ",", "(", ")", ":"]}, "OP": "*"},
            _words("interpreted", "regarded", "classified", "defined", "considered", "scored"),
            _words("as"),
        ],
    ],
    "STMT:definition": [
        # A scale entry: "Score 2+ (equivocal): weak to moderate ... staining in >10% of cells".
        [
            _words("score"),
            {"LIKE_NUM": True},
            _words("+", op="?"),
            _words("("),
            _words(*_STATUS_WORDS),
            _words(")"),
            _words(":"),
            {"LOWER": {"NOT_IN": [".", ";", "!", "?"]}, "OP": "*"},
            _words(*_COMPARATOR_TOKENS, "less", "more", "greater"),
            {"LIKE_NUM": True},
        ],
        [{"LIKE_NUM": True}, _words("+", op="?"), _words("="), _words(*_STATUS_WORDS)],
        # an Allred proportion scale: "(0 = no staining, 1 = <1% of cells, 2 = 1 - 10% ...)"
        [
            {"LIKE_NUM": True},
            _words("="),
            _words(*_COMPARATOR_TOKENS, op="?"),
            {"LIKE_NUM": True},
            _words("-", "to", op="?"),
            {"LIKE_NUM": True, "OP": "?"},
            _words("%"),
        ],
        [_words("is", "are"), _words("defined")],
        # "Scores of 0 or 1+ are considered negative, 2+ equivocal and 3+ positive"; "faint
        # staining in >10% would be reported as 1+"
        [_words("scores"), _words("of")],
        # "A score of 1+ requires faint staining in more than 10% of cells"
        [
            _words("score"),
            _words("of"),
            {"LIKE_NUM": True},
            _words("+", op="?"),
            _words("requires", "require", "needs", "means", "indicates"),
        ],
        [_words("would"), _words("be"), _words("reported", "classified", "called", "scored")],
        [
            {"LIKE_NUM": True},
            _words("-", "to"),
            {"LIKE_NUM": True},
            _words("%", op="?"),
            _words("is", "are", "="),
            _words(*_STATUS_WORDS),
        ],
    ],
    "STMT:other_assay": [
        [_words("rt"), _words("-", op="?"), _words("pcr")],
        [
            _words(
                "rtpcr",
                "pcr",
                "oncotype",
                "mammaprint",
                "prosigna",
                "endopredict",
                "pam50",
                "breastprint",
                "genomic",
                "units",
            )
        ],
        [_words("recurrence"), _words("score")],
        [_words("single"), _words("-", op="?"), _words("gene")],
        [_words("gene"), _words("expression")],
        [_words("her2"), _words("-", op="?"), _words("enriched")],
        [_words("intrinsic"), _words("subtype")],
    ],
    "STMT:history": [
        [_words("history"), _words("of", ":")],
        [_words("contralateral")],
        [
            _words("prior", "previous", "earlier", "former"),
            {"LIKE_NUM": True, "OP": "?"},  # "Prior 2009 left breast carcinoma"
            _words("left", "right", op="?"),
            _words("breast", op="?"),
            _words("carcinoma", "cancer", "tumor", "tumour", "malignancy", "primary"),
        ],
        # an earlier tumour with its year: "THE PRIMARY TUMOR (2016) WAS ER POSITIVE (95%)",
        # "for comparison, the breast primary (2018) was ER 90%"
        [
            _words("primary", "tumor", "tumour", "carcinoma", "cancer"),
            _words("("),
            {"TEXT": {"REGEX": r"^(?:19|20)\d\d$"}},
            _words(")"),
        ],
        [_words("for"), _words("comparison")],
    ],
    "STMT:in_situ": [
        [_words("dcis", "intraductal", "noninvasive")],
        [_words("in"), _words("situ")],
        [_words("non"), _words("-", op="?"), _words("invasive")],
    ],
    "STMT:superseded": [
        [
            _words("initially", "originally", "previously"),
            _words("reported", "scored", "read", "called", "given", "interpreted", "recorded"),
        ],
        [_words("previously", "initially", "originally"), _words("reported", op="?"), _words(":")],
        [
            _words("previous", "initial", "original", "earlier"),
            _words("her2", op="?"),
            _words("result", "results", "score", "report"),
        ],
    ],
    "STMT:general": [
        [_words("patients", "cases", "trials", "may", "might", "regardless")],
        # "tumors scoring 1+ ... are considered HER2-low", "cancers with ... are"
        [_words("tumors", "tumours", "cancers", "carcinomas"), _words("scoring", "with", "that")],
        [_words("for", "on", "in"), _words("all")],
        [_words("category"), _words("for")],
        # examples of kinds: "resistant to treatment, such as ... HER2-positive breast cancer"
        [_words("such"), _words("as")],
        # A kind of cancer in general, not this one: "HER2 positive tumors", "triple negative
        # cancers have fewer options" (a status word before a plural noun)
        [
            _words(*_STATUS_WORDS),
            _words("breast", op="?"),
            _words("cancers", "tumors", "tumours", "women", "people", "ladies"),
        ],
        # A class of results, not one: "all HER2 IHC 2+ results", "2+ cases".
        [
            {"LIKE_NUM": True},
            _words("+"),
            _words("results", "cases", "tumors", "tumours", "specimens", "samples"),
        ],
        [
            {"TEXT": {"REGEX": r"^\d+/\d+$"}},
            _words("("),
            {"LIKE_NUM": True},
            _words("%"),
        ],  # "3/9 (33%)": a statistic
    ],
}
# The noun names the test ("HER2 protein overexpression by IHC"); only a negated one is a result.
OVEREXPRESSION_NOUNS = {"overexpression", "expression", "positivity"}
# Words that say a hormone receptor is there (positive) unless negated: "estrogen receptors
# found in 75% of nuclei", "ER: weak expression in 30%", "PR: no expression".
RECEPTOR_PRESENCE = {
    "found",
    "expression",
    "expressed",
    "staining",
    "stained",
    "immunoreactive",
    "immunoreactivity",
    "reactivity",
    "present",
    "detected",
}
# Tokens that close a negation's scope (NegEx-style) when looking back from a word.
NEGATION_SCOPE_END = {
    ",",
    ";",
    ".",
    ":",
    "(",
    ")",
    "but",
    "however",
    "although",
    "while",
    "whereas",
    "!",
    "?",
}
# Clause boundaries for statement scopes (besides the sentence boundaries).
CLAUSE_BOUNDARIES = {",", ";", "but", "however", "--"}
BRACKETS = {"(", ")", "[", "]"}
# Words before a control cue that belong to it ("internal positive and negative controls"): a
# control statement's scope starts at them.
CONTROL_MODIFIERS = {
    "positive",
    "negative",
    "pos",
    "neg",
    "internal",
    "external",
    "and",
    "/",
    "appropriate",
    "tissue",
    "her2",
    "amplified",
    "nonamplified",
    "known",
}
# A clause with a status word and one of these before a number is a criterion ("Negative: nuclear
# staining in less than 1% of cells", "amplified: ratio >= 2.0").
THRESHOLD_WORDS = {"<", ">", "<=", ">="}
# Words before a number that make it a bound ("a ratio under 2.0").
THRESHOLD_PREPOSITIONS = {"under", "below", "above", "over", "exceeding"}
THRESHOLD_PHRASES = {
    ("less", "than"),
    ("greater", "than"),
    ("or", "greater"),
    ("or", "more"),
    ("or", "less"),
    ("or", "higher"),
    ("or", "above"),
    ("or", "lower"),
    ("or", "below"),
}
# Synoptic detail fields that belong to the analyte on the line above ("Estrogen Receptor (ER):
# Positive" / "Percentage of cells with nuclear positivity: 85%"), and a percentage in a clause
# of its own after it ("PR positive - Allred score 5 (...); approximately 25% of cells staining").
# Words before "ratio" that make it another ratio than HER2/CEP17 ("The stroma to fat ratio is
# 70:30", "nuclear to cytoplasmic ratio").
OTHER_RATIO_WORDS = {"stroma", "stromal", "fat", "nuclear", "cytoplasmic", "node", "nodes"}
# A status word that describes cells ("Percent of positive tumor cells: 75%", "positive
# nuclei") counts cells; it is no result (parser._Reader._status).
CELL_NOUNS = {"cell", "cells", "nucleus", "nuclei"}
CELL_QUALIFIERS = {"tumor", "tumour", "invasive", "carcinoma", "cancer", "neoplastic", "epithelial"}
DETAIL_FIELDS = {"percentage", "percent", "proportion", "nuclei", "cells", "approximately"}
# Words that make a number of signals an average per cell, not the count in one cell.
AVERAGE_WORDS = {"average", "mean", "avg", "averaged", "averaging"}
PER_CELL_WORDS = {"per", "/", "cell", "cells", "nucleus", "nuclei"}
# Membrane staining with a score, in a text naming no other marker, is HER2 scoring (ER/PR
# staining is nuclear; parser._her2_scoring_text). ("Basement membrane", "nuclear membrane"
# are not staining: the membrane word alone is not enough.)
HER2_ONLY_PHRASES = {
    (membrane, word)
    for membrane in ("membrane", "membranous")
    for word in ("staining", "stain", "stained", "immunoreactivity", "reactivity", "positivity")
} | {
    ("membrane", verb, status)
    for verb in ("is", "was", "are")
    for status in ("positive", "stained", "staining")
}
# OCR damage: letters a scanner confuses ("ncgative", "zoro", "posltive", "amp1ified", "N0T"). A
# word one such confusion away from one of OCR_TARGETS, or with one confusion made throughout
# ("PR0GESTER0NE"), is read as that word (parser.normalize).
OCR_CONFUSIONS = [("e", "c"), ("e", "o"), ("i", "l"), ("i", "1"), ("l", "1"), ("o", "0")]
OCR_TARGETS = [
    "not",
    "ratio",
    "copy",
    "copies",
    "positive",
    "negative",
    "equivocal",
    "amplified",
    "nonamplified",
    "amplification",
    "zero",
    "estrogen",
    "progesterone",
    "receptor",
    "receptors",
    "staining",
    "intensity",
]
# Methods that name a HER2 test by themselves (a plain "ISH test" or "IHC" may be ER/PR).
HER2_SPECIFIC_METHODS = {"FISH", "CISH", "SISH", "DISH"}
