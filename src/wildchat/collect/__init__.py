"""The collection service: consent, the chat page, the OpenAI-compatible API and the turn log."""
