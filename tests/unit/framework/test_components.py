"""The rule-based NLU components decide over the statistical classifier where they must."""

import numpy as np
import pytest
import scipy.sparse
from rasa.shared.nlu.constants import (
    ENTITIES,
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.drug_entity_extractor import DrugEntityExtractor
from components.safety_triage import SafetyTriage
from components.sentence_features import ORIGIN, SentenceFeaturesOnly


def classified(text, intent, confidence=0.99):
    """A message as it leaves DIET + FallbackClassifier, with one confident intent."""
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set(
        INTENT_RANKING_KEY,
        [{"name": intent, "confidence": confidence}, {"name": "faq", "confidence": 1 - confidence}],
    )
    return message


@pytest.mark.parametrize(
    "text, statistical_intent, intent",
    [
        ("I have chest pain, is that from Herceptin?", "ask_drug", "emergency"),
        ("my mum has a fever after chemo, what is FISH", "faq", "emergency"),
        ("I want to end my life", "nlu_fallback", "self_harm"),
    ],
)
def test_the_lexicon_wins_over_any_classifier_result(text, statistical_intent, intent):
    [message] = SafetyTriage().process([classified(text, statistical_intent)])
    assert message.get(INTENT) == {"name": intent, "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == intent
    assert message.get("triage")["lexicon"] == "emergency"


def _tiny_safety_classifier():
    """A safety classifier trained on a few made-up messages (the real one is trained on
    the NLU data and data/safety/ with the model)."""
    from triage import classifier

    # a code phrase no lexicon knows, so that only the classifier can recognise it
    texts = [
        "the blue bird sings at midnight",
        "blue bird sings tonight",
        "midnight and the blue bird sings",
        "what is HER2?",
        "how is Herceptin given",
        "where can I find support",
        "tell me about FISH",
        "what is HER2-low?",
    ]
    labels = ["self_harm"] * 3 + ["none"] * 5
    return classifier.fit(texts, labels, c=64.0)


def test_the_safety_classifier_alone_can_raise_the_alarm():
    component = SafetyTriage(
        {"classifier_threshold": 0.5}, models={"emergency": _tiny_safety_classifier()}
    )
    [message] = component.process([classified("the blue bird sings", "faq")])
    assert message.get(INTENT)["name"] == "self_harm"
    decision = message.get("triage")
    assert (decision["tier"], decision["lexicon"], decision["classifier"]) == (
        "emergency",
        None,
        "self_harm",
    )


def _tiny_distress_classifier():
    from triage import classifier

    texts = [
        "the grey fog settled on me",
        "grey fog again today",
        "fog so grey inside me",
        "what is HER2?",
        "how is Herceptin given",
        "where can I find support",
        "tell me about FISH",
        "what is HER2-low?",
    ]
    labels = ["distress"] * 3 + ["none"] * 5
    return classifier.fit(texts, labels, c=64.0, classes=classifier.DISTRESS_CLASSES)


def test_the_distress_classifier_gives_support_where_no_word_list_would():
    component = SafetyTriage(
        {"distress_threshold": 0.5}, models={"distress": _tiny_distress_classifier()}
    )
    [message] = component.process([classified("grey fog inside", "nlu_fallback")])
    assert message.get("triage")["tier"] == "distress"
    assert message.get("triage")["lexicon"] is None
    assert (
        message.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/coping"
    )
    [question] = component.process([classified("what is HER2-low?", "faq")])
    assert question.get("triage")["tier"] is None


def test_the_safety_classifier_below_its_threshold_says_nothing():
    component = SafetyTriage(
        {"classifier_threshold": 0.99}, models={"emergency": _tiny_safety_classifier()}
    )
    [message] = component.process([classified("the blue bird sings", "faq")])
    assert message.get(INTENT)["name"] == "faq"
    assert message.get("triage")["classifier"] is None
    assert 0 < message.get("triage")["classifier_probability"] < 0.99


def test_the_intent_classifier_alone_never_raises_the_alarm():
    [message] = SafetyTriage().process([classified("everything is grey today", "self_harm")])
    assert message.get(INTENT)["name"] == "nlu_fallback"
    assert message.get("triage")["tier"] is None


def test_ordinary_messages_keep_their_intent():
    [message] = SafetyTriage().process([classified("what is HER2?", "faq")])
    assert message.get(INTENT)["name"] == "faq"
    assert message.get("triage")["tier"] is None


def test_a_symptom_question_naming_a_drug_is_a_drug_question_with_the_symptom_entity():
    [message] = DrugEntityExtractor().process(
        [classified("Can Enhertu cause shortness of breath?", "faq")]
    )
    [message] = SafetyTriage().process([message])
    assert message.get(INTENT)["name"] == "ask_drug"
    assert "symptom" in [e["entity"] for e in message.get(ENTITIES)]


def test_a_symptom_question_the_classifier_could_not_place_is_answered_honestly():
    [message] = SafetyTriage().process(
        [classified("is it normal to have itchy palms after chemo?", "greet")]
    )
    assert message.get(INTENT)["name"] == "nlu_fallback"
    assert "symptom" in [e["entity"] for e in message.get(ENTITIES)]


def test_distress_gets_the_coping_answer():
    [message] = SafetyTriage().process(
        [classified("my world collapsed when I got the diagnosis", "nlu_fallback")]
    )
    assert message.get(INTENT)["name"] == "faq"
    selected = message.get("response_selector")["faq"]["response"]
    assert selected["utter_action"] == "utter_faq/coping"


def test_known_drugs_become_entities_with_their_ids():
    [message] = DrugEntityExtractor().process([classified("is Kadcyla an IV?", "ask_drug")])
    assert [(e["entity"], e["value"], e["start"], e["end"]) for e in message.get(ENTITIES)] == [
        ("drug", "ado_trastuzumab_emtansine", 3, 10)
    ]


@pytest.mark.parametrize("statistical_intent", ["faq", "nlu_fallback"])
def test_a_drug_outside_the_sources_is_a_drug_question(statistical_intent):
    [message] = DrugEntityExtractor().process(
        [classified("what is tamoxifen?", statistical_intent)]
    )
    assert message.get(INTENT)["name"] == "ask_drug"
    assert not message.get(ENTITIES)


def test_an_emergency_is_never_turned_into_a_drug_question():
    [message] = DrugEntityExtractor().process(
        [classified("I took too much tamoxifen and feel awful", "self_harm")]
    )
    [message] = SafetyTriage().process([message])
    assert message.get(INTENT)["name"] == "self_harm"


@pytest.mark.parametrize("text", ["tell me about herceptin", "enhertu??", "kadcyla info"])
def test_a_known_drug_the_classifier_could_not_place_is_a_drug_question(text):
    [message] = DrugEntityExtractor().process([classified(text, "nlu_fallback", 0.4)])
    assert message.get(INTENT)["name"] == "ask_drug"
    assert message.get(ENTITIES)[0]["entity"] == "drug"


def test_a_confident_intent_that_names_a_drug_is_kept():
    [message] = DrugEntityExtractor().process(
        [classified("am I eligible for Enhertu?", "ask_eligibility")]
    )
    assert message.get(INTENT)["name"] == "ask_eligibility"


def _featurized(text):
    """A message as the featurizers leave it: token-level and sentence-level features."""
    message = Message(data={TEXT: text})
    tokens = len(text.split())
    message.add_features(
        Features(
            scipy.sparse.random(tokens, 50, density=0.2, format="coo"),
            FEATURE_TYPE_SEQUENCE,
            TEXT,
            "words",
        )
    )
    message.add_features(
        Features(
            scipy.sparse.random(1, 50, density=0.5, format="coo"),
            FEATURE_TYPE_SENTENCE,
            TEXT,
            "words",
        )
    )
    message.add_features(Features(np.ones((1, 4)), FEATURE_TYPE_SEQUENCE, "response", "words"))
    return message


def test_classifiers_get_the_sentence_features_and_one_empty_token_position():
    message = _featurized("what does FISH amplified mean")
    sentence_before = message.get_sparse_features(TEXT)[1].features.toarray()
    [message] = SentenceFeaturesOnly().process([message])

    text_features = {
        (f.type, f.origin): f.features for f in message.features if f.attribute == TEXT
    }
    assert set(text_features) == {(FEATURE_TYPE_SENTENCE, "words"), (FEATURE_TYPE_SEQUENCE, ORIGIN)}
    assert (text_features[FEATURE_TYPE_SENTENCE, "words"].toarray() == sentence_before).all()
    placeholder = text_features[FEATURE_TYPE_SEQUENCE, ORIGIN]
    assert placeholder.shape == (1, 1) and placeholder.nnz == 0
    # other attributes keep their token-level features
    assert message.get_dense_features("response")[0].features.shape == (1, 4)


def test_the_same_happens_to_training_examples():
    data = TrainingData([_featurized("is herceptin given as an injection")])
    [example] = SentenceFeaturesOnly().process_training_data(data).training_examples
    assert [(f.type, f.origin) for f in example.features if f.attribute == TEXT] == [
        ("sentence", "words"),
        ("sequence", ORIGIN),
    ]


def test_a_message_without_features_is_left_alone():
    [message] = SentenceFeaturesOnly().process([Message(data={TEXT: ""})])
    assert message.features == []


def _real_question(question_id):

    from tests.unit.lib import read_yaml

    questions = read_yaml("tests/questions/real_questions.yml")["questions"]
    return next(q["text"] for q in questions if q["id"] == question_id)


def test_a_question_the_sources_dont_cover_gets_the_honest_reply_whatever_it_resembled():
    from components.source_coverage import SourceCoverage

    [message] = SourceCoverage().process([classified("Does Herceptin affect the heart?", "faq")])
    assert message.get(INTENT)["name"] == "nlu_fallback"
    assert message.get("coverage")["answer"] == "uncovered"
    assert message.get("coverage")["uncovered"] == ["heart"]
    # a long real forum post (dev q-042) the intent classifier took for something else
    [post] = SourceCoverage().process([classified(_real_question("q-042"), "interpret_results")])
    assert post.get("coverage")["uncovered"][0] == "heart"
    # results given, and a plain FAQ question, keep their intent
    [given] = SourceCoverage().process([classified(_real_question("q-042"), "inform_results")])
    assert given.get(INTENT)["name"] == "inform_results" and given.get("coverage") is None
    [plain] = SourceCoverage().process([classified("What is HER2?", "faq")])
    assert plain.get(INTENT)["name"] == "faq" and plain.get("coverage") is None


_SCORING_POST = (
    "Three months since my diagnosis and I still feel lost. My oncologist mentioned a test on the "
    "tissue to see how much of the protein is on the cells, and the score decides which drugs I "
    "can have. I was too overwhelmed to ask how that score works. Could someone explain the "
    "scoring to me?"
)


def test_a_post_whose_nearest_facts_agree_on_a_topic_gets_those_facts():
    """No fact matches well, but the nearest ones are about one topic: its facts answer."""
    from components.source_coverage import SourceCoverage

    [message] = SourceCoverage().process([classified(_SCORING_POST, "nlu_fallback")])
    coverage = message.get("coverage")
    assert coverage["answer"] == "facts" and coverage["topics"] == ["her2_scoring"]
    assert coverage["facts"] and all(
        f.startswith(("eh_diag_ihc", "bcrf_")) for f in coverage["facts"]
    )


def test_feelings_come_before_facts_chosen_by_their_topic_alone():
    from components.source_coverage import SourceCoverage

    post = _SCORING_POST.replace(
        "Could someone explain the scoring to me?", "I can't stop crying and I feel so alone."
    )
    [message] = SourceCoverage().process([classified(post, "nlu_fallback")])
    assert message.get("coverage")["answer"] == "facts"  # the topic's vote
    [message] = SafetyTriage().process([message])
    assert message.get("triage")["tier"] == "distress"
    assert (
        message.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/coping"
    )
