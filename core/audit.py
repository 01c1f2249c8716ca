"""The audit log's one writer: ``record(user, action, obj, detail)``."""

from django.contrib.contenttypes.models import ContentType

from core.models import AuditEntry

Action = AuditEntry.Action


def record(user, action, obj=None, detail=""):
    """Note that ``user`` did ``action`` (an ``AuditEntry.Action``) to ``obj``; returns the entry."""
    known = user is not None and getattr(user, "is_authenticated", False)
    course = getattr(obj, "audit_course", None)
    return AuditEntry.objects.create(
        user=user if known else None,
        user_name=user.get_username() if known else "",
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        detail=detail,
        course_pk=course.pk if course is not None else None,
        course_title=str(course)[:200] if course is not None else "",
    )


def of_course(course_pk, limit=20):
    """The newest entries of one course, for its staff."""
    return list(AuditEntry.objects.filter(course_pk=course_pk).select_related("content_type")[:limit])
