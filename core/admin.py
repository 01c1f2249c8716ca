"""Admin plumbing every app's admin may use."""

from collections import Counter

from django.contrib.admin.utils import NestedObjects
from django.db import router
from django.utils.translation import gettext as _


class KeepsLearnerRecordsMixin:
    """Refuse, with one clear message, to delete content that learners' records point to.

    Progress, attempts and answers protect the content they refer to (on_delete=PROTECT):
    an editor may unpublish it, never erase learners' history. The message counts the
    records instead of listing them, so an editor sees no learner's name.
    """

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        if collector.protected:
            counts = Counter(str(obj._meta.verbose_name) for obj in collector.protected)
            records = ", ".join(
                _("%(name)s %(count)d개") % {"name": name, "count": count} for name, count in sorted(counts.items())
            )
            protected = [
                _(
                    "학습자 기록(%(records)s)이 이 항목을 가리킵니다. 학습 기록은 지우지 않으므로 지울 수 없습니다: 대신 비공개로 돌리세요."
                )
                % {"records": records}
            ]
        return deleted, model_count, perms_needed, protected
