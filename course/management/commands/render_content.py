"""python manage.py render_content — re-render all stored HTML (after a change to the pipeline or its templates)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from course import search
from course.models import markdown_models


class Command(BaseCommand):
    help = _("저장된 모든 마크다운을 다시 렌더링합니다. 렌더링 코드나 그림 템플릿을 바꾼 뒤 실행하세요.")

    def handle(self, *args, **options):
        counts = []
        for model in markdown_models():
            objects = list(model.objects.all())
            for obj in objects:
                obj.rerender()
            counts.append(f"{model._meta.verbose_name} {len(objects)}")
        self.stdout.write(_("다시 렌더링했습니다: %(counts)s") % {"counts": ", ".join(counts)})
        self.stdout.write(_("검색 색인 항목 %(count)d개를 다시 만들었습니다.") % {"count": search.rebuild()})
