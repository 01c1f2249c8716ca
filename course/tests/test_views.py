"""Lesson pages, catalog and diagram files as a reader gets them."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from course.models import Diagram
from course.tests.builders import (
    make_course,
    make_diagram,
    make_family,
    make_lecture,
    make_pattern,
    make_section,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lecture():
    lecture = make_lecture(make_course(slug="cn", title="클라우드 네이티브"), title="개요")
    make_pattern()
    make_diagram(slug="k8s", caption="클러스터 그림")
    make_section(lecture, "첫째 절", 1, body="## 소제목\n\n[[pattern:circuit-breaker]] 소개\n\n[[diagram:k8s]]")
    make_section(lecture, "둘째 절", 2, body="둘째 본문")
    make_section(lecture, "셋째 절", 3, body="셋째 본문")
    return lecture


def editor_of(*permissions):
    """A staff account holding exactly these permissions ("app.codename")."""
    from django.contrib.auth.models import Permission

    user = User.objects.create_user("section-editor", password="pw", is_staff=True)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, response.content.decode()


def test_home_lists_courses_and_lectures(client, lecture):
    response, html = get(client, reverse("course:home"))
    assert response.status_code == 200
    assert "클라우드 네이티브" in html and lecture.get_absolute_url() in html and "3개 절" in html


def test_lecture_overview_lists_sections_in_order(client, lecture):
    _, html = get(client, lecture.get_absolute_url())
    assert html.index("첫째 절") < html.index("둘째 절") < html.index("셋째 절")


def test_section_page_has_toc_breadcrumbs_pager_figure_and_pattern_intent(client, lecture):
    section = lecture.sections.get(order=2)
    response, html = get(client, section.get_absolute_url())
    assert response.status_code == 200
    assert f'<a href="{section.get_absolute_url()}" aria-current="page">' in html
    assert html.count('aria-current="page"') == 2  # the TOC entry and the breadcrumb
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert lecture.sections.get(order=1).get_absolute_url() in html
    assert f'<link rel="canonical" href="http://testserver{section.get_absolute_url()}">' in html
    assert "<title>둘째 절 · 1강 개요 · 강의실</title>" in html
    first = lecture.sections.get(order=1)
    _, html = get(client, first.get_absolute_url())
    assert "<figure" in html and "클러스터 그림" in html and "크게 보기" in html
    assert "이 절에서 다루는 패턴" in html and "연쇄 장애를 막는다" in html


def test_last_section_links_back_to_the_lecture(client, lecture):
    _, html = get(client, lecture.sections.get(order=3).get_absolute_url())
    assert 'rel="next"' not in html and "강의 개요로 돌아가기" in html


@pytest.mark.parametrize("what", ["section", "lecture", "course"])
def test_unpublished_content_is_404_for_readers_and_bare_staff_but_visible_to_editors(client, lecture, what, editor):
    section = lecture.sections.get(order=2)
    target = {"section": section, "lecture": lecture, "course": lecture.course}[what]
    target.is_published = False
    target.save()
    client.logout()
    assert client.get(section.get_absolute_url()).status_code == 404
    client.force_login(User.objects.create_user("reader", password="pw"))
    assert client.get(section.get_absolute_url()).status_code == 404
    client.force_login(User.objects.create_user("staff", password="pw", is_staff=True))
    assert client.get(section.get_absolute_url()).status_code == 404
    client.force_login(editor)
    response, html = get(client, section.get_absolute_url())
    assert response.status_code == 200 and "비공개" in html


def test_unpublished_sections_are_left_out_of_toc_and_pager(client, lecture):
    hidden = lecture.sections.get(order=2)
    hidden.is_published = False
    hidden.save()
    _, html = get(client, lecture.sections.get(order=1).get_absolute_url())
    assert "둘째 절" not in html and "셋째 절" in html


def test_unknown_slugs_are_404(client, lecture):
    assert client.get(reverse("course:section-detail", args=["cn", "1강", "없는-절"])).status_code == 404
    assert client.get(reverse("course:pattern-detail", args=["없는-패턴"])).status_code == 404


def count_queries(client, url):
    """Queries of a page rendered from scratch (nothing in the shared cache)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_page_queries_do_not_grow_with_sections_or_patterns(client, lecture):
    first = lecture.sections.get(order=1)
    urls = [
        first.get_absolute_url(),
        lecture.get_absolute_url(),
        reverse("course:home"),
        reverse("course:pattern-list"),
    ]
    before = [count_queries(client, url) for url in urls]
    family = make_family(slug="data", name="데이터")
    for n in range(4, 30):
        make_pattern(slug=f"p{n}", name=f"패턴 {n}", family=family)
        make_section(lecture, f"절 {n}", n, body=f"[[pattern:p{n}]]")
    first.body += "\n\n" + " ".join(f"[[pattern:p{n}]]" for n in range(4, 30))
    first.save()
    after = [count_queries(client, url) for url in urls]
    assert after == before


def test_pattern_catalog_filters_by_family_without_javascript(client, lecture):
    other = make_family(slug="data", name="데이터 관리 패턴")
    make_pattern(slug="caching", name="캐싱", family=other)
    _, html = get(client, reverse("course:pattern-list"))
    assert "서킷 브레이커" in html and "캐싱" in html
    _, html = get(client, reverse("course:pattern-list") + "?family=data")
    assert "캐싱" in html and "서킷 브레이커" not in html and "<html" in html
    assert 'href="/patterns/?family=data" data-hx-get="/patterns/?family=data"' in html


def test_pattern_catalog_answers_htmx_with_the_catalog_fragment_only(client, lecture):
    make_pattern(slug="caching", name="캐싱", family=make_family(slug="data", name="데이터"))
    response, html = get(client, reverse("course:pattern-list") + "?family=data", HX_Request="true")
    assert "<html" not in html and html.strip().startswith('<div id="catalog"')
    assert "캐싱" in html and "서킷 브레이커" not in html
    assert "HX-Request" in response["Vary"]


def test_pattern_page_shows_intent_related_patterns_and_sections_that_discuss_it(client, lecture):
    pattern = make_pattern(slug="timeout-retry", name="타임아웃과 재시도")
    from course.models import Pattern

    Pattern.objects.get(slug="circuit-breaker").related.add(pattern)
    _, html = get(client, reverse("course:pattern-detail", args=["circuit-breaker"]))
    assert "연쇄 장애를 막는다" in html and "타임아웃과 재시도" in html
    assert lecture.sections.get(order=1).get_absolute_url() in html
    _, html = get(client, reverse("course:pattern-detail", args=["timeout-retry"]))
    assert "서킷 브레이커" in html  # related is symmetrical


def test_diagram_image_is_served_with_type_and_sandboxing_headers(client, lecture):
    diagram = Diagram.objects.get(slug="k8s")
    response = client.get(diagram.image_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"] and response["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in response["Cache-Control"]
    again = client.get(diagram.image_url, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


def test_diagram_page_shows_it_large_with_its_description(client, lecture):
    _, html = get(client, reverse("course:diagram-detail", args=["k8s"]))
    assert "클러스터 그림" in html and "그림 설명" in html and lecture.sections.get(order=1).title in html


def test_a_diagram_without_a_file_has_no_image_url(client, lecture):
    make_diagram(slug="waiting", with_image=False)
    assert client.get(reverse("course:diagram-image", args=["waiting"])).status_code == 404


def test_pages_never_render_markdown_per_request(client, lecture, monkeypatch):
    from course import markdown

    def fail(*args, **kwargs):
        raise AssertionError("markdown rendered during a request")

    monkeypatch.setattr(markdown, "render", fail)
    monkeypatch.setattr(markdown, "_markdown_to_html", fail)
    for section in lecture.sections.all():
        assert client.get(section.get_absolute_url()).status_code == 200
    assert client.get(reverse("course:pattern-detail", args=["circuit-breaker"])).status_code == 200


def test_section_page_shows_reading_time_and_an_outline_of_its_subheadings(client, lecture):
    section = lecture.sections.get(order=1)
    section.body = "## 하나\n\n가\n\n## 둘\n\n나"
    section.save()
    html = client.get(section.get_absolute_url()).content.decode()
    assert "약 1분" in html and "이 절의 내용 (2)" in html and 'href="#하나"' in html
    assert "약 1분" in client.get(lecture.get_absolute_url()).content.decode()


def test_pages_forbid_inline_and_foreign_script(client, lecture):
    policy = client.get(lecture.get_absolute_url())["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    diagram = Diagram.objects.get(slug="k8s")
    assert "sandbox" in client.get(diagram.image_url)["Content-Security-Policy"]  # the diagram keeps its own


def test_a_diagram_only_unpublished_sections_use_is_hidden_from_readers_and_bare_staff_but_not_from_editors(client):
    secret = make_diagram(slug="secret-figure", title="다음 강의 그림", alt_text="아직 공개하지 않은 설명")
    shared = make_diagram(slug="shared-figure", title="공개 그림")
    unused = make_diagram(slug="unused-figure", title="아직 쓰지 않은 그림")
    draft = make_lecture(number=2, is_published=False)
    make_section(draft, "초안 절", 1, body="[[diagram:secret-figure]]\n\n[[diagram:shared-figure]]")
    make_section(make_lecture(course=draft.course, number=3), "공개 절", 1, body="[[diagram:shared-figure]]")
    for url in (secret.get_absolute_url(), secret.image_url):
        response = client.get(url)
        assert response.status_code == 404 and "아직 공개하지 않은 설명" not in response.content.decode()
    assert client.get(shared.get_absolute_url()).status_code == 200
    assert client.get(unused.get_absolute_url()).status_code == 200
    client.force_login(User.objects.create_user("staff", password="pw", is_staff=True))
    assert client.get(secret.get_absolute_url()).status_code == 404
    client.force_login(editor_of("course.change_section"))
    assert "아직 공개하지 않은 설명" in client.get(secret.get_absolute_url()).content.decode()
    assert client.get(secret.image_url).status_code == 200
