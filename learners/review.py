"""Spaced review: every question a learner has answered becomes a card that FSRS schedules.

The scheduler is py-fsrs with its default parameters, no learning steps (a wrong answer is
due again at once, a right one graduates to an interval of days) and no fuzzing (the same
answers give the same schedule). Ratings: a wrong answer is Again; a right answer is Good,
or Hard when it came in a retried quiz attempt after a wrong answer to the same question
(there are no hints to count). Review answers are their own history (``ReviewAnswer``):
they never touch quiz attempts or scores.

The review page numbers each due card among today's reviews ("3 / 12") and shows the learner's
last answer to it (``due_page``); the wrong-answer notebook's "다시 풀기" makes a card due now
(``card_due_now``).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fsrs import Card, Rating, Scheduler

from core.cache import PAGE_TIMEOUT, content_version
from core.personal import holds_until, learner_changed, learner_state
from learners.models import ReviewAnswer, ReviewCard
from learners.selectors import QUESTION_LINKS, latest_answers, source_section
from quizzes.models import Answer, Attempt, Quiz
from quizzes.services import AnswerError, QuestionState, parse_answer

SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
DAILY_LIMIT = 50  # answers a day; what is due beyond it waits for tomorrow
PAGE_SIZE = 10


def rating_for(correct, retried=False):
    if not correct:
        return Rating.Again
    return Rating.Hard if retried else Rating.Good


def _schedule(card, rating, correct, now):
    _next(card, rating, correct, now)
    _write(card)


def _next(card, rating, correct, now):
    """Give the card (in memory) its next state after this review: FSRS's computation, no query."""
    # A new card's id given, as fsrs would make it: without one, fsrs sleeps 1 ms to keep ids apart
    # (in every first answer's request); nothing here reads it, the ReviewCard's key is the card's.
    state = Card.from_dict(card.fsrs) if card.fsrs else Card(card_id=int(now.timestamp() * 1000))
    state, _log = SCHEDULER.review_card(state, rating, now)
    if rating == Rating.Again:
        state.due = now  # due at once, whatever the interval would be
    card.fsrs, card.due, card.reviews, card.last_correct = state.to_dict(), state.due, card.reviews + 1, correct


def _write(card):
    """Store the state ``_next`` gave the card: one statement."""
    learner_changed(card.owner_key)  # their kept pages and due count are read again
    if card.pk is None:
        card.save()
        return
    # Only if nobody reviewed the card since it was read: else the caller's transaction fails and reads again.
    changed = ReviewCard.objects.filter(pk=card.pk, reviews=card.reviews - 1).update(
        fsrs=card.fsrs, due=card.due, reviews=card.reviews, last_correct=card.last_correct
    )
    if not changed:
        raise IntegrityError("the review card changed since it was read")


def prepare_quiz_answer(owner, question, attempt, correct, now=None, first_time=False):
    """A quiz answer about to be stored reviews its question's card, made at the first answer.
    The card is read (unless this is the ``first_time`` the learner answers the quiz: they have
    none) and its next state computed now; the returned write runs in the answer's transaction
    (``quizzes.signals.answer_recording``). Should a card exist after all, the insert fails and the
    answer is tried again, reading it."""
    now = now or timezone.now()
    card = None if first_time else ReviewCard.objects.owned_by(owner).filter(question=question).first()
    card = card or ReviewCard(question=question, due=now, **owner.fields)
    retried = attempt.number > 1 and card.last_correct is False
    _next(card, rating_for(correct, retried), correct, now)
    return lambda answer: _write(card)


def answer(card, *, tokens=(), text="", parts=(), version=None, now=None):
    """Grade a review answer; returns (ReviewAnswer, created). Raises quizzes' AnswerError for bad input.

    A form carries the card's version: a second submit of the same form (a double click,
    a replay) returns the answer already given instead of reviewing the card twice.
    """
    now = now or timezone.now()
    if version is None:
        raise AnswerError(_("이 카드의 답안 양식이 올바르지 않습니다. 복습 페이지를 새로 고친 뒤 다시 답해 주세요."))
    sent = parse_answer(card.question, tokens, text, parts)
    with transaction.atomic():
        card = ReviewCard.objects.select_for_update().select_related("question").get(pk=card.pk)
        # Only a due card is reviewed, and only by the form of its current version: anything
        # else is a replay of the answer already given (or a made-up version), graded never.
        if version != card.reviews or card.due > now:
            if given := card.answers.first():
                return given, False
            raise AnswerError(_("이 카드는 아직 복습할 때가 아닙니다. 복습 페이지를 새로 고쳐 주세요."))
        question = card.question
        mark = question.mark(**sent)
        arranged = question.arrange(question.choices.all(), _seed(card))  # the form shown, before the review
        rating = rating_for(mark.is_correct)
        _schedule(card, rating, mark.is_correct, now)
        given = ReviewAnswer.record(
            question=question,
            arranged=arranged,
            sent=sent,
            mark=mark,
            card=card,
            rating=int(rating),
            due_after=card.due,
            answered_at=now,
        )
    return given, True


def answer_or_error(card, sent, version):
    """``answer`` for a view: (the review answer or None, the message of input that could not be
    recorded or ""); the card is read again, as the answer changed it."""
    try:
        given, _created = answer(card, **sent, version=version)
    except AnswerError as error:
        return None, str(error)
    card.refresh_from_db()
    return given, ""


def _today(now):
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _is_due(now):
    """A card that is due and whose quiz readers may open."""
    return Q(due__lte=now) & readable()


def readable():
    """Cards whose quiz readers may open now: only those are shown or answered."""
    return Quiz.published_q("question__quiz__")


def done_today(owner, now=None):
    """How many review answers the learner gave today."""
    now = now or timezone.now()
    cards = ReviewCard.objects.owned_by(owner)
    return ReviewAnswer.objects.filter(card__in=cards, answered_at__gte=_today(now)).count()


def remaining_today(owner, now=None, done=None):
    return max(0, DAILY_LIMIT - (done_today(owner, now) if done is None else done))


def due_count(owner, now=None):
    """Cards due now, up to what today's limit still allows: the header shows it on every page.

    Kept in the cache per learner until it can next change: the next card falls due, the day
    turns, content changes or the learner's cards do (the key names the content version and the
    learner's state, ``core.personal.learner_state``). So a page usually reads it without a query.
    """
    if not owner.is_known:
        return 0
    now = now or timezone.now()
    key = _due_key(owner.cache_key)
    stored = cache.get(key)
    if stored is None or stored[1] <= now:
        stored = _due_now(owner, now)
        cache.set(key, stored, PAGE_TIMEOUT)
    holds_until(stored[1])  # a page kept with this count is kept no longer (core.personal)
    return stored[0]


def _due_key(owner_key):
    return f"review-due:{content_version()}:{learner_state(owner_key)}"


def _due_now(owner, now):
    """(the due count, when it may next change), in one query."""
    counts = ReviewCard.objects.owned_by(owner).aggregate(
        due_now=Count("pk", distinct=True, filter=_is_due(now)),
        done_today=Count("answers", distinct=True, filter=Q(answers__answered_at__gte=_today(now))),
        soonest=Min("due", filter=Q(due__gt=now)),
    )
    until = min(filter(None, [counts["soonest"], _today(now) + timedelta(days=1)]))
    return max(0, min(counts["due_now"], DAILY_LIMIT - counts["done_today"])), until


def next_due(owner, now=None):
    """When the next card that is not due yet becomes due, or None."""
    now = now or timezone.now()
    card = ReviewCard.objects.owned_by(owner).filter(due__gt=now).order_by("due").only("due").first()
    return card.due if card else None


def due_cards(owner, now=None, limit=PAGE_SIZE, done=None):
    """The most overdue cards first, within today's limit, with all a page needs (fixed queries).
    ``done``: today's review answers, when the caller has counted them."""
    if not owner.is_known:
        return []
    now = now or timezone.now()
    limit = min(limit, remaining_today(owner, now, done))
    return list(
        ReviewCard.objects.owned_by(owner)
        .filter(_is_due(now))
        .select_related(*(f"question__{link}" for link in QUESTION_LINKS))
        .prefetch_related("question__choices", "question__patterns")
        .order_by("due", "id")[:limit]
    )


def _until(due, now):
    """ "1일", "3시간": how long until a card returns, rounded as a person would say it; "" if due now."""
    left = due - now
    if left >= timedelta(hours=20):
        days = round(left / timedelta(days=1))
        return ngettext("%(n)d일", "%(n)d일", days) % {"n": days}
    if left >= timedelta(minutes=50):
        hours = round(left / timedelta(hours=1))
        return ngettext("%(n)d시간", "%(n)d시간", hours) % {"n": hours}
    return ""


def _seed(card):
    """The secret shuffle of a card's form, new at each review."""
    return salted_hmac("learners.review-shuffle", f"{card.pk}:{card.reviews}").hexdigest()


def state(card, number, given=None, error="", now=None):
    """The quiz question block's state for a card: shuffled choices, its own form, the answer if any."""
    if given is not None:
        question, choices, pairs = card.question.as_shown(given.shown)
    else:
        question = card.question
        choices, pairs = question.arrange(question.choices.all(), _seed(card))
    upcoming = _until(card.due, now or timezone.now()) if given is not None else ""
    return QuestionState(
        question=question,
        number=number,
        choices=choices,
        pairs=pairs,
        answer=given,
        error=error,
        action=reverse("learners:review-answer", args=[card.pk]),
        version=card.reviews,
        next_review=upcoming,
    )


def answered_state(owner, pk, now=None):
    """The owner's card ``pk`` with its latest review answer, to show after a form sent without htmx."""
    if not owner.is_known or not str(pk).isdigit():
        return None
    card = (
        ReviewCard.objects.owned_by(owner)
        .filter(readable(), pk=pk)
        .select_related("question__section__lecture__course")
        .first()
    )
    given = card.answers.first() if card else None
    return state(card, 0, given=given, now=now) if given else None


def answer_summary(answer, question, length=80):
    """A graded answer as one short line: the choices picked, the text typed, or each item's answer
    (a matching term with the description picked for it)."""
    kind = question.kind_class
    parts = []
    for given in answer.given:
        if isinstance(given, dict):  # an item of an ordering, matching or cloze answer
            parts.append(f"{given['label']}: {given['given']}" if given.get("label") else given.get("given", ""))
        else:
            parts.append(str(kind.choice_label(given) or given))
    return Truncator(" · ".join(part for part in parts if part)).chars(length)


@dataclass
class DueCard:
    """A due card as the review page lists it: its question block, its place among today's reviews
    ("3 / 12") and the learner's last answer to its question, in a quiz or in the review."""

    card: ReviewCard
    state: QuestionState
    place: int
    total: int
    last_answer: object = None  # an Answer or a ReviewAnswer

    @property
    def section(self):
        return source_section(self.card.question)

    @property
    def last_answer_text(self):
        return answer_summary(self.last_answer, self.card.question) if self.last_answer else ""

    @property
    def last_answer_in_review(self):
        return isinstance(self.last_answer, ReviewAnswer)


def due_page(owner, now=None):
    """The review page's due cards, most overdue first, each with its place among today's reviews:
    the cards answered today count first, so the place keeps counting up as the learner answers
    and comes back, and the total is what today holds (answered and still due). Fixed queries."""
    if not owner.is_known:
        return []
    now = now or timezone.now()
    done = done_today(owner, now)
    cards = due_cards(owner, now, done=done)
    total = max(done + due_count(owner, now), done + len(cards))
    last = latest_answers(owner, [card.question_id for card in cards])
    return [
        DueCard(card, state(card, done + n, now=now), done + n, total, last.get(card.question_id))
        for n, card in enumerate(cards, start=1)
    ]


def card_due_now(*, owner, question, now=None):
    """Put a question the learner has answered into their review queue now (the notebook's "다시 풀기"):
    its card due now, or made if it has none. A card already due keeps its place in the queue, so a
    second press changes nothing. False, and nothing made, if the learner never answered it."""
    now = now or timezone.now()
    cards = ReviewCard.objects.owned_by(owner).filter(question=question)
    if cards.filter(due__gt=now).update(due=now):
        learner_changed(owner.cache_key)  # the header's count and their kept pages
        return True
    if cards.exists():
        return True
    if not Answer.objects.filter(attempt__in=Attempt.objects.owned_by(owner), question=question).exists():
        return False
    try:
        with transaction.atomic():
            ReviewCard.objects.create(question=question, due=now, **owner.fields)
    except IntegrityError:
        pass  # made by the other request of a double click
    learner_changed(owner.cache_key)
    return True
