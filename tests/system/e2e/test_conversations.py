"""Whole conversations over REST against the running stack: the bot's actual replies."""

import pytest
import yaml

from actions import results_replies
from her2 import category_info, describe_findings, parse
from knowledge import load
from knowledge.drug_matcher import drug_by_id
from tests.unit.lib import TWO_TUMOURS

pytestmark = pytest.mark.stack

with open("domain.yml", encoding="utf-8") as handle:
    RESPONSES = yaml.safe_load(handle)["responses"]
with open("data/responses/faq.yml", encoding="utf-8") as handle:
    FAQ = yaml.safe_load(handle)["responses"]


def response_texts(name, table=RESPONSES):
    return [" ".join(variant["text"].split()) for variant in table[name]]


def folded(text):
    return " ".join(text.split())


def form_question(slot):
    """The her2_form's question for a slot (utter_ask_<slot> in domain.yml), as sent."""
    return RESPONSES[f"utter_ask_{slot}"][0]["text"]


def test_greeting_introduces_the_assistant_with_disclaimer_and_menu(chat):
    replies = chat.say_all("hello")
    assert folded(replies[0]["text"]) in response_texts("utter_greet")
    assert folded(replies[1]["text"]) in response_texts("utter_disclaimer")
    assert [b["title"] for b in replies[2]["buttons"]] == [
        m["title"] for m in load("topics")["menu"]
    ]


@pytest.mark.parametrize(
    "question, topic",
    [
        ("what is HER2?", "what_is_her2"),
        ("what are the signs of HER2 positive breast cancer", "symptoms"),
        ("what does a FISH test measure", "fish_test"),
        ("what are the survival rates", "survival_rates"),
    ],
)
def test_questions_get_the_source_answer(chat, question, topic):
    reply = chat.texts(question)[0]
    assert folded(reply) in response_texts(f"utter_faq/{topic}", FAQ)
    assert "Source: " in reply


def test_drug_flow_with_follow_ups(chat):
    first = chat.texts("what is Kadcyla?")[0]
    kadcyla = drug_by_id("ado_trastuzumab_emtansine")
    assert kadcyla["what_it_is"].strip() in first
    given = chat.texts("and how is it given?")[0]
    assert kadcyla["how_given"] in given
    side_effects = chat.texts("what about side effects?")[0]
    assert "don't list side effects" in side_effects and "Kadcyla" in side_effects


def test_unknown_drug(chat):
    assert "don't have information on" in chat.texts("what is tamoxifen?")[0]


def test_results_in_one_message(chat):
    text = "my report says IHC 2+ and FISH not amplified"
    replies = "\n".join(chat.texts(text))
    assert f"You told me: {describe_findings(parse(text))}." in replies
    assert f"Result: {category_info('low')['label']}." in replies
    assert results_replies.FINAL_CALL in replies
    follow_up = chat.texts("what treatments are used for that?")[0]
    assert category_info("low")["treatment_families"] in follow_up


def test_multi_turn_form_asks_only_for_what_is_missing(chat):
    assert chat.texts("can you help me understand my HER2 results?")[-1] == form_question(
        "ihc_score"
    )
    assert chat.texts("2+")[-1] == form_question("ish_result")
    replies = "\n".join(chat.texts("FISH was amplified"))
    assert "You told me: IHC 2+, FISH positive." in replies
    assert f"Result: {category_info('positive')['label']}." in replies


def test_dont_know_ends_the_form_with_an_explanation(chat):
    chat.say("help me understand my results")
    chat.say("IHC 2+")
    replies = "\n".join(chat.texts("I don't know, it hasn't been done yet"))
    assert f"Result: {category_info('equivocal')['label']}." in replies
    assert results_replies.dont_know_help("ish_result") in replies


def test_a_bad_answer_gets_a_hint_and_the_question_again(chat):
    chat.say("help me understand my results")
    replies = chat.texts("purple")
    assert results_replies.reask_hint("ihc_score") in replies
    assert replies[-1] == form_question("ihc_score")


def test_impossible_value_is_rejected_and_asked_again(chat):
    replies = chat.texts("my HER2 IHC was 4+")
    assert any("0 to 3+" in r for r in replies)
    assert not any(r.startswith("Result:") or "Result: " in r for r in replies)
    assert replies[-1] == form_question("ihc_score")


def test_correction_updates_the_answer(chat):
    assert f"Result: {category_info('positive')['label']}." in "\n".join(
        chat.texts("my HER2 was 3+")
    )
    assert f"Result: {category_info('low')['label']}." in "\n".join(chat.texts("sorry, I meant 1+"))


def test_question_mid_form_is_answered_then_the_form_continues(chat):
    chat.say("help me understand my results")
    chat.say("IHC 2+")
    replies = chat.texts("what is a FISH test?")
    assert folded(replies[0]) in response_texts("utter_faq/fish_test", FAQ)
    assert replies[-1] == form_question("ish_result")


def test_never_mind_leaves_the_form(chat):
    chat.say("help me understand my results")
    replies = chat.texts("never mind")
    assert folded(replies[0]) in response_texts("utter_form_stopped")


def test_out_of_scope_is_declined_politely(chat):
    assert folded(chat.texts("what's the weather in Paris tomorrow?")[0]) in response_texts(
        "utter_out_of_scope"
    )


def test_gibberish_is_never_answered_confidently(chat):
    reply = folded(chat.texts("zxqv blorp fnord")[0])
    assert reply in response_texts("utter_please_rephrase") + response_texts("utter_out_of_scope")


def test_bot_challenge(chat):
    assert folded(chat.texts("am I talking to a robot?")[0]) in response_texts("utter_iamabot")


def test_start_over_forgets_the_results_once_confirmed(chat):
    chat.say("my HER2 was 3+")
    asked = chat.say("please delete my data")
    assert folded(asked[0]["text"]) in response_texts("utter_confirm_clear")
    assert [b["payload"] for b in asked[0]["buttons"]][0] == "/restart"
    assert folded(chat.texts("yes")[0]) in response_texts("utter_restart")
    assert chat.texts("what treatments are used for that?")[0].startswith("Treatment depends on")


def test_no_to_clearing_keeps_the_results(chat):
    chat.say("my HER2 was 3+")
    assert folded(chat.texts("start over")[0]) in response_texts("utter_confirm_clear")
    assert folded(chat.texts("No, keep our conversation")[0]) in response_texts("utter_kept")
    assert not chat.texts("what treatments are used for that?")[0].startswith(
        "Treatment depends on"
    )


def test_a_question_about_a_treatment_break_clears_nothing(chat):
    chat.say("my HER2 was 3+")
    reply = chat.texts("Can I take a break from Herceptin this summer?")
    assert not any(folded(t) in response_texts("utter_restart") for t in reply), reply
    assert not chat.texts("what treatments are used for that?")[0].startswith(
        "Treatment depends on"
    )


def test_an_emergency_wins_over_a_drug_question(chat):
    assert folded(chat.texts("I have chest pain, is that from Herceptin?")[0]) in response_texts(
        "utter_emergency"
    )


# A pasted block in the layout of a pathology report's biomarker section (values written
# for this test; the labels follow the ASCO/CAP table: IHC 2+ with a dual-probe ISH ratio
# under 2.0 and under 4 copies is group 5, HER2-negative, i.e. HER2-low).
PASTED_REPORT = """BREAST BIOMARKER REPORT
Specimen: left breast, core biopsy
Estrogen Receptor (ER): Positive (90%, strong)
Progesterone Receptor (PgR): Negative (<1%)
HER2 (by immunohistochemistry): Equivocal (Score 2+)
HER2 by dual-probe ISH: Not amplified
HER2/CEP17 ratio: 1.4
Average HER2 copy number: 3.1 signals/cell
(Ratio >= 2.0 is considered amplified)
Ki-67: 20%"""


def test_a_pasted_multi_line_report_is_read_and_explained_with_its_sources(chat):
    replies = "\n".join(chat.texts(PASTED_REPORT))
    assert f"Result: {category_info('low')['label']}." in replies
    assert category_info("positive")["label"] + "." not in replies
    assert "ratio 1.4" in replies and "3.1" in replies
    assert "ASCO/CAP HER2 testing guideline" in replies
    assert "Source: Breast Cancer Research Foundation" in replies
    # restated field by field, with the line it set aside named
    assert "• HER2 IHC: 2+" in replies and "• ER: positive (90%)" in replies
    assert "I skipped the line that gives the scoring criteria" in replies


# --- several samples (issue 16, item 4) ---


def test_two_samples_in_one_message_are_kept_apart_and_both_explained(chat):
    replies = "\n".join(chat.texts("the biopsy was 2+ and the surgery sample came back 3+"))
    assert f"• Biopsy: IHC 2+. Result: {category_info('equivocal')['label']}." in replies
    assert f"• Surgical specimen: IHC 3+. Result: {category_info('positive')['label']}." in replies
    assert results_replies.SEVERAL_SAMPLES_NOTE in replies
    assert "two different IHC scores" not in replies and "You told me:" not in replies
    # the explanation ends with the final-call line; "Did this answer your question?" follows
    explanation, question = replies.rsplit("\n", 1)
    assert explanation.endswith(results_replies.FINAL_CALL)
    assert question == "Did this answer your question?"


def test_a_later_different_score_is_asked_about_then_kept_as_another_sample(chat):
    assert f"Result: {category_info('low')['label']}." in "\n".join(
        chat.texts("my report says IHC 2+ and FISH not amplified")
    )
    asked = chat.say("it was 3+")
    question = asked[-1]
    assert "IHC 2+, FISH negative" in question["text"] and "IHC 3+" in question["text"]
    assert [b["title"] for b in question["buttons"]] == [
        results_replies.ANOTHER_SAMPLE,
        results_replies.A_CORRECTION,
    ]
    assert not any("Result:" in m.get("text", "") for m in asked)  # nothing replaced yet
    replies = "\n".join(chat.texts(results_replies.ANOTHER_SAMPLE))
    assert f"• Sample 1: IHC 2+, FISH negative. Result: {category_info('low')['label']}." in replies
    assert f"• Sample 2: IHC 3+. Result: {category_info('positive')['label']}." in replies
    assert results_replies.SEVERAL_SAMPLES_NOTE in replies
    follow_up = chat.texts("what treatments are used for that?")[0]
    assert "is for your care team to decide" in follow_up
    assert category_info("low")["treatment_families"] in follow_up
    assert category_info("positive")["treatment_families"] in follow_up


def test_a_later_different_score_can_be_a_correction(chat):
    chat.say("my HER2 was 1+")
    chat.say("it was 3+")
    replies = "\n".join(chat.texts("no"))
    assert "You told me: IHC 3+." in replies
    assert f"Result: {category_info('positive')['label']}." in replies
    assert results_replies.SEVERAL_SAMPLES_NOTE not in replies


# --- confirming the reading of a pasted report (issue 16, item 5) ---

# The CAP biomarker template's layout with the ISH test still to come (values written for this
# test): IHC 2+ with the ISH result not yet known is equivocal under the ASCO/CAP table.
PENDING_REPORT = """BREAST BIOMARKER REPORT
Specimen: left breast, core needle biopsy
Estrogen Receptor (ER): Positive (95%)
Progesterone Receptor (PgR): Positive (60%)
HER2 (by immunohistochemistry): Equivocal (Score 2+)
HER2 (by in situ hybridization): Pending, to be reported in an addendum"""


def test_an_unclear_pasted_report_is_confirmed_before_it_is_interpreted(chat):
    asked = chat.say(PENDING_REPORT)
    question = asked[-1]
    assert question["text"].startswith("Here is what I read from what you pasted:")
    assert "• HER2 IHC: 2+" in question["text"] and "a test is still to come" in question["text"]
    assert question["text"].endswith("Did I read it right?")
    assert [b["title"] for b in question["buttons"]] == [
        results_replies.READING_YES,
        results_replies.READING_NO,
    ]
    assert not any("Result:" in m.get("text", "") for m in asked)
    # yes: interpreted, asking first for what the result still needs
    assert chat.texts(results_replies.READING_YES)[-1] == form_question("ish_result")
    replies = "\n".join(chat.texts("it hasn't been done yet"))
    assert f"Result: {category_info('equivocal')['label']}." in replies


def test_no_to_the_reading_asks_for_the_values(chat):
    chat.say(PENDING_REPORT)
    replies = chat.texts(results_replies.READING_NO)
    assert results_replies.READING_CORRECTED in replies
    assert replies[-1] == form_question("ihc_score")
    assert chat.texts("2+")[-1] == form_question("ish_result")
    replies = "\n".join(chat.texts("not amplified"))
    assert "You told me: IHC 2+, ISH negative." in replies
    assert f"Result: {category_info('low')['label']}." in replies


def test_a_pasted_report_with_two_samples_is_confirmed_then_each_explained(chat):
    question = chat.texts(TWO_TUMOURS)[-1]
    assert "• HER2 IHC: 2+ (part 1)" in question and "• HER2 IHC: 1+ (lumpectomy)" in question
    assert "I read results for 2 samples" in question and "Result:" not in question
    replies = "\n".join(chat.texts("yes"))
    low = category_info("low")["label"]
    assert f"• Part 1: IHC 2+, FISH negative, ER-positive, PR-positive. Result: {low}." in replies
    assert f"• Lumpectomy: IHC 1+, ER-positive, PR-positive. Result: {low}." in replies
    assert results_replies.SEVERAL_SAMPLES_NOTE in replies
    assert category_info("positive")["label"] + "." not in replies


def test_an_emergency_while_the_reading_is_being_checked_comes_first_and_ends_the_form(chat):
    chat.say(PENDING_REPORT)
    replies = chat.texts("I have chest pain and can't breathe")
    assert folded(replies[0]) in response_texts("utter_emergency")
    assert not any("Did I read it right?" in r for r in replies)
