"""The markdown pipeline: features writers use, and the sanitiser tried with real attacks."""

import pytest

from course import markdown


def html(text):
    return markdown.render(text).html


def test_tables_fenced_code_and_korean_heading_anchors():
    out = html("## 클라우드 네이티브의 개념\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint('hi')\n```\n")
    assert '<h2 id="클라우드-네이티브의-개념">' in out
    assert "<table>" in out and "<td>1</td>" in out
    assert '<div class="highlight">' in out and '<span class="nb">print</span>' in out


def test_h1_in_a_body_becomes_h2_because_the_page_owns_h1():
    assert "<h1" not in html("# 제목")
    assert "<h2" in html("# 제목")


@pytest.mark.parametrize(
    "attack, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="/x.png" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "javascript"),
        ("![x](data:image/svg+xml;base64,PHN2Zz4=)", "data:"),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "data:"),
        ('<div hx-get="/admin/" hx-trigger="load">x</div>', "hx-"),
        ('<div data-hx-post="/x">x</div>', "hx-"),
        ('<p hx-on:click="alert(1)">x</p>', "hx-on"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<object data="x.swf"></object>', "<object"),
        ('<embed src="x.swf">', "<embed"),
        ('<form action="/admin/"><input name="q"></form>', "<form"),
        ("<style>body{display:none}</style>", "<style"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "<meta"),
        ('<base href="https://evil.example/">', "<base"),
        ("<svg><script>alert(1)</script></svg>", "<script"),
        ('<p style="position:fixed;inset:0">x</p>', "style="),
        ('<span class="button">x</span>', "button"),
        ('<img src="https://tracker.example/pixel.gif" alt="t">', "tracker.example"),
    ],
)
def test_sanitiser_removes_attack(attack, forbidden):
    assert forbidden.lower() not in html(attack).lower()


def test_sanitiser_keeps_ordinary_inline_html():
    out = html(
        "줄 하나<br>줄 둘 <strong>굵게</strong> <kbd>Ctrl</kbd>\n\n<details><summary>더 보기</summary>숨김</details>"
    )
    assert "<br>" in out and "<strong>굵게</strong>" in out and "<kbd>Ctrl</kbd>" in out
    assert "<details><summary>더 보기</summary>" in out


def test_references_are_replaced_with_trusted_html_only_when_resolved():
    rendered = markdown.render(
        "앞 [[pattern:cb|차단기]] 뒤\n\n[[diagram:fig]]\n", {("pattern", "cb"): lambda ref: f"<a>{ref.text}</a>"}
    )
    assert "<a>차단기</a>" in rendered.html
    assert "[[diagram:fig]]" in rendered.html  # unresolved stays visible; validation refuses it before saving
    assert rendered.slugs("pattern") == ["cb"] and rendered.slugs("diagram") == ["fig"]


def test_a_block_reference_is_not_wrapped_in_a_paragraph():
    rendered = markdown.render("[[diagram:fig]]", {("diagram", "fig"): lambda ref: "<figure>F</figure>"})
    assert rendered.html.strip() == "<figure>F</figure>"


def test_reference_text_cannot_inject_markup_through_a_link():
    link = markdown.link_html("/patterns/x/", "<img src=x onerror=alert(1)>", 'a" onmouseover="alert(1)')
    assert "<img" not in link and 'onmouseover="' not in link


def test_outline_lists_the_body_subheadings_with_their_anchors():
    rendered = markdown.render("## 첫째 & 둘째\n\n본문\n\n### 하위\n\n## 셋째 **굵게**")
    assert rendered.outline == [{"id": "첫째-둘째", "title": "첫째 & 둘째"}, {"id": "셋째-굵게", "title": "셋째 굵게"}]
    assert 'id="첫째-둘째"' in rendered.html


def test_reading_time_is_about_500_characters_a_minute():
    assert markdown.render("짧은 글").reading_minutes == 1
    assert markdown.render("가" * 2600).reading_minutes == 5


# Addresses a browser resolves to another host although they do not start with "//" or a
# scheme (the outside audit's list), and the stored HTML that must not keep them.
DISGUISED_REMOTE_IMAGES = [
    '<img src="\\\\evil.example/a.png" alt="x">',
    '<img src="/\\evil.example/b.png" alt="x">',
    '<img src="/&#9;/evil.example/c.png" alt="x">',
    '<img src="/&#10;/evil.example/d.png" alt="x">',
    "![x](\\\\\\\\evil.example/z.png)",
    '<img src=" //evil.example/e.png" alt="x">',
    '<img src="HTTPS://evil.example/f.png" alt="x">',
]


@pytest.mark.parametrize("attack", DISGUISED_REMOTE_IMAGES)
def test_an_image_a_browser_would_load_from_another_host_is_refused_and_never_stored(attack):
    assert markdown.find_remote_images(attack), attack  # the editor is told, and saving is refused
    out = html(attack)
    assert "evil.example" not in out


# Addresses that name a scheme or a host: on an https page a browser resolves "https:evil.example/x"
# here, on an http page (or in a copy of the HTML) to evil.example, so none of them is local.
SCHEME_OR_HOST = [
    "//evil.example/x.png",
    "https:evil.example/x.png",
    "HTTPS:evil.example/x.png",
    "https:/evil.example/x.png",
    " https:evil.example/x.png",
    "\thttps:evil.example/x.png",
    "\x01https:evil.example/x.png",
    "\x00\x1f https:evil.example/x.png",
    "ht\ntps:evil.example/x.png",
    "http:evil.example/x.png",
    "https:",
]


@pytest.mark.parametrize("address", SCHEME_OR_HOST)
def test_an_address_that_names_a_scheme_or_a_host_is_never_local(address):
    assert not markdown.is_local_url(address)


@pytest.mark.parametrize(
    "src",
    [
        "https:evil.example/a.png",
        "HTTPS:evil.example/b.png",
        "https:/evil.example/c.png",
        "&#1;https:evil.example/d.png",
        "&#9; https:evil.example/e.png",
    ],
)
def test_an_image_with_a_scheme_but_no_slashes_is_refused_and_never_stored(src):
    attack = f'<img src="{src}" alt="x">'
    assert markdown.find_remote_images(attack), attack
    assert "evil.example" not in html(attack)


def test_the_importer_records_where_a_scheme_only_image_really_is(db):
    from course.importer import import_lecture
    from course.models import Diagram
    from course.tests.builders import make_course

    result = import_lecture(make_course(), '### 1강\n\n### 절\n\n<img src="https:evil.example/shot.png" alt="그림">\n')
    assert "evil.example" not in result.lecture.sections.get().body_html
    assert Diagram.objects.get().source_url == "https://evil.example/shot.png"


@pytest.mark.parametrize("local", ["/static/favicon.svg", "images/a.png", "../a.png", "/diagrams/x/image?v=1"])
def test_images_from_this_site_are_kept(local):
    assert not markdown.find_remote_images(f'<img src="{local}" alt="x">')
    assert f'src="{local}"' in html(f'<img src="{local}" alt="x">')


def test_the_importer_turns_a_disguised_remote_image_into_a_diagram_entry_not_a_live_image(db):
    from course.importer import import_lecture
    from course.models import Diagram
    from course.tests.builders import make_course

    result = import_lecture(make_course(), '### 1강\n\n### 절\n\n<img src="\\\\evil.example/shot.png" alt="그림">\n')
    section = result.lecture.sections.get()
    assert "evil.example" not in section.body_html
    assert Diagram.objects.get().source_url == "https://evil.example/shot.png"


@pytest.mark.parametrize("text", ["[[pattern:a" * 3000, "![x](" * 3000, "[\n" * 3000])
def test_thousands_of_unclosed_brackets_render_at_once_and_print_as_written(text):
    import time

    started = time.perf_counter()
    out = html(text)
    assert time.perf_counter() - started < 3.0  # seconds to tens of seconds before; room for a busy machine
    assert "\\[" not in out and "\\(" not in out and out.count("[") == text.count("[")


@pytest.mark.parametrize(
    "text, shown",
    [("``a`" * 5000, "`"), ("<b x=" * 10000, "&lt;b x="), ("`<i` <i " * 5000, "&lt;i")],
    ids=["unmatched backtick runs", "unclosed tags", "code and unclosed tags"],
)
def test_unmatched_backticks_and_unclosed_tags_render_at_once_and_print_as_written(text, shown):
    import time

    started = time.perf_counter()
    out = html(text)
    assert time.perf_counter() - started < 3.0  # 13 s and more before
    assert "\\`" not in out and shown in out and "<b " not in out


def test_code_spans_keep_their_backticks_and_angle_brackets():
    out = html("`a<b` 와 `` x ` y `` 그리고 외톨이 ` 하나")
    assert "<code>a&lt;b</code>" in out and "<code>x ` y</code>" in out and "외톨이 ` 하나" in out


def test_a_few_unclosed_brackets_are_left_to_markdown():
    assert "[draft" in html("[draft a [link](https://example.org/) here")
    assert '<a href="https://example.org/"' in html("[draft a [link](https://example.org/) here")
