"""Profile URLs: a link that names one person's page on a social network.

The paper redacted only LinkedIn profiles (linkedin.com/in/…). The same holds for other
networks' profile paths; links to documentation, repositories or articles are public.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import Pattern, PatternRecognizer

# host → path shape of a profile. Kept in one table so the policy's cheap pre-check
# (`PROFILE_HOST_MARKERS`) and the pattern cannot drift apart.
_PROFILE_PATHS: dict[str, str] = {
    r"linkedin\.com/(?:in|pub)/": r"[\w%\-.]+",
    r"(?:facebook|fb)\.com/": (
        r"(?!(?:sharer|share|groups|pages|events|watch|help|policies|login|business|marketplace|gaming)\b)"
        r"(?:profile\.php\?id=\d+|[\w.]{5,})"
    ),
    r"instagram\.com/": r"(?!(?:p|reel|explore|stories|accounts)/)[\w.]{2,30}",
    r"(?:twitter|x)\.com/": r"(?!(?:home|search|explore|settings|i|intent|share|hashtag|login)\b)\w{2,15}",
    r"github\.com/": r"[A-Za-z\d](?:[A-Za-z\d]|-(?=[A-Za-z\d])){0,38}/?(?![\w/.\-])",
    r"t\.me/": r"\w{5,32}",
    r"vk\.com/": r"[\w.]{3,}",
    r"tiktok\.com/@": r"[\w.]{2,24}",
    r"youtube\.com/(?:@|c/|user/)": r"[\w.\-]{3,}",
    r"medium\.com/@": r"[\w.\-]{3,}",
    r"wa\.me/": r"\d{8,15}",
}

# Lower-case substrings that every profile URL contains: the policy skips this recogniser
# (and Presidio's URL recogniser) on messages that contain none of them.
PROFILE_HOST_MARKERS: tuple[str, ...] = (
    "linkedin.com/",
    "facebook.com/",
    "fb.com/",
    "instagram.com/",
    "twitter.com/",
    "x.com/",
    "github.com/",
    "t.me/",
    "vk.com/",
    "tiktok.com/@",
    "youtube.com/",
    "medium.com/@",
    "wa.me/",
)

_PROFILE_URL = (
    r"(?<![\w@.])(?:https?://)?(?:[\w\-]+\.)?(?:"
    + "|".join(host + path for host, path in _PROFILE_PATHS.items())
    + r")/?"
)
_COMPILED = re.compile(_PROFILE_URL, re.IGNORECASE)


class ProfileUrlRecognizer(PatternRecognizer):  # type: ignore[misc]
    """URL: a person's profile page (LinkedIn, Facebook, Instagram, X/Twitter, GitHub user, …)."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="URL",
            name="ProfileUrlRecognizer",
            supported_language=supported_language,
            patterns=[Pattern("profile url", _PROFILE_URL, 0.7)],
            context=["profile", "linkedin", "follow", "find me", "my page"],
        )


def is_profile_url(text: str) -> bool:
    """True when `text` contains a profile URL (used to veto other URLs in the strict policy)."""
    lowered = text.lower()
    if not any(marker in lowered for marker in PROFILE_HOST_MARKERS):
        return False
    return _COMPILED.search(text) is not None
