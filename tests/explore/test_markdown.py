"""Messages as Markdown: formatting kept, everything that could run or fetch turned into text."""

from __future__ import annotations

from wildchat.explore.markdown import MAX_MARKDOWN_CHARS, render_markdown


def test_markdown_formats_code_lists_and_tables() -> None:
    html = render_markdown(
        "**bold** and `code`\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```py\nx = 1\n```"
    )
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert "<li>one</li>" in html and "<table>" in html and '<code class="language-py">x = 1' in html


def test_raw_html_is_text() -> None:
    html = render_markdown('<script>alert(1)</script> <img src=x onerror=alert(2)> <a href="x">a</a>')
    assert "<script" not in html and "<img" not in html and "<a href" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_dangerous_links_are_not_links_and_others_are_nofollow() -> None:
    html = render_markdown(
        "[x](javascript:alert(1)) [y](vbscript:msgbox) [z](data:text/html,hi) [ok](https://example.org)"
    )
    assert 'href="javascript' not in html and 'href="vbscript' not in html and 'href="data:' not in html
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">ok</a>' in html


def test_images_are_never_loaded() -> None:
    html = render_markdown('![tracker "pixel"](https://tracker.example/p.gif)')
    assert "<img" not in html
    assert "[image: tracker &quot;pixel&quot;] https://tracker.example/p.gif" in html


def test_huge_messages_are_preformatted_text() -> None:
    html = render_markdown("<b>" + "x" * MAX_MARKDOWN_CHARS)
    assert html.startswith("<pre>&lt;b&gt;x") and html.endswith("</pre>")
