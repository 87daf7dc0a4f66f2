"""50 simultaneous conversations, each stating different HER2 results, each get
their own correct answer: no cross-talk (against the running stack, over REST).

Every conversation has its own IHC 2+ form, then a FISH ratio and copy number that
no other conversation uses, then a treatment question. The expected restatement,
category and treatment text come from the her2 package (what the bot itself uses).
All conversations send each turn at the same moment (a barrier).
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.system.stacklib import say, texts

pytestmark = pytest.mark.stack
CONVERSATIONS = 50
# (ratio, copies) ranges for the five ISH groups of the ASCO/CAP guideline.
GROUPS = [(2.20, 5.00), (2.50, 3.00), (1.60, 6.50), (1.40, 4.60), (1.10, 2.50)]


def cases():
    from her2 import category_info, classify, describe_findings, parse

    for i in range(CONVERSATIONS):
        ratio_base, copies_base = GROUPS[i % len(GROUPS)]
        step = (i // len(GROUPS) + 1) / 100
        ratio, copies = f"{ratio_base + step:.2f}", f"{copies_base + step:.2f}"
        findings = parse(f"IHC 2+, HER2/CEP17 ratio {ratio} with {copies} copies per cell")
        category = classify(findings).category
        info = category_info(category)
        yield {
            "sender": f"concurrent-{i}-{uuid.uuid4()}",
            "turns": [
                "My HER2 IHC was 2+",
                f"The HER2/CEP17 ratio was {ratio} with {copies} copies per cell",
                "what treatments are used for that?",
            ],
            "restated": f"You told me: {describe_findings(findings)}.",
            "result": f"Result: {info['label']}.",
            "treatment": " ".join(info["treatment_families"].split())[:80],
        }


def test_fifty_simultaneous_conversations_no_cross_talk(rasa_url):
    conversations = list(cases())
    assert len({c["restated"] for c in conversations}) == CONVERSATIONS
    assert len({c["result"] for c in conversations}) >= 2  # several categories
    barrier = threading.Barrier(CONVERSATIONS)

    def talk(conversation):
        replies = []
        for turn in conversation["turns"]:
            barrier.wait(timeout=300)
            reply = say(rasa_url, conversation["sender"], turn, timeout=180)
            assert {m["recipient_id"] for m in reply} == {conversation["sender"]}, reply
            replies.append(texts(reply))
        return replies

    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        results = list(pool.map(talk, conversations))

    all_restated = {c["restated"] for c in conversations}
    for conversation, (first, second, third) in zip(conversations, results):
        assert any("What did the FISH/ISH result say" in t for t in first), first
        restated = [t for t in second if t.startswith("You told me:")]
        assert restated == [conversation["restated"]], (conversation["turns"][1], second)
        assert conversation["result"] in " ".join(second).replace("\n", " ") or any(
            t.startswith(conversation["result"]) for t in second
        ), second
        assert not (set(second) | set(third)) & (all_restated - {conversation["restated"]})
        treatment = " ".join(" ".join(third).split())
        assert conversation["treatment"] in treatment, (conversation["result"], third)
