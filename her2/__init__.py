"""Reading and classifying HER2 test results (pure Python + spaCy rules; no Rasa imports).

Public API (stable; the chatbot's actions use exactly this):

parse(text: str, expect: str | None = None) -> Findings
    Structured values from free text: a chat message ("IHC 2+ and FISH negative", a bare "2+",
    "not amplified", "ratio 2.3") or a pasted pathology-report excerpt. Unrelated numbers
    (grade, size, Ki-67, dates) and negated words ("no amplification") are handled. A report is
    read as lines, sentences and clauses; statements that are not results (pending or ordered
    tests, failed tests, method/antibody/control text, criteria, thresholds and scales, general
    statements) are set aside (lexicon.STATEMENT_PATTERNS); a positive/negative word that
    describes an IHC score ("weakly positive (score 2+)") is not a HER2 status; ER/PR are read
    from status words, narrative wording ("receptors found in 75% of nuclei", "no expression")
    and percentages (receptors.yml). Builds the spaCy pipeline once per process (about 1 s);
    then about a millisecond per message (a few ms for a 2,000-character report).
    Optional `expect` = what the bot just asked, used only for bare answers: None/"ihc" (a lone
    number is the IHC score: "3" -> "3+"), "ratio" / "copy_number" (a lone number is that
    value), "ish" (a lone "positive"/"negative" is the ISH result, not a stated HER2 status).

Findings (dataclass) fields, None/empty/False when not mentioned:
    ihc                    None | "0" | "0-staining" | "1+" | "2+" | "3+"
                           ("0-staining" = IHC 0 with faint membrane staining, HER2-ultralow)
    ihc_candidates         every distinct IHC score seen; if two differ with no correction
                           ("sorry, I meant 1+"), ihc is None and classify flags a contradiction
    ish_method             None | "FISH" | "CISH" | "SISH" | "DISH" | "ISH"
    ish_probe              None | "dual" | "single"
    ish_result             None | "positive" | "negative"   (written result: amplified or not)
    ish_result_candidates  like ihc_candidates, for the written ISH result
    ratio                  HER2/CEP17 ratio (float)
    copy_number            average HER2 copies (signals) per cell (float)
    percent_stained        % of tumour cells with HER2 membrane staining (float)
    er, pr                 None | "positive" | "negative" (stated, described, or from the
                           percentage: positive from 1%)
    er_percent, pr_percent float
    hr_stated              None | "positive" | "negative"  ("hormone receptor-positive", "HR+")
    stated_status          None | "positive" | "negative" | "low" | "ultralow"
                           (an overall status stated in words: "HER2 positive", "HER2-low")
    outdated_terms         True for pre-2018 wording ("FISH equivocal", a 1.8-2.2 ratio band)
    problems               codes for impossible values, which are never stored as values:
                           "ihc_out_of_range", "ratio_not_positive", "percent_over_100",
                           "copies_over_100", "copies_not_positive"
    her2_mentioned         True when the text names HER2 (or FISH/CISH/SISH/dual ISH) or
                           gives a HER2 value, False when parsed text has no HER2 statement,
                           None when unknown (built by hand); not a value (is_empty ignores it)
  methods: to_dict() (JSON-safe), Findings.from_dict(d) (round-trips; ignores unknown keys),
  is_empty(), has_test_values(), hormone_receptor_status(), and merge(newer) -> Findings:
  values present in `newer` override, field by field (a newer IHC score replaces ihc,
  ihc_candidates and percent_stained together; problems come from `newer` only).

classify(findings: Findings) -> Classification
    ASCO/CAP HER2 testing guideline (2018, affirmed 2023) tables in guideline.yml, plus the
    HER2-low/-ultralow eligibility terms. Classification (dataclass) fields:
    category     "positive" | "low" | "ultralow" | "zero" | "negative" | "equivocal" |
                 "undetermined" | None
                 None when problems were found, or when the text has no HER2 statement at all
                 (findings.her2_mentioned is False and no HER2 value: e.g. only ER/PR; then
                 problems is [] and needs is ["ihc"]); "undetermined" = HER2 is named but no
                 result can be read (pending, failed, contradictory, a test name or criteria).
                 negative = HER2-negative with the IHC level unknown; equivocal = IHC 2+ with
                 the ISH result not yet known (also when a single-probe result needs dual-probe
                 ISH)
    ish_group    1-5 when ratio and copy number place a dual-probe ISH result exactly, else None
    needs        what would settle or refine it, most useful first: "ihc" (an IHC score),
                 "ish" (an ISH/FISH result), "ratio" (HER2/CEP17 ratio), "copy_number"
                 (average HER2 copies per cell), "dual_probe_ish" (a dual-probe ISH test),
                 "repeat" (the repeat testing the report says was requested, when IHC and ISH
                 disagree)
    flags        "contradiction" (two different IHC scores or ISH results: ask which is right),
                 "discordant" (IHC and ISH disagree: pathologist review), "recount_noted"
                 (ISH groups 2-4 with IHC 2+), "outdated_terms", "stated_status_differs"
                 (a stated status that doesn't fit the values)
    explanation  one plain-language sentence
    problems     human-readable messages about impossible values (re-ask; category is None)
  method: to_dict().

interpret(text: str, expect: str | None = None) -> dict
    parse + classify in one flat JSON-safe dict; what `python -m her2 "<text>"` prints. Keys:
    ihc, ish_result (written, or else the result of the ISH group the guideline settles),
    ish_group, ratio, copy_number, hormone_receptor ("positive" if ER or PR is
    positive, "negative" if both are negative), category, label (category_info label), needs,
    flags, explanation, problems (messages), summary (describe_findings), then the other
    Findings fields, with Findings.problems renamed problem_codes.

describe_findings(findings: Findings) -> str
    Short restatement built from the parsed values, e.g. "IHC 2+, FISH negative" or
    "IHC 2+, HER2/CEP17 ratio 1.8, 6.5 HER2 copies per cell, ER-positive (90%), PR-negative".
    "" when nothing was found.

read_report(text: str) -> ReportReading
    A whole pasted report (or a chat message), specimen by specimen, for restating what was read
    and asking the user to check before interpreting when anything was unclear. ReportReading
    (dataclass; to_dict() is JSON-safe) fields:
    specimens    list of Specimen (a NamedTuple: label, findings, classification), one per
                 specimen when the text gives results for more than one ("core biopsy",
                 "excision", "lumpectomy", "mastectomy", "lymph node", "metastasis", "liver
                 biopsy", "block A2", "part B", "specimen 1": specimens.yml; a heading naming
                 two, "Part A: ... core biopsy:", is labelled "part A, core biopsy"). Each is
                 parsed and classified on its own: nothing is merged or replaced across
                 specimens. A text with one set of values is one specimen labelled "" (parsed
                 whole, as parse() reads it). [] for an empty text.
    read         short restatements per field, in reading order, built from the parsed values:
                 "HER2 IHC: 2+ (core biopsy)", "HER2 FISH: not amplified", "HER2/CEP17 ratio:
                 1.4", "HER2 copies per cell: 3.1", "HER2 status: negative", "ER: positive
                 (90%)", "PR: negative" (a stated status only when no test value is read or it
                 doesn't fit them); the specimen's label in brackets when there are several.
    set_aside    (kind, excerpt) for each statement (line, sentence, bracket or clause) about
                 HER2/ER/PR from which no value was taken, kind from the parser's statement
                 kinds: "criteria" (criteria, thresholds, scales), "method" (method, antibody,
                 controls), "pending" (ordered, pending, to follow), "failed" (failed, not
                 determined, not performed), "reference" (another report, a prior sample),
                 "general" (statements about HER2 testing in general); excerpt: at most
                 60 characters of the statement, cut at a word boundary ("...").
    uncertain    True when the bot should ask the user to check the report before
                 interpreting: a specimen's category is "undetermined", a contradiction or a
                 stated status that doesn't fit the values, an impossible value, a pending or
                 failed test set aside, or specimens whose HER2 categories (or ER/PR statuses)
                 disagree ("negative" agrees with zero, ultralow or low).
    unclear      why it is uncertain, codes in this order: "undetermined", "contradiction",
                 "stated_status_differs", "impossible_value", "pending", "failed",
                 "samples_differ", "receptors_differ"; [] when certain.
    A specimen's text that names neither HER2 nor a HER2 test, in a text that names HER2
    elsewhere, gives no HER2 values but an IHC score written as one ("3+"): parsed alone,
    "Tubular score: 3" or "The stains are negative" would read as a bare chat answer.
    A chat message names its sample where the sample opens a clause that gives a value ("the
    biopsy was 2+ and the surgery sample came back 3+" is two specimens).

her2.samples: results for several samples across a conversation (issue 16, item 4), pure
    functions over Sample(label, findings) and Pending(sample, target):
    message_samples(text, findings) -> [Sample]: the samples one message gives values for
        (several when it reports on several specimens; else one, with the sample it names:
        named_specimen(text) -> "surgical specimen" for "the surgery sample came back 3+").
    add_message(samples, new, correction=False) -> Update(samples, pending): a value goes to
        the sample it names, or to the only one stored; one that differs from a stored value
        waits in `pending` (target = the sample it may correct) unless the message corrects
        (is_correction: "sorry, I meant 1+"); with several samples stored, a value that names
        none waits with target None (which sample?). Nothing is replaced silently.
    answer(samples, pending, text, yes_no, names) -> [Sample] | None: the person's answer
        ("another sample" / "a correction", a yes or no, a sample's name) applied, None when
        the answer doesn't say; resolve(samples, pending, ANOTHER | CORRECTION) applies one.
    conflicts(old, new), same_sample(a, b) (generic names: "biopsy" ~ "core biopsy",
    "surgical specimen" ~ "excision"; specimens.yml families), to_dicts / samples_from /
    pending_from for slots.

category_info(category: str) -> dict
    {"label", "meaning", "treatment_families", "is_asco_cap_category", "source"} for a category
    code, with text taken from the two source articles (categories.yml). ValueError otherwise.
"""

from .categories import category_info
from .classifier import CATEGORIES, FLAGS, NEEDS, Classification, classify
from .findings import Findings
from .interpret import interpret
from .parser import parse
from .report import ReportReading, Specimen, read_report
from .wording import describe_findings

__all__ = [
    "CATEGORIES",
    "FLAGS",
    "NEEDS",
    "Classification",
    "Findings",
    "category_info",
    "classify",
    "describe_findings",
    "interpret",
    "ReportReading",
    "Specimen",
    "parse",
    "read_report",
]
