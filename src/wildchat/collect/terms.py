"""The terms participants agree to. Changing the text means bumping `terms_version` in the settings."""

from __future__ import annotations

from typing import Any

from wildchat.config import Settings


def terms_document(settings: Settings) -> dict[str, Any]:
    operator = settings.operator_name
    opening = operator[:1].upper() + operator[1:]  # "the operators …" opens a sentence
    contact = settings.contact or "the contact given by the operators"
    sections = [
        (
            "What we collect",
            [
                "Everything you type into this chat and every reply the model gives, together with "
                "the model's name, the settings you chose (such as temperature) and the time.",
                "Your approximate location (country and region), worked out from your IP address when "
                "you send a message. The IP address itself is never stored: only a keyed hash of it, "
                "which lets us tell that two conversations came from the same connection without "
                "knowing which connection that was.",
                "Two headers your browser sends: its user-agent (browser and operating system) and its "
                "preferred languages.",
            ],
        ),
        (
            "How it is used",
            [
                f"{opening} use these conversations for research on how people use language models, "
                "to study and improve chatbots, and to train and evaluate models.",
                "Personal information such as names, e-mail addresses and phone numbers is detected "
                "and removed before publication, but automatic removal is not perfect: do not share "
                "anything you would not want to be seen by others.",
            ],
        ),
        (
            "Publication",
            [
                "Your conversations may be published as part of an open research dataset that anyone "
                "can download, together with the location, browser headers and hashed IP described "
                "above. Conversations flagged as toxic may be published only to approved researchers.",
            ],
        ),
        (
            "Your choice, and withdrawing it",
            [
                "Using this chat is voluntary and requires both agreements on this page.",
                "You can withdraw at any time with “Delete my data”: your conversations are deleted "
                "from our logs at once and are left out of every dataset we build afterwards. Copies "
                f"already published cannot be recalled. Questions: {contact}.",
            ],
        ),
    ]
    return {
        "version": settings.terms_version,
        "operator": operator,
        "contact": settings.contact,
        "sections": [{"title": title, "paragraphs": paragraphs} for title, paragraphs in sections],
    }
