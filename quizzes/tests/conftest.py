"""Fixtures the quiz tests share: a learner's finished attempt to attack or regrade."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from quizzes.models import Attempt
from quizzes.tests.builders import make_check


def answer(client, quiz, key, **data):
    question = quiz.questions.get(key=key)
    return client.post(reverse("quizzes:answer", args=[quiz.slug, question.pk]), data)


def token(quiz, key, text):
    return quiz.questions.get(key=key).choices.get(text=text).token


@pytest.fixture
def learner_history():
    """A learner ("alice") who completed the section and finished the check: 3 of 4 right."""
    quiz = make_check()
    alice = Client()
    alice.force_login(User.objects.create_user("alice"))
    answer(alice, quiz, "single", choice=token(quiz, "single", "kubelet"))
    answer(alice, quiz, "multiple", choice=[token(quiz, "multiple", "파드"), token(quiz, "multiple", "서비스")])
    answer(alice, quiz, "tf", choice=token(quiz, "tf", "참"))  # wrong
    answer(alice, quiz, "short", text="k8s")
    alice.post(reverse("learners:section-complete", args=[quiz.section.pk]), {"completed": "1"})
    return quiz, alice


@pytest.fixture
def answered(learner_history):
    """alice's finished attempt, and the attempt page as she saw it first."""
    quiz, alice = learner_history
    attempt = Attempt.objects.get()
    return quiz, alice, attempt, alice.get(attempt.get_absolute_url()).content.decode()
