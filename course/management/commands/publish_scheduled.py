"""python manage.py publish_scheduled: publish the drafts whose scheduled time has come.

Safe to run often (from cron or a timer) and from several machines at once: ``publish_due_drafts``
publishes each draft once, and does one indexed query when nothing is due.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from course.drafts import publish_due_drafts


class Command(BaseCommand):
    help = _("공개 예약 시각이 지난 초안을 공개합니다.")

    def handle(self, *args, **options):
        published = publish_due_drafts()
        for obj in published:
            self.stdout.write(_("공개: %(object)s") % {"object": obj})
        if options["verbosity"] > 1 or published:
            self.stdout.write(_("초안 %(count)d개를 공개했습니다.") % {"count": len(published)})
