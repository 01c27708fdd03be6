"""How much work one search request may do (docs/explore.md, "How much work a request does").

Module attributes, read at call time, so a test can shrink them to run the large-index code paths
on a small index.
"""

from __future__ import annotations

PROBE_LIMIT = 1_000  # filtered sets this small are probed conversation by conversation
SUMMARY_MATCHES = 10_000  # matches read for the total and the facets; beyond, an estimate
# Phrases cost a check of word positions in every conversation holding all their words: for them
# the total and the facets read only the newest SUMMARY_SPAN conversations (unless the page
# reads everything anyway, which makes them exact).
SUMMARY_SPAN = 200_000
RANK_WINDOW = 5_000  # matches ranked together by BM25
RANK_SHARE = 0.05  # a word in more of the conversations than this is too common to rank by …
RANK_MIN_DOCS = 50_000  # … and in more than this many (below, ranking by it costs little)
RANK_TERMS = 3  # the rarest words of a query that rank it
RANK_ROWS = 20_000  # rows of a window's id range that get a BM25 score
FIRST_CHUNK = 1_000  # matches read at first for a page; doubles while a page needs more
MAX_CHUNK = 200_000
MAP_MATCHES = 200_000  # matches checked against the map's points
FACET_VALUES = 50  # values per facet in a response
SNIPPET_TOKENS = 24
