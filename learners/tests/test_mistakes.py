"""The wrong-answer notebook (오답 노트): what it lists and how, its filter, "다시 풀기", who sees it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import client_for_learner
from course.tests.builders import make_lecture, make_section
from learners.models import ReviewAnswer, ReviewCard
from learners.review import answer as review_answer
from quizzes.models import Answer
from quizzes.tests.builders import add_itemised, make_check

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
PASSWORD = "a-long-passphrase-1"
NOTEBOOK = reverse("learners:mistakes")


@pytest.fixture
def quiz():
    quiz = make_check(slug="notebook-check")
    quiz.questions.update(section=quiz.section)
    return quiz


def answer(client, question, right=False):
    """A quiz answer as the form posts it: the first right or wrong choice, or a text."""
    if question.has_choices:
        data = {"choice": [c.token for c in question.choices.all() if c.is_correct == right][:1]}
    else:
        data = {"text": "쿠버네티스" if right else "도커"}
    return client.post(reverse("quizzes:answer", args=[question.quiz.slug, question.pk]), data, headers=HTMX)


def review_button(question):
    return reverse("learners:mistake-review", args=[question.pk])


def listed(html):
    """The ids of the questions the notebook lists, in order."""
    import re

    return [int(pk) for pk in re.findall(r'<li class="mistake" id="mistake-(\d+)"', html)]


def test_the_notebook_lists_each_questions_latest_answer_when_wrong_or_partly_right(quiz):
    client = client_for_learner("notebook")
    single, tf, short = (quiz.questions.get(key=key) for key in ("single", "tf", "short"))
    answer(client, single)
    answer(client, tf, right=True)
    answer(client, short)
    html = client.get(NOTEBOOK).content.decode()
    assert set(listed(html)) == {single.pk, short.pk} and "틀린 문제 2개" in html
    # My answer beside the right one, drawn by the kind's review: etcd chosen, kubelet the key.
    entry = html[html.index(f'id="mistake-{single.pk}"') :]
    entry = entry[: entry.index("</li>\n", entry.index("mistake__review"))]
    assert "내 답" in entry and "정답" in entry and "etcd" in entry and "kubelet" in entry
    assert "오답입니다" in entry and "0 / 1점" in entry
    assert f'href="{quiz.section.get_absolute_url()}"' in entry  # the section it comes from
    assert "「확인 문제」에서 낸 답" in entry

    client.post(reverse("quizzes:retry", args=[quiz.slug]))
    answer(client, single, right=True)  # answered right since: it leaves the notebook
    assert listed(client.get(NOTEBOOK).content.decode()) == [short.pk]


def test_a_question_answered_right_in_the_review_leaves_and_one_answered_wrong_there_stays(quiz):
    client = client_for_learner("reviewer")
    single, short = quiz.questions.get(key="single"), quiz.questions.get(key="short")
    answer(client, single)
    answer(client, short, right=True)
    now = timezone.now() + timedelta(minutes=1)
    card = ReviewCard.objects.get(question=single)
    review_answer(card, tokens=[single.choices.get(is_correct=True).token], version=card.reviews, now=now)
    short_card = ReviewCard.objects.get(question=short)
    ReviewCard.objects.filter(pk=short_card.pk).update(due=now)
    short_card.refresh_from_db()
    review_answer(short_card, text="도커", version=short_card.reviews, now=now)
    html = client.get(NOTEBOOK).content.decode()
    assert listed(html) == [short.pk] and "복습에서 낸 답" in html and "도커" in html


def test_partial_credit_counts_as_a_mistake_and_the_list_is_latest_first(quiz):
    ordering, matching, cloze = add_itemised(quiz)
    client = client_for_learner("partial")
    answer(client, quiz.questions.get(key="single"))
    url = reverse("quizzes:answer", args=[quiz.slug, cloze.pk])
    client.post(url, {"part": ["k8s", "노드"]}, headers=HTMX)  # one blank of two
    assert Answer.objects.get(question=cloze).credit == 0.5
    html = client.get(NOTEBOOK).content.decode()
    assert listed(html) == [cloze.pk, quiz.questions.get(key="single").pk]
    assert "부분 정답입니다: 2개 중 1개를 맞혔습니다." in html


def test_a_cloze_prompt_is_drawn_with_its_blanks_in_the_notebook_and_on_the_dashboard(quiz):
    _ordering, _matching, cloze = add_itemised(quiz)
    client = client_for_learner("cloze")
    client.post(reverse("quizzes:answer", args=[quiz.slug, cloze.pk]), {"part": ["도커", "노드"]}, headers=HTMX)
    notebook = client.get(NOTEBOOK).content.decode()
    dashboard = client.get(reverse("learners:dashboard")).content.decode()
    for html in (notebook, dashboard):
        assert "{1}" not in html and "{2}" not in html and "컨테이너 오케스트레이션의 표준은" in html
    assert 'class="cloze-filled is-wrong"' in notebook and "도커" in notebook  # the answers in the sentence
    assert '<span class="cloze-gap">(1) ' in dashboard  # the gaps drawn
    assert f'href="{NOTEBOOK}"' in dashboard and "오답 노트에서 1문제 모두 보기" in dashboard


def test_the_notebook_shows_the_question_as_it_was_answered_whatever_was_edited_since(quiz):
    client = client_for_learner("edited")
    single = quiz.questions.get(key="single")
    answer(client, single)
    single.prompt = "고쳐 쓴 문제"
    single.save()
    html = client.get(NOTEBOOK).content.decode()
    assert "single 문제?" in html and "고쳐 쓴 문제" not in html


def test_the_filter_shows_one_lecture_as_a_plain_get_or_an_htmx_swap_of_the_list():
    first = make_check(make_section(make_lecture(number=1), title="첫 절"), slug="first")
    second = make_check(make_section(make_lecture(first.lecture.course, number=2), title="둘째 절"), slug="second")
    client = client_for_learner("filter")
    answer(client, first.questions.get(key="single"))
    answer(client, second.questions.get(key="single"))
    answer(client, second.questions.get(key="tf"))
    everything = client.get(NOTEBOOK).content.decode()
    assert len(listed(everything)) == 3
    assert f'<option value="{second.lecture.pk}">2강 2강 제목 (2)</option>' in everything
    assert "모든 강의 (3)" in everything and 'data-hx-push-url="true"' in everything

    url = f"{NOTEBOOK}?lecture={second.lecture.pk}"
    page = client.get(url).content.decode()
    assert set(listed(page)) == {q.pk for q in second.questions.filter(key__in=["single", "tf"])}
    assert f'<option value="{second.lecture.pk}" selected>' in page and "<html" in page
    fragment = client.get(url, headers=HTMX)
    html = fragment.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="mistake-list"') and len(listed(html)) == 2
    assert "HX-Request" in fragment["Vary"]
    # The filter kept by "다시 풀기" without JavaScript.
    question = second.questions.get(key="tf")
    response = client.post(review_button(question), {"lecture": second.lecture.pk})
    assert response["Location"] == f"{NOTEBOOK}?lecture={second.lecture.pk}&queued={question.pk}#mistake-{question.pk}"
    # A lecture that is not there (made up, or no longer published): the whole notebook, at its own address.
    assert client.get(f"{NOTEBOOK}?lecture=999999")["Location"] == NOTEBOOK
    second.lecture.is_published = False
    second.lecture.save()
    assert client.get(url)["Location"] == NOTEBOOK


def test_다시_풀기_makes_the_card_due_now_and_a_second_press_changes_nothing(quiz):
    client = client_for_learner("again")
    single = quiz.questions.get(key="single")
    answer(client, single)
    later = timezone.now() + timedelta(days=3)
    ReviewCard.objects.update(due=later)  # as if scheduled for later
    assert "오늘 복습할 카드 0장" in client.get(reverse("learners:review")).content.decode()

    response = client.post(review_button(single), headers=HTMX)
    html = response.content.decode()
    assert "복습 목록에 넣었습니다" in html and f'href="{reverse("learners:review")}"' in html and "<html" not in html
    card = ReviewCard.objects.get()
    assert card.due <= timezone.now() and card.reviews == 1
    due = card.due
    client.post(review_button(single), headers=HTMX)  # a double click
    card.refresh_from_db()
    assert ReviewCard.objects.count() == 1 and card.due == due and card.reviews == 1
    review = client.get(reverse("learners:review")).content.decode()
    assert "오늘 복습할 카드 1장" in review and f'id="question-{single.pk}"' in review


def test_다시_풀기_makes_a_card_for_a_question_answered_before_cards_existed(quiz):
    client = client_for_learner("old")
    single = quiz.questions.get(key="single")
    answer(client, single)
    ReviewCard.objects.all().delete()
    response = client.post(review_button(single))
    assert response.status_code == 302 and response["Location"] == f"{NOTEBOOK}?queued={single.pk}#mistake-{single.pk}"
    card = ReviewCard.objects.get()
    assert card.session_key == "old" and card.due <= timezone.now()
    page = client.get(response["Location"]).content.decode()  # without JavaScript: the same message, in place
    assert "복습 목록에 넣었습니다" in page and 'class="mistake__queued"' in page
    client.post(review_button(single))
    assert ReviewCard.objects.count() == 1


def test_a_visitors_notebook_and_review_cards_move_to_the_account_at_signup(client, quiz):
    single = quiz.questions.get(key="single")
    answer(client, single)  # a visitor: the answer starts their session
    client.post(review_button(single))
    assert ReviewCard.objects.get().user is None
    data = {"username": "newbie", "email": "n@example.org", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post(reverse("signup"), data).status_code == 302
    user = User.objects.get(username="newbie")
    card = ReviewCard.objects.get()
    assert card.user == user and card.session_key == ""
    other_device = Client()
    other_device.force_login(user)
    assert listed(other_device.get(NOTEBOOK).content.decode()) == [single.pk]
    assert f'id="question-{single.pk}"' in other_device.get(reverse("learners:review")).content.decode()


def test_one_learner_never_sees_nor_requeues_anothers_mistakes(quiz):
    alice, bob = Client(), Client()
    alice.force_login(User.objects.create_user("alice", password=PASSWORD))
    bob.force_login(User.objects.create_user("bob", password=PASSWORD))
    single = quiz.questions.get(key="single")
    answer(alice, single)
    assert listed(alice.get(NOTEBOOK).content.decode()) == [single.pk]
    bob_page = bob.get(NOTEBOOK).content.decode()
    assert listed(bob_page) == [] and "아직 틀린 문제가 없습니다" in bob_page and "single 문제?" not in bob_page
    assert bob.post(review_button(single)).status_code == 404
    assert client_for_learner("stranger").post(review_button(single), headers=HTMX).status_code == 404
    assert not ReviewCard.objects.exclude(user__username="alice").exists()


def test_a_visitor_without_a_session_gets_the_empty_notebook_shared_and_without_a_cookie(quiz):
    answer(client_for_learner("someone"), quiz.questions.get(key="single"))
    response = Client().get(NOTEBOOK)
    html = response.content.decode()
    assert response.status_code == 200 and not response.cookies and response["Cache-Control"] == "public, no-cache"
    assert "아직 틀린 문제가 없습니다" in html and listed(html) == [] and "single 문제?" not in html
    assert Client().post(review_button(quiz.questions.get(key="single"))).status_code == 404
    assert not ReviewCard.objects.exclude(session_key="someone").exists()


def test_a_learners_notebook_is_private(quiz):
    client = client_for_learner("private")
    answer(client, quiz.questions.get(key="single"))
    response = client.get(NOTEBOOK)
    assert response["Cache-Control"] == "private, no-cache"


def test_the_notebook_takes_a_fixed_number_of_queries_however_many_mistakes(django_assert_max_num_queries):
    lecture = make_lecture()

    def notebook_with(size):
        client = client_for_learner(f"many-{size}")
        for n in range(size):
            quiz = make_check(make_section(lecture, title=f"절 {size}-{n}", order=size * 100 + n), slug=f"q{size}-{n}")
            quiz.questions.update(section=quiz.section)
            for question in quiz.questions.all():
                answer(client, question)
        return client

    few, many = notebook_with(1), notebook_with(6)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert len(listed(few.get(NOTEBOOK).content.decode())) == 4
    with django_assert_max_num_queries(len(queries)):
        assert len(listed(many.get(NOTEBOOK).content.decode())) == 24


def test_the_review_card_shows_its_place_its_section_and_my_last_answer(quiz):
    client = client_for_learner("cards")
    single, tf = quiz.questions.get(key="single"), quiz.questions.get(key="tf")
    answer(client, single)
    answer(client, tf)
    html = client.get(reverse("learners:review")).content.decode()
    assert "FSRS" not in html and "틀렸거나 잊을 때가 된 문제를 다시 풉니다." in html
    assert '<span aria-hidden="true">1 / 2</span>' in html and '<span aria-hidden="true">2 / 2</span>' in html
    assert "오늘 복습 2장 중 1번째" in html
    assert f'출처: <a href="{quiz.section.get_absolute_url()}">' in html
    assert '<p class="review-card__given">etcd</p>' in html and '<p class="review-card__given">참</p>' in html
    assert '지난번 내 답: <span class="mark mark--wrong">틀림</span>' in html and "퀴즈에서" in html

    card = ReviewCard.objects.get(question=single)
    url = reverse("learners:review-answer", args=[card.pk])
    client.post(url, {"choice": [single.choices.get(text="etcd").token], "version": card.reviews}, headers=HTMX)
    html = client.get(reverse("learners:review")).content.decode()
    # One answered today counts first: the next cards are the second and third of today's three.
    assert '<span aria-hidden="true">2 / 3</span>' in html and '<span aria-hidden="true">3 / 3</span>' in html
    assert "복습에서" in html
    assert ReviewAnswer.objects.count() == 1
