"""ConText/NegEx-style modifiers over the Matcher's spans: negated, general or current.

Each modifier has a scope counted in words inside one sentence, ended early by a terminator
("but", "however", "I", ...), so that "no fever but I can't breathe" still finds the
breathing emergency and "I'm not okay I want to end my life" is not negated:
- negated: a preceding trigger ("no", "not", "never", "without", ...) within `window` words
  before the phrase, or a following one ("... and it stopped") within `window` words after
  it; triggers that are part of a pseudo-negation ("not okay", "never felt so") or of the
  phrase itself ("she's not breathing") don't count;
- general: a causal or informational frame ("can Enhertu cause ...", "signs of ...",
  "is it normal ...") before the phrase in its sentence, or, for the hypothetical triggers
  ("if", "in case", "should I"), before it in its clause;
- current: a cue that it is happening now ("I have", "my chest feels", "since", "right
  now") in the phrase's sentence, outside any hypothetical scope;
- historical: a cue that it happened in the past ("years ago", "as a teenager", "last
  year") in the phrase's sentence;
- resolved: a cue anywhere after the phrase that it is over ("turned out to be reflux",
  "cleared up", "fine since").
Negation scopes end at any terminator (pronouns included: "not sure, I can't breathe");
hypothetical scopes only at a clause terminator ("if", "when" ... ",", "but", "so").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

from spacy.tokens import Doc

Span = Tuple[int, int]
MODALS = {
    "could",
    "would",
    "can",
    "will",
    "might",
    "may",
    "should",
    "do",
    "does",
    "did",
    "shall",
    "must",
}


@dataclass
class Context:
    """The context spans found in one message."""

    preceding: List[Span]
    following: List[Span]
    pseudo: List[Span]
    terminators: List[Span]
    causal: List[Span]
    informational: List[Span]
    question_start: List[Span]
    hypothetical: List[Span]
    current: List[Span]
    clause_terminators: List[Span]
    historical: List[Span]
    resolved: List[Span]
    current_sentence: List[Span]
    recent_past: List[Span]
    laughter: List[Span]
    hyperbole: List[Span]
    means: List[Span]
    onset: List[Span]
    admitted: List[Span]
    disowned: List[Span]
    fiction: List[Span]

    @classmethod
    def from_matches(cls, spans: Dict[str, List[Span]]) -> "Context":
        roles = (
            "preceding",
            "following",
            "pseudo",
            "terminators",
            "causal",
            "informational",
            "question_start",
            "hypothetical",
            "current",
            "clause_terminators",
            "historical",
            "resolved",
            "current_sentence",
            "recent_past",
            "laughter",
            "hyperbole",
            "means",
            "onset",
            "admitted",
            "disowned",
            "fiction",
        )
        return cls(**{role: spans.get(role, []) for role in roles})


# who a cue that all is well can be about other than the writer ("hope everyone is doing ok")
_OTHERS = frozenset({"everyone", "everybody", "y'all", "yall", "others", "guys", "all"})
# how far into its sentence a cue of the past still opens it ("Less than two years later", "I'd
# had a PE in 2020 while on chemo"; 6 words, bench/TUNING.md change 29)
_OPENING = 6
# how far a negation reaches along a list of items ("no fever, cough, rash or chest pain";
# bench/TUNING.md change 34)
_LIST_REACH = 16
# current cues that say a resolved symptom is back, wherever they come after it
_RETURN_CUES = frozenset({"again", "now", "worse", "back", "still"})
# ...of which these say so only in a sentence that names a symptom ("now it's bleeding
# again"); elsewhere they are about something else ("I'm now paranoid about my heart")
_RETURN_CUES_WITH_SYMPTOM = frozenset({"now", "still"})


# the writer speaking of themselves
_FIRST_PERSON = frozenset({"i", "me", "my", "myself", "we", "us", "our", "im", "ive"})
# words that set what follows against what came before
_CONTRAST = frozenset({"but", "however", "though", "although", "yet", "except", "still"})
# a fear of a return ("worried about it happening again") is not a return
_FEAR_WORDS = frozenset(
    {"anxious", "worried", "worry", "scared", "afraid", "nervous", "terrified", "fear", "dread"}
    | {"dreading", "frightened", "panic", "panicking", "paranoid"}
)
# "now and then", "now and again": how often, not now
_NOW_AND = frozenset({"then", "again"})


# the subjects that open a current cue ("I'm", "she has", "my chest feels")
_SUBJECTS = frozenset(
    {"i", "she", "he", "they", "we", "mum", "mom", "dad", "wife", "husband", "partner"}
    | {"my", "her", "his", "their", "our"}
)


# words after "I'd never do anything" that make it about something else ("... to hurt the kids")
_DISOWNING_GOES_ON = frozenset({"to", "that", "which", "till", "until", "before", "while"})


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class Scopes:
    def __init__(
        self,
        doc: Doc,
        context: Context,
        windows: Dict[str, int],
        wildcard_tokens: Optional[Dict[Span, Set[int]]] = None,
    ):
        self.doc = doc
        self.context = context
        self.windows = windows
        # per match span, the tokens its "~N" wildcards took
        self.wildcard_tokens = wildcard_tokens or {}
        self._sentence_of = {}
        self._sentence_number = {}
        for number, sent in enumerate(doc.sents):
            for i in range(sent.start, sent.end):
                self._sentence_of[i] = (sent.start, sent.end)
                self._sentence_number[i] = number
        self._punct = [i for i, t in enumerate(doc) if t.is_punct]
        # sentences (start, end) with an emergency phrase in them (set by triage.assess)
        self.symptom_sentences: Set[Span] = set()

    def sentence(self, span: Span) -> Span:
        return self._sentence_of.get(span[0], (0, len(self.doc)))

    def sentence_index(self, span: Span) -> int:
        """The number of the phrase's sentence in the message (0 for the first)."""
        return self._sentence_number.get(span[0], 0)

    def _blocked(
        self, left: int, right: int, clause_only: bool = False, commas: bool = True
    ) -> bool:
        """True when a terminator (or, with clause_only, a clause terminator) or a
        clause-ending punctuation mark (a comma only with `commas`) lies in [left, right)."""
        marks = ",;:.!?()-–—" if commas else ";:.!?()-–—"
        if any(left <= p < right and self.doc[p].text in marks for p in self._punct):
            return True
        terminators = self.context.clause_terminators if clause_only else self.context.terminators
        return any(left <= t[0] and t[1] <= right for t in terminators)

    def _is_pseudo(self, trigger: Span) -> bool:
        return any(_overlaps(trigger, p) for p in self.context.pseudo)

    def negated(self, span: Span, kind: str) -> bool:
        window = self.windows.get(kind, 5)
        # a negation that one of the phrase's wildcards took ("my lips didn't swell")
        taken = self.wildcard_tokens.get(span, set())
        if taken and any(
            trigger[0] in taken and not self._is_pseudo(trigger)
            for trigger in self.context.preceding
        ):
            return True
        for trigger in self.context.preceding:
            if trigger[1] > span[0] or _overlaps(trigger, span) or self._is_pseudo(trigger):
                continue
            if span[0] - trigger[1] <= window and not self._blocked(trigger[1], span[0]):
                return True
            if kind == "medical" and self._in_a_negated_list(trigger[1], span):
                return True
        if kind == "self_harm":
            return False  # "... suicidal? no" is not trusted: too easy to misread
        after = self.windows.get("following", 6)
        for trigger in self.context.following:
            if (
                trigger[0] >= span[1]
                and trigger[0] - span[1] <= after
                and not _overlaps(trigger, span)
                and not self._is_pseudo(trigger)
                and not self._blocked(span[1], trigger[0])
            ):
                return True
        return False

    def _in_a_negated_list(self, start: int, span: Span) -> bool:
        """The phrase is an item of a list that a negation just before `start` opens: "has not
        complained about shortness of breath, tiredness, swelling of ankles or chest pains",
        "no fever, cough, rash or chest tightness" (items joined by commas, the list closed
        by "or"/"nor", all within _LIST_REACH words, no terminator or other punctuation)."""
        end = span[0]
        if end - start > _LIST_REACH:
            return False
        words = [self.doc[i].lower_ for i in range(start, end)]
        if "," not in words and (not words or words[-1] not in ("or", "nor")):
            return False
        # a list runs on over commas, not over other punctuation or a terminator ("no fever,
        # but chest pain")
        if self._blocked(start, end, commas=False):
            return False
        # the "or" closing the list: before the phrase, or after it in the same list
        if "or" in words or "nor" in words:
            return True
        last = min(len(self.doc), start + _LIST_REACH)
        for i in range(span[1], last):
            if self.doc[i].lower_ in ("or", "nor"):
                return not self._blocked(span[1], i, commas=False)
        return False

    def general(self, span: Span, kind: str) -> bool:
        """A causal frame ("can Enhertu cause ...", "signs of ...") around the phrase in its
        sentence; for a medical phrase also an informational one ("is it normal ...")."""
        start, end = self.sentence(span)
        triggers = list(self.context.causal)
        if kind == "medical":
            triggers += self.context.informational
            # "can/does/is ... ?": a question that opens with an auxiliary verb
            triggers += [
                t for t in self.context.question_start if t[0] == start and self._is_question(span)
            ]
        for trigger in triggers:
            if start <= trigger[0] and trigger[1] <= span[0]:
                return True
            # "is shortness of breath a side effect of Enhertu?"
            if span[1] <= trigger[0] < end and self._is_question(span):
                return True
        return False

    def hypothetical(self, span: Span, opening_a_question: bool = False) -> bool:
        """ "if", "in case", "should I" before the phrase in its clause; with
        opening_a_question, only one that opens a question ("if she had a seizure, what
        would I do?")."""
        start, _ = self.sentence(span)
        if opening_a_question:
            return self._is_question(span) and any(t[0] == start for t in self.context.hypothetical)
        return any(
            start <= t[0] and t[1] <= span[0] and not self._blocked(t[1], span[0], clause_only=True)
            for t in self.context.hypothetical
        )

    def clause(self, span: Span) -> Span:
        """The clause around a span: its sentence, cut at punctuation and clause terminators."""
        start, end = self.sentence(span)
        left, right = start, end
        for i in range(start, span[0]):
            if self._blocked(i, i + 1, clause_only=True):
                left = i + 1
        for i in range(span[1], end):
            if self._blocked(i, i + 1, clause_only=True):
                right = i
                break
        return left, right

    def historical(self, span: Span, kind: str) -> bool:
        """A cue of the past in the phrase's clause, with nothing there that says it is
        happening now: the distant past ("years ago", "as a teenager") for any phrase, the
        recent past ("last week", "in March") for a medical one only."""
        start, end = self.clause(span)
        cues = self.context.historical + (self.context.recent_past if kind == "medical" else [])
        if any(start <= t[0] and t[1] <= end for t in cues) and not self._current_between(
            start, end
        ):
            return True
        # a cue that opens the sentence ("When I was 19, long before any of this, I ...",
        # "Less than two years later, I had ...") reaches over commas, up to a
        # clause-terminating word
        sentence_start, _ = self.sentence(span)
        return any(
            sentence_start <= t[0] <= sentence_start + _OPENING
            and t[1] <= span[0]
            and not self._blocked_by_word(t[1], span[0])
            and not self._current_between(t[1], span[0])
            for t in cues
        )

    def _blocked_by_word(self, left: int, right: int) -> bool:
        return any(left <= t[0] and t[1] <= right for t in self.context.clause_terminators)

    def resolved(self, span: Span, only_a_return_undoes: bool = False) -> bool:
        """A cue after the phrase, anywhere in the message, that it is over, with no
        current cue after it ("it cleared up but now it's back"). With only_a_return_undoes
        (a dated episode of self-harm), only a cue that says it is back ("again", "now" in a
        sentence naming it) undoes it: the present told after it is the recovery ("I stopped
        9 months ago, I have a therapist")."""
        phrase_sentence = self.sentence(span)
        now = (
            bool(self.context.onset)
            and self.current(span, clause_only=True)
            and not self._had_before(span)
        )
        # A dated statement that something was fine ("a heart scan three months ago that was
        # normal") is about that earlier time: it says nothing of a phrase in another sentence
        # (a dated self-harm episode excepted: "That was three years ago and life is different
        # now" looks back at it).
        after = [
            t
            for t in self.context.resolved
            if t[0] >= span[1]
            and (self.sentence(t) == phrase_sentence or only_a_return_undoes or not self._dated(t))
            and not self._cue_negated(t)
            and not self._about_others(t)
            # "her left side is weak, she was completely fine at lunch": when it started,
            # not that it is over (with a symptom told as now)
            and not (now and any(_overlaps(t, o) for o in self.context.onset))
        ]
        if not after:
            return False
        last = max(t[1] for t in after)
        # After "it passed" only a cue in a later clause of that sentence ("it went away but
        # this morning it's back"; not "I feel better this morning"), or one that says it is
        # back ("again", "worse"; "now" in a sentence naming a symptom) in a later statement,
        # undoes it; a later question ("will it happen
        # again?") or another story ("my husband still hasn't let it go") doesn't.
        _, sentence_end = self.sentence((last - 1, last))
        return not any(
            last <= c[0]
            # "since" in "nothing since", "fine since": part of a cue that it is over
            and not any(_overlaps(c, t) for t in self.context.resolved)
            and not self._after_modal(c)
            and not self._is_question(c)
            and (
                (
                    not only_a_return_undoes
                    and c[1] <= sentence_end
                    and self._blocked(last, c[0], clause_only=True)
                    # "I'm completely fine now, and I'm due cycle 3 next week": a subject and
                    # its verb alone tell the present, not that it is back, unless set against
                    # it ("she came round but she's really confused")
                    and (
                        self.doc[c[0]].lower_ not in _SUBJECTS
                        or any(self.doc[i].lower_ in _CONTRAST for i in range(last, c[0]))
                    )
                )
                or (
                    self._says_it_is_back(c)
                    # "it never happened again", "anxious about it happening again"
                    and not self._cue_negated(c)
                    and not self._feared(c)
                )
            )
            for c in self.context.current
        )

    def _about_others(self, cue: Span) -> bool:
        """ "hope everyone is doing ok": the others are fine, which says nothing of the writer."""
        return any(self.doc[i].lower_ in _OTHERS for i in range(max(cue[0] - 3, 0), cue[0]))

    def _had_before(self, span: Span) -> bool:
        """'had' in the phrase's clause up to its end: told as over ("I had chest pain last
        night", "Had a temperature of 37.6 yesterday")."""
        start, _ = self.clause(span)
        return any(self.doc[i].lower_ == "had" for i in range(start, span[1]))

    def _feared(self, cue: Span) -> bool:
        """ "I'm anxious about it happening again": a fear of its return, in the few words
        before the cue, is not its return."""
        return any(
            self.doc[i].norm_ in _FEAR_WORDS or self.doc[i].lower_ in _FEAR_WORDS
            for i in range(max(cue[0] - 5, 0), cue[0])
        )

    def _cue_negated(self, cue: Span) -> bool:
        """ "it hasn't gone away", "not settled": a negation just before a cue that it is over."""
        return any(
            0 <= cue[0] - t[1] <= 1 and not self._is_pseudo(t) for t in self.context.preceding
        )

    def _says_it_is_back(self, cue: Span) -> bool:
        words = {self.doc[i].norm_ for i in range(cue[0], cue[1])} & _RETURN_CUES
        if words - _RETURN_CUES_WITH_SYMPTOM:
            return True
        return bool(words) and self.sentence(cue) in self.symptom_sentences

    def dated(self, span: Span) -> bool:
        """A cue of the past, distant or recent, for the phrase: in its clause or opening its
        sentence ("last summer I took a handful of my tablets"); opening the sentence before,
        with nothing of now before the phrase ("Two years ago I had a really dark patch. I
        swallowed everything ..."); or looking back from the sentence after ("... That was three years
        ago", up to three sentences on)."""
        if self.historical(span, "medical"):
            return True
        number = self.sentence_index(span)
        cues = self.context.historical + self.context.recent_past
        for cue in cues:
            cue_number = self._sentence_number.get(cue[0])
            if (
                cue_number == number - 1
                and cue[0] <= self.sentence(cue)[0] + _OPENING
                and not self._current_between(self.sentence(span)[0], span[0])
            ):
                return True
            if cue_number is not None and number < cue_number <= number + 3:
                start, end = self.sentence(cue)
                if (
                    end - start > 2
                    and self.doc[start].lower_ in ("that", "this", "it")
                    and self.doc[start + 1].lower_ in ("was", "'s", "is")
                ):
                    return True
        return False

    def joking(self, span: Span) -> bool:
        """Hyperbole, not intent: the message laughs ("lol", "😂") and the phrase's sentence
        sets it against an everyday last straw ("one more hold tune and I'll top myself", "if I
        have to wear it again he'd throw himself under a bus"); never with a means named in the
        message (pills, a rope, a blade: red_flags.yml `means`)."""
        if not self.context.laughter or self.context.means:
            return False
        sentence = self.sentence(span)
        return any(self.sentence(cue) == sentence for cue in self.context.hyperbole)

    def fiction(self, span: Span) -> bool:
        """A medical emergency told of a character in a story ("I'm writing a short story where
        the main character ... collapses"; "... a novel where Clare is on Enhertu. In chapter 12
        she develops a cough"): a fiction cue before the phrase, with no first-person word
        between them in its sentence, or in an earlier sentence, with none in the phrase's
        sentence (a writer who then tells of themselves, "my chest hurts now", is not framed);
        never with a cue of now there ("in the film a man collapses, and now dad has too")."""
        sentence_start, sentence_end = self.sentence(span)
        for cue in self.context.fiction:
            if cue[1] > span[0]:
                continue
            start = cue[1] if cue[0] >= sentence_start else sentence_start
            end = span[1] if cue[0] >= sentence_start else sentence_end
            if not any(
                self.doc[i].lower_ in _FIRST_PERSON for i in range(start, end)
            ) and not self._current_between(start, end):
                return True
        return False

    def admitted(self, span: Span) -> bool:
        """Said to be real and done after the phrase ("what happens if someone took the whole
        pack? Not hypothetical, I did it"): a general or hypothetical frame no longer counts."""
        return any(cue[0] >= span[1] for cue in self.context.admitted)

    def disowned(self, span: Span) -> bool:
        """A thought told, then disowned ("everyone would be better off without me. I'd never
        do anything"): the disowning comes after the phrase, in its sentence or the next one;
        never with a means named in the message or with something said to be done."""
        if self.context.means or self.context.admitted:
            return False
        here = self.sentence_index(span)
        return any(
            cue[0] >= span[1]
            and self.sentence_index(cue) - here <= 1
            # the disowning ends its clause ("I'd never do anything, I've got the kids"), not
            # "I'd never do anything to hurt the kids, so ..."
            and (cue[1] >= len(self.doc) or self.doc[cue[1]].lower_ not in _DISOWNING_GOES_ON)
            for cue in self.context.disowned
        )

    def _dated(self, cue: Span) -> bool:
        """A cue of the past (distant or recent) in the cue's own sentence."""
        start, end = self.sentence(cue)
        return any(
            start <= t[0] and t[1] <= end
            for t in self.context.historical + self.context.recent_past
        )

    def _current_between(self, start: int, end: int) -> bool:
        return any(
            start <= c[0]
            and c[1] <= end
            and not self._after_modal(c)
            and not self._says_it_is_over(c)
            for c in self.context.current
        )

    def _says_it_is_over(self, cue: Span) -> bool:
        """A cue of now that is part of, or opens, a statement that it is over ("she's fine
        now", "I'm in a good place now"): not a sign that it is happening."""
        return any(_overlaps(cue, r) or cue[1] <= r[0] <= cue[1] + 1 for r in self.context.resolved)

    def _now_and_then(self, cue: Span) -> bool:
        """ "a little flutter now and then": how often it comes, not that it is here now."""
        return (
            self.doc[cue[0] : cue[1]].text.lower() == "now"
            and cue[1] + 1 < len(self.doc)
            and self.doc[cue[1]].lower_ == "and"
            and self.doc[cue[1] + 1].lower_ in _NOW_AND
        )

    def _after_modal(self, cue: Span) -> bool:
        """ "could I have ...?": a question, not a statement."""
        return cue[0] > 0 and self.doc[cue[0] - 1].norm_ in MODALS

    def _is_question(self, span: Span) -> bool:
        start, end = self.sentence(span)
        return any(self.doc[i].text == "?" for i in range(start, end))

    def current(self, span: Span, clause_only: bool = False) -> bool:
        """A cue that it is happening now in the phrase's sentence (in its clause, for a
        question or with clause_only), outside any hypothetical clause."""
        sentence_start, sentence_end = self.sentence(span)
        if any(
            sentence_start <= c[0] and c[1] <= sentence_end for c in self.context.current_sentence
        ):
            return True
        start, end = (
            self.clause(span)
            if clause_only or self._is_question(span)
            else (sentence_start, sentence_end)
        )
        for cue in self.context.current:
            if not (start <= cue[0] and cue[1] <= end) or self._after_modal(cue):
                continue
            if self._now_and_then(cue):
                continue
            # a cue inside a hypothetical clause ("if I have a fever") is not "now"
            if any(
                start <= t[0]
                and t[1] <= cue[0]
                and not self._blocked(t[1], cue[0], clause_only=True)
                for t in self.context.hypothetical
            ):
                continue
            return True
        return False
