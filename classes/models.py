"""Classes: an instructor gathers learners of a course into a class they join with a code.

A class's staff (its instructor, co-instructors and teaching assistants) see and manage that class
and nothing of any other: the role comes from a ``Membership`` row, never from global staff rights.
Leaving or being removed deletes the membership only; a learner's own records stay theirs.
"""

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from core.cache import forget, remembered
from core.models import owner_key
from core.personal import holds_until, learners_changed
from course.models import Course, Lecture
from quizzes.models import Quiz

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

    class LatePolicy(models.TextChoices):
        ACCEPT = "accept", _("마감 뒤에도 받고 늦음으로 표시")
        CLOSE = "close", _("마감 뒤에는 받지 않음")

    grade_policy = models.CharField(_("성적 기준"), max_length=8, choices=GradePolicy.choices, default=GradePolicy.BEST)
    late_policy = models.CharField(
        _("마감 뒤에 낸 답"), max_length=8, choices=LatePolicy.choices, default=LatePolicy.ACCEPT
    )
    starts_at = models.DateTimeField(_("시작"), default=timezone.now)
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
    reminders = models.BooleanField(_("알림 메일 받기"), default=True)
    language = models.CharField(_("알림 메일 언어"), max_length=8, choices=settings.LANGUAGES, default="ko")

    class Meta:
        ordering = ["klass", "role", "user__username"]
        verbose_name = pgettext_lazy("model", "반 구성원")
        verbose_name_plural = pgettext_lazy("model plural", "반 구성원")
        constraints = [models.UniqueConstraint(fields=["klass", "user"], name="membership_one_per_user_and_class")]

    def __str__(self):
        return f"{self.klass} · {self.user} ({self.get_role_display()})"


class Deadline(models.Model):
    """When a class is to have read a lecture or finished a quiz."""

    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="deadlines", verbose_name=_("반"))
    lecture = models.ForeignKey(
        Lecture, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("강의")
    )
    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("퀴즈")
    )
    due_at = models.DateTimeField(_("마감"))

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = pgettext_lazy("model", "마감")
        verbose_name_plural = pgettext_lazy("model plural", "마감")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lecture__isnull=True, quiz__isnull=False)
                | models.Q(lecture__isnull=False, quiz__isnull=True),
                name="deadline_for_a_lecture_or_a_quiz",
            ),
            models.UniqueConstraint(fields=["klass", "quiz"], name="deadline_one_per_quiz"),
            models.UniqueConstraint(fields=["klass", "lecture"], name="deadline_one_per_lecture"),
        ]

    def __str__(self):
        return str(self.quiz or self.lecture)

    @property
    def target(self):
        return self.quiz or self.lecture

    def due_for(self, extended_to=None):
        """One learner's date: their extension's, unless the deadline has since moved past it."""
        return max(self.due_at, extended_to) if extended_to else self.due_at


class Extension(models.Model):
    """One learner's later due date for one deadline, with the reason the staff gave."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("마감"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("학습자")
    )
    due_at = models.DateTimeField(_("새 마감"))
    reason = models.CharField(_("사유"), max_length=200)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("연장한 사람")
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["deadline", "user"]
        verbose_name = pgettext_lazy("model", "마감 연장")
        verbose_name_plural = pgettext_lazy("model plural", "마감 연장")
        constraints = [models.UniqueConstraint(fields=["deadline", "user"], name="extension_one_per_learner")]

    def __str__(self):
        return f"{self.deadline} · {self.user}"


def due_label(due_at, time_zone, now=None):
    """ "마감 D-3", "오늘 마감" or "마감 지남", counted in days of the class's time zone."""
    now = now or timezone.now()
    if due_at < now:
        return _("마감 지남")
    zone = ZoneInfo(time_zone)
    days = (timezone.localtime(due_at, zone).date() - timezone.localtime(now, zone).date()).days
    return _("오늘 마감") if days == 0 else ngettext("마감 D-%(days)d", "마감 D-%(days)d", days) % {"days": days}


def label_changes_at(due_at, time_zone, now=None):
    """When ``due_label`` next reads differently: the next midnight of the class's zone, or the
    due time itself if that comes first; None once it has passed."""
    now = now or timezone.now()
    if due_at < now:
        return None
    zone = ZoneInfo(time_zone)
    midnight = timezone.localtime(now, zone).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return min(due_at, midnight)


@dataclass
class Due:
    """A deadline as one learner has it: the class's date, or their extension's."""

    deadline: Deadline
    due_at: object
    extension: Extension | None = None

    def label(self, now=None):
        return due_label(self.due_at, self.deadline.klass.time_zone, now)


DUES_KEY = "classes-dues:{}"
DUES_TIMEOUT = 600


@dataclass(frozen=True)
class LearnerDue:
    """One of a learner's due dates, across their classes, as their pages and the answer check
    read it (kept in the shared cache: plain values only)."""

    class_name: str
    time_zone: str
    closes: bool  # the class refuses answers after it
    lecture_id: int
    quiz_id: int | None  # None: the lecture's reading
    title: str
    url: str
    due_at: object
    extended: bool

    def label(self, now=None):
        changes_at = label_changes_at(self.due_at, self.time_zone, now)
        if changes_at is not None:
            holds_until(changes_at)  # a page kept with this label is kept no longer (core.personal)
        return due_label(self.due_at, self.time_zone, now)

    @property
    def passed(self):
        return self.due_at < timezone.now()


def learner_dues(user):
    """Every due date of ``user`` in the classes they learn in (their extension's date where they
    have one), soonest first. Kept in the shared cache per learner, so an answer or a page asks no
    query for it; every change that could alter it forgets the learner's entry (``forget_dues``)."""
    return remembered(DUES_KEY.format(user.pk), DUES_TIMEOUT, lambda: _learner_dues(user))


def _learner_dues(user):
    deadlines = list(
        Deadline.objects.filter(
            Q(quiz__in=Quiz.objects.published()) | Q(lecture__in=Lecture.objects.published()),
            klass__memberships__user=user,
            klass__memberships__role=Role.LEARNER,
        ).select_related("klass", "quiz__section__lecture__course", "quiz__lecture", "lecture__course")
    )
    extended = {e.deadline_id: e.due_at for e in Extension.objects.filter(deadline__in=deadlines, user=user)}
    dues = [
        LearnerDue(
            class_name=d.klass.name,
            time_zone=d.klass.time_zone,
            closes=d.klass.late_policy == Class.LatePolicy.CLOSE,
            lecture_id=d.quiz.lecture_id if d.quiz_id else d.lecture_id,
            quiz_id=d.quiz_id,
            title=str(d.target),
            url=d.target.get_absolute_url(),
            due_at=d.due_for(extended.get(d.pk)),
            extended=d.due_for(extended.get(d.pk)) > d.due_at,
        )
        for d in deadlines
    ]
    return sorted(dues, key=lambda due: due.due_at)


@dataclass(frozen=True)
class Closing:
    """When a quiz stops taking one learner's answers, and the class that closes it."""

    due_at: object
    class_name: str
    time_zone: str


def closing_times(user):
    """quiz id → Closing, for the quizzes a class of ``user``'s closes at its deadline (their
    extension's date if they have one). A quiz is left out while any class of theirs with a due
    date for it still takes late answers."""
    dues = [due for due in learner_dues(user) if due.quiz_id is not None]
    accepting = {due.quiz_id for due in dues if not due.closes}
    closing = {}
    for due in dues:
        if due.quiz_id in accepting:
            continue
        if due.quiz_id not in closing or closing[due.quiz_id].due_at < due.due_at:
            closing[due.quiz_id] = Closing(due.due_at, due.class_name, due.time_zone)
    return closing


def closing_due(user, quiz_id, now=None):
    """The Closing that has closed ``quiz_id`` to ``user`` by ``now``, or None."""
    closing = closing_times(user).get(quiz_id)
    return closing if closing is not None and (now or timezone.now()) > closing.due_at else None


def forget_dues(user_ids):
    """These learners' due dates changed: drop their cached ones and their kept pages, now and
    once the change commits."""
    user_ids = list(user_ids)
    forget(DUES_KEY.format(pk) for pk in user_ids)
    learners_changed([owner_key(pk, None) for pk in user_ids])


def dues_of(klass, user):
    """The class's deadlines as ``user`` has them, soonest first (two queries)."""
    deadlines = list(klass.deadlines.select_related("quiz", "lecture", "klass"))
    extensions = {e.deadline_id: e for e in Extension.objects.filter(deadline__in=deadlines, user=user)}
    dues = []
    for deadline in deadlines:
        extension = extensions.get(deadline.pk)
        due_at = deadline.due_for(extension.due_at if extension else None)
        dues.append(Due(deadline, due_at, extension if due_at > deadline.due_at else None))
    return sorted(dues, key=lambda due: due.due_at)


class Reminder(models.Model):
    """An e-mail the reminder command sent (or is sending): one per learner and ``key``, so a
    second run sends nothing twice. The key names what it was about: a due date as it stood
    ("due:<deadline>:<time>", so a moved deadline is reminded of again) or a week's digest."""

    class Kind(models.TextChoices):
        DUE = "due", _("마감 알림")
        DIGEST = "digest", _("주간 요약")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("받는 사람")
    )
    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("반"))
    kind = models.CharField(_("종류"), max_length=8, choices=Kind.choices)
    key = models.CharField(max_length=100)
    address = models.EmailField(_("주소"))
    subject = models.CharField(_("제목"), max_length=200)
    run = models.CharField(max_length=32, editable=False)  # the run that claimed it
    sent_at = models.DateTimeField(_("보낸 때"), default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = pgettext_lazy("model", "보낸 알림")
        verbose_name_plural = pgettext_lazy("model plural", "보낸 알림")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="reminder_once_per_user_and_key")]
        indexes = [models.Index(fields=["key"], name="reminder_key"), models.Index(fields=["run"], name="reminder_run")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.user} · {self.subject}"
