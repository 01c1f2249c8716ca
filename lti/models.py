"""What the LTI tool keeps beside django-lti's own rows (``lti_tool``: platforms, deployments,
the platform's users and contexts): the nonces already used, the class a context became, where
a quiz's grade goes back, and the scores on their way there."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from lti_tool.models import LtiContext, LtiRegistration

from classes.models import Class
from quizzes.models import Quiz


class UsedNonce(models.Model):
    """A launch's nonce, once used: kept until its token expires, so the same id_token posted again
    (with a fresh state, even) is refused. pylti1p3 checks that a nonce was issued, never that it
    is unused."""

    issuer = models.CharField(max_length=255)
    nonce = models.CharField(max_length=255)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = pgettext_lazy("model", "사용한 nonce")
        verbose_name_plural = pgettext_lazy("model plural", "사용한 nonce")
        constraints = [models.UniqueConstraint(fields=["issuer", "nonce"], name="nonce_used_once_per_issuer")]

    def __str__(self):
        return f"{self.issuer} · {self.nonce}"


class ContextClass(models.Model):
    """The class an LMS course (an LTI context) became on this site: its roster, its staff."""

    context = models.OneToOneField(LtiContext, on_delete=models.CASCADE, related_name="course_class")
    klass = models.OneToOneField(Class, on_delete=models.CASCADE, related_name="lti_context", verbose_name=_("반"))
    roster_synced_at = models.DateTimeField(_("명단을 가져온 때"), null=True, blank=True)
    roster_tried_at = models.DateTimeField(null=True, blank=True)
    roster_error = models.TextField(_("명단을 가져오지 못한 까닭"), blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "LMS 강좌의 반")
        verbose_name_plural = pgettext_lazy("model plural", "LMS 강좌의 반")

    def __str__(self):
        return f"{self.context} → {self.klass}"


class GradeLink(models.Model):
    """Where one LMS keeps the grade of a quiz it links to (Assignment and Grade Services): the line
    item of a resource link, given in the launch or, when the platform lets the tool make one,
    created on the first score (``lineitem`` is blank until then)."""

    registration = models.ForeignKey(LtiRegistration, on_delete=models.CASCADE, related_name="+")
    context = models.ForeignKey(LtiContext, on_delete=models.CASCADE, related_name="grade_links")
    resource_link_id = models.CharField(max_length=255)
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="+", verbose_name=_("퀴즈"))
    lineitem = models.URLField(_("성적 항목"), max_length=500, blank=True)
    lineitems = models.URLField(max_length=500, blank=True)  # where a missing one is created
    scopes = models.JSONField(default=list)

    class Meta:
        verbose_name = pgettext_lazy("model", "성적 연결")
        verbose_name_plural = pgettext_lazy("model plural", "성적 연결")
        constraints = [
            models.UniqueConstraint(fields=["context", "resource_link_id"], name="grade_link_one_per_resource_link")
        ]

    def __str__(self):
        return f"{self.quiz} → {self.lineitem or self.lineitems}"


class ScoreOut(models.Model):
    """A score on its way to an LMS: the durable outbox ``lti.grades`` sends from. Tried once as the
    attempt is finished, then by ``send_scores`` with back-off until it is accepted; a newer score
    of the same learner for the same line item supersedes one not yet sent. Sent once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("보낼 차례")
        SENDING = "sending", _("보내는 중")
        SENT = "sent", _("보냄")
        SUPERSEDED = "superseded", _("새 점수로 대체")
        FAILED = "failed", _("포기함")

    link = models.ForeignKey(GradeLink, on_delete=models.CASCADE, related_name="scores", verbose_name=_("성적 연결"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("학습자")
    )
    sub = models.CharField(max_length=255)  # the learner on the platform
    score_given = models.FloatField(_("점수"))
    score_maximum = models.FloatField(_("만점"))
    timestamp = models.DateTimeField(_("점수가 난 때"))
    status = models.CharField(_("상태"), max_length=12, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveIntegerField(_("시도"), default=0)
    next_try_at = models.DateTimeField(_("다음 시도"), default=timezone.now)
    last_error = models.TextField(_("마지막 오류"), blank=True)
    sent_at = models.DateTimeField(_("보낸 때"), null=True, blank=True)

    class Meta:
        ordering = ["-timestamp", "-id"]
        verbose_name = pgettext_lazy("model", "보낼 점수")
        verbose_name_plural = pgettext_lazy("model plural", "보낼 점수")
        indexes = [models.Index(fields=["status", "next_try_at"], name="score_out_due")]

    def __str__(self):
        return f"{self.link.quiz} · {self.user} · {self.score_given:g}/{self.score_maximum:g}"
