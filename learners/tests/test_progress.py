"""Progress per learner and section: visits, completion, merging a visitor's work into an account."""

import threading

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import client_for_learner, read_lesson
from course.tests.builders import make_lecture, make_section
from learners.learner import Learner
from learners.models import SectionProgress
from learners.services import learner_merge
from quizzes.models import Attempt
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def sections():
    lecture = make_lecture()
    return [make_section(lecture, f"절 {n}", n, slug=f"s{n}") for n in range(1, 5)]


def complete(client, section, value="1", **headers):
    return client.post(reverse("learners:section-complete", args=[section.pk]), {"completed": value}, headers=headers)


def test_a_visit_records_first_and_last_visit(client, sections):
    read_lesson(client, sections[0])
    row = SectionProgress.objects.get()
    first = row.first_visited_at
    read_lesson(client, sections[0])
    row.refresh_from_db()
    assert row.first_visited_at == first and row.last_visited_at > first and row.completed_at is None


def test_marking_complete_without_javascript_redirects_back(client, sections):
    response = complete(client, sections[0])
    assert response.status_code == 302 and response["Location"].endswith("#completion")
    assert SectionProgress.objects.get().completed_at is not None
    html = client.get(sections[0].get_absolute_url()).content.decode()
    assert "이 절을 완료했습니다" in html and "1/4절 완료 (25%)" in html


def test_htmx_toggle_updates_the_toc_mark_and_progress_bar_in_the_same_response(client, sections):
    client.get(sections[1].get_absolute_url())
    html = complete(client, sections[1], **HTMX).content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div class="completion is-completed" id="completion"')
    toc = html[html.index('<nav class="lesson-toc"') :]
    assert 'data-hx-swap-oob="true"' in toc[:120]
    assert "1/4절 완료 (25%)" in toc and "is-completed" in toc and "(완료)" in toc
    html = complete(client, sections[1], "0", **HTMX).content.decode()
    assert "완료로 표시" in html and "0/4절 완료 (0%)" in html


def test_completion_is_idempotent_and_keeps_the_first_time(client, sections):
    complete(client, sections[0])
    first = SectionProgress.objects.get().completed_at
    complete(client, sections[0])
    complete(client, sections[0], **HTMX)
    assert SectionProgress.objects.count() == 1 and SectionProgress.objects.get().completed_at == first


def test_completion_needs_csrf(sections):
    client = Client(enforce_csrf_checks=True)
    client.get(sections[0].get_absolute_url())
    assert complete(client, sections[0], **HTMX).status_code == 403


def test_unpublished_section_cannot_be_completed(client, sections):
    sections[0].is_published = False
    sections[0].save()
    assert complete(client, sections[0]).status_code == 404


def test_passing_the_knowledge_check_completes_the_section(client, sections):
    quiz = make_check(section=sections[0])
    for question in quiz.questions.prefetch_related("choices"):
        url = reverse("quizzes:answer", args=[quiz.slug, question.pk])
        if question.kind == "short":
            client.post(url, {"text": "k8s"})
        else:
            client.post(url, {"choice": [c.token for c in question.choices.all() if c.is_correct]})
    assert Attempt.objects.get().is_finished
    assert SectionProgress.objects.get(section=sections[0]).completed_at is not None


def test_failing_the_knowledge_check_does_not_complete_the_section(client, sections):
    quiz = make_check(section=sections[0])
    for question in quiz.questions.all():
        client.post(reverse("quizzes:answer", args=[quiz.slug, question.pk]), {"text": "모름", "choice": "x"})
    client.post(reverse("quizzes:finish", args=[quiz.slug]))
    assert not SectionProgress.objects.filter(completed_at__isnull=False).exists()


def test_progress_bars_on_course_and_lecture_pages(client, sections):
    complete(client, sections[0])
    complete(client, sections[1])
    lecture = sections[0].lecture
    assert "2/4절 완료 (50%)" in client.get(lecture.get_absolute_url()).content.decode()
    assert "2/4절 완료 (50%)" in client.get(lecture.course.get_absolute_url()).content.decode()
    assert "2/4절 완료 (50%)" in client.get(reverse("course:home")).content.decode()


def test_a_section_with_progress_cannot_be_deleted_and_unpublishing_it_keeps_the_percentages_right(client, sections):
    from django.db.models import ProtectedError

    complete(client, sections[0])
    complete(client, sections[3])
    with pytest.raises(ProtectedError):
        sections[3].delete()
    assert SectionProgress.objects.completed().count() == 2
    sections[3].is_published = False
    sections[3].save()
    html = client.get(sections[0].lecture.get_absolute_url()).content.decode()
    assert "1/3절 완료 (33%)" in html
    assert client.get(reverse("learners:dashboard")).status_code == 200


def test_progress_survives_a_reimport_of_the_lecture(client):
    from course.importer import import_lecture
    from course.tests.builders import make_course

    course = make_course()
    text = "### 1강\n\n### 첫 절\n\n본문\n\n### 둘째 절\n\n본문"
    section = import_lecture(course, text).lecture.sections.get(slug="첫-절")
    complete(client, section)
    import_lecture(course, text.replace("본문", "고친 본문", 1))
    assert SectionProgress.objects.get().section_id == section.pk
    assert "1/2절 완료" in client.get(section.get_absolute_url()).content.decode()


def test_visitor_progress_and_attempts_move_to_the_account_at_signup(client, sections):
    quiz = make_check(section=sections[0])
    read_lesson(client, sections[0])
    complete(client, sections[1])
    question = quiz.questions.get(key="single")
    client.post(
        reverse("quizzes:answer", args=[quiz.slug, question.pk]),
        {"choice": question.choices.get(is_correct=True).token},
    )
    response = client.post(
        reverse("signup"),
        {
            "username": "newbie",
            "email": "n@example.org",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert SectionProgress.objects.filter(user=user).count() == 2
    assert not SectionProgress.objects.filter(user__isnull=True).exists()
    assert Attempt.objects.get().user == user
    other_device = Client()
    other_device.force_login(user)
    html = other_device.get(reverse("course:home")).content.decode()
    assert "이어서 학습하기" in html and sections[1].get_absolute_url() in html
    assert "1/4절 완료" in other_device.get(sections[0].get_absolute_url()).content.decode()


def test_merge_never_overwrites_the_accounts_newer_data_and_duplicates_nothing(sections):
    user = User.objects.create_user("learner", password="pw")
    quiz = make_check(section=sections[0])
    account, visitor = Learner(user=user), Learner(session_key="visitor-token")
    from learners import services

    services.progress_set_completed(section=sections[0], owner=account, completed=True)
    account_completed = SectionProgress.objects.get(user=user).completed_at
    services.progress_visit(section=sections[0], owner=visitor)
    services.progress_set_completed(
        section=sections[0], owner=visitor, completed=True
    )  # later, but the account's stays
    services.progress_visit(section=sections[2], owner=visitor)
    account_attempt = Attempt.objects.create(quiz=quiz, user=user, number=1, pass_mark=70)
    visitor_attempt = Attempt.objects.create(quiz=quiz, session_key="visitor-token", number=1, pass_mark=70)

    learner_merge(user=user, session_key="visitor-token")
    learner_merge(user=user, session_key="visitor-token")  # replay changes nothing

    rows = SectionProgress.objects.filter(user=user)
    assert rows.count() == 2 and not SectionProgress.objects.filter(session_key="visitor-token").exists()
    assert rows.get(section=sections[0]).completed_at == account_completed
    account_attempt.refresh_from_db()
    visitor_attempt.refresh_from_db()
    assert account_attempt.finished_at is None and visitor_attempt.finished_at is not None
    assert sorted(Attempt.objects.filter(user=user).values_list("number", flat=True)) == [1, 2]


def test_merge_fills_in_what_the_account_lacks(sections):
    user = User.objects.create_user("learner", password="pw")
    from learners import services

    services.progress_visit(section=sections[0], owner=Learner(user=user))
    services.progress_set_completed(section=sections[0], owner=Learner(session_key="v"), completed=True)
    learner_merge(user=user, session_key="v")
    assert SectionProgress.objects.get(user=user).completed_at is not None


def test_login_on_another_device_moves_that_devices_visits_too(client, sections):
    User.objects.create_user("learner", password="a-long-passphrase-1")
    read_lesson(client, sections[2])
    client.post(reverse("login"), {"username": "learner", "password": "a-long-passphrase-1"})
    assert SectionProgress.objects.get().user.username == "learner"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_from_one_learner_leave_one_row_and_lose_nothing():
    lecture = make_lecture()
    section = make_section(lecture, "절", 1, slug="s")
    client = client_for_learner("token")
    barrier = threading.Barrier(4)

    def work(n):
        try:
            barrier.wait()
            if n % 2:
                client.get(section.get_absolute_url())
            else:
                complete(client, section, **HTMX)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    row = SectionProgress.objects.get()
    assert row.completed_at is not None and row.session_key == "token"


def test_password_reset_mail_leads_to_a_new_password(client):
    User.objects.create_user("learner", email="l@example.org", password="old-passphrase-1")
    client.post(reverse("password_reset"), {"email": "l@example.org"})
    assert len(mail.outbox) == 1 and "비밀번호 재설정" in mail.outbox[0].subject
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "new-passphrase-2", "new_password2": "new-passphrase-2"})
    login = Client().post(reverse("login"), {"username": "learner", "password": "new-passphrase-2"})
    assert login.status_code == 302


def test_lecture_overview_offers_the_first_unfinished_section(client, sections):
    lecture = sections[0].lecture
    assert "첫 절부터 읽기" in client.get(lecture.get_absolute_url()).content.decode()
    complete(client, sections[0])
    html = client.get(lecture.get_absolute_url()).content.decode()
    assert '이어서 읽기: <span lang="ko">절 2</span>' in html and sections[1].get_absolute_url() in html


def test_a_check_shown_as_passed_also_completes_the_section(client, sections):
    # A pass mark of 60 on 3 questions reads "2문제 이상 맞히면 통과"; 2 of 3 right passes.
    quiz = make_check(section=sections[0], pass_mark=60)
    quiz.questions.get(key="short").delete()
    html = ""
    for question in quiz.questions.prefetch_related("choices"):
        right = question.key != "tf"
        tokens = [c.token for c in question.choices.all() if c.is_correct == right]
        html = client.post(
            reverse("quizzes:answer", args=[quiz.slug, question.pk]),
            {"choice": tokens[:1] if not right else tokens},
            headers=HTMX,
        ).content.decode()
    assert "67% — 통과했습니다" in html
    assert "3문제 · 2문제 이상 맞히면 통과" in client.get(sections[0].get_absolute_url()).content.decode()
    assert SectionProgress.objects.get(section=sections[0]).completed_at is not None
    assert "1/4절 완료" in client.get(sections[0].get_absolute_url()).content.decode()
