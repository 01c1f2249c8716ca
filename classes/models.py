"""Classes: an instructor gathers learners of a course into a class they join with a code.

A class's staff (its instructor, co-instructors and teaching assistants) see and manage that class
and nothing of any other: the role comes from a ``Membership`` row, never from global staff rights.
Leaving or being removed deletes the membership only; a learner's own records stay theirs.
"""

from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from course.models import Course

CODE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread when it is read out
CODE_LENGTH = 8


def new_code():
    return get_random_string(CODE_LENGTH, CODE_CHARS)


def validate_time_zone(name):
    if name not in available_timezones():
        raise ValidationError(_("알 수 없는 시간대입니다: %(name)s (예: Asia/Seoul)"), params={"name": name})


class Role(models.TextChoices):
    INSTRUCTOR = "instructor", _("담당 교수자")
    CO_INSTRUCTOR = "co_instructor", _("공동 교수자")
    ASSISTANT = "assistant", _("조교")
    LEARNER = "learner", _("학습자")


STAFF_ROLES = (Role.INSTRUCTOR, Role.CO_INSTRUCTOR, Role.ASSISTANT)
MANAGING_ROLES = (Role.INSTRUCTOR, Role.CO_INSTRUCTOR)  # change the code, add staff, remove learners


class ClassQuerySet(models.QuerySet):
    def with_role(self, user, roles):
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__role__in=roles).distinct()

    def staffed_by(self, user):
        return self.with_role(user, STAFF_ROLES)

    def managed_by(self, user):
        return self.with_role(user, MANAGING_ROLES)

    def joined_by(self, user):
        return self.with_role(user, [Role.LEARNER])


class Class(models.Model):
    """A class of a course: its learners, its staff and the rules its gradebook follows."""

    class GradePolicy(models.TextChoices):
        FIRST = "first", _("첫 응시")
        BEST = "best", _("가장 높은 응시")
        LAST = "last", _("마지막 응시")

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="classes", verbose_name=_("강좌"))
    name = models.CharField(_("반 이름"), max_length=100)
    code = models.CharField(_("참여 코드"), max_length=16, unique=True, default=new_code, editable=False)
    joining_open = models.BooleanField(_("참여 받는 중"), default=True)
    time_zone = models.CharField(_("시간대"), max_length=64, default="Asia/Seoul", validators=[validate_time_zone])
    grade_policy = models.CharField(_("성적 기준"), max_length=8, choices=GradePolicy.choices, default=GradePolicy.BEST)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ClassQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("model", "반")
        verbose_name_plural = pgettext_lazy("model plural", "반")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("classes:detail", args=[self.pk])

    def get_join_url(self):
        return reverse("classes:join", args=[self.code])

    def role_of(self, user):
        """The user's role in this class, or None."""
        if not user.is_authenticated:
            return None
        return self.memberships.filter(user=user).values_list("role", flat=True).first()


class Membership(models.Model):
    """A user's place in a class: a learner, or one of its staff."""

    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("반"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="class_memberships", verbose_name=_("사용자")
    )
    role = models.CharField(_("역할"), max_length=16, choices=Role.choices, default=Role.LEARNER)
    joined_at = models.DateTimeField(_("참여한 때"), default=timezone.now)

    class Meta:
        ordering = ["klass", "role", "user__username"]
        verbose_name = pgettext_lazy("model", "반 구성원")
        verbose_name_plural = pgettext_lazy("model plural", "반 구성원")
        constraints = [models.UniqueConstraint(fields=["klass", "user"], name="membership_one_per_user_and_class")]

    def __str__(self):
        return f"{self.klass} · {self.user} ({self.get_role_display()})"

    @property
    def is_staff_role(self):
        return self.role in STAFF_ROLES
