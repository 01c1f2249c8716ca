"""Attacks on quizzes: computing the right answers from what a page shows."""

import hashlib
import os
import random
import re
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from quizzes.models import Attempt, Quiz

pytestmark = pytest.mark.django_db
BANK = Path(settings.CONTENT_DIR) / "cloud-native-patterns" / "quizzes" / "lecture-01.toml"


@pytest.fixture
def review(shipped_course):
    call_command("load_quizzes", verbosity=0, stdout=open(os.devnull, "w"))
    return Quiz.objects.get(kind=Quiz.Kind.REVIEW)


def shown_tokens(html, question):
    block = html.split(f'id="question-{question.pk}"', 1)[1].split("</li>", 1)[0]
    return re.findall(r'name="choice" value="([^"]+)"', block)


def old_shuffle(quiz, number, question):
    """The audit's attack: the shuffle as it was seeded, from the ids every page shows."""
    tokens = [c.token for c in question.choices.order_by("order", "id")]
    random.Random(hashlib.sha256(f"{quiz.pk}:{number}:{question.pk}".encode()).hexdigest()).shuffle(tokens)
    return tokens


def test_rerunning_the_shuffle_from_the_pages_ids_no_longer_gives_the_order_shown(review):
    html = Client().get(review.get_absolute_url()).content.decode()
    questions = [q for q in review.questions.prefetch_related("choices") if q.kind == "single"]
    assert len(questions) >= 6
    # The audit's attack reproduced the order of all 6; by chance it matches one in 24.
    reproduced = sum(shown_tokens(html, q) == old_shuffle(review, 1, q) for q in questions)
    assert reproduced < len(questions)


def test_the_order_shown_before_an_attempt_depends_on_the_servers_secret(review, settings):
    questions = [q for q in review.questions.prefetch_related("choices") if q.kind == "single"]
    html = Client().get(review.get_absolute_url()).content.decode()
    settings.SECRET_KEY = "another-secret-the-attacker-might-guess"
    cache.clear()
    other = Client().get(review.get_absolute_url()).content.decode()
    assert [shown_tokens(html, q) for q in questions] != [shown_tokens(other, q) for q in questions]


def test_each_attempt_has_its_own_secret_order_that_the_page_never_shows(review):
    client = Client()
    question = review.questions.filter(kind="single").first()
    choice = question.choices.first()
    answer_url = reverse("quizzes:answer", args=[review.slug, question.pk])
    before = shown_tokens(client.get(review.get_absolute_url()).content.decode(), question)
    client.post(answer_url, {"choice": choice.token})
    first = Attempt.objects.get()
    assert shown_tokens(client.get(review.get_absolute_url()).content.decode(), question) == []  # answered
    orders = {tuple(before)}
    for _ in range(6):  # new attempts get new secret seeds, so new orders
        client.post(reverse("quizzes:retry", args=[review.slug]))
        html = client.get(review.get_absolute_url()).content.decode()
        orders.add(tuple(shown_tokens(html, question)))
        assert all(a.shuffle_seed not in html for a in Attempt.objects.all())
        client.post(answer_url, {"choice": choice.token})
    assert len(orders) > 1
    assert len({a.shuffle_seed for a in Attempt.objects.all()}) == Attempt.objects.count()
    assert first.shuffle_seed not in client.get(first.get_absolute_url()).content.decode()


def test_the_shipped_bank_does_not_put_the_right_choice_in_one_place():
    positions = []
    for quiz in tomllib.loads(BANK.read_text())["quiz"]:
        for question in quiz["question"]:
            if question["kind"] == "single":
                positions.append(next(i for i, c in enumerate(question["choice"]) if c.get("correct")))
    assert len(set(positions)) >= 3 and positions.count(0) < len(positions) / 2


def test_a_distractors_token_posted_as_a_matching_term_is_refused_not_a_server_error():
    """Audit 3, item 10: a token that belongs to the question but not to the role it is posted as."""
    from conftest import client_for_learner
    from learners.models import ReviewCard
    from quizzes.models import Answer
    from quizzes.tests.builders import add_matching, make_check

    quiz = make_check(slug="forged-roles")
    matching = add_matching(quiz)
    terms = [c for c in matching.choices.all() if c.text]
    distractor = next(c for c in matching.choices.all() if not c.text)
    forged = {"choice": [distractor.token, *(t.token for t in terms[1:])], "part": [t.pair_token for t in terms]}
    client = client_for_learner("forger")
    url = reverse("quizzes:answer", args=[quiz.slug, matching.pk])
    assert client.post(url, forged).status_code == 302
    response = client.post(url, forged, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "이 문제의 선택지가 아닌 값" in response.content.decode()
    assert not Answer.objects.filter(question=matching).exists()

    wrong = {
        "choice": [t.token for t in terms],
        "part": [terms[1].pair_token, terms[0].pair_token, terms[2].pair_token],
    }
    client.post(url, wrong, headers={"HX-Request": "true"})
    card = ReviewCard.objects.get(question=matching)
    response = client.post(
        reverse("learners:review-answer", args=[card.pk]),
        {**forged, "version": card.reviews},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "이 문제의 선택지가 아닌 값" in response.content.decode()
    assert not card.answers.exists()
