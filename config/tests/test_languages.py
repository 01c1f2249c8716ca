"""The interface in Korean or English: chosen by the browser, or by the reader in the footer; content stays Korean."""

import os
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db
ENGLISH = {"Accept-Language": "en-US,en;q=0.9,ko;q=0.5"}
SAME_ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def lesson(shipped_course):
    call_command("load_quizzes", verbosity=0, stdout=open(os.devnull, "w"))
    return shipped_course.lectures.get(number=1).sections.get(slug="쿠버네티스")


def test_korean_is_the_default_for_a_browser_that_asks_for_nothing_or_for_another_language(lesson):
    for headers in ({}, {"Accept-Language": "fr-FR,fr"}):
        html = Client().get(lesson.get_absolute_url(), headers=headers).content.decode()
        assert '<html lang="ko">' in html and "확인 문제" in html and "Knowledge check" not in html


def test_an_english_browser_gets_the_interface_in_english_and_the_content_in_korean(lesson):
    response = Client().get(lesson.get_absolute_url(), headers=ENGLISH)
    html = response.content.decode()
    assert response["Content-Language"] == "en" and '<html lang="en">' in html
    assert "Skip to main content" in html and "Knowledge check" in html and "Check answer" in html
    assert f'<h1 id="section-title" lang="ko">{lesson.title}</h1>' in html
    assert '<div class="prose" lang="ko">' in html
    assert 'lang="ko">한국어</button>' in html  # the switch names Korean in Korean


def test_the_footer_switch_remembers_the_choice_in_a_cookie_on_every_page(lesson):
    client = Client(enforce_csrf_checks=True)
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert f'action="{reverse("set_language")}"' in html and f'name="next" value="{lesson.get_absolute_url()}"' in html
    # a visitor without a session: the page carries no token, the Origin is checked (config.csrf)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": lesson.get_absolute_url()}, headers=SAME_ORIGIN
    )
    assert response.status_code == 302 and response["Location"] == lesson.get_absolute_url()
    cookie = response.cookies["django_language"]
    assert cookie.value == "en" and cookie["max-age"] == 365 * 24 * 60 * 60 and cookie["samesite"] == "Lax"
    assert "sessionid" not in response.cookies
    for url in (lesson.get_absolute_url(), reverse("course:pattern-list"), "/"):
        html = client.get(url, headers={"Accept-Language": "ko"}).content.decode()
        assert '<html lang="en">' in html, url
    client.post(reverse("set_language"), {"language": "ko", "next": "/"}, headers=SAME_ORIGIN)
    assert '<html lang="ko">' in client.get("/", headers=ENGLISH).content.decode()


def test_the_switch_refuses_a_post_from_another_site_and_a_next_address_elsewhere(lesson):
    client = Client(enforce_csrf_checks=True)
    forged = client.post(
        reverse("set_language"), {"language": "en", "next": "/"}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403 and "django_language" not in forged.cookies
    away = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}, headers=SAME_ORIGIN
    )
    assert away.status_code == 302 and away["Location"] == "/"


def test_a_learner_with_a_session_switches_with_the_token_the_page_carries(lesson):
    client = Client(enforce_csrf_checks=True)
    client.post(reverse("learners:section-visit", args=[lesson.pk]), headers=SAME_ORIGIN)  # now a session
    html = client.get(lesson.get_absolute_url()).content.decode()
    switch = html[html.index('class="language-switch"') :]
    assert 'name="csrfmiddlewaretoken"' in switch
    token = client.cookies["csrftoken"].value
    assert client.post(reverse("set_language"), {"language": "en"}, headers=SAME_ORIGIN).status_code == 403
    response = client.post(reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": token, "next": "/"})
    assert response.status_code == 302 and '<html lang="en">' in client.get("/").content.decode()


def test_scripts_get_their_messages_from_the_javascript_catalog_in_the_readers_language():
    html = Client().get("/").content.decode()
    assert html.index(reverse("javascript-catalog")) < html.index("js/site.js")
    english = Client().get(reverse("javascript-catalog"), headers=ENGLISH)
    assert english.status_code == 200 and "Cannot reach the server" in english.content.decode()
    assert "Cannot reach the server" not in Client().get(reverse("javascript-catalog")).content.decode()


def test_the_admin_preview_finds_its_messages_in_the_admins_javascript_catalog(client, editor):
    form = client.get(reverse("admin:course_section_add"), headers=ENGLISH).content.decode()
    assert form.index(reverse("admin:jsi18n")) < form.index("course/admin-preview.js")
    catalog = client.get(reverse("admin:jsi18n"), headers=ENGLISH).content.decode()
    assert "Preview (connection failed)" in catalog


def test_the_server_error_page_speaks_the_readers_language(rf):
    for language, words in (("ko", "잠시 문제가 생겼습니다"), ("en", "Something went wrong")):
        with translation.override(language):
            html = server_error(rf.get("/")).content.decode()
        assert f'<html lang="{language}">' in html and words in html


def test_messages_and_form_errors_come_in_the_readers_language(lesson):
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="en">' in html and "Log in" in html
    assert "Please enter a correct username and password" in html


def test_the_lecture_heading_reads_in_the_readers_language_with_its_korean_title_marked(lesson):
    title = lesson.lecture.title
    english = Client().get(lesson.get_absolute_url(), headers=ENGLISH).content.decode()
    heading = f'Lecture 1 <span lang="ko">{title}</span>'
    assert f'id="toc-heading">{heading} ' in english and f"{heading}</a></li>" in english  # TOC, breadcrumbs
    assert f"1강 {title}" not in english
    korean = Client().get(lesson.get_absolute_url()).content.decode()
    assert f'id="toc-heading">1강 {title} ' in korean and f"1강 {title}</a></li>" in korean
    lecture = Client().get(lesson.lecture.get_absolute_url(), headers=ENGLISH).content.decode()
    assert f'<span aria-current="page">{heading}</span>' in lecture


def test_a_figures_view_larger_link_reads_in_the_readers_language_from_the_same_stored_html(lesson):
    assert "크게 보기" in lesson.body_html  # stored once, in the content's language
    client = Client()  # no session: both pages are shared and cached, one per language
    for _twice in range(2):
        english = client.get(lesson.get_absolute_url(), headers=ENGLISH).content.decode()
        korean = client.get(lesson.get_absolute_url(), headers={"Accept-Language": "ko"}).content.decode()
        zoom = '<a class="diagram__zoom" href="/diagrams/kubernetes-cluster/">'
        assert f'{zoom}<span lang="en">View larger</span><span class="visually-hidden">' in english
        assert "크게 보기" not in english
        assert f'{zoom}크게 보기<span class="visually-hidden">' in korean and "View larger" not in korean


def test_what_a_reader_searched_for_is_marked_korean_inside_the_english_sentence(lesson):
    url = reverse("course:search")
    english = Client().get(url, {"q": "서킷"}, headers=ENGLISH).content.decode()
    assert re.search(r'results? for ‘<span lang="ko">서킷</span>’', english)
    assert "for ‘gateway’" in Client().get(url, {"q": "gateway"}, headers=ENGLISH).content.decode()
    korean = Client().get(url, {"q": "서킷"}).content.decode()
    assert "‘서킷’ 검색 결과" in korean
