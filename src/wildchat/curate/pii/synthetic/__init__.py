"""Synthetic PII: values with valid check digits, and labelled sentences built from templates."""

from __future__ import annotations

from wildchat.curate.pii.synthetic.sentences import Example, chat_messages, evaluation_examples, fill

__all__ = ["Example", "chat_messages", "evaluation_examples", "fill"]
