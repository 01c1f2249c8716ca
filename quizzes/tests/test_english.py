"""Questions in the English interface: a true/false question's stored labels 참 and 거짓 read
True and False wherever they are shown, and Korean names inside English sentences are marked
lang="ko". What the learner picked is kept as it was stored."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from quizzes.models import Answer, Attempt, Choice
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db

ENGLISH, KOREAN = {"Accept-Language": "en-US,en;q=0.9"}, {"Accept-Language": "ko-KR,ko;q=0.9"}
HTMX = {"HX-Request": "true"}


def choice_texts(html):
    """The text of every choice as the page prints it, with its lang if it has one."""
    return re.findall(r'<span class="choice(?:-review)?__text"( lang="ko")?>([^<]*)</span>', html)


def answer_tf(client, quiz, text, headers, **extra):
    question = quiz.questions.get(key="tf")
    url = reverse("quizzes:answer", args=[quiz.slug, question.pk])
    return client.post(url, {"choice": question.choices.get(text=text).token}, headers=headers | extra)


def tf_part(html):
    """The true/false question's part of a page (make_check's third question)."""
    start = html.index("tf 문제?")
    following = re.compile(r'<div class="question[ "]').search(html, start)
    return html[start : following.start() if following else len(html)]


@pytest.fixture
def quiz():
    return make_check()


def test_a_true_false_question_offers_true_and_false_in_english_and_참_거짓_in_korean(quiz):
    english = tf_part(Client().get(quiz.section.get_absolute_url(), headers=ENGLISH).content.decode())
    assert choice_texts(english) == [("", "True"), ("", "False")]
    korean = tf_part(Client().get(quiz.section.get_absolute_url(), headers=KOREAN).content.decode())
    assert choice_texts(korean) == [("", "참"), ("", "거짓")]
    # authored choices stay as written, marked as Korean content
    single = Client().get(quiz.section.get_absolute_url(), headers=ENGLISH).content.decode()
    assert (' lang="ko"', "kubelet") in choice_texts(single)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_the_feedback_and_the_attempt_page_after_answering_say_true_and_false(quiz, headers):
    client = Client()
    response = answer_tf(client, quiz, "참", ENGLISH, **headers)
    if not headers:  # post/redirect/get: the lesson page shows the answered question
        response = client.get(response["Location"], headers=ENGLISH)
    feedback = tf_part(response.content.decode())
    assert choice_texts(feedback) == [("", "True"), ("", "False")] and "Incorrect" in feedback
    attempt_page = client.get(Attempt.objects.get().get_absolute_url(), headers=ENGLISH).content.decode()
    assert choice_texts(tf_part(attempt_page)) == [("", "True"), ("", "False")]
    assert "참" not in tf_part(attempt_page).replace("tf 문제?", "")
    # the learner's record is kept as given: no label was rewritten
    assert Answer.objects.get().given == ["참"] and Answer.objects.get().shown["choices"][0]["plain"] == "참"
    assert sorted(Choice.objects.filter(question__key="tf").values_list("text", flat=True)) == ["거짓", "참"]


def test_in_korean_the_answered_question_and_the_attempt_page_still_say_참_and_거짓(quiz):
    client = Client()
    html = answer_tf(client, quiz, "거짓", KOREAN, **HTMX).content.decode()
    assert choice_texts(tf_part(html)) == [("", "참"), ("", "거짓")]
    attempt_page = client.get(Attempt.objects.get().get_absolute_url(), headers=KOREAN).content.decode()
    assert choice_texts(tf_part(attempt_page)) == [("", "참"), ("", "거짓")]


def test_a_label_stored_as_true_by_an_older_import_reads_in_the_readers_language_too(quiz):
    question = quiz.questions.get(key="tf")
    for choice, text in zip(question.choices.all(), ["True", "False"], strict=True):
        Choice.objects.filter(pk=choice.pk).update(text=text, text_html=text)
    korean = tf_part(Client().get(quiz.section.get_absolute_url(), headers=KOREAN).content.decode())
    assert choice_texts(korean) == [("", "참"), ("", "거짓")]


def test_the_statistics_count_true_and_false_in_the_staff_members_language(quiz, client, editor):
    answer_tf(Client(), quiz, "참", KOREAN)  # the most chosen wrong answer
    stats = reverse("admin:quizzes_quiz_stats", args=[quiz.pk])
    editor.user_permissions.add(Permission.objects.get(codename="view_statistics"))
    english = client.get(stats, headers=ENGLISH).content.decode()
    assert "<li>True: " in english and "<li><strong>False</strong> (Correct): " in english
    assert "<li>참: " in client.get(stats, headers=KOREAN).content.decode()
    analytics = client.get(reverse("learners:analytics"), headers=ENGLISH).content.decode()
    assert "<td>True (1)</td>" in analytics


def test_korean_names_in_english_sentences_are_marked_lang_ko_and_left_plain_in_korean(quiz):
    question = quiz.questions.get(key="tf")
    question.section = quiz.section
    question.save()
    client = Client()
    answer_tf(client, quiz, "참", ENGLISH)
    attempt = Attempt.objects.get().get_absolute_url()
    english = client.get(attempt, headers=ENGLISH).content.decode()
    assert '<h1><span lang="ko">확인 문제</span>: results</h1>' in english
    assert 'Reread “<span lang="ko">쿠버네티스</span>”' in english
    korean = client.get(attempt, headers=KOREAN).content.decode()
    assert "<h1>확인 문제 결과</h1>" in korean and "「쿠버네티스」 다시 읽기" in korean


def test_the_review_page_offers_and_answers_a_true_false_card_in_english(quiz):
    from learners.models import ReviewCard

    client = Client()
    answer_tf(client, quiz, "참", ENGLISH)  # wrong: its review card is due now
    card = ReviewCard.objects.get()
    page = client.get(reverse("learners:review"), headers=ENGLISH).content.decode()
    assert choice_texts(tf_part(page)) == [("", "True"), ("", "False")]
    action = reverse("learners:review-answer", args=[card.pk])
    right = quiz.questions.get(key="tf").choices.get(text="거짓").token
    html = client.post(action, {"choice": right, "version": card.reviews}, headers=ENGLISH | HTMX).content.decode()
    assert choice_texts(tf_part(html)) == [("", "True"), ("", "False")] and "Correct!" in html
