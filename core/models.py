"""What several apps' models share: rows that belong to a learner, and the staff's audit log."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OwnedQuerySet(models.QuerySet):
    """Rows that belong to a learner: an account (``user``) or a visitor (``session_key``)."""

    def owned_by(self, owner):
        return self.filter(**owner.lookup) if owner.is_known else self.none()


def owner_key(user_id, session_key):
    """Names a learner in a cache key: the account, or the visitor's token. The one spelling, for a
    row (``LearnerOwned.owner_key``) and for who is asking (``learners.learner.Learner.cache_key``)."""
    return f"u{user_id}" if user_id else f"s{session_key}"


class LearnerOwned(models.Model):
    """A row that belongs to a learner: an account, or a visitor known by the token in their
    session (kolibri's ``BaseLogModel``). At sign-up or login a visitor's rows move to the
    account (``hand_over``).

    ``merge_key`` names the field an account has at most one row per (a section, a question):
    a visitor's row for the same one is combined with the account's (``merge``) instead of moved.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="%(class)s_set"
    )
    session_key = models.CharField(max_length=64, blank=True, db_index=True)

    objects = OwnedQuerySet.as_manager()
    merge_key = None

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""), name="%(app_label)s_%(class)s_has_an_owner"
            )
        ]

    @property
    def owner_key(self):
        """Names the owner in a cache key (``owner_key``)."""
        return owner_key(self.user_id, self.session_key)

    def before_hand_over(self, user):
        """Adjust this visitor's row just before it moves to ``user``'s account (nothing by default)."""

    def merge(self, visitor_row):
        """(kept, dropped): this account row and a visitor's row for the same ``merge_key``, combined
        into the one kept; the other is deleted."""
        raise NotImplementedError


def hand_over(model, *, user, session_key):
    """Move a visitor's rows of ``model`` to the account ``user``: nothing lost, nothing twice.
    Returns the rows the account now has from the visitor. Call inside a transaction."""
    rows = list(model.objects.select_for_update().filter(user__isnull=True, session_key=session_key).order_by("pk"))
    mine = {}
    if model.merge_key:
        key = model._meta.get_field(model.merge_key).attname
        accounts = model.objects.select_for_update().filter(
            user=user, **{f"{key}__in": [getattr(r, key) for r in rows]}
        )
        mine = {getattr(row, key): row for row in accounts}
    kept = []
    for row in rows:
        existing = mine.get(getattr(row, key)) if model.merge_key else None
        if existing is not None:
            row, dropped = existing.merge(row)
            dropped.delete()
        if row.user_id != user.pk:
            row.before_hand_over(user)
            row.user, row.session_key = user, ""
            row.save()
        kept.append(row)
    return kept


class AuditEntry(models.Model):
    """Who published, reverted, scheduled or regraded what, and when (``core.audit.record``).

    Kept apart from Django's admin log, which records every save: this is the short list of the
    acts that change what learners see or what they scored. The names are copied, so the entry
    still reads right after the user or the object is gone.
    """

    class Action(models.TextChoices):
        PUBLISHED = "published", _("공개")
        UNPUBLISHED = "unpublished", _("비공개로 돌림")
        DISCARDED = "discarded", _("초안 버림")
        DRAFTED = "drafted", _("초안 저장")
        REVERTED = "reverted", _("되돌림")
        SCHEDULED = "scheduled", _("예약")
        REGRADED = "regraded", _("재채점")
        IMPORTED = "imported", _("가져오기")

    at = models.DateTimeField(_("시각"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user_name = models.CharField(_("누가"), max_length=150, blank=True)
    action = models.CharField(_("한 일"), max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("무엇을"), max_length=200, blank=True)
    detail = models.TextField(_("내용"), blank=True)
    # The course it belongs to (its content's ``audit_course``): a plain number and a copied title,
    # as core knows no course; none for what every course shares (diagrams, patterns).
    course_pk = models.PositiveIntegerField(null=True, blank=True, editable=False)
    course_title = models.CharField(_("강좌"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["course_pk", "-at"], name="audit_by_course")]
        verbose_name = pgettext_lazy("model", "작업 기록")
        verbose_name_plural = pgettext_lazy("model plural", "작업 기록")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_name} {self.get_action_display()} {self.object_repr}"
