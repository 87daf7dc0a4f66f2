"""What the sources don't cover (knowledge/uncovered.yml, answers/coverage.py) and its reply."""

import pytest

from actions.source_answers import uncovered_reply
from answers import fact_by_id
from answers.coverage import uncovered_topics
from knowledge import load
from tests.unit.lib import read_yaml, source_texts

TOPICS = load("uncovered")["topics"]
QUESTIONS = read_yaml("tests/questions/real_questions.yml")["questions"]


def found(text):
    return [t.id for t in uncovered_topics(text)]


@pytest.mark.parametrize(
    "question",
    [
        # Questions the two articles answer: never "not covered".
        "What is HER2?",
        "How does HER2 work in breast cancer?",
        "How is Herceptin given?",
        "What are the survival rates for HER2-positive breast cancer?",
        "What is a FISH test?",
        "Is Enhertu used for HER2-low cancer?",
        "What are the risk factors?",
        "What complementary therapies can help?",
        "What questions should I ask my doctor?",
        "Is chemo filling my body with toxins?",
        "My aunt has HER2-positive breast cancer, what does that mean?",
        "What is hormone therapy?",
    ],
)
def test_covered_questions_are_not_called_uncovered(question):
    assert found(question) == []


@pytest.mark.parametrize(
    "question, topic",
    [
        ("Does Herceptin affect the heart?", "heart"),
        ("Will I need an echocardiogram while on Phesgo?", "heart"),
        ("Can I get pregnant after finishing trastuzumab?", "pregnancy_fertility"),
        ("Is it safe to have the flu vaccine during treatment?", "vaccines_infections"),
        ("How long will I be on Herceptin?", "duration"),
        ("Can I take a break from Herceptin this summer?", "treatment_break"),
        ("How do I know if the treatment is working?", "is_it_working"),
        ("What are the chances of it coming back?", "recurrence"),
        ("Is HER2-positive breast cancer hereditary?", "heredity"),
        ("Is hormone replacement therapy safe for me now?", "hormone_replacement"),
        ("Can I fly abroad on holiday between cycles?", "travel_driving"),
        ("Should I get my teeth checked by the dentist before chemo starts?", "dental"),
        ("Is breast feeding linked to breast cancer?", "pregnancy_fertility"),
        (
            "My grandmother and an aunt both had it - does breast cancer in a relative raise my risk?",
            "heredity",
        ),
    ],
)
def test_uncovered_concepts_are_found_by_their_lemmas(question, topic):
    assert topic in found(question)


def test_real_dev_questions_that_are_not_covered_are_mostly_recognised():
    """Measured on the real questions' dev part (tuned on); labels come from the sources."""
    dev = [q for q in QUESTIONS if q["split"] == "dev"]
    not_covered = [q for q in dev if q["coverage"] == "not_covered"]
    covered = [q for q in dev if q["coverage"] == "covered"]
    recognised = sum(bool(found(q["text"])) for q in not_covered)
    assert recognised / len(not_covered) >= 0.7, recognised
    # one covered dev post (q-343) tells of genetic testing and insurance around its question,
    # and the story is read when its question names no concept; marking heredity `asked_only`
    # lost as many dev questions as it won (2026-12-07), so it stays
    called_uncovered = [q["id"] for q in covered if found(q["text"])]
    assert len(called_uncovered) <= len(covered) // 10, called_uncovered


def test_every_near_fact_exists_and_every_topic_is_complete():
    for topic_id, topic in TOPICS.items():
        assert topic["concept"] and topic["who"] and topic["terms"], topic_id
        for fact_id in topic.get("near") or []:
            assert fact_by_id(fact_id).text, (topic_id, fact_id)


def test_heading_only_sections_are_really_empty_in_the_source():
    text = source_texts()["everyday_health"]
    lines = [line.strip() for line in text.splitlines()]
    for topic_id, topic in TOPICS.items():
        if topic.get("heading"):
            index = lines.index(topic["heading"])
            following = lines[index + 1]
            assert len(following.split()) <= 8, (topic_id, following)  # the next heading


def test_the_reply_says_what_is_not_covered_who_can_answer_and_the_nearby_fact():
    reply = uncovered_reply(["duration"])
    assert reply.startswith("My sources don't cover how long treatment lasts")
    assert "Your oncologist can." in reply
    assert fact_by_id("eh_neratinib_early").text in reply
    assert "Source: Everyday Health" in reply


def test_the_reply_for_two_concepts_names_both():
    reply = uncovered_reply(["heart", "pregnancy_fertility"])
    assert TOPICS["heart"]["concept"] in reply and TOPICS["pregnancy_fertility"]["concept"] in reply


def test_a_long_post_is_read_for_its_questions():
    """A real forum post (q-003, dev): the story around it isn't what it asks."""
    from answers.coverage import question_part

    post = next(q["text"] for q in QUESTIONS if q["id"] == "q-003")
    asked = question_part(post)
    assert len(asked) < len(post) / 2
    assert "Is this to be concerned about" in asked
    assert "Her Heart Ejection Fraction from her last MRI" not in asked
    assert (
        question_part("How long do you have to take herceptin?")
        == "How long do you have to take herceptin?"
    )


# The check on the response selector's pick (answers/topics.py, components/source_coverage.py).
DEV_BY_ID = {q["id"]: q for q in QUESTIONS if q["split"] == "dev"}


@pytest.mark.parametrize(
    "question_id, topic",
    [
        # real dev questions the selector answered with a topic they share nothing with
        ("q-111", "questions_for_doctor"),  # running again after chemotherapy
        ("q-062", "complications_spread"),  # treatment options after a lumpectomy at 84
    ],
)
def test_a_topic_that_shares_nothing_with_a_real_question_is_not_its_answer(question_id, topic):
    from components.source_coverage import _supported

    assert (
        topic not in DEV_BY_ID[question_id]["fitting"]
        and f"faq/{topic}" not in DEV_BY_ID[question_id]["fitting"]
    )
    assert not _supported(DEV_BY_ID[question_id]["text"], topic)


@pytest.mark.parametrize(
    "question, topic",
    [
        # our own phrasings of covered questions, and a short one with too few words to judge
        ("What does HER2-positive actually mean?", "what_is_her2"),
        ("How is the FISH test different from the IHC one?", "fish_test"),
        ("Are there side effects from radiotherapy?", "radiation"),
        ("Which charities can help me?", "support_organisations"),
        ("and then?", "prognosis"),
    ],
)
def test_a_topic_with_words_in_common_with_the_question_stands(question, topic):
    from components.source_coverage import _supported

    assert _supported(question, topic)


@pytest.mark.parametrize(
    "text, expected, not_expected",
    [
        # after real forum posts (q-152, q-161): hair coming back is not the cancer coming back
        (
            "When my hair started coming back after chemo, it was curly. Does Herceptin slow hair "
            "growth?",
            "hair_loss",
            "recurrence",
        ),
        ("What are the chances of it coming back after Herceptin?", "recurrence", None),
        (
            "I've decided not to complete the full course of Herceptin. What do you think?",
            "personal_decision",
            None,
        ),
    ],
)
def test_everyday_uses_of_a_term_are_not_the_concept(text, expected, not_expected):
    assert expected in found(text) and not_expected not in found(text)


@pytest.mark.parametrize(
    "text, topic, asked",
    [
        # a concept told as a fact of the story is not asked (q-281..330 kinds) ...
        (
            "I don't have any family history of cancer, so why me? What stage is it?",
            "heredity",
            False,
        ),
        (
            "Every time I try to eat I gag. Will it pass after the next cycle?",
            "diet_alcohol",
            False,
        ),
        ("After a trip to the ER they found the lump. What happens next?", "travel_driving", False),
        # ... and the same concept asked is
        ("Does having any family history of breast cancer raise my risk?", "heredity", True),
        ("What should I eat during chemo?", "diet_alcohol", True),
        ("Can I travel abroad during Herceptin?", "travel_driving", True),
    ],
)
def test_a_concept_told_in_the_story_is_not_asked(text, topic, asked):
    assert (topic in found(text)) == asked


def _faq_message(text: str, topic: str, confidence: float):
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": text})
    message.set("intent", {"name": "faq", "confidence": 0.99})
    message.set(
        "response_selector",
        {
            "faq": {
                "response": {
                    "intent_response_key": f"faq/{topic}",
                    "confidence": confidence,
                    "responses": [],
                    "utter_action": f"utter_faq/{topic}",
                },
                "ranking": [],
            }
        },
    )
    return message


@pytest.mark.parametrize(
    "confidence, sent",
    [
        # a pick for a real dev question (q-231, two results at once) that its topic doesn't
        # answer, with a low confidence: not sent as the answer
        (0.14, False),
        # the same pick made confidently stands
        (0.9, True),
    ],
)
def test_a_topic_the_selector_was_unsure_of_is_not_sent_as_the_answer(confidence, sent):
    from components.source_coverage import MIN_FAQ_CONFIDENCE, SourceCoverage

    assert (confidence >= MIN_FAQ_CONFIDENCE) == sent
    message = _faq_message(DEV_BY_ID["q-231"]["text"], "related_conditions", confidence)
    SourceCoverage().process([message])
    assert (message.get("intent")["name"] == "faq") == sent
    if not sent:
        assert message.get("coverage")["answer"] in ("facts", "clarify")


@pytest.mark.parametrize(
    "text, concept",
    [
        # real dev questions (q-223, q-259): a result that "came back" is not the cancer
        # coming back; disability paperwork is work and money
        (
            "I was diagnosed about a month ago. My biopsy came back HER2 equivocal and they sent "
            "it for FISH, which came back equivocal too. Can it stay equivocal?",
            None,
        ),
        ("How hard is it to get social security disability while on Kadcyla?", "work_money"),
        # the cancer itself coming back still is
        (
            "My cancer came back in my liver last year. What are the chances it comes back again?",
            "recurrence",
        ),
    ],
)
def test_a_result_that_came_back_is_not_a_recurrence(text, concept):
    assert found(text) == ([concept] if concept else [])


@pytest.mark.parametrize(
    "text, routed_to_the_drug",
    [
        # a real dev question (q-225) that no fact or topic places, naming one drug
        (
            "My next step in treatment is to consider taking Neratinib. Anyone take this or "
            "considered? I am looking for as much information as possible.",
            True,
        ),
        # naming none, it stays unplaced (the nearest topics to choose from)
        (
            "My next step is something else entirely. Anyone been there? Any information helps.",
            False,
        ),
    ],
)
def test_an_unplaced_question_naming_one_drug_gets_that_drug(text, routed_to_the_drug):
    from rasa.shared.nlu.training_data.message import Message

    from components.source_coverage import SourceCoverage

    message = Message(data={"text": text})
    message.set("intent", {"name": "nlu_fallback", "confidence": 0.3})
    SourceCoverage().process([message])
    assert (message.get("intent")["name"] == "ask_drug") == routed_to_the_drug


# A story's furniture is not its question (knowledge/uncovered.yml `asked_only`).
_STORY = (
    "I was diagnosed last spring with a grade 2 tumour. I had six cycles of TCHP every three "
    "weeks and then surgery in the autumn, which went well. My scans since then have been clear "
    "and my oncologist is pleased with how things look. "
)


def test_a_schedule_told_in_the_story_is_not_asked():
    post = _STORY + "Did anyone else find the first year after treatment the hardest part?"
    assert "schedule_dose" not in found(post)


def test_a_schedule_asked_in_the_post_still_counts():
    post = _STORY + "How many cycles of Herceptin on its own will I need after this?"
    assert "schedule_dose" in found(post)


def test_an_indirect_question_in_a_post_is_read_as_asked():
    """No question mark: "I'm worried that ..." asks all the same."""
    from answers.coverage import question_part

    post = _STORY + "I am worried that the dosage is the same whatever my weight is."
    assert question_part(post).startswith("I am worried that")
    assert "schedule_dose" in found(post)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("My heart hurts whenever I think about my children growing up without me.", False),
        ("Thank you from the bottom of my heart for explaining the FISH test.", False),
        ("My heart is racing after every Herceptin infusion, is that normal?", True),
    ],
)
def test_the_heart_of_feelings_is_not_heart_checks(text, expected):
    assert ("heart" in found(text)) is expected
