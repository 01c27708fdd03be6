"""wildchat: collect consented chatbot conversations and release them as a WildChat-format dataset."""

__version__ = "0.1.0"
