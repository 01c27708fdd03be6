"""Curation: turn the turn log into a released dataset.

Stages (link → language → PII → toxicity → assemble → export) are small units over batches of
`wildchat.records.Conversation`, so the local engine and the Ray engine run the same code.
"""
