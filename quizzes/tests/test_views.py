"""Taking a quiz over HTTP: htmx and plain requests, and the attacks a cheater would try."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import client_for_learner
from quizzes.models import Answer, Attempt, Quiz
from quizzes.tests.builders import add_question, make_check

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def quiz():
    return make_check()


def answer_url(quiz, key):
    return reverse("quizzes:answer", args=[quiz.slug, quiz.questions.get(key=key).pk])


def token(quiz, key, text):
    return quiz.questions.get(key=key).choices.get(text=text).token


def page(client, quiz):
    return client.get(quiz.section.get_absolute_url()).content.decode()


def test_knowledge_check_is_shown_at_the_end_of_its_lesson(client, quiz):
    html = page(client, quiz)
    assert 'id="quiz"' in html and "확인 문제" in html and "single 문제?" in html
    assert html.index('class="prose"') < html.index('id="quiz"') < html.index('class="pager"')


def test_nothing_in_the_page_reveals_answers_before_answering(client, quiz):
    html = page(client, quiz)
    for secret in (
        "해설 본문",
        "맞아요",
        "etcd는 저장소입니다",
        "틀렸어요",
        "Kubernetes",
        "k8s",
        "is_correct",
        "correct",
    ):
        assert secret not in html
    single = quiz.questions.get(key="single")
    for choice in single.choices.all():
        assert f'value="{choice.token}"' in html
        assert f'name="choice" value="{choice.pk}"' not in html  # ids would reveal authoring order


def test_htmx_answer_returns_the_question_fragment_and_the_score_out_of_band(client, quiz):
    response = client.post(answer_url(quiz, "single"), {"choice": token(quiz, "single", "kubelet")}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div class="question question--answered is-correct"')
    assert "정답입니다" in html and "해설 본문" in html and "맞아요" in html
    assert 'id="quiz-score-' in html and 'data-hx-swap-oob="true"' in html and "1 / 4" in html
    assert "HX-Request" in response["Vary"]


def test_wrong_answer_shows_why_and_the_right_answer(client, quiz):
    html = client.post(
        answer_url(quiz, "single"), {"choice": token(quiz, "single", "etcd")}, headers=HTMX
    ).content.decode()
    assert "오답입니다" in html and "etcd는 저장소입니다" in html and "맞아요" in html
    assert "0 / 4" in html


def test_plain_post_redirects_back_to_the_question_and_the_page_shows_the_same_feedback(client, quiz):
    response = client.post(answer_url(quiz, "short"), {"text": " kubernetes "})
    question = quiz.questions.get(key="short")
    assert response.status_code == 302
    assert response["Location"] == f"{quiz.section.get_absolute_url()}#question-{question.pk}"
    html = page(client, quiz)
    assert "정답입니다" in html and "해설 본문" in html and "1 / 4" in html


def test_multiple_choice_reveals_the_number_of_right_choices_only_after_answering(client, quiz):
    assert "정답 선택지는" not in page(client, quiz)
    tokens = [token(quiz, "multiple", "파드")]
    html = client.post(answer_url(quiz, "multiple"), {"choice": tokens}, headers=HTMX).content.decode()
    assert "오답입니다" in html and "정답 선택지는 2개입니다" in html


def test_answering_every_question_finishes_the_attempt_and_shows_pass_or_fail(client, quiz):
    client.post(answer_url(quiz, "single"), {"choice": token(quiz, "single", "kubelet")}, headers=HTMX)
    client.post(
        answer_url(quiz, "multiple"),
        {"choice": [token(quiz, "multiple", "파드"), token(quiz, "multiple", "서비스")]},
        headers=HTMX,
    )
    client.post(answer_url(quiz, "tf"), {"choice": token(quiz, "tf", "참")}, headers=HTMX)
    html = client.post(answer_url(quiz, "short"), {"text": "k8s"}, headers=HTMX).content.decode()
    assert "75% — 통과했습니다" in html and "다시 풀기" in html
    attempt = Attempt.objects.scored().get()
    assert attempt.is_finished and attempt.score.correct == 3
    result = client.get(attempt.get_absolute_url()).content.decode()
    assert "(75%)" in result and "3 / 4점" in result and quiz.section.get_absolute_url() in result


def test_retry_starts_a_new_attempt_and_keeps_history(client, quiz):
    client.post(answer_url(quiz, "single"), {"choice": token(quiz, "single", "etcd")})
    client.post(reverse("quizzes:finish", args=[quiz.slug]))
    client.post(reverse("quizzes:retry", args=[quiz.slug]))
    client.post(reverse("quizzes:retry", args=[quiz.slug]))  # double click: still one open attempt
    assert Attempt.objects.count() == 2
    html = page(client, quiz)
    assert "0 / 4" in html and "오답입니다" not in html  # fresh forms
    client.post(answer_url(quiz, "single"), {"choice": token(quiz, "single", "kubelet")})
    first, second = Attempt.objects.order_by("number")
    assert first.answers.get().is_correct is False and second.answers.get().is_correct is True


def test_visitors_without_an_account_keep_their_attempt_in_their_session(quiz):
    alice, bob = Client(), Client()
    alice.post(answer_url(quiz, "single"), {"choice": token(quiz, "single", "kubelet")})
    assert "정답입니다" in page(alice, quiz)
    assert "정답입니다" not in page(bob, quiz)
    assert Attempt.objects.get().user is None


def test_logged_in_learners_attempts_belong_to_them(client, quiz):
    user = User.objects.create_user("learner", password="pw")
    client.force_login(user)
    client.post(answer_url(quiz, "single"), {"choice": token(quiz, "single", "kubelet")})
    assert Attempt.objects.get().user == user


def test_another_learners_attempt_is_404(quiz):
    owner, intruder = Client(), Client()
    owner.post(answer_url(quiz, "single"), {"choice": token(quiz, "single", "kubelet")})
    attempt = Attempt.objects.get()
    assert owner.get(attempt.get_absolute_url()).status_code == 200
    assert intruder.get(attempt.get_absolute_url()).status_code == 404
    intruder.force_login(User.objects.create_user("intruder", password="pw"))
    assert intruder.get(attempt.get_absolute_url()).status_code == 404


def test_another_learners_attempt_cannot_be_answered_or_finished(quiz):
    owner, intruder = Client(), Client()
    owner.post(answer_url(quiz, "single"), {"choice": token(quiz, "single", "kubelet")})
    intruder.post(answer_url(quiz, "tf"), {"choice": token(quiz, "tf", "거짓")})
    intruder.post(reverse("quizzes:finish", args=[quiz.slug]))
    owners = Attempt.objects.get(session_key=owner.session["learner"])
    assert owners.answers.count() == 1 and not owners.is_finished


def test_posts_without_csrf_token_are_refused(quiz):
    client = Client(enforce_csrf_checks=True)
    client.get(quiz.section.get_absolute_url())
    for url, data in [
        (answer_url(quiz, "single"), {"choice": token(quiz, "single", "kubelet")}),
        (reverse("quizzes:finish", args=[quiz.slug]), {}),
        (reverse("quizzes:retry", args=[quiz.slug]), {}),
    ]:
        assert client.post(url, data, headers=HTMX).status_code == 403
    assert not Answer.objects.exists()


def test_htmx_posts_carry_the_token_from_the_cookie_once_the_visitor_has_a_session(quiz):
    client = Client(enforce_csrf_checks=True)
    url = quiz.section.get_absolute_url()
    client.get(url)
    first = client.post(
        reverse("learners:section-visit", args=[quiz.section.pk]), headers={**HTMX, "Origin": "http://testserver"}
    )
    assert first.status_code == 204 and "csrftoken" in first.cookies and "sessionid" in first.cookies
    data = {"choice": token(quiz, "single", "kubelet")}
    assert (
        client.post(answer_url(quiz, "single"), data, headers={**HTMX, "Origin": "http://testserver"}).status_code
        == 403
    )
    csrf = client.cookies["csrftoken"].value  # what static/js/site.js sends as X-CSRFToken
    response = client.post(answer_url(quiz, "single"), data, headers={**HTMX, "X-CSRFToken": csrf})
    assert response.status_code == 200 and Answer.objects.count() == 1


def test_double_submit_records_one_answer_and_cannot_change_a_locked_one(client, quiz):
    url = answer_url(quiz, "single")
    client.post(url, {"choice": token(quiz, "single", "etcd")}, headers=HTMX)
    html = client.post(url, {"choice": token(quiz, "single", "kubelet")}, headers=HTMX).content.decode()
    answer = Answer.objects.get()
    assert answer.is_correct is False and answer.given == ["etcd"]
    assert "오답입니다" in html  # the locked answer is shown again


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_record_one_answer():
    quiz = make_check()
    client = Client()
    client.post(answer_url(quiz, "tf"), {"choice": token(quiz, "tf", "거짓")})  # opens the attempt and session
    url, choice = answer_url(quiz, "single"), token(quiz, "single", "kubelet")
    barrier = threading.Barrier(4)
    statuses = []

    def submit():
        try:
            barrier.wait()
            statuses.append(client.post(url, {"choice": choice}, headers=HTMX).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    assert Answer.objects.filter(question__key="single").count() == 1
    assert Attempt.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_answers_open_only_one_attempt():
    quiz = make_check()
    client = client_for_learner("concurrent-learner")
    barrier = threading.Barrier(3)

    def submit(key, text):
        try:
            barrier.wait()
            client.post(answer_url(quiz, key), {"choice": token(quiz, key, text)}, headers=HTMX)
        finally:
            connection.close()

    jobs = [("single", "kubelet"), ("tf", "거짓"), ("multiple", "파드")]
    threads = [threading.Thread(target=submit, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Attempt.objects.count() == 1
    assert Answer.objects.count() == 3


@pytest.mark.parametrize(
    "key, data, message",
    [
        ("single", {}, "답을 골라 주세요"),
        ("short", {"text": "   "}, "답을 입력해 주세요"),
        ("single", {"choice": "not-a-token"}, "이 문제의 선택지가 아닌"),
        ("tf", {"choice": ["a", "b"]}, "이 문제의 선택지가 아닌"),
        ("short", {"text": "가" * 201}, "너무 깁니다"),
    ],
)
def test_bad_input_gets_a_clear_message_in_place_and_records_nothing(client, quiz, key, data, message):
    response = client.post(answer_url(quiz, key), data, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and message in html and 'role="alert"' in html
    assert "<form" in html  # still answerable
    assert not Answer.objects.exists()


def test_a_choice_from_another_question_is_refused(client, quiz):
    foreign = token(quiz, "multiple", "파드")
    html = client.post(answer_url(quiz, "single"), {"choice": foreign}, headers=HTMX).content.decode()
    assert "이 문제의 선택지가 아닌" in html and not Answer.objects.exists()


def test_a_choice_from_another_quiz_is_refused(client, quiz):
    other = make_check(
        section=quiz.section.lecture.sections.create(title="다른 절", slug="다른-절", order=2), slug="other"
    )
    foreign = other.questions.get(key="single").choices.get(is_correct=True).token
    html = client.post(answer_url(quiz, "single"), {"choice": foreign}, headers=HTMX).content.decode()
    assert "이 문제의 선택지가 아닌" in html and not Answer.objects.exists()


def test_a_question_of_another_quiz_is_refused(client, quiz):
    other = make_check(
        section=quiz.section.lecture.sections.create(title="다른 절", slug="다른-절", order=2), slug="other"
    )
    url = reverse("quizzes:answer", args=[quiz.slug, other.questions.get(key="single").pk])
    html = client.post(url, {"choice": token(other, "single", "kubelet")}, headers=HTMX).content.decode()
    assert "삭제되었거나 바뀌었습니다" in html and not Answer.objects.exists()


def test_a_deleted_question_gets_a_message_not_an_error(client, quiz):
    url = answer_url(quiz, "single")
    quiz.questions.get(key="single").delete()
    response = client.post(url, {"choice": "x"}, headers=HTMX)
    assert response.status_code == 200 and "삭제되었거나 바뀌었습니다" in response.content.decode()
    response = client.post(url, {"choice": "x"})
    assert response.status_code == 302


def test_answering_a_finished_attempt_is_refused_with_a_message(client, quiz):
    client.post(answer_url(quiz, "single"), {"choice": token(quiz, "single", "kubelet")})
    client.post(reverse("quizzes:finish", args=[quiz.slug]))
    html = client.post(answer_url(quiz, "tf"), {"choice": token(quiz, "tf", "거짓")}, headers=HTMX).content.decode()
    assert "이미 끝낸 응시입니다" in html
    assert Answer.objects.count() == 1


def test_plain_post_with_bad_input_shows_the_message_next_to_the_question(client, quiz):
    client.post(answer_url(quiz, "single"), {})
    html = page(client, quiz)
    assert "답을 골라 주세요" in html
    assert "답을 골라 주세요" not in page(client, quiz)  # shown once


def test_shuffle_is_fixed_within_an_attempt(client):
    quiz = make_check(shuffle=True)
    add_question(quiz, "single", "many", 5, [(f"선택지 {n}", n == 1, "") for n in range(1, 9)])

    def order(html):
        return sorted(range(1, 9), key=lambda n: html.index(f"선택지 {n}"))

    first = order(page(client, quiz))
    client.post(answer_url(quiz, "single"), {"choice": token(quiz, "single", "kubelet")})
    assert order(page(client, quiz)) == first
    assert first != list(range(1, 9))  # 8 choices: shuffled (seeded by quiz, attempt and question)


def test_review_quiz_has_its_own_page_linked_from_the_lecture_and_last_section(client, quiz):
    lecture = quiz.lecture
    review = Quiz.objects.create(lecture=lecture, kind=Quiz.Kind.REVIEW, slug="review", title="복습 퀴즈")
    add_question(review, "short", "r1", 1, accepted="kubelet")
    url = reverse("quizzes:quiz-detail", args=["review"])
    assert url in client.get(lecture.get_absolute_url()).content.decode()
    assert url in page(client, quiz)  # the check's section is the lecture's only (last) section
    html = client.get(url).content.decode()
    assert '<h1 lang="ko">복습 퀴즈</h1>' in html and "r1 문제?" in html


def test_unpublished_quiz_is_404_and_hidden(client, quiz):
    quiz.is_published = False
    quiz.save()
    assert 'id="quiz"' not in page(client, quiz)
    assert client.post(answer_url(quiz, "single"), {"choice": token(quiz, "single", "kubelet")}).status_code == 404


def test_lesson_page_queries_do_not_grow_with_questions(client, quiz):
    from django.test.utils import CaptureQueriesContext

    url = quiz.section.get_absolute_url()
    client.post(answer_url(quiz, "single"), {"choice": token(quiz, "single", "kubelet")})
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(10):
        add_question(quiz, "single", f"extra{n}", 10 + n, [("a", True, ""), ("b", False, "")])
    client.get(url)  # the edit made the shared cache stale: the first read fills it again
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_a_stale_csrf_token_gets_a_korean_page(quiz):
    client = Client(enforce_csrf_checks=True)
    response = client.post(answer_url(quiz, "single"), {"choice": "x"})
    assert response.status_code == 403 and "보안 토큰이 없거나 만료되었습니다" in response.content.decode()


def test_finishing_an_attempt_tells_the_page_to_refresh_progress(client, quiz):
    for key in ("single", "multiple", "tf"):
        response = client.post(
            answer_url(quiz, key),
            {"choice": token(quiz, key, quiz.questions.get(key=key).choices.first().text)},
            headers=HTMX,
        )
        assert "HX-Trigger" not in response
    response = client.post(answer_url(quiz, "short"), {"text": "k8s"}, headers=HTMX)
    assert response["HX-Trigger"] == "progress-changed"


def test_a_short_answer_is_shown_back_escaped(client, quiz):
    html = client.post(answer_url(quiz, "short"), {"text": "<script>alert(1)</script>"}, headers=HTMX).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
