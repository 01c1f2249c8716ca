"""python manage.py render_content — re-render all stored HTML (after a change to the pipeline or its templates)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from course.models import Pattern, PatternFamily, Section


class Command(BaseCommand):
    help = _("저장된 모든 마크다운을 다시 렌더링합니다. 렌더링 코드나 그림 템플릿을 바꾼 뒤 실행하세요.")

    def handle(self, *args, **options):
        sections = list(Section.objects.all())
        for section in sections:
            section.rerender()
        for model in (PatternFamily, Pattern):
            for obj in model.objects.all():
                obj.save()
        self.stdout.write(_("절 %(count)d개와 패턴 설명을 다시 렌더링했습니다.") % {"count": len(sections)})
