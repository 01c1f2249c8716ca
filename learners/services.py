"""Writes about learners: visits and completion, and moving a visitor's work to an account.

Every write is idempotent and a single statement where it can be (a double click, a
replay or two tabs give the same result); where a row may not exist yet, creation
races are settled by the database's unique constraints.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from course.models import Section
from learners.models import ReviewCard, SectionProgress
from quizzes.models import Attempt


def _upsert(section, owner, **changes):
    rows = SectionProgress.objects.owned_by(owner).filter(section=section)
    if rows.update(**changes):
        return
    now = timezone.now()
    try:
        with transaction.atomic():
            SectionProgress.objects.create(
                section=section, **{"first_visited_at": now, "last_visited_at": now, **owner.fields, **changes}
            )
    except IntegrityError:  # another request of the same learner created it first
        rows.update(**changes)


def progress_visit(*, section, owner):
    _upsert(section, owner, last_visited_at=timezone.now())


def progress_set_completed(*, section, owner, completed):
    """Mark a section completed (the first completion time is kept) or not completed."""
    if not completed:
        SectionProgress.objects.owned_by(owner).filter(section=section).update(completed_at=None)
        return
    rows = SectionProgress.objects.owned_by(owner).filter(section=section)
    if rows.filter(completed_at__isnull=False).exists():
        return
    _upsert(section, owner, completed_at=timezone.now())


def learner_merge(*, user, session_key):
    """Move a visitor's progress and quiz attempts to the account they just logged in to.

    Nothing is lost or duplicated: where the account already has a row for a section,
    the two are combined and the account's own completion time is never replaced.
    """
    if not session_key:
        return
    with transaction.atomic():
        visitor_rows = list(
            SectionProgress.objects.select_for_update().filter(user__isnull=True, session_key=session_key)
        )
        mine = {
            row.section_id: row
            for row in SectionProgress.objects.select_for_update().filter(
                user=user, section__in=[r.section_id for r in visitor_rows]
            )
        }
        for row in visitor_rows:
            existing = mine.get(row.section_id)
            if existing is None:
                row.user, row.session_key = user, ""
                row.save(update_fields=["user", "session_key"])
                continue
            existing.first_visited_at = min(existing.first_visited_at, row.first_visited_at)
            existing.last_visited_at = max(existing.last_visited_at, row.last_visited_at)
            existing.completed_at = existing.completed_at or row.completed_at
            existing.save(update_fields=["first_visited_at", "last_visited_at", "completed_at"])
            row.delete()

        quizzes = set()
        for attempt in Attempt.objects.select_for_update().filter(user__isnull=True, session_key=session_key):
            if (
                attempt.finished_at is None
                and Attempt.objects.filter(quiz=attempt.quiz_id, user=user, finished_at__isnull=True).exists()
            ):
                attempt.finished_at = timezone.now()  # the account's open attempt stays the open one
            attempt.user, attempt.session_key = user, ""
            attempt.save(update_fields=["user", "session_key", "finished_at"])
            quizzes.add(attempt.quiz_id)
        for quiz_id in quizzes:
            for number, attempt in enumerate(
                Attempt.objects.filter(user=user, quiz=quiz_id).order_by("started_at", "id"), start=1
            ):
                if attempt.number != number:
                    Attempt.objects.filter(pk=attempt.pk).update(number=number)
        _merge_review_cards(user, session_key)


def _merge_review_cards(user, session_key):
    """A visitor's cards join the account's; where both have one, the more recently answered card
    stays and takes the other's review history."""
    visitor_cards = ReviewCard.objects.select_for_update().filter(user__isnull=True, session_key=session_key)
    mine = {card.question_id: card for card in ReviewCard.objects.select_for_update().filter(user=user)}
    for card in visitor_cards:
        existing = mine.get(card.question_id)
        if existing is None:
            card.user, card.session_key = user, ""
            card.save(update_fields=["user", "session_key"])
            continue
        last = {c.pk: c.answers.values_list("answered_at", flat=True).first() for c in (card, existing)}
        keep, drop = (
            (card, existing)
            if (last[card.pk] or card.created_at) > (last[existing.pk] or existing.created_at)
            else (existing, card)
        )
        drop.answers.update(card=keep)
        drop.delete()
        if keep is card:
            card.user, card.session_key = user, ""
            card.save(update_fields=["user", "session_key"])


def last_visited(owner):
    if not owner.is_known:
        return None
    row = (
        SectionProgress.objects.owned_by(owner)
        .filter(Section.published_q("section__"))
        .select_related("section__lecture__course")
        .order_by("-last_visited_at")
        .first()
    )
    return row.section if row else None
