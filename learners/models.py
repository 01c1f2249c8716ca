"""Learners' progress through sections."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from course.models import Section


class SectionProgressQuerySet(models.QuerySet):
    def owned_by(self, owner):
        return self.filter(**owner.lookup) if owner.is_known else self.none()

    def completed(self):
        return self.filter(completed_at__isnull=False)


class SectionProgress(models.Model):
    """One row per learner and section: first and last visit, and when it was completed.

    A learner is a user or, before they have an account, the learner token in their
    session (the same key quizzes use for attempts).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="section_progress"
    )
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    # PROTECT: deleting content never deletes a learner's progress; unpublish it instead.
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="progress", verbose_name=_("절"))
    first_visited_at = models.DateTimeField(_("처음 읽은 시각"), default=timezone.now)
    last_visited_at = models.DateTimeField(_("마지막으로 읽은 시각"), default=timezone.now)
    completed_at = models.DateTimeField(_("완료한 시각"), null=True, blank=True)

    objects = SectionProgressQuerySet.as_manager()

    class Meta:
        verbose_name = _("학습 진도")
        verbose_name_plural = _("학습 진도")
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(session_key=""), name="progress_has_an_owner"),
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
