"""Writes about learners: visits and completion, and moving a visitor's work to an account.

Every write is idempotent and a single statement where it can be (a double click, a
replay or two tabs give the same result); where a row may not exist yet, creation
races are settled by the database's unique constraints.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import hand_over
from core.personal import learner_changed
from course.models import Section
from learners.learner import Learner
from learners.models import ReviewCard, SectionProgress
from quizzes.models import Attempt


def _upsert(section, owner, **changes):
    """Change the learner's progress row for the section, made if they have none. Their pages'
    kept pieces (core.personal) are dropped when a mark can change: a new row, a completion."""
    rows = SectionProgress.objects.owned_by(owner).filter(section=section)
    if "completed_at" in changes:
        learner_changed(owner.cache_key)
    if rows.update(**changes):
        return
    learner_changed(owner.cache_key)
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
    learner_changed(owner.cache_key)
    if not completed:
        SectionProgress.objects.owned_by(owner).filter(section=section).update(completed_at=None)
        return
    rows = SectionProgress.objects.owned_by(owner).filter(section=section)
    # One statement for a learner who has read the section: the usual case, inside an answer's transaction.
    if rows.filter(completed_at__isnull=True).update(completed_at=timezone.now()) or rows.exists():
        return  # completed now, or before (the first completion time is kept)
    _upsert(section, owner, completed_at=timezone.now())


def learner_merge(*, user, session_key):
    """Move a visitor's progress, quiz attempts and review cards to the account they just logged in to.

    Nothing is lost or duplicated: where the account already has a row for a section or a
    question, the two are combined (``LearnerOwned.merge``); the account's own completion time
    is never replaced, and its open attempt stays the open one.
    """
    if not session_key:
        return
    with transaction.atomic():
        hand_over(SectionProgress, user=user, session_key=session_key)
        attempts = hand_over(Attempt, user=user, session_key=session_key)
        Attempt.renumber(user, {attempt.quiz_id for attempt in attempts})
        hand_over(ReviewCard, user=user, session_key=session_key)
        learner_changed(Learner(user=user).cache_key)  # their kept pages and review count


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
