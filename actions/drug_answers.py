"""Answers about HER2-targeted drugs, built only from knowledge/drugs.yml."""

import re
from typing import Dict, List, Optional, Tuple

from actions.replies import source_line
from knowledge import load
from knowledge.drug_matcher import chemo_by_id, default_matcher, drug_by_id

# What the user asks about a drug, recognised from the words of the question.
ASPECT_PATTERNS = [
    ("compare", r"\b(differen\w*|vs\.?|versus|compare\w*|same as|instead of)\b"),
    (
        "side_effects",
        r"\b(side[- ]?effects?|adverse|reactions?|toxicit\w*|safe|safety|risks?|risky|dangers?|dangerous)\b",
    ),
    (
        "how_given",
        r"\b(given|giv\w*|take[ns]?|taking|administer\w*|pills?|tablets?|oral|"
        r"mouth|iv|intravenous\w*|infusions?|injections?|injected|shots?|drip|"
        r"under the skin|needle)\b",
    ),
    (
        "when_used",
        r"\b(when|used for|use[ds]? (in|to)|what for|who (gets|can)|stages?|"
        r"metastatic|early|after|before)\b",
    ),
]


def aspect_of(question: str) -> str:
    """The aspect of a drug that a question asks about; "overview" when none is named."""
    lowered = question.lower()
    for aspect, pattern in ASPECT_PATTERNS:
        if re.search(pattern, lowered):
            return aspect
    return "overview"


def drugs_in(text: str) -> List[str]:
    """Ids of the known drugs mentioned in ``text``, in order, without repeats."""
    return list(dict.fromkeys(m.drug_id for m in default_matcher().find(text)))


def unknown_drug_names(text: str) -> List[str]:
    return default_matcher().unknown_drug_names(text)


def is_known(drug_id: Optional[str]) -> bool:
    """True for ids of drugs.yml (a slot could hold anything a client sent)."""
    return bool(drug_id) and (drug_by_id(drug_id) is not None or chemo_by_id(drug_id) is not None)


def display_name(drug: Dict) -> str:
    brands = ", ".join(drug.get("brands", []))
    return f"{drug['name']} ({brands})" if brands else drug["name"]


def answer(drug_id: str, aspect: str, other_id: Optional[str] = None) -> str:
    """The reply about one drug (or a comparison of two), citing the sources of the facts
    it uses."""
    if drug_id.startswith("chemo:"):
        return _chemo_answer(drug_id)
    drug = drug_by_id(drug_id)
    if aspect == "compare" and other_id and not other_id.startswith("chemo:"):
        return _compare(drug, drug_by_id(other_id))
    body, fields = {
        "how_given": _how_given,
        "when_used": _when_used,
        "side_effects": _side_effects,
    }.get(aspect, _overview)(drug)
    if not fields:
        return body
    return f"{body}\n\n{source_line(*cited(drug, fields))}"


def cited(drug: Dict, fields: List[str]) -> List[str]:
    """The sources of the given fields of a drug (knowledge/drugs.yml ``cite``), in order."""
    keys: List[str] = []
    for field in fields:
        keys.extend(drug["cite"].get(field, []))
    return list(dict.fromkeys(keys))


def unknown_drug_reply(names: List[str]) -> str:
    named = f"“{names[0]}”" if names else "that drug"
    return (
        f"I'm sorry, I don't have information on {named}. I can only explain the "
        f"HER2-targeted drugs described in my sources:\n{known_drug_list()}\n\n"
        "Your care team or pharmacist can tell you about other medicines.\n\n"
        f"{source_line(LIST_SOURCE)}"
    )


# The list of HER2-targeted drugs by family is Everyday Health's ("Targeted Therapy").
LIST_SOURCE = "everyday_health"


def known_drug_list() -> str:
    families: Dict[str, List[str]] = {}
    for drug in load("drugs")["drugs"]:
        families.setdefault(drug["family"], []).append(display_name(drug))
    return "\n".join(
        f"• {family.capitalize()}: {', '.join(names)}" for family, names in families.items()
    )


def list_drugs_reply() -> str:
    return (
        "These are the HER2-targeted drugs my sources describe, by family:\n"
        f"{known_drug_list()}\n\nAsk me about any of them, e.g. “How is Phesgo given?”\n\n"
        f"{source_line(LIST_SOURCE)}"
    )


def _overview(drug: Dict) -> Tuple[str, List[str]]:
    parts = [f"{display_name(drug)} is {_with_article(drug['family'])}. {drug['what_it_is']}"]
    fields = ["what_it_is"]
    if drug.get("how_given"):
        parts.append(f"How it's given: {drug['how_given']}")
        fields.append("how_given")
    parts.append(f"When it's used: {drug['when_used']}")
    fields.append("when_used")
    if drug.get("notes"):
        parts.append(drug["notes"])
        fields.append("notes")
    return "\n\n".join(parts), fields


def _how_given(drug: Dict) -> Tuple[str, List[str]]:
    if drug.get("how_given"):
        return f"{display_name(drug)}: {drug['how_given']}", ["how_given"]
    return (
        f"My sources don't say how {display_name(drug)} is given (for example whether "
        f"it is a pill). Your care team or pharmacist can tell you. What the sources do "
        f"say: {drug['when_used']}"
    ), ["when_used"]


def _when_used(drug: Dict) -> Tuple[str, List[str]]:
    return f"{display_name(drug)}: {drug['when_used']}", ["when_used"]


def _side_effects(drug: Dict) -> Tuple[str, List[str]]:
    """No drug has side effects in the sources (``side_effects`` is null for all): an honest
    reply. The complications Everyday Health lists for the disease in general are not
    attached to a drug's name; the follow-up button offers them separately."""
    if drug.get("side_effects"):
        return f"Side effects of {display_name(drug)}: {drug['side_effects']}", ["side_effects"]
    return (
        f"My sources don't list side effects specific to {display_name(drug)}, so I "
        "can't tell you about them. Please ask your oncologist, nurse or pharmacist: "
        "they know your treatment and can tell you what to watch for."
    ), []


def _compare(first: Dict, second: Dict) -> str:
    lines = ["Here is what my sources say about each:"]
    keys: List[str] = []
    for drug in (first, second):
        given = drug.get("how_given") or "the sources don't say how it is given"
        lines.append(
            f"• {display_name(drug)}: {_with_article(drug['family'])}. {given} {drug['when_used']}"
        )
        keys += cited(drug, ["how_given", "when_used"])
    lines.append(f"\n{source_line(*dict.fromkeys(keys))}")
    return "\n".join(lines)


def _with_article(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _chemo_answer(drug_id: str) -> str:
    chemo = chemo_by_id(drug_id)
    brands = ", ".join(chemo.get("brands", []))
    name = f"{chemo['name']} ({brands})" if brands else chemo["name"]
    return (
        f"{name} is listed in my sources among the chemotherapy drugs used for "
        "HER2-positive breast cancer; they don't give more detail on it. Your care team "
        "can tell you more.\n\n" + source_line("everyday_health")
    )
