"""python manage.py export_lecture --course SLUG --lecture N [--output PATH]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from course.importer import export_lecture
from course.models import Lecture


class Command(BaseCommand):
    help = _("강의를 강의 노트 형식의 마크다운으로 내보냅니다. 내보낸 파일을 다시 가져오면 같은 내용이 됩니다.")

    def add_arguments(self, parser):
        parser.add_argument("--course", required=True, help=_("강좌 슬러그"))
        parser.add_argument("--lecture", required=True, type=int, help=_("강 번호"))
        parser.add_argument("--output", type=Path, help=_("쓸 파일 (없으면 표준 출력)"))

    def handle(self, *args, course, lecture, output, **options):
        try:
            lecture_obj = Lecture.objects.select_related("course").get(course__slug=course, number=lecture)
        except Lecture.DoesNotExist:
            raise CommandError(
                _("강좌 '%(course)s'에 %(number)s강이 없습니다.") % {"course": course, "number": lecture}
            ) from None
        text = export_lecture(lecture_obj)
        if output:
            output = Path(output)
            output.write_text(text, encoding="utf-8")
            self.stderr.write(_("%(path)s에 썼습니다.") % {"path": output})
        else:
            self.stdout.write(text, ending="")
