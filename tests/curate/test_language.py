from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wildchat.curate.language import NO_LANGUAGE, LanguageDetector, LanguageStage, most_frequent
from wildchat.curate.stage import StageStats
from wildchat.records import Conversation, ConversationMessage

SAMPLES = {
    "English": "Could you help me write a short letter to my landlord about the broken heating?",
    "French": "Pourriez-vous m'aider à écrire une courte lettre à mon propriétaire ?",
    "Chinese": "你能帮我给房东写一封关于暖气坏了的短信吗？",
    "Russian": "Не могли бы вы помочь мне написать короткое письмо арендодателю?",
    "Spanish": "¿Podrías ayudarme a escribir una carta corta a mi casero sobre la calefacción?",
    "German": "Könnten Sie mir helfen, einen kurzen Brief an meinen Vermieter zu schreiben?",
}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    found = LanguageDetector("low")
    found.setup()
    return found


def test_names_as_the_released_dataset_spells_them(detector: LanguageDetector) -> None:
    texts = [*SAMPLES.values(), "", "   ", SAMPLES["English"]]
    assert detector.detect(texts) == [*SAMPLES, NO_LANGUAGE, NO_LANGUAGE, "English"]


def test_conversation_language_is_the_most_frequent() -> None:
    assert most_frequent(["French", "English", "English"]) == "English"
    assert most_frequent(["French", "English"]) == "French"  # a tie goes to the first seen
    assert most_frequent([NO_LANGUAGE, NO_LANGUAGE, "German"]) == "German"
    assert most_frequent([NO_LANGUAGE]) == NO_LANGUAGE


def test_stage_tags_messages_and_conversations() -> None:
    def message(role: str, text: str) -> ConversationMessage:
        return ConversationMessage(role=role, content=text, turn_identifier=1)

    conversation = Conversation(
        conversation_hash="x",
        model="m",
        timestamp=datetime.now(UTC),
        conversation=[message("user", SAMPLES["German"]), message("assistant", "")],
        turn=1,
    )
    stage = LanguageStage("low")
    stage.setup()
    stats = StageStats()
    [tagged] = stage([conversation], stats)
    assert [m.language for m in tagged.conversation] == ["German", NO_LANGUAGE]
    assert tagged.language == "German" and stats.counts["language:German"] == 1


def test_detector_pickles_without_its_models(detector: LanguageDetector) -> None:
    import pickle

    copy = pickle.loads(pickle.dumps(detector))
    assert copy._detector is None and copy.detect([SAMPLES["French"]]) == ["French"]
