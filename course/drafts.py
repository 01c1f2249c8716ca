"""Drafts: an editor's unpublished changes to a lecture, section or quiz, their preview and publishing.

The one home of the draft rules. A draft (``course.models.Draft``) keeps the changed object's own
fields; the live row stays as it is, so pages, search, review and quizzes keep showing what is
published. Publishing applies the values, checks them as saving would (``full_clean``) and saves,
in one transaction and one revision; a scheduled draft is published by ``publish_due_drafts``.

A preview renders a draft with the learner's templates, as a first-time visitor sees them: the
models that have drafts register a renderer here (``register_preview``), as quizzes does for
``Quiz`` in its ``AppConfig.ready``; course knows nothing of quizzes.
"""

import logging
from datetime import timedelta

import reversion
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateTimeField, Exists, OuterRef, Subquery, Value
from django.db.models.signals import post_delete
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.audit import Action
from core.cache import content_changed
from course.models import Draft

logger = logging.getLogger(__name__)

PREVIEW_SALT = "course.draft-preview"
PREVIEW_MAX_AGE = timedelta(days=7)

# {model: render(request, obj) -> (template name, context)}: how a draft of that model is shown.
_previews = {}


class DraftGone(Exception):
    """The draft was published or discarded meanwhile, or its object deleted."""


def register_preview(model, render):
    """Let drafts of ``model`` be previewed with ``render``; a draft dies with its object."""
    _previews[model] = render
    post_delete.connect(_drop_drafts, sender=model, dispatch_uid=f"drafts-of-{model._meta.label}")


def has_drafts(model):
    return model in _previews


def _drop_drafts(sender, instance, **kwargs):
    Draft.objects.filter(content_type=ContentType.objects.get_for_model(sender), object_id=instance.pk).delete()


def may_edit(user, model):
    """Drafts and previews are for those who may change the model: ``Publishable.can_preview``."""
    return model.can_preview(user)


def draft_save(*, obj, names, user, comment="", publish_at=None):
    """Keep ``obj``'s fields ``names`` (set, not saved) as its draft, replacing any earlier one.

    Only the fields that differ from the live row are kept: publishing changes those and leaves
    the others as they are then (an order changed in the list meanwhile, a re-import).
    """
    live = Draft.values_of(type(obj)._default_manager.get(pk=obj.pk), names)
    changed = {name: value for name, value in Draft.values_of(obj, names).items() if live.get(name) != value}
    content_type = ContentType.objects.get_for_model(obj)
    before = Draft.objects.filter(content_type=content_type, object_id=obj.pk).values_list("publish_at", flat=True)
    draft, _created = Draft.objects.update_or_create(
        content_type=content_type,
        object_id=obj.pk,
        defaults={"data": changed, "author": user, "comment": comment, "publish_at": publish_at},
    )
    if publish_at != next(iter(before), None):
        content_changed()  # a new schedule time: the content version must count it (core.cache)
    detail = comment
    if publish_at:
        when = timezone.localtime(publish_at).strftime("%Y-%m-%d %H:%M")
        detail = " · ".join(filter(None, [comment, _("%(when)s 공개 예약") % {"when": when}]))
    audit.record(user, Action.DRAFTED, obj, detail)
    return draft


def draft_publish(*, draft, user, detail=""):
    """Make the draft live: apply, check, save, drop the draft, in one transaction and one revision.

    Raises ValidationError (a draft no longer valid, e.g. a diagram it shows was deleted since) or
    DraftGone; either way nothing changes. Two concurrent publishes publish once: the draft's row is
    claimed by deleting it first, and the second finds nothing to delete.
    """
    with transaction.atomic(), reversion.create_revision():
        if not Draft.objects.filter(pk=draft.pk, updated_at=draft.updated_at).delete()[0]:
            raise DraftGone
        obj = draft.drafted_object()
        if obj is None:
            return None  # the object was deleted: the draft goes with it
        obj.full_clean()
        obj.save()
        reversion.set_user(user)
        reversion.set_comment(_("초안 공개"))
        audit.record(user, Action.PUBLISHED, obj, detail or draft.comment)
    return obj


def draft_discard(*, draft, user):
    """Drop the draft; the live row is untouched."""
    if not Draft.objects.filter(pk=draft.pk).delete()[0]:
        raise DraftGone
    if (obj := draft.live_object()) is not None:
        audit.record(user, Action.DISCARDED, obj, draft.comment)


def draft_saved_over(*, draft, user):
    """The object was saved in its change form, which showed the draft's values: the draft is spent."""
    if Draft.objects.filter(pk=draft.pk).delete()[0] and (obj := draft.live_object()) is not None:
        audit.record(user, Action.PUBLISHED, obj, _("편집 화면에서 초안을 고쳐 바로 저장함"))


def publish_due_drafts(now=None):
    """Publish every draft whose ``publish_at`` has come; returns the objects published.

    Cheap when nothing is due (one query on an indexed column) and safe to run from several
    processes at once (see ``draft_publish``). A due draft that is no longer valid is unscheduled
    and kept, with an audit entry saying why, so it is not tried again on every call.
    """
    published = []
    for draft in Draft.objects.due(now or timezone.now()).select_related("content_type"):
        try:
            obj = draft_publish(draft=draft, user=None, detail=_("예약 공개"))
        except DraftGone:
            continue
        except ValidationError as error:
            _unschedule(draft, error)
            continue
        if obj is not None:
            published.append(obj)
    return published


def _unschedule(draft, error):
    Draft.objects.filter(pk=draft.pk).update(publish_at=None)
    problems = " ".join(error.messages)
    logger.warning("Scheduled draft %s not published: %s", draft.pk, problems)
    if (obj := draft.live_object()) is not None:
        audit.record(
            None, Action.SCHEDULED, obj, _("예약 공개 실패, 초안은 남겨 둠: %(problems)s") % {"problems": problems}
        )


def pending_publish_times():
    """When scheduled drafts become live, as rows for ``core.cache.register_schedule``: boundaries
    of the content version, at which the first request publishes them (``publish_due_drafts``)."""
    scheduled = Draft.objects.filter(publish_at__isnull=False).order_by()
    # Two columns, like the go-live and take-down times it is fetched with in one union.
    return scheduled.annotate(none=Value(None, output_field=DateTimeField())).values_list("publish_at", "none")


def annotations(model):
    """For a list of ``model`` rows: whether each has a draft, and when it is scheduled (two subqueries)."""
    drafts = Draft.objects.for_model(model).filter(object_id=OuterRef("pk"))
    return {"has_draft": Exists(drafts), "draft_publish_at": Subquery(drafts.values("publish_at")[:1])}


def preview_token(draft):
    """The signed part of a preview link: anyone holding it may read this draft for PREVIEW_MAX_AGE."""
    return signing.dumps(draft.pk, salt=PREVIEW_SALT)


def draft_for_token(token):
    """The draft a link names; raises SignatureExpired, BadSignature or DraftGone."""
    pk = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    draft = Draft.objects.filter(pk=pk).select_related("content_type").first()
    if draft is None:
        raise DraftGone
    return draft


def preview(request, draft):
    """(template, context) of the learner's page with the draft in place, for a first-time visitor.

    Whoever asks, the page is rendered for nobody in particular: no account, no progress, no
    attempt, so it shows what a learner sees before starting and nothing can be recorded from it.
    ``request.previewing`` is the unsaved object with the draft's values (see ``previewing``).
    """
    obj = draft.drafted_object()
    if obj is None:
        raise DraftGone
    request.previewing = obj
    request.user = AnonymousUser()
    if hasattr(request, "learner"):
        request.learner = request.learner.first_visit()
    template, context = _previews[type(obj)](request, obj)
    # No CSRF token either: its forms do not post (templates read ``preview``), and no cookie is set.
    return template, {**context, "preview": draft, "csrf_token": "NOTPROVIDED"}


def previewing(request, model):
    """The unsaved ``model`` object a preview shows in place of the live one, or None."""
    obj = getattr(request, "previewing", None)
    return obj if isinstance(obj, model) else None


def with_previewed(rows, obj, key):
    """``rows`` with ``obj`` in place of its live row, or added where ``key`` sorts it (a TOC)."""
    if any(row.pk == obj.pk for row in rows):
        return [obj if row.pk == obj.pk else row for row in rows]
    return sorted([*rows, obj], key=key)
