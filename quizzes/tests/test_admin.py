"""Editing quizzes in the admin: validation on save and per-question statistics."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db


def question_form(question, choices, **changes):
    data = {
        "quiz": question.quiz_id,
        "key": question.key,
        "order": question.order,
        "kind": question.kind,
        "prompt": question.prompt,
        "explanation": question.explanation,
        "accepted_answers": question.accepted_answers,
        "section": "",
        "choices-TOTAL_FORMS": len(choices),
        "choices-INITIAL_FORMS": len([c for c in choices if c.get("id")]),
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    for index, choice in enumerate(choices):
        for name, value in choice.items():
            if value is True:
                value = "on"
            if value is not False:
                data[f"choices-{index}-{name}"] = value
        data[f"choices-{index}-question"] = question.pk
    data.update(changes)
    return data


def existing(question):
    return [
        {"id": c.pk, "order": c.order, "text": c.text, "is_correct": c.is_correct, "feedback": c.feedback}
        for c in question.choices.all()
    ]


def test_single_choice_with_two_right_answers_is_refused_with_a_message(client, editor):
    question = make_check().questions.get(key="single")
    choices = existing(question)
    choices[1]["is_correct"] = True
    response = client.post(
        reverse("admin:quizzes_question_change", args=[question.pk]), question_form(question, choices)
    )
    assert response.status_code == 200
    assert "정답 선택지가 정확히 하나여야 합니다" in response.content.decode()
    assert question.choices.filter(is_correct=True).count() == 1


def test_a_valid_edit_is_saved_and_learners_see_it(client, editor):
    quiz = make_check()
    question = quiz.questions.get(key="single")
    choices = existing(question)
    choices[1]["text"] = "etcd (분산 저장소)"
    response = client.post(
        reverse("admin:quizzes_question_change", args=[question.pk]), question_form(question, choices)
    )
    assert response.status_code == 302
    assert "etcd (분산 저장소)" in Client().get(quiz.section.get_absolute_url()).content.decode()


def test_short_answer_without_accepted_answers_is_refused(client, editor):
    question = make_check().questions.get(key="short")
    response = client.post(
        reverse("admin:quizzes_question_change", args=[question.pk]), question_form(question, [], accepted_answers="")
    )
    assert "정답으로 인정할 답이 하나 이상" in response.content.decode()


def test_editors_cannot_touch_learners_attempts(editor):
    assert editor.has_perm("quizzes.change_question")
    assert not editor.has_perm("quizzes.change_attempt") and not editor.has_perm("quizzes.view_answer")


def test_statistics_show_answers_percentage_right_and_most_chosen_wrong_answer(client, editor):
    quiz = make_check()
    question = quiz.questions.get(key="single")
    wrong = question.choices.get(text="etcd").token
    right = question.choices.get(text="kubelet").token
    url = reverse("quizzes:answer", args=[quiz.slug, question.pk])
    for choice in (wrong, wrong, right):
        Client().post(url, {"choice": choice})
    Client().post(reverse("quizzes:answer", args=[quiz.slug, quiz.questions.get(key="short").pk]), {"text": "도커"})
    html = client.get(reverse("admin:quizzes_quiz_stats", args=[quiz.pk])).content.decode()
    assert "<td>3</td>" in html and "33%" in html and "etcd (2)" in html and "도커 (1)" in html


def test_statistics_are_staff_only():
    quiz = make_check()
    client = Client()
    client.force_login(User.objects.create_user("learner", password="pw"))
    assert client.get(reverse("admin:quizzes_quiz_stats", args=[quiz.pk])).status_code == 302
