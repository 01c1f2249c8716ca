"""What the LTI tool keeps beside django-lti's own rows (``lti_tool``: platforms, deployments,
the platform's users and contexts): the nonces already used, and the class a context became."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from lti_tool.models import LtiContext

from classes.models import Class


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

    class Meta:
        verbose_name = pgettext_lazy("model", "LMS 강좌의 반")
        verbose_name_plural = pgettext_lazy("model plural", "LMS 강좌의 반")

    def __str__(self):
        return f"{self.context} → {self.klass}"
