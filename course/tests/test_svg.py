"""SVG sanitising: each payload is one the regular-expression sanitiser let through (issue 8).

Every case is checked on what is stored: no outside address, no script scheme, no animation,
and every reference that is left points inside the file.
"""

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
import tinycss2
from django.conf import settings
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from course import svg
from course.diagrams import sanitize_svg

HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 50">'

LEAKS = {
    "set rewrites href": '<a href="#x"><set attributeName="href" to="java&#10;script:alert(1)"/><text>x</text></a>',
    "animate rewrites href": '<a href="#x"><animate attributeName="href" values="javascript:alert(1)"/></a>',
    "animate xlink:href": '<use xlink:href="#a"><animate attributeName="xlink:href" to="https://evil.example/a#b"/></use>',
    "css escape in url": "<style>.a{fill:u\\72l(https://evil.example/x)}</style>",
    "css escape in import": "<style>@\\69mport url(https://evil.example/a.css); .a{fill:red}</style>",
    "image-set in style": '<style>.a{fill:image-set("https://evil.example/x.png" 1x)}</style>',
    "image-set in attribute": '<rect style="fill:image-set(url(https://evil.example/i.png) 1x)"/>',
    "url in fill attribute": '<rect width="5" height="5" fill="url(https://evil.example/p.svg#x)"/>',
    "url in filter attribute": '<rect width="5" height="5" filter="url(https://evil.example/f.svg#f)"/>',
    "escaped url in attribute": '<rect width="5" height="5" fill="u\\72l(https://evil.example/x)"/>',
    "xml:base": '<g xml:base="https://evil.example/"><use href="#a"/></g>',
    "relative href": '<use href="evil.example/sprite.svg#a"/>',
    "scheme href with spaces": '<a href=" javascript:alert(1)"><text>x</text></a>',
    "custom property smuggles url": "<style>svg{--x:url(https://evil.example/a)} .a{fill:var(--x)}</style>",
    "font-face": "<style>@font-face{font-family:x;src:url(https://evil.example/f.woff)}</style>",
    "animation in css": "<style>@keyframes k{to{fill:red}} .a{animation:k 1s}</style>",
    "feImage": '<filter id="f"><feImage href="https://evil.example/i.png"/></filter>',
    "image element": '<image href="https://evil.example/x.png" width="10" height="10"/>',
    "foreign namespace": '<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
    "event handler": '<rect width="5" height="5" onmouseover="alert(1)"/>',
    "cursor url": '<rect width="5" height="5" style="cursor:url(https://evil.example/c.cur), auto"/>',
}


def stored(body):
    return sanitize_svg(f"{HEAD}{body}</svg>".encode()).data.decode()


@pytest.mark.parametrize("body", LEAKS.values(), ids=LEAKS.keys())
def test_what_the_old_sanitiser_let_through_is_removed(body):
    text = stored(body)
    for bad in ("evil.example", "script", "<set", "<animate", "xml:base", "image-set", "import", "@font-face", "\\"):
        assert bad not in text.lower(), text
    for attribute in ("href", "{http://www.w3.org/1999/xlink}href"):
        for element in ET.fromstring(text).iter():
            assert element.get(attribute) is None or element.get(attribute).startswith("#")


def test_drawing_and_local_references_survive():
    body = (
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient>'
        '<marker id="m" markerWidth="4" markerHeight="4"><path d="M0 0 L4 2 Z"/></marker></defs>'
        '<rect width="10" height="10" fill="url(#g)" style="stroke: var(--line); stroke-width: 2"/>'
        '<path d="M0 0 L10 10" marker-end="url(#m)" transform="translate(2, 3) rotate(45)"/>'
        '<use href="#m" x="5"/><text aria-label="url(오타) 아님" xml:space="preserve">안녕<set to="x"/>하세요</text>'
        "<style>@media (prefers-color-scheme: dark) { svg { --line: #999 } } text { fill: var(--ink) }</style>"
    )
    root = ET.fromstring(stored(body))
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f".//{ns}rect").get("fill") == "url(#g)"
    assert root.find(f".//{ns}rect").get("style") == "stroke: var(--line); stroke-width: 2"
    assert root.find(f".//{ns}path[@marker-end]").get("transform") == "translate(2, 3) rotate(45)"
    assert root.find(f".//{ns}use").get("href") == "#m"
    assert root.find(f".//{ns}text").text == "안녕하세요" and root.find(f".//{ns}text").get("aria-label")
    css = root.find(f".//{ns}style").text
    assert "@media (prefers-color-scheme: dark)" in css and "--line: #999" in css and "fill: var(--ink)" in css


def css_declarations(css):
    found = set()
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        content = rule.content or []
        if rule.type == "at-rule":
            found |= css_declarations(tinycss2.serialize(content))
            continue
        prelude = re.sub(r"\s+", " ", tinycss2.serialize(rule.prelude).strip())
        for item in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
            if item.type == "declaration":
                found.add((prelude, item.name, re.sub(r"\s+", " ", tinycss2.serialize(item.value).strip())))
    return found


@pytest.mark.parametrize("path", sorted((settings.CONTENT_DIR).glob("*/diagrams/*.svg")), ids=lambda p: p.name)
def test_shipped_diagrams_lose_nothing(path: Path):
    ns = "{http://www.w3.org/2000/svg}"
    before = ET.fromstring(path.read_bytes())
    after = ET.fromstring(sanitize_svg(path.read_bytes()).data)
    assert [(e.tag, sorted(set(e.attrib) - {"style"})) for e in before.iter()] == [
        (e.tag, sorted(set(e.attrib) - {"style"})) for e in after.iter()
    ]
    assert css_declarations(before.find(f"{ns}style").text) == css_declarations(after.find(f"{ns}style").text)


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
    ],
    ids=["entity expansion", "external entity"],
)
def test_entities_are_refused_before_anything_expands(payload):
    with pytest.raises(ValidationError, match="DOCTYPE"):
        sanitize_svg(payload)


# Files whose cleaning (and ElementTree's serialising) would recurse once per level or walk too much.
TOO_DEEP = f"{HEAD}{'<g>' * 50_000}{'</g>' * 50_000}</svg>".encode()  # a RecursionError before the limit
TOO_MANY = f"{HEAD}{'<rect/>' * 20_000}</svg>".encode()


@pytest.mark.parametrize(
    "payload, message",
    [(TOO_DEEP, "너무 깊이 겹쳐 있습니다. 50단계"), (TOO_MANY, "너무 많습니다. 20000개")],
    ids=["50,000 nested groups", "20,001 elements"],
)
def test_a_file_nested_too_deep_or_with_too_many_elements_is_refused_with_a_message(payload, message):
    with pytest.raises(ValidationError, match=message):
        sanitize_svg(payload)


def test_the_limits_leave_room_for_real_diagrams():
    shipped = [ET.fromstring(path.read_bytes()) for path in settings.CONTENT_DIR.glob("*/diagrams/*.svg")]
    assert shipped and max(len(list(root.iter())) for root in shipped) * 10 < svg.MAX_ELEMENTS
    assert max(depth(root) for root in shipped) * 10 < svg.MAX_DEPTH
    at_the_limit = f"{HEAD}{'<g>' * (svg.MAX_DEPTH - 1)}{'</g>' * (svg.MAX_DEPTH - 1)}</svg>"
    assert sanitize_svg(at_the_limit.encode()).data.count(b"<g") == svg.MAX_DEPTH - 1


def depth(element):
    return 1 + max((depth(child) for child in element), default=0)


CSS_PIECES = [
    "url(",
    "u\\72l(",
    "https://evil.example/a",
    "#ok",
    ")",
    '"',
    "'",
    "image-set(",
    "\\",
    "@import ",
    ";",
    ":",
]
css_text = st.lists(st.sampled_from(CSS_PIECES + ["fill", "red", " ", "{", "}", "--x", "var(--x)"]), max_size=12).map(
    "".join
)
elements = st.sampled_from(["rect", "g", "a", "use", "set", "animate", "image", "style", "text", "feImage", "script"])
attributes = st.sampled_from(["fill", "style", "href", "xlink:href", "xml:base", "filter", "onload", "mask", "to"])


@st.composite
def svg_documents(draw):
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        name = draw(elements)
        attrs = " ".join(
            f"{a}={quoteattr(draw(css_text))}" for a in draw(st.lists(attributes, max_size=3, unique=True))
        )
        parts.append(f"<{name} {attrs}>{escape(draw(css_text))}</{name}>")
    return f"{HEAD}{''.join(parts)}</svg>".encode()


@given(svg_documents())
@hypothesis_settings(max_examples=300, deadline=None)
def test_no_generated_document_keeps_an_outside_reference(document):
    root = ET.fromstring(sanitize_svg(document).data)
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[1]
        assert name not in {"set", "animate", "image", "feImage", "script"}
        css = [element.text or ""] if name == "style" else []
        for attribute, value in element.attrib.items():
            assert not attribute.startswith("on") and "base" not in attribute
            if attribute.endswith("href"):
                assert value.startswith("#")
            css.append(value)
        for text in css:
            assert "\\" not in text and "import" not in text
            for url in css_urls(tinycss2.parse_component_value_list(text)):
                assert url.startswith("#"), text


def css_urls(tokens):
    """Every address a CSS value would load: url tokens, url("…") and image-set's strings."""
    for token in tokens:
        if token.type == "url":
            yield token.value
        elif token.type == "function":
            if token.lower_name in ("url", "image-set", "-webkit-image-set", "image", "src"):
                yield from (t.value for t in token.arguments if t.type == "string")
            yield from css_urls(token.arguments)
        elif token.type in ("() block", "[] block", "{} block"):
            yield from css_urls(token.content)
