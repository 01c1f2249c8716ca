"""Reads never write; pages are shared from the cache; every content change shows on the next request."""

import os
import re

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import read_lesson
from course.importer import import_lecture
from course.models import Pattern, Section
from course.tests.builders import make_diagram, make_lecture, make_section
from learners.models import ReviewCard, SectionProgress
from quizzes.models import Answer, Attempt, Quiz

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
SAME_ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def site(shipped_course):
    call_command("load_quizzes", verbosity=0, stdout=open(os.devnull, "w"))
    lecture = shipped_course.lectures.get(number=1)
    return {
        "course": shipped_course,
        "lecture": lecture,
        "section": lecture.sections.get(slug="쿠버네티스"),
        "review": Quiz.objects.get(kind=Quiz.Kind.REVIEW),
        "check": Quiz.objects.filter(kind=Quiz.Kind.CHECK).select_related("section").first(),
    }


def page_urls(site):
    return {
        "home": reverse("course:home"),
        "course": site["course"].get_absolute_url(),
        "lecture": site["lecture"].get_absolute_url(),
        "section": site["section"].get_absolute_url(),
        "patterns": reverse("course:pattern-list"),
        "patterns by family": reverse("course:pattern-list") + "?family=communication",
        "pattern": reverse("course:pattern-detail", args=["circuit-breaker"]),
        "diagram": reverse("course:diagram-detail", args=["kubernetes-cluster"]),
        "review quiz": site["review"].get_absolute_url(),
        "dashboard": reverse("learners:dashboard"),
        "wrong-answer notebook": reverse("learners:mistakes"),
        "review": reverse("learners:review"),
        "login": reverse("login"),
        "signup": reverse("signup"),
        "password reset": reverse("password_reset"),
    }


def rows():
    return (
        Session.objects.count(),
        SectionProgress.objects.count(),
        Attempt.objects.count(),
        Answer.objects.count(),
    )


def test_an_anonymous_read_of_any_page_sets_no_cookie_and_writes_no_row(site):
    client = Client()
    before = rows()
    for name, url in page_urls(site).items():
        for headers in ({}, HTMX):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, name
            assert not response.cookies, f"{name} set {list(response.cookies)}"
            assert "csrfmiddlewaretoken" not in response.content.decode(), name
    assert rows() == before and not client.cookies


def test_a_shared_page_is_served_from_the_cache_without_a_query_and_answers_conditional_gets(site):
    url = site["section"].get_absolute_url()
    first = Client().get(url)
    assert first["Cache-Control"] == "public, no-cache" and "Cookie" in first["Vary"]
    with CaptureQueriesContext(connection) as queries:
        again = Client().get(url)
    assert len(queries) == 0 and again.content == first.content
    not_modified = Client().get(url, headers={"If-None-Match": first["ETag"]})
    assert not_modified.status_code == 304 and not_modified.content == b""


LANGUAGE = {"ko": {"Accept-Language": "ko-KR,ko;q=0.9"}, "en": {"Accept-Language": "en-US,en;q=0.9"}}
KOREAN, ENGLISH = LANGUAGE["ko"], LANGUAGE["en"]


def interface_language(response):
    """The page's language as it says itself, and a word of its navigation in that language."""
    html = response.content.decode()
    if '<html lang="en">' in html:
        assert "Pattern catalog" in html and "패턴 카탈로그" not in html
        return "en"
    assert '<html lang="ko">' in html and "패턴 카탈로그" in html and "Pattern catalog" not in html
    return "ko"


@pytest.mark.parametrize("order", [("ko", "en"), ("en", "ko")])
def test_a_shared_page_is_cached_once_per_language_at_the_same_url(site, order):
    url = site["section"].get_absolute_url()
    rendered = []
    for language in order + order:
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(url, headers=LANGUAGE[language])
        rendered.append(bool(response.templates))
        assert interface_language(response) == language == response["Content-Language"]
        assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}
    # the second language was rendered, not served the first one's page; then both came from the cache
    assert rendered == [True, True, False, False] and len(queries) == 0
    assert Client().get(url, headers={"Accept-Language": "fr"}).content == Client().get(url).content  # Korean


def test_the_language_cookie_keeps_a_page_shared_and_outranks_accept_language(site):
    url = site["section"].get_absolute_url()
    Client().get(url, headers=KOREAN)  # a Korean page is in the cache
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.get(url, headers=KOREAN)
    assert interface_language(response) == "en" and response["Cache-Control"] == "public, no-cache"
    with CaptureQueriesContext(connection) as queries:
        assert interface_language(client.get(url, headers=KOREAN)) == "en"
    assert len(queries) == 0


def test_fragments_shared_between_languages_hold_no_translated_text(site):
    """A learner's pages are built from cached fragments (quiz, sections, TOC) that both languages share."""
    section = site["section"]
    client = Client()
    read_lesson(client, section)
    korean = client.get(section.get_absolute_url(), headers=KOREAN).content.decode()
    english = client.get(section.get_absolute_url(), headers=ENGLISH).content.decode()
    assert "확인 문제" in korean and "답 확인" in korean
    assert "Knowledge check" in english and "Check answer" in english and "답 확인" not in english
    lecture = client.get(site["lecture"].get_absolute_url(), headers=ENGLISH).content.decode()
    assert "Review quiz" in lecture and "복습 퀴즈 풀기" not in lecture


def test_personal_pages_are_private_and_never_shared_between_learners(site):
    section = site["section"]
    alice, bob = Client(), Client()
    read_lesson(alice, section)
    alice.post(reverse("learners:section-complete", args=[section.pk]), {"completed": "1"})
    alice_page = alice.get(section.get_absolute_url())
    assert alice_page["Cache-Control"] == "private, no-cache"
    assert "이 절을 완료했습니다" in alice_page.content.decode()
    read_lesson(bob, section)
    assert "완료로 표시" in bob.get(section.get_absolute_url()).content.decode()
    home = Client().get(reverse("course:home")).content.decode()
    assert "이어서 학습하기" not in home
    assert "이어서 학습하기" in alice.get(reverse("course:home")).content.decode()


def test_a_learners_own_reads_write_nothing_either(site):
    section = site["section"]
    client = Client()
    read_lesson(client, section)
    before = list(SectionProgress.objects.values_list("last_visited_at", flat=True)), rows()
    for url in page_urls(site).values():
        response = client.get(url)
        assert response.status_code == 200 and "sessionid" not in response.cookies  # the session is not saved
    assert (list(SectionProgress.objects.values_list("last_visited_at", flat=True)), rows()) == before


def test_the_visit_is_recorded_by_the_beacon_not_by_the_read(site):
    section = site["section"]
    client = Client()
    html = client.get(section.get_absolute_url()).content.decode()
    beacon = reverse("learners:section-visit", args=[section.pk])
    assert f'data-hx-post="{beacon}" data-hx-trigger="load"' in html and not SectionProgress.objects.exists()
    response = client.post(beacon, headers={**HTMX, **SAME_ORIGIN})
    assert response.status_code == 204 and "sessionid" in response.cookies and "csrftoken" in response.cookies
    assert SectionProgress.objects.get().completed_at is None
    assert "이어서 학습하기" in client.get(reverse("course:home")).content.decode()


class TestCsrf:
    """Every POST is protected: by the token once there is a session, by the Origin before."""

    def test_a_first_action_from_a_shared_page_is_accepted_from_the_same_origin(self, site):
        client = Client(enforce_csrf_checks=True)
        section = site["section"]
        client.get(section.get_absolute_url())
        url = reverse("learners:section-complete", args=[section.pk])
        response = client.post(url, {"completed": "1"}, headers=SAME_ORIGIN)
        assert response.status_code == 302 and SectionProgress.objects.get().completed_at is not None
        html = client.get(section.get_absolute_url()).content.decode()
        assert "이 절을 완료했습니다" in html and 'name="csrfmiddlewaretoken"' in html

    @pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Origin": "null"}, {}])
    def test_a_forged_first_action_is_refused_and_records_nothing(self, site, headers):
        client = Client(enforce_csrf_checks=True)
        section = site["section"]
        for url, data in [
            (reverse("learners:section-complete", args=[section.pk]), {"completed": "1"}),
            (reverse("learners:section-visit", args=[section.pk]), {}),
        ]:
            response = client.post(url, data, headers=headers)
            assert response.status_code == 403 and not response.cookies
        assert rows() == (0, 0, 0, 0)

    def test_once_a_session_exists_the_origin_is_not_enough_and_the_token_is_needed(self, site):
        client = Client(enforce_csrf_checks=True)
        section = site["section"]
        client.post(reverse("learners:section-visit", args=[section.pk]), headers=SAME_ORIGIN)
        url = reverse("learners:section-complete", args=[section.pk])
        assert client.post(url, {"completed": "1"}, headers=SAME_ORIGIN).status_code == 403
        assert SectionProgress.objects.get().completed_at is None
        token = client.cookies["csrftoken"].value
        assert client.post(url, {"completed": "1", "csrfmiddlewaretoken": token}).status_code == 302
        assert SectionProgress.objects.get().completed_at is not None

    def test_a_logged_in_learner_is_never_let_through_on_the_origin_alone(self, site):
        client = Client(enforce_csrf_checks=True)
        client.force_login(User.objects.create_user("learner", password="pw"))
        url = reverse("learners:section-complete", args=[site["section"].pk])
        assert client.post(url, {"completed": "1"}, headers=SAME_ORIGIN).status_code == 403
        assert not SectionProgress.objects.exists()


def shows(url, text):
    """Whether a reader with no cookies (served from the shared cache) sees ``text`` now."""
    return text in Client().get(url).content.decode()


class TestInvalidation:
    """The shared page is cached first; each kind of change must show on the very next read."""

    def test_admin_save_and_delete(self, site, client, editor):
        section = site["section"]
        url = section.get_absolute_url()
        assert shows(url, section.title)
        change = reverse("admin:course_section_change", args=[section.pk])
        data = {
            "lecture": section.lecture_id,
            "title": "고친 제목",
            "slug": section.slug,
            "order": section.order,
            "is_published": "on",
            "body": section.body,
        }
        assert client.post(change, data).status_code == 302
        assert shows(url, "고친 제목")
        lecture_url = site["lecture"].get_absolute_url()
        assert shows(lecture_url, "고친 제목")
        other = site["lecture"].sections.exclude(pk=section.pk).filter(patterns__isnull=True).last()
        assert shows(lecture_url, other.title)
        assert client.post(reverse("admin:course_section_delete", args=[other.pk]), {"post": "yes"}).status_code == 302
        assert not shows(lecture_url, other.title)

    def test_publish_and_unpublish_actions(self, site, client, editor):
        section = site["section"]
        lecture_url, link = site["lecture"].get_absolute_url(), f'href="{section.get_absolute_url()}"'
        assert shows(lecture_url, link)
        changelist = reverse("admin:course_section_changelist")
        client.post(changelist, {"action": "unpublish", "_selected_action": [section.pk]})
        assert not shows(lecture_url, link)
        assert Client().get(section.get_absolute_url()).status_code == 404
        client.post(changelist, {"action": "publish", "_selected_action": [section.pk]})
        assert shows(lecture_url, link)

    def test_import_and_load_course(self, site):
        lecture = site["lecture"]
        course_url = site["course"].get_absolute_url()
        assert not shows(course_url, "새로 가져온 강의")
        import_lecture(site["course"], "### 2강 새로 가져온 강의\n\n### 첫 절\n\n본문\n")
        assert shows(course_url, "새로 가져온 강의")
        section = site["section"]
        Section.objects.filter(pk=section.pk).update(title="편집기에서 바꾼 제목", source_hash="")
        cache.clear()  # as if the change above had come before anything was cached
        assert shows(lecture.get_absolute_url(), "편집기에서 바꾼 제목")
        call_command("load_course", force=True, verbosity=0, stdout=open(os.devnull, "w"))
        assert not shows(lecture.get_absolute_url(), "편집기에서 바꾼 제목")

    def test_load_quizzes(self, site):
        check = site["check"]
        url = check.section.get_absolute_url()
        assert shows(url, check.title)
        Quiz.objects.filter(pk=check.pk).update(title="바뀐 퀴즈 제목", source_hash="")
        cache.clear()
        assert shows(url, "바뀐 퀴즈 제목")
        call_command("load_quizzes", force=True, verbosity=0, stdout=open(os.devnull, "w"))
        assert shows(url, check.title) and not shows(url, "바뀐 퀴즈 제목")

    def test_diagram_upload_and_pattern_edit(self, site, client, editor):
        diagram = make_diagram(slug="new-figure", with_image=False, alt_text="새 그림")
        url = reverse("course:diagram-detail", args=[diagram.slug])
        before = Client().get(url).content
        assert Client().get(url).content == before
        svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
        form = {
            "slug": diagram.slug,
            "title": diagram.title,
            "alt_text": "올린 그림",
            "caption": diagram.caption,
            "credit": "",
            "source_url": "",
            "upload": SimpleUploadedFile("new.svg", svg, content_type="image/svg+xml"),
        }
        response = client.post(reverse("admin:course_diagram_change", args=[diagram.pk]), form)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Client().get(url).content != before and shows(url, "올린 그림")

        pattern = Pattern.objects.get(slug="circuit-breaker")
        assert shows(reverse("course:pattern-list"), pattern.intent[:20])
        pattern.intent = "새로 쓴 의도"
        pattern.save()
        assert shows(reverse("course:pattern-list"), "새로 쓴 의도")
        assert shows(reverse("course:pattern-detail", args=[pattern.slug]), "새로 쓴 의도")


def test_query_counts_stay_within_nine_and_do_not_grow(site):
    """Every page type, anonymous and logged in, on a warm cache, before and after the site grows."""
    learner = Client()
    learner.force_login(User.objects.create_user("learner", password="pw"))
    visitor = Client()
    review, check = site["review"], site["check"]

    def answer_all(client, quiz):
        for question in quiz.questions.all():
            choice = question.choices.first()
            data = {"choice": choice.token} if choice else {"text": "답"}
            client.post(reverse("quizzes:answer", args=[quiz.slug, question.pk]), data)

    def measure():
        for client in (learner, visitor):
            read_lesson(client, site["section"])
            answer_all(client, check)
            answer_all(client, review)
            client.post(reverse("quizzes:retry", args=[review.slug]))
        urls = dict(page_urls(site))
        attempt = Attempt.objects.filter(user__isnull=False, quiz=review).first()
        counts = {}
        for who, client in (("anonymous", Client()), ("visitor", visitor), ("account", learner)):
            for name, url in urls.items():
                client.get(url)  # warms what is shared
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url).status_code in (200, 302)  # account pages redirect an account
                counts[f"{who} {name}"] = len(queries)
        with CaptureQueriesContext(connection) as queries:
            learner.get(attempt.get_absolute_url())
        counts["account attempt"] = len(queries)
        return counts

    before = measure()
    for number in range(2, 6):
        lecture = make_lecture(site["course"], number=number, title=f"{number}강 새 강의")
        for order in range(1, 6):
            make_section(lecture, f"{number}강 절 {order}", order, slug=f"s{order}")
    for n in range(6):
        question = review.questions.first()
        question.pk, question.key, question.order = None, f"copy-{n}", 100 + n
        question.save()
    after = measure()
    too_many = {page: n for page, n in after.items() if n > 9}
    assert not too_many, too_many
    assert after == before
    # The lesson page of a learner, signed in or not: the marks, the check's attempt and its answers.
    assert after["account section"] <= 4 and after["visitor section"] <= 4, after


def stored_entries():
    """Every value in the shared cache, unpickled: the directory's files, or the Redis database's keys."""
    import pickle
    import zlib

    if hasattr(cache, "_list_cache_files"):
        for path in cache._list_cache_files():
            with open(path, "rb") as stored:
                pickle.load(stored)  # the expiry
                yield pickle.loads(zlib.decompress(stored.read()))
        return
    client = cache._cache.get_client()
    for key in client.scan_iter(match=cache.make_key("*")):
        raw = client.get(key)
        if raw is not None:
            yield cache._cache._serializer.loads(raw)


def stored_values():
    """Every value in the shared cache, as text: what any learner may be served."""

    def text(value):
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        if isinstance(value, (list, tuple)):
            return "\n".join(text(item) for item in value)
        return str(value)

    for value in stored_entries():
        # A learner's own pieces, kept under their state (core.personal): (pieces by name, until).
        kept = isinstance(value, tuple) and value and isinstance(value[0], dict) and "toc" in value[0]
        yield kept, text(list(value[0].values()) if kept else value)


def test_personal_lesson_pages_are_the_shared_page_with_each_learners_own_pieces(site):
    """Two accounts and a visitor, in Korean and English: each sees their own marks, answers and token;
    no cache entry holds a token, and only each learner's own kept pieces hold their state."""
    section, check = site["section"], site["check"]
    section = check.section  # the lesson with a knowledge check
    alice, bob, visitor = Client(), Client(), Client()
    alice.force_login(User.objects.create_user("alice"))
    bob.force_login(User.objects.create_user("bob"))
    for client in (alice, bob, visitor):
        read_lesson(client, section)
    alice.post(reverse("learners:section-complete", args=[section.pk]), {"completed": "1"})
    question = check.questions.first()
    alice.post(reverse("quizzes:answer", args=[check.slug, question.pk]), question.example_post())
    pages = {}
    for name, client in (("alice", alice), ("bob", bob), ("visitor", visitor)):
        for language, headers in (("ko", KOREAN), ("en", ENGLISH)):
            pages[name, language] = client.get(section.get_absolute_url(), headers=headers).content.decode()
    assert "이 절을 완료했습니다" in pages["alice", "ko"] and "정답입니다" in pages["alice", "ko"]
    assert "Correct!" in pages["alice", "en"] and "이 절을 완료했습니다" not in pages["alice", "en"]
    for name in ("bob", "visitor"):
        assert "완료로 표시" in pages[name, "ko"] and "정답입니다" not in pages[name, "ko"]
        assert "Mark as completed" in pages[name, "en"] and "완료로 표시" not in pages[name, "en"]
    assert "로그아웃" in pages["bob", "ko"] and "로그아웃" not in pages["visitor", "ko"]
    tokens = {name: re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html) for name, html in pages.items()}
    assert all(len(found) >= 2 for found in tokens.values()), tokens  # every form of the page has one
    secrets = {name: {_unmask_cipher_token(token) for token in found} for name, found in tokens.items()}
    assert all(len(found) == 1 for found in secrets.values())
    assert len({next(iter(found)) for found in secrets.values()}) == 3  # each browser its own
    stored = list(stored_values())
    assert any("쿠버네티스" in value for _kept, value in stored)  # the skeleton is there
    assert sum(kept for kept, _value in stored) >= 6  # each learner's pieces per language (and older states')
    for kept, value in stored:
        assert all(token.startswith("\ue000") for token in re.findall(r'csrfmiddlewaretoken" value="([^"]*)"', value))
        assert not any(secret in value for found in secrets.values() for secret in found)
        if not kept:  # shared: nobody's state
            assert "이 절을 완료했습니다" not in value and "정답입니다" not in value and "로그아웃" not in value


def test_a_learners_kept_lesson_page_shows_each_of_their_changes_on_the_next_request(site):
    """The pieces kept per learner (core.personal) are dropped by everything the page shows of them."""
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone

    section, check = site["check"].section, site["check"]
    url = section.get_absolute_url()
    learner = Client()
    learner.force_login(User.objects.create_user("reader"))
    read_lesson(learner, section)
    learner.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert "완료로 표시" in learner.get(url).content.decode()
    assert len(queries) == 0  # kept: no query, no rendering
    learner.post(reverse("learners:section-complete", args=[section.pk]), {"completed": "1"})
    assert "이 절을 완료했습니다" in learner.get(url).content.decode()
    questions = list(check.questions.all())
    learner.post(reverse("quizzes:answer", args=[check.slug, questions[0].pk]), {"choice": "not-a-token"})
    assert "이 문제의 선택지가 아닌 값이 왔습니다" in learner.get(url).content.decode()  # the refusal, once
    assert "이 문제의 선택지가 아닌 값이 왔습니다" not in learner.get(url).content.decode()
    learner.post(reverse("quizzes:answer", args=[check.slug, questions[0].pk]), questions[0].example_post())
    assert "정답입니다" in learner.get(url).content.decode()
    badge = re.compile(r'class="count-badge">(\d+)')
    assert badge.search(learner.get(url).content.decode()) is None  # the card is due in days
    card_due = ReviewCard.objects.get().due
    with mock.patch("django.utils.timezone.now", return_value=card_due + timedelta(minutes=1)):
        assert badge.search(learner.get(url).content.decode())[1] == "1"  # fell due: the page says so
    learner.post(reverse("quizzes:retry", args=[check.slug]))
    assert "정답입니다" not in learner.get(url).content.decode()
    Section.objects.filter(pk=section.pk).update(title="바뀐 절 제목")
    from core.cache import content_changed

    content_changed()
    assert "바뀐 절 제목" in learner.get(url).content.decode()
    assert timezone.now() < card_due


def test_a_learners_pieces_kept_for_an_htmx_refresh_are_not_served_to_a_full_page(site):
    """An answered question autofocuses its verdict only in an htmx response: one page, one autofocus."""
    check = site["check"]
    learner = Client()
    learner.force_login(User.objects.create_user("reader"))
    url = check.section.get_absolute_url()
    for question in check.questions.all():
        learner.post(reverse("quizzes:answer", args=[check.slug, question.pk]), question.example_post())
    assert learner.get(url, headers=HTMX).content.decode().count(" autofocus") >= 2  # kept for htmx
    assert " autofocus" not in learner.get(url).content.decode()
