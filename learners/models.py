"""Learners' progress through sections, and their spaced review cards."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import LearnerOwned, OwnedQuerySet
from course.models import Section
from quizzes.models import Choice, ChosenChoice, GradedAnswer, Question


class SectionProgressQuerySet(OwnedQuerySet):
    def completed(self):
        return self.filter(completed_at__isnull=False)


class SectionProgress(LearnerOwned):
    """One row per learner and section: first and last visit, and when it was completed.

    A learner is a user or, before they have an account, the learner token in their
    session (the same key quizzes use for attempts).
    """

    # PROTECT: deleting content never deletes a learner's progress; unpublish it instead.
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="progress", verbose_name=_("절"))
    first_visited_at = models.DateTimeField(_("처음 읽은 시각"), default=timezone.now)
    last_visited_at = models.DateTimeField(_("마지막으로 읽은 시각"), default=timezone.now)
    completed_at = models.DateTimeField(_("완료한 시각"), null=True, blank=True)

    objects = SectionProgressQuerySet.as_manager()
    merge_key = "section"

    class Meta(LearnerOwned.Meta):
        verbose_name = pgettext_lazy("model", "학습 진도")
        verbose_name_plural = pgettext_lazy("model plural", "학습 진도")
        constraints = [
            *LearnerOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["user", "section"], condition=Q(user__isnull=False), name="progress_one_row_per_user_section"
            ),
            models.UniqueConstraint(
                fields=["session_key", "section"],
                condition=Q(user__isnull=True),
                name="progress_one_row_per_session_section",
            ),
        ]
        indexes = [models.Index(fields=["user", "-last_visited_at"], name="progress_user_recent")]

    def __str__(self):
        return f"{self.user or self.session_key[:8]} · {self.section}"

    def merge(self, visitor_row):
        """The earliest first visit, the latest last visit; the account's completion time is kept."""
        self.first_visited_at = min(self.first_visited_at, visitor_row.first_visited_at)
        self.last_visited_at = max(self.last_visited_at, visitor_row.last_visited_at)
        self.completed_at = self.completed_at or visitor_row.completed_at
        self.save(update_fields=["first_visited_at", "last_visited_at", "completed_at"])
        return self, visitor_row


class ReviewCard(LearnerOwned):
    """A question a learner has met, scheduled for review by FSRS (the py-fsrs package).

    One row per learner and question. ``fsrs`` is the scheduler's card state as py-fsrs
    writes it; ``due`` copies its due time so the due list is one indexed query.
    ``reviews`` counts the answers so far and doubles as the version a review form carries,
    so a double-clicked or replayed answer is graded once.
    """

    # PROTECT: editing content never deletes a learner's cards.
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="review_cards", verbose_name=_("문제")
    )
    due = models.DateTimeField(_("다음 복습"))
    fsrs = models.JSONField(default=dict, editable=False)
    reviews = models.PositiveIntegerField(_("답한 횟수"), default=0)
    last_correct = models.BooleanField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    merge_key = "question"

    class Meta(LearnerOwned.Meta):
        verbose_name = pgettext_lazy("model", "복습 카드")
        verbose_name_plural = pgettext_lazy("model plural", "복습 카드")
        constraints = [
            *LearnerOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["user", "question"], condition=Q(user__isnull=False), name="card_one_per_user_question"
            ),
            models.UniqueConstraint(
                fields=["session_key", "question"],
                condition=Q(user__isnull=True),
                name="card_one_per_session_question",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "due"], name="card_user_due"),
            models.Index(fields=["session_key", "due"], name="card_session_due"),
        ]

    def __str__(self):
        return f"{self.user or self.session_key[:8]} · {self.question}"

    def merge(self, visitor_row):
        """The more recently answered card stays, and takes the other's review history."""
        last = {
            c.pk: c.answers.values_list("answered_at", flat=True).first() or c.created_at for c in (self, visitor_row)
        }
        keep, drop = (visitor_row, self) if last[visitor_row.pk] > last[self.pk] else (self, visitor_row)
        drop.answers.update(card=keep)
        return keep, drop


class ReviewAnswer(GradedAnswer):
    """An answer given in the review: its own history, never part of a quiz attempt or its score."""

    card = models.ForeignKey(ReviewCard, on_delete=models.CASCADE, related_name="answers")
    choices = models.ManyToManyField(Choice, blank=True, related_name="+", through="ReviewAnswerChoice")
    rating = models.PositiveSmallIntegerField()  # fsrs.Rating: 1 Again, 2 Hard, 3 Good
    due_after = models.DateTimeField()

    class Meta:
        ordering = ["-answered_at", "-id"]
        verbose_name = pgettext_lazy("model", "복습 답안")
        verbose_name_plural = pgettext_lazy("model plural", "복습 답안")

    def __str__(self):
        return f"{self.card} · {self.answered_at:%Y-%m-%d %H:%M}"


class AddressConfirmation(models.Model):
    """When an account last confirmed an e-mail address.

    A confirmation link holds only while this and the account's address are as they were when
    it was mailed (``learners.accounts.AddressTokenGenerator``): using a link changes this, so
    the link works once, and clearing the address later does not bring old links back.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="address_confirmation"
    )
    confirmed_at = models.DateTimeField(_("확인 시각"))

    class Meta:
        verbose_name = pgettext_lazy("model", "이메일 주소 확인")
        verbose_name_plural = pgettext_lazy("model plural", "이메일 주소 확인")

    def __str__(self):
        return f"{self.user} · {self.confirmed_at:%Y-%m-%d %H:%M}"


class ReviewAnswerChoice(ChosenChoice):
    reviewanswer = models.ForeignKey(ReviewAnswer, on_delete=models.CASCADE)

    class Meta:
        db_table = "learners_reviewanswer_choices"  # the table Django made for the plain many-to-many field
        unique_together = [("reviewanswer", "choice")]
        verbose_name = pgettext_lazy("model", "복습에서 고른 선택지")
        verbose_name_plural = pgettext_lazy("model plural", "복습에서 고른 선택지")
