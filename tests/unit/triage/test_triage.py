"""The safety triage's mechanisms (triage/): lemmas, spelling, negation scope, question frames.

How well it does on whole sets of blind-written messages is measured in tests/safety/.
"""

import pytest
import yaml

import triage
from knowledge import KNOWLEDGE_DIR
from triage.lexicon import build
from triage.text import keyer, make_doc


def test_every_phrase_of_the_lexicon_compiles_to_patterns():
    # the lexicon the triage uses (built once, from red_flags.yml, for every test that triages)
    categories = {
        rule.category for rule in triage.lexicon().rules.values() if rule.tier == "emergency"
    }
    # the clinical categories the issue names, each with at least one phrase
    assert categories >= {
        "suicide_self_harm",
        "overdose",
        "breathing",
        "chest_heart",
        "allergic_infusion_reaction",
        "stroke_neurological",
        "collapse_unresponsive",
        "bleeding",
        "fever_infection_on_chemo",
        "dehydration_vomiting_diarrhoea",
        "jaundice_liver",
        "lymphoedema_cellulitis",
        "lung_symptoms_tdxd",
    }


def test_a_bare_yaml_boolean_is_refused():
    config = yaml.safe_load((KNOWLEDGE_DIR / "red_flags.yml").read_text())
    first = next(iter(config["emergency"].values()))
    first["strong"] = [False] + first["strong"]  # what a bare `no` becomes, read first
    with pytest.raises(ValueError, match="not text"):
        build(config)


@pytest.mark.parametrize(
    "word, key",
    [
        ("killing", "kill"),
        ("breathing", "breathe"),
        ("bleeding", "bleed"),
        ("swallowed", "swallow"),
        ("dying", "die"),
        ("does", "do"),
        ("planing", "plan"),
    ],
)
def test_inflected_words_share_their_lemma(word, key):
    assert [t.norm_ for t in make_doc(word)] == [key]


@pytest.mark.parametrize(
    "typo, word",
    [
        ("sucidal", "suicidal"),
        ("suicidial", "suicidal"),
        ("unconcious", "unconscious"),
        ("breathng", "breathing"),
    ],
)
def test_misspellings_are_read_as_the_lexicon_word(typo, word):
    triage.lexicon()
    assert keyer().correct(typo) == word


def test_known_english_words_are_never_corrected():
    triage.lexicon()
    assert keyer().correct("breeding") == "breeding"
    assert keyer().correct("herceptin") == "herceptin"
    assert keyer().correct("than") == "than"  # a stop word, not a misspelt "thank"


@pytest.mark.parametrize(
    "text, kind",
    [
        # a negation before another clause does not reach the emergency in it
        ("no fever but I can't breathe", "medical"),
        ("I'm not okay I want to end my life", "self_harm"),
        ("never felt so suicidal", "self_harm"),
        # the negation word is part of the phrase itself
        ("she's not breathing", "medical"),
        ("I don't want to live anymore", "self_harm"),
        # happening now, although asked as a question
        ("I've had a new dry cough since starting Enhertu, is that normal?", "medical"),
        ("my throat is closing up after my Herceptin", "medical"),
        ("overdosed on tamoxifen", "self_harm"),
    ],
)
def test_emergencies(text, kind):
    assessment = triage.assess(text)
    assert (assessment.tier, assessment.kind) == ("emergency", kind)


@pytest.mark.parametrize(
    "text, tier",
    [
        ("no fever, no chest pain, just tired", "symptom_question"),
        ("Can Enhertu cause shortness of breath?", "symptom_question"),
        ("does Herceptin cause fever?", "symptom_question"),
        ("What should I do if I get a fever during chemo?", "symptom_question"),
        ("I don't want to die", "distress"),
        ("my world collapsed when I got the diagnosis", "distress"),
        ("I cut myself shaving", None),
        ("I want to take my life back after treatment", None),
        ("what is HER2?", None),
        # the past, opened a few words into the sentence and reaching over its comma
        (
            "Less than two years later, I had a mild heart attack. Can radiation cause that?",
            "symptom_question",
        ),
    ],
)
def test_not_emergencies(text, tier):
    assert triage.assess(text).tier == tier


def test_the_whole_of_a_long_message_is_read():
    story = (
        "I was diagnosed in March and have had six cycles of chemo with Herceptin and "
        "Perjeta. My oncologist is lovely and the nurses are great. "
        * 20
        + "Tonight my lips and tongue started swelling after the infusion."
    )
    assert triage.assess(story).tier == "emergency"


def test_empty_and_odd_input():
    assert triage.assess("").tier is None
    assert triage.assess("   ").tier is None
    assert triage.assess("🙂🙂🙂").tier is None
    assert triage.assess("x" * 30000).tier is None


def test_a_dated_normal_result_in_another_sentence_does_not_set_aside_a_symptom_now():
    """A message from the blind dev8 set: the scan "three months ago that was normal" is not
    the chest pain of half an hour ago."""
    text = (
        "We're at my house for Sunday lunch and about half an hour ago she said she had a "
        "heavy pain in the middle of her chest, like someone sitting on her. She's gone grey "
        "and sweaty and says her left arm aches. She had a heart scan three months ago that "
        "was normal. Could this be the Herceptin?"
    )
    assert triage.assess(text).tier == "emergency"
    # the same cue in the symptom's own story still says it is over
    assert not triage.assess(
        "I had chest pain on Monday. It was checked and it was normal, nothing to worry about."
    ).is_emergency


def test_the_parts_of_an_all_group_count_only_near_each_other():
    """After a real forum post (tests/questions, q-010, dev): 'hours' three sentences before
    'I began to vomit' is not vomiting for hours; the same words in one sentence are."""
    far = (
        "On tuesday I was given my first dose and thought it would be a doddle. It took "
        "hours to get the line in. About 3/4 way through I felt tired. My husband drove me "
        "home. A short time after this I began to vomit."
    )
    near = "I have been vomiting for hours since this morning."
    assert not triage.assess(far).is_emergency
    assert triage.assess(near).is_emergency


def test_a_dated_self_harm_episode_that_is_over_gets_support_not_the_crisis_reply():
    """From the blind dev10 set: an overdose told as last summer's episode, with a year of
    help since, is history (support); the same act with no date, "fine now", is not."""
    past = (
        "Confession time. Last summer on a really bad night I took a handful of my sleeping "
        "tablets. I told my partner straight away and we went to A&E. It's been a year and "
        "I've done a lot of work on myself. Will this affect what treatment they offer me?"
    )
    assert not triage.assess(past).is_emergency
    assert triage.assess(
        "I took a handful of my sleeping tablets an hour ago. I'm fine now."
    ).is_emergency
    assert triage.assess(
        "Last summer I took a handful of my sleeping tablets. Tonight I'm going to take the rest."
    ).is_emergency


def test_now_undoes_a_resolution_only_when_its_sentence_names_a_symptom():
    """ "I'm now paranoid about my heart" says nothing about the chest pain coming back;
    "now the chest pain is back" does."""
    over = (
        "Had a scare yesterday, chest pain at work while carrying boxes. They did an ECG "
        "and everything was normal, they said it was musculoskeletal and sent me home. "
        "Because I'm on Herceptin I'm now paranoid about my heart."
    )
    back = (
        "Had chest pain at work yesterday. They said it was musculoskeletal and sent me "
        "home. Now the crushing chest pain has come back and I feel sick."
    )
    assert not triage.assess(over).is_emergency
    assert triage.assess(back).is_emergency


def test_a_negated_resolution_is_not_one():
    """ "it hasn't gone away" (dev4): the squeezing chest pain is still an emergency."""
    text = (
        "Since about lunchtime I've had a heavy squeezing feeling in my chest on and off, "
        "but the last one hasn't gone away for about 40 minutes and I'm a bit sweaty."
    )
    assert triage.assess(text).is_emergency


def test_feeling_better_this_morning_is_not_a_return():
    """A cue of now in the same clause as "feel better" (dev10) doesn't undo it; one after
    "but" does."""
    over = (
        "Last night I got the shakes and a temp of 38.5, rang the hotline, went in and had "
        "IV antibiotics. They sent me home at 4am and I feel miles better this morning."
    )
    assert not triage.assess(over).is_emergency
    assert triage.assess(
        "I had a temp of 38.5 last night and it settled, but this morning "
        "I have a high temperature again and the shakes."
    ).is_emergency


def test_dark_humour_about_a_last_straw_is_not_the_crisis_reply_but_a_laughed_off_act_is():
    """From the blind dev11 set: "one more ... and I'm walking into the sea 😂" is hyperbole
    (support, not the crisis reply); pills counted out and "kidding... mostly", or a beam
    tested "😂", are emergencies whatever the emoji."""
    joke = (
        "one more zoom call with the benefits office and I'm walking into the sea 🌊😂 "
        "anyone know how to fill in the PIP form without losing the will to live?"
    )
    hold_music = (
        "if i have to listen to one more hold music version of greensleeves i'll top myself. "
        "47 minutes on hold to the chemo helpline 🙃"
    )
    assert not triage.assess(joke).is_emergency
    assert not triage.assess(hold_music).is_emergency
    # the same last straw without a laugh is taken at its word
    assert triage.assess(
        "if i have to listen to one more hold tune i'll top myself. i mean it."
    ).is_emergency
    assert triage.assess(
        "lol this week man. counted out all the oxycodone and the diazepam on the bedside "
        "table, 46 of them, lined up in rows like little soldiers 😂 kidding. mostly."
    ).is_emergency
    assert triage.assess(
        "tested the loft beam tonight, it's a sturdy one 😂 good old 1930s build. anyway night all"
    ).is_emergency
    # the same last-straw joke that names a means at hand is not a joke
    assert triage.assess(
        "one more zoom call with the benefits office and I'm walking into the sea, "
        "got the pills ready 😂"
    ).is_emergency


def test_an_episode_dated_in_the_sentence_before_or_after_and_over_gets_support():
    """dev11: the date opens the sentence before the act ("Two years ago ... I swallowed
    everything"), or a later sentence looks back at it ("That was three years ago"), and the
    recovery is told in the present: support. A date that opens a sentence about something
    else (the cancer news "last month") does not make later self-harm history."""
    before = (
        "Two years ago, just after the recurrence, I had a really dark patch. I swallowed "
        "everything in the medicine cabinet and woke up in resus. I've had a lot of therapy "
        "since and I'm honestly in a good place. Anyway does anyone know if Kadcyla makes your "
        "nails go weird?"
    )
    after = (
        "It was February, right after my dad's funeral. I took a whole packet of his tablets "
        "and sat in the bath waiting. My partner broke the door down. That was three years ago "
        "and life is really different now, I'm on Enhertu and keeping busy with the allotment."
    )
    assert not triage.assess(before).is_emergency  # its nails question is answered
    assert triage.assess(after).tier == "distress"
    back = (
        "Two years ago I had a really dark patch. I swallowed everything in the medicine "
        "cabinet. I was in a good place for a while but I've taken them all again tonight."
    )
    assert triage.assess(back).is_emergency
    news = (
        "Last month they found mets in my lungs so im starting enhertu soon. tbh i dont see "
        "the point anymore. i've been reading up on ways to go that dont hurt and i think i've "
        "found one. hope everyone is doing ok"
    )
    assert triage.assess(news).is_emergency


def test_a_farewell_for_the_day_is_not_a_farewell():
    """dev11: "my last message tonight", "see you on the other side of tomorrow's infusion"
    are goodnights; "this is my last message" with nothing after it still alarms."""
    assert not triage.assess(
        "that's my last message tonight, I'm dead on my feet. night all"
    ).is_emergency
    assert not triage.assess(
        "Night night lovely people, see you on the other side of tomorrow's infusion"
    ).is_emergency
    assert triage.assess("this is my last message. i'm sorry for everything").is_emergency


def test_a_fit_that_was_checked_and_has_not_come_back_is_a_question_but_a_new_one_is_not():
    """dev13: "nothing since" is a cue that it is over; its "since" is not a cue of now."""
    assert not triage.assess(
        "Had a fit once in cycle 1 - they did a brain scan, all clear, nothing since. "
        "Could it happen again on Kadcyla?"
    ).is_emergency
    assert triage.assess(
        "Had a fit in cycle 1 - they did a brain scan, all clear, nothing since. Now she is fitting again."
    ).is_emergency


def test_a_negation_stops_where_a_clause_about_someone_else_begins():
    """dev13 (voice-to-text): "not breeding properly and her lips look blue": the "not"
    belongs to the first clause; blue lips are an emergency."""
    assert triage.assess(
        "shes not breeding properly and her lips look blue, she had the enhertu last week"
    ).is_emergency
    assert not triage.assess("no swelling and my lips look fine, is that normal?").is_emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # dev13: lethal-dose questions and stockpiling in other words
        ("i just need to know the number. how many capecitabine would stop everything", True),
        ("How many letrozole would you need to take for it to be fatal?", True),
        ("bought 4 packs of paracetamol from 4 different shops today", True),
        (
            "My dad keeps asking me how many of his heart tablets would be 'enough'. He laughs "
            "it off but he asked three times today.",
            True,
        ),
        # the same words about dosing for pain are a question
        ("how many paracetamol would be enough to control the pain after surgery?", False),
        ("what's the most paracetamol I can take in a day with my chemo?", False),
    ],
)
def test_lethal_dose_questions_and_stockpiling(text, emergency):
    assert triage.assess(text).is_emergency == emergency


def test_told_to_come_in_now_and_asking_to_wait_is_an_emergency():
    """dev13: the helpline's instruction stands; the same instruction for a future fever is
    advice, not an emergency now."""
    assert triage.assess(
        "Nurse on the helpline said to come in straight away because of my temp but I've got "
        "no one to mind the kids. Can I leave it till the morning?"
    ).is_emergency
    assert not triage.assess(
        "The nurse said to come in straight away if my temperature ever goes over 38. Is that "
        "the same for everyone on Phesgo?"
    ).is_emergency


@pytest.mark.parametrize(
    "word, key",
    [
        # misspellings are corrected towards the lexicon's words
        ("sucidal", "suicidal"),
        ("diarhea", "diarrhea"),
        # real English words are not (real posts, dev14): not "overdose", "strangle", "welt"
        ("overjoyed", "overjoyed"),
        ("strongly", "strong"),
        ("west", "west"),
        ("aware", "aware"),
        # an adverb keeps the lexicon's adjective; "mets" are metastases, not meds
        ("normally", "normal"),
        ("mets", "mets"),
    ],
)
def test_spelling_correction_leaves_real_english_words_alone(word, key):
    triage.lexicon()  # sets the vocabulary corrections go towards
    assert keyer().key(word) == key


@pytest.mark.parametrize(
    "text, emergency",
    [
        # real r/breastcancer posts (dev14): everyday uses
        (
            "Hi. I will be going for surgery in a few weeks (the date isn't set yet), but I was "
            "looking at what type of bra I would need.",
            False,
        ),
        ("My breast is red and painful and feels hot, no fever. Should I see my GP?", False),
        (
            "The relative five-year survival rate for stage 3 is 72%. Does that apply to HER2+?",
            False,
        ),
        ("So my Dr just put me on 37.5mg of venlafaxine for my hot flashes.", False),
        ("I found a lump, it is solid and it does not move. Could it be cancer?", False),
        # and the emergencies next to them stay
        ("I'm going to end it tonight.", True),
        ("My breast is red, hot and swollen and I've got a temperature on chemo.", True),
        ("heart rate 150 and dizzy after my Herceptin", True),
        ("She collapsed and she is not moving", True),
    ],
)
def test_everyday_words_of_real_forum_posts_are_not_emergencies(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # messages in capitals: spaCy splits "can't" / "cant" but not "CAN'T" / "CANT"
        ("HE CAN'T FEEL HIS LEGS SINCE THIS MORNING", True),
        ("SHE WONT WAKE UP", True),
        # passive wishes, a place or means chosen, means kept (dev16 kinds, other words)
        ("honestly it would be better for everyone if I wasn't here", True),
        ("some days I'm not sure I want to be here any more", True),
        ("I've already picked which bridge", True),
        ("there's petrol and a lighter in the car for tonight", True),
        ("I keep staring at my tablets", True),
        ("he's been hoarding his oxycodone", True),
        ("my dad said he wants to jump off the balcony", True),
        # "passed out" is no sign that it passed; a sharp pain on breathing in
        (
            "Since last night my poo is black and sticky and this morning I passed out in the "
            "kitchen",
            True,
        ),
        ("I get a stabbing pain when I breathe in and my calf is swollen", True),
        # and their everyday look-alikes
        ("I can't lift my arm above my head since the mastectomy, is physio worth it?", False),
        ("On Zoladex I am sweating at night, is that normal?", False),
        ("Could paracetamol mask a fever on chemo?", False),
        ("I'll be with my dad at his chemo on Monday", False),
        (
            "I had chest pain on Tuesday but it passed after ten minutes and has been fine since",
            False,
        ),
        ("my partner's cooking might finish me off lol", False),
        (
            "someone on a forum said Enhertu made them want to die from the nausea, is it that bad?",
            False,
        ),
    ],
)
def test_capitals_passive_wishes_and_their_look_alikes(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # code-mixed and translated wishes to die (dev17 kinds, other words)
        ("yaar ab jeene ka mann nahi karta", True),
        ("mujhe zeher de do please", True),
        ("gusto ko na lang mamatay", True),
        ("my uncle says he wan die, he no wan suffer", True),
        ("I just want to sleep and never wake up", True),
        # a farewell, means ready, voice-to-text slips, pain spreading to the arm
        ("that was the last text you will get from me", True),
        ("I have got everything I need to do it", True),
        ("been thinking about sui side since the results", True),
        ("I did an over dose of my tramadol on purpose", True),
        ("the pressure in my chest is spreading down my left arm", True),
        # look-alikes
        ("I read the last message you sent me, thanks", False),
        ("My aunt went yellow in the 90s before she died, does HER2 do that?", False),
        ("I get a dull ache that sometimes radiates to my arm when I carry shopping", False),
        ("pills are sorted for the week in my dosette", False),
    ],
)
def test_code_mixed_wishes_farewells_and_their_look_alikes(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # exceptions for everyday uses must not swallow the act itself
        ("I cut myself to feel something", True),
        ("I cut into my arm last night and again tonight", True),
        ("I want to kill myself lol", True),
        ("I dont want to carry on with this anymore", True),
        ("I keep hurting myself more and more", True),
        ("I'm going to end it with my morphine tonight", True),
        ("If anyone finds this, please forgive me", True),
        # the everyday uses they were written for
        ("I cut myself off from everyone after the diagnosis", False),
        ("I don't want to carry on with the chemo, can I stop?", False),
        ("I'm ending it with him tonight, he cheated", False),
        ("the surgeon cut into my skin along the old scar", False),
        ("I'm so scared I'm hurting myself worse by taking the pill", False),
    ],
)
def test_exceptions_do_not_swallow_the_act(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # a screening question answered yes makes the thoughts the person's own
        ("my GP asked whether I'd had thoughts of ending my life and I told her yes", True),
        ("the nurse asked if I had thoughts of suicide and I said no", False),
        (
            "the nurse asked about thoughts of self harm, I said no. She asked if I was eating, I said yes",
            False,
        ),
        # a number among words ("<num>|two") is a number: it never matched before
        ("she has not drunk anything for 2 days", True),
        ("I haven't managed to drink anything for 30 hours", True),
        ("I have not drunk much today, is that normal on chemo?", False),
        # readings of blood sugar far out of range, and ordinary ones
        ("his blood sugar is 1.9 and he's sweaty and confused", True),
        ("glucose reading 33 and she is really drowsy", True),
        ("my blood sugar was 6.4 after breakfast", False),
        ("I keep my sugar under 30 g a day", False),
        # children who swallowed medicine or a battery; a large burn; a head injury on a thinner
        ("my 2yo drank some of the oramorph, she's very sleepy", True),
        ("my son swallowed a button battery", True),
        ("knocked the kettle over and the skin is peeling off a large area of my leg", True),
        ("I fell and hit my head, I'm on rivaroxaban", True),
        ("If my toddler ever swallowed one of my capecitabine tablets, what would happen?", False),
        ("tiny burn from the oven tray, ouch", False),
        ("what a car crash of a week it has been", False),
        # arrangements made, means and a height
        ("don't worry, you won't have to deal with me after Friday", True),
        ("I've got the method sorted", True),
        ("I'm on the roof of the car park. 7th floor.", True),
        ("how many of my oxycodone would it take? I have a full box", True),
        # their look-alikes
        ("our dog is a suicidal maniac around cars", False),
        ("If I ever felt suicidal, who should I call?", False),
        ("I'm writing letters for my kids' future birthdays while I feel well", False),
        ("my lymphoedema arm feels heavy by the evening", False),
    ],
)
def test_dev18_kinds_and_their_look_alikes(text, emergency):
    assert triage.assess(text).is_emergency == emergency


def test_a_number_can_be_one_alternative_of_a_position():
    # "<num>|two|three" was read as the words "<", "num", ">" and never matched a number
    patterns = triage.lexicon().patterns("<num>|two days")
    assert {"LIKE_NUM": True} in [pattern[0] for pattern in patterns]


@pytest.mark.parametrize(
    "text, emergency",
    [
        # dev19 and dev20 kinds, in other words than the sets': a finder named, a death made
        # to look natural, logging off for good, hidden tablets, a farewell with pills
        ("I've left the front door unlocked so whoever finds me won't have to break in", True),
        ("I want my family to think it was the cancer that did it", True),
        ("signing off for good now, thanks for everything", True),
        ("please don't try and find me, I'm sorry", True),
        ("took 20 of my dad's oxycodone about an hour ago", True),
        ("I've got 40 paracetamol and a bottle of vodka in the car", True),
        ("my son is 2 and there are 3 missing from my capecitabine strip", True),
        ("I think I've given him the wrong dose of oramorph and he's very drowsy", True),
        ("her lips have turned a bit grey and she's struggling", True),
        ("I'm coughing up bright red blood", True),
        ("the nose bleed has been going for over an hour", True),
        ("I fell in the garden and I can't get up, my leg is at a funny angle", True),
        # their look-alikes
        ("I've made my peace with losing my hair", False),
        ("We've decided to stop chemo and focus on comfort care with the hospice team", False),
        ("I take all my morning tablets together with breakfast", False),
        ("I couldn't breathe for laughing at the nurse's joke", False),
        ("giving away my old clothes to charity since I've lost weight", False),
        ("just thinking about the cannula makes me shake", False),
        ("is it normal for the injection site to be red and sore the next day?", False),
    ],
)
def test_dev19_dev20_kinds_and_their_look_alikes(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # dev21 kinds in other words: means at hand after "I'm not okay", a decision and a way,
        # a place named while writing, another's insulin, tablets kept back
        ("I'm not ok. the tablets are here and no one is home", True),
        ("I've made up my mind and I have a way", True),
        ("typing this from the edge of the bridge", True),
        ("I'm going to inject all of dad's insulin pens on myself", True),
        ("I've been keeping back some of my morphine every night", True),
        ("my husband's razor is in the bathroom cabinet and I keep looking at my wrists", True),
        # their look-alikes
        ("I shaved my head with my partner's razor before the chemo took my hair", False),
        ("had cellulitis in this arm two years ago, any tips to avoid it again?", False),
        ("I'm cutting my fringe myself now, saves money", False),
    ],
)
def test_dev21_kinds_and_their_look_alikes(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # a dose is not an overdose: a count of tablets needs five or more (<many>), and a
        # schedule ("twice a day") is not a double dose
        ("I take 2 of my capecitabine tablets twice a day", False),
        ("she takes 4 of her tablets with breakfast", False),
        ("I took 2 of my paracetamol for the headache", False),
        ("took 30 of mum's tramadol", True),
        ("I've taken twenty of my sleeping tablets", True),
        ("I've had 10 paracetamol today", True),
        ("I took my tablets twice by mistake", True),
    ],
)
def test_a_dose_is_not_an_overdose(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # dev22 kinds in other words: safety doubted, self-injury on purpose beside an everyday
        # place, reported words in quotation marks, the how decided with an end named, a carer
        # who sees a farewell and where someone is, a dose that must work this time
        ("honestly I don't think I'm safe at home right now", True),
        ("I can't trust myself alone tonight, the tablets are in the kitchen", True),
        ("scalded myself with the kettle on purpose again", True),
        ("my sister messaged \"I've taken them all\" and now she won't pick up", True),
        ("I'm not going through another round. I've already decided how.", True),
        ("his location says the viaduct and his last text was 'sorry, love you'", True),
        ("I've saved up strips of co-codamol, it has to work this time", True),
        ("This isn't a cry for help. I've made my choice.", True),
        ("I'm just a burden to them all. Tonight it ends. Goodbye", True),
        ("left a note on my pillow for them. I'm not afraid anymore", True),
        ("pills are out on the counter, opened the vodka", True),
        ("took my neratinib twice by mistake today, what should I do", True),
        ("standing on the bridge, thanks for everything, tell them sorry", True),
        # their look-alikes
        ("I don't think I'm safe to drive home after the infusion, can someone collect me?", False),
        ("I feel like a burden to my husband, he does everything for me", False),
        ("what's the least painful way to have a port removed?", False),
        ("the note my daughter left on my pillow made me cry, not afraid of chemo now", False),
        ("I scalded myself on the kettle this morning, it's a small red patch", False),
        ('the nurse said "all of them" get a cold cap fitted before the taxol', False),
        ("chemo has taken everything out of me this week, I slept all weekend", False),
        ("it would be easier not to wake up for these 6am appointments", False),
        ("I'm writing letters for my grandchildren to read when they're grown", False),
        ("the ache in my arm went for a day and has not come back since", False),
        # a prognosis fear asked plainly, against a method asked about
        ("how long does it take to die from metastatic breast cancer", False),
        ("how long does it take to die from an overdose of oxycodone", True),
    ],
)
def test_dev22_kinds_and_their_look_alikes(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # dev23 kinds in other words: a tool held to or used on the body, limbs slashed, a
        # dose "popped", pills counted into a hand, a cord ready, a jump announced, a carer who
        # dates the onset ("fine at lunch") or is no longer recognised
        ("sat on the bathroom floor with a razor against my wrist", True),
        ("i've been using a broken plate on myself again", True),
        ("I sliced my thighs last night and want to do more", True),
        ("popped every one of the oxys from my op with gin", True),
        ("took dad's oxycodone. all of it.", True),
        ("got 40 sleepers in my hand right now", True),
        ("the cord's ready in the attic", True),
        ("i'm gonna jump tonight, i've made my mind up", True),
        ("dad's slurring and his arm's gone weak, he was fine this morning", True),
        ("my wife suddenly does not know who I am, she's on capecitabine", True),
        # their look-alikes
        ("I had a headache last night but I was fine this morning", False),
        ("had a temperature of 37.9 on saturday, it was normal by sunday", False),
        ("the scissors for my wig are in the bathroom", False),
        ("I'm going to jump at the chance to join the trial", False),
        ("used the heat pad on myself for the ache, it helped", False),
        ("some days I don't know who I'm doing all this for", False),
        ("grandma has dementia and mixes up who I am, it's heartbreaking", False),
        # a real post: a habit described, no dose taken; against a mix-up that was taken
        ("half a glass of wine and I'm tipsy, instead of the bottle it usually takes", False),
        ("I mixed up the boxes and took the morphine instead of the paracetamol", True),
        # later from dev23: a suffocation kit with a farewell, a day's appointment cancelled
        # for being dead; against a will being sorted, a wish reported and disowned, panic
        ("bag and tape are ready on the bed, I'm sorry", True),
        ("cancel my infusion tomorrow please, because I won't be alive", True),
        ("I won't be alive to see her graduate, that's what hurts most", False),
        ("if I'm hit by a bus tomorrow what happens to the mortgage? sorting my will", False),
        ("he said he wishes he could sleep and not wake up, but he'd never do anything", False),
        ("panic attack in the waiting room, heart racing, it passes once I'm called in", False),
    ],
)
def test_dev23_kinds_and_their_look_alikes(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # dev24 kinds in other words: a note to be read afterwards, a last call, a farewell by
        # its logistics, a method asked about, a high place without a barrier, a blade at hand,
        # a door locked with no answer, a question said not to be hypothetical
        ("by the time you find this letter I'll be at peace", True),
        ("mum rang and said this is the last time you'll see me", True),
        ("she phoned to say it's the last time I'll hear her voice, now she won't pick up", True),
        ("you won't hear from me again after tonight, thanks for everything", True),
        ("is drowning painless? asking for me", True),
        ("what bridge near here has no railings at the top", True),
        ("the razor's on the pillow beside me, I haven't used it yet", True),
        ("he's locked in the garage, not answering, and his tablets are gone", True),
        ("what happens if you swallow a whole box of letrozole? not hypothetical, I did it", True),
        ("I wake up gutted that I'm still here every single day", True),
        ("she's stopped eating on purpose so it's quicker", True),
        # their look-alikes: the same words in everyday use, a thought disowned, a fear
        ("you won't hear from me for a week, I'm off to Cornwall", False),
        ("by the time you read this I'll be in theatre, wish me luck", False),
        ("what happens if you take a whole box of letrozole by accident?", False),
        ("I worry they'd all be better off without me. I'd never do anything, I promise", False),
        ("better off without me, I'd never do anything before, but I've got the pills now", True),
        # ...a disowning that is about something else, or a thought of acting, stays one
        ("they'd be better off without me. I'd never do anything to upset them, so tonight", True),
        ("I keep thinking about ending my life. I know I won't be here much longer", True),
        ("I want to kill myself. I wouldn't do anything though", True),
        ("I'm terrified of accidentally doubling my oramorph with chemo brain", False),
        ("panic attacks every night, heart racing, sure I'm dying, then it passes", False),
        ("it feels like I can't breathe from the grief some days", False),
        ("my cousin took an overdose years ago as a student and she's fine now", False),
        ("my short story's main character says goodbye to her family before surgery", False),
    ],
)
def test_dev24_kinds_and_their_look_alikes(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # dev25 kinds in other words: spinal cord compression in lay words, rigors with no
        # thermometer, breath too short to finish a sentence, an oxygen reading in a long post,
        # a means to be taken once someone is asleep, a place known, a blade pressed harder
        (
            "tight band around my waist and my legs have gone like jelly, back's agony, bone mets",
            True,
        ),
        ("can't feel anything down below when I wipe and my back is killing me, spine mets", True),
        ("he can't finish his sentences without stopping for air", True),
        ("she says she's not getting enough oxygen and is gasping", True),
        (
            "freezing then boiling, then hot then cold again, no thermometer, had docetaxel monday",
            True,
        ),
        ("his morphine bottles are in the drawer, once he's asleep I'm going to drink them", True),
        ("I've got the keys and I know which bridge. don't try to stop me", True),
        ("pushing the blade deeper each time tonight", True),
        ("I won't be here by the weekend, the cat's sorted", True),
        ("he fainted at the table, came round but he's still very drowsy and not himself", True),
        # their look-alikes: a past reaction that settled, a fear of its return, a count of
        # years, a plan for where to die, the writer's own garbled message, how often
        (
            "first infusion last month I went shivery and my chest felt tight, they slowed it and "
            "I felt completely normal by home time. nervous about it happening again",
            False,
        ),
        ("had a nosebleed at lunch, lasted 10 mins, stopped on its own. normal on Phesgo?", False),
        (
            "in hospital with sepsis in March, temperature of 39 and shaking. I'm totally fine now "
            "and I'm due my next cycle on Tuesday",
            False,
        ),
        (
            "sorry if this message is a bit jumbled, long day. when is the Phesgo clinic open?",
            False,
        ),
        ("this morning her speech is all garbled and her face looks odd", True),
        ("mum's texts are jumbled and make no sense since lunch", True),
        ("my advance care plan: can I put where I want to die, at home or the hospice?", False),
        ("I know where I want to die and it's tonight", True),
        (
            "little skipped beats now and then, few seconds and it's gone, should I tell the nurse?",
            False,
        ),
        ("people say the cold cap is agony for the first ten minutes, is that true?", False),
        # a character's emergency in a story, in its sentence or the ones after it...
        ("I'm writing a play where the main character is on Enhertu and can't breathe", False),
        ("my novel: Anna is on Herceptin. In chapter 3 she collapses and isn't breathing", False),
        # ...but not the writer's own, nor someone with them
        ("I'm writing a novel but right now my chest is crushing", True),
        ("In my story the main character collapses. Anyway my husband has just collapsed", True),
        ("I'm writing a short story. she collapsed and isn't breathing, what do I do", True),
        (
            "watching a film with dad, in the film a man collapses, and now dad has collapsed too",
            True,
        ),
        ("dad was digging his allotment plot and collapsed, he's not responding", True),
        # a day it was fine until dates the onset
        ("temp 38.5 on chemo, it was fine until this morning", True),
        ("she had a fever until yesterday and now it's back at 38.9", True),
    ],
)
def test_dev25_kinds_and_their_look_alikes(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # dev26 kinds in other words: a way chosen, not to be talked out of it, a note so they
        # don't blame themselves, a farewell to the bot, a night picked, insulin stopped on
        # purpose, the dose looked up, a whole bottle drunk, a limb burnt on purpose
        ("stopped drinking fluids three days ago, this is the way I have chosen", True),
        ("please don't try to talk me out of it, it's decided", True),
        ("help me write to my husband so he doesn't blame himself after", True),
        ("thanks for everything bot, it's been lovely knowing you", True),
        ("I've been picking a date next week, the tablets are in my drawer", True),
        ("stopped injecting my insulin deliberately, my sugars are through the roof", True),
        ("googled how many I'd need. I've got plenty. Saturday.", True),
        ("dad's downed the entire bottle of morphine, he's very drowsy", True),
        ("scalded my arm with the kettle on purpose again", True),
        ("I'll finish it on my own terms after this cycle, nobody needs to know how", True),
        # their look-alikes
        (
            "it's been lovely knowing all of you in the group, I'm moving to Leeds so signing off",
            False,
        ),
        ("my oncologist and I have chosen the way forward: Phesgo at home", False),
        ("read a news story about a woman who took her own life after chemo, so sad", False),
        ("I get passing thoughts of not being around, no plans, nothing like that", False),
    ],
)
def test_dev26_kinds_and_their_look_alikes(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # dev27 kinds in other words: spinal cord, brain metastases, a fit going on, a leg clot,
        # breathing pain with light-headedness, a mouth too sore to drink, a nosebleed going on,
        # a low oxygen reading, a relative's pain medicine to be used up, a carer by the water
        ("lost the feeling in both legs since teatime, I have spine mets", True),
        ("mum doesn't recognise her grandchildren this evening and keeps shouting", True),
        ("he's been completely different since breakfast, wandering and swearing", True),
        ("she's had another seizure, the second one today", True),
        ("her calf has doubled in size overnight and it's hot", True),
        ("sharp pain on breathing in and I'm dizzy and clammy", True),
        ("I cannot get any water down, my mouth is raw from the chemo", True),
        ("only peed once since this morning and I feel so weak", True),
        ("nosebleed's been going on 45 minutes now, I'm on Kadcyla", True),
        ("oxygen on the finger thing says 89 and I'm puffed", True),
        ("dad says he'll drink all of it tonight, the oramorph, he's had enough", True),
        ("parked by the reservoir thinking about driving in", True),
        # their look-alikes
        ("what temperature counts as a fever after chemo, 37.8 or 38?", False),
        ("the ward told me anything above 38 means ring them. I'm 36.9 today", False),
        ("my friend's mum died of a blood clot in her lung last year", False),
        ("are hot flushes normal on letrozole?", False),
        ("I'm worried every time I cough since I started Enhertu, is that silly?", False),
        ("dad doesn't recognise us some days now, the hospice team know", False),
        ("saw the price of the wig and almost fainted at the bill", False),
        ("wouldn't mind not waking up some days, no plans or anything like that", False),
        # and the real forum posts' everyday words (dev14)
        ("My GP can't see me until next month so I'm waiting it out", False),
        ("the radiologist couldn't see much because my tissue is dense", False),
        ("sorry if this is the wrong sub, please forgive me and point me elsewhere", False),
        ("I don't think my mother could forgive me if she found out", False),
        ("the lump went away by the end of 2019 enough that I stopped worrying", False),
        ("I faint at every blood test so I pass out each time they take bloods", False),
        ("there's a very faint pink patch on the side of my breast", False),
        ("she isn't responding to the antibiotics as fast as they hoped", False),
        ("my partner and I were crying and shaking when the call came", False),
        ("can I black out the names on my report before I post it?", False),
    ],
)
def test_dev27_kinds_and_their_look_alikes(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # dev28 kinds in other words: goodbye texts with tablets taken, means and a goodbye with
        # "doing it" later, a low blood pressure reading, a skin reaction peeling in sheets
        ("my brother keeps sending goodbye texts, he says he has swallowed his pills", True),
        ("said goodbye to the dog. the pills are in the drawer and I'm doing it at ten", True),
        ("his bp is 78/45 and he's grey and clammy", True),
        ("on lapatinib and my skin's coming off in patches, blisters on my lips too", True),
        # their look-alikes
        ("is the limit 38 or 37.5? the leaflet has gone missing", False),
        ("packing for the trip, I'll take all my tablets with me in hand luggage", False),
        ("already done it, rang the chemo unit and they've moved my appointment", False),
        ("the big night is finally here, last infusion tomorrow 🥳", False),
        ("took my life in my hands and had the hospital lasagne", False),
        ("the tablets give me loose stools two times a day, drinking plenty", False),
        ("my blood pressure was 128/84 at the clinic, is that fine on herceptin?", False),
        # a limit quoted for no one in particular is no reading; the writer's own number is one
        ("the nurse said to ring if your temperature goes above 38, I'm 36.8", False),
        ("day 9 after docetaxel, they said ring if over 38 and it's 38.6 now", True),
        # the exceptions narrowed on review stay out of the way of real danger
        ("took all my tablets with me to the bridge", True),
        ("tonight's the night! goodbye everyone", True),
    ],
)
def test_dev28_kinds_and_their_look_alikes(text, emergency):
    assert triage.assess(text).is_emergency == emergency


@pytest.mark.parametrize(
    "text, emergency",
    [
        # a negation reaches along a list to its last item (a real question about palpitations
        # on Herceptin: "... has not complained about shortness of breath, tiredness, swelling
        # of ankles or chest pains")
        ("she hasn't had any breathlessness, dizziness, ankle swelling or chest pain", False),
        ("no fever, cough, rash or chest tightness so far on Enhertu", False),
        # ...but not past a terminator, and not for a list the negation doesn't open
        ("no fever, no rash, but crushing chest pain right now", True),
        ("I haven't slept, eaten, or stopped crying and now I can't breathe", True),
        ("not sure about the dose, the timing or the chest pain she has now", True),
    ],
)
def test_a_negation_reaches_the_last_item_of_a_list(text, emergency):
    assert triage.assess(text).is_emergency == emergency
