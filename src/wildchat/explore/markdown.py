"""Message text as HTML, safely: CommonMark through markdown-it-py with raw HTML switched off.

Raw HTML in a message is shown as text (`html=False` escapes it), link targets are checked by
markdown-it's validateLink (no javascript:, vbscript:, file: or data: URLs), links get
rel="nofollow noopener noreferrer", and images are not loaded: an image becomes its text and address, so
opening a conversation never makes the browser fetch from a third party.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

MAX_MARKDOWN_CHARS = 200_000  # longer messages are shown as preformatted text (rendering time)


def _link_open(
    renderer: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    tokens[index].attrSet("rel", "nofollow noopener noreferrer")
    return renderer.renderToken(tokens, index, options, env)


def _image(
    renderer: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[index]
    source = str(token.attrGet("src") or "")
    label = renderer.renderInlineAsText(token.children or [], options, env)
    name = f"image: {escapeHtml(label)}" if label else "image"
    return f'<span class="image-ref">[{name}] {escapeHtml(source)}</span>'


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("image", _image)
    return md


def render_markdown(text: str) -> str:
    """HTML for one message. Everything from the text is escaped or validated by markdown-it."""
    if len(text) > MAX_MARKDOWN_CHARS:
        return f"<pre>{escapeHtml(text)}</pre>"
    html: str = _renderer().render(text)
    return html
