from html.parser import HTMLParser

import pytest

from rapport.knowledge.rendering import render_markdown

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x oNeRrOr=alert(1)//",
    '<body onload="alert(1)">',
    '<div onmouseover="alert(1)">hover</div>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<svg onload="alert(1)"><script>alert(2)</script></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!-- <script>alert(1)</script> -->",
    "<!--><img src=x onerror=alert(1)>-->",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<style>body{background:url("javascript:alert(1)")}</style>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "```html\n<script>alert(1)</script>\n```",
    "[a]: javascript:alert(1)\n\n[ref link][a]",
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
]
SAFE_SCHEMES = ("http:", "https:", "mailto:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background"}


class _Inspector(HTMLParser):
    """Collects what a browser would act on: elements, attributes, comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]

    def handle_comment(self, data):
        self.comments.append(data)


def _inspect(html: str) -> _Inspector:
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector


@pytest.mark.parametrize("source", XSS_VECTORS)
def test_no_script_survives(source):
    html = str(render_markdown(source))
    found = _inspect(html)
    active = {"script", "svg", "math", "iframe", "object", "embed", "form", "meta", "style", "body"}
    assert not found.tags & active, html
    assert not [n for n, _ in found.attributes if n.startswith("on") or n == "style"], html
    for name, value in found.attributes:
        if name in URL_ATTRIBUTES:
            scheme = value.strip().lower().split("/", 1)[0]
            assert ":" not in scheme or scheme.startswith(SAFE_SCHEMES), html
    assert not found.comments, html


def test_the_inspector_catches_what_it_looks_for():
    found = _inspect('<a href="javascript:x" onclick="y">a</a><!-- c --><script></script>')
    assert "script" in found.tags
    assert ("href", "javascript:x") in found.attributes and ("onclick", "y") in found.attributes
    assert found.comments == [" c "]


def test_it_renders_ordinary_markdown():
    html = render_markdown(
        "# Reset your password\n\nGo to **Settings** and *Security*.\n\n"
        "1. Click `Reset`\n2. Check your mail\n\n| Plan | Limit |\n|---|---|\n| Pro | 10 |\n"
    )
    assert "<h1>Reset your password</h1>" in html
    assert "<strong>Settings</strong>" in html and "<em>Security</em>" in html
    assert "<ol>" in html and "<code>Reset</code>" in html
    assert "<table>" in html and "<td>Pro</td>" in html


def test_links_keep_safe_urls_and_get_a_protective_rel():
    html = render_markdown('[docs](https://docs.example/a?b=1 "Docs") and <a href="/kb/x">x</a>')
    assert 'href="https://docs.example/a?b=1"' in html
    assert 'title="Docs"' in html
    assert 'href="/kb/x"' in html
    assert html.count('rel="noopener noreferrer nofollow"') == 2


def test_author_rel_is_replaced_not_kept():
    html = render_markdown('<a href="https://x.example" rel="opener">x</a>')
    assert 'rel="noopener noreferrer nofollow"' in html
    assert '"opener"' not in html


def test_code_shows_markup_as_text():
    html = render_markdown("Use `<b>` for bold")
    assert "<code>&lt;b&gt;</code>" in html


def test_allowed_raw_html_stays():
    html = render_markdown(
        "Press <kbd>Ctrl</kbd>\n\n<details><summary>More</summary>Hidden</details>"
    )
    assert "<kbd>Ctrl</kbd>" in html
    assert "<details><summary>More</summary>Hidden</details>" in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
