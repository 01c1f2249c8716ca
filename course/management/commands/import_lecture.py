"""python manage.py import_lecture PATH --course SLUG"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.revisions import imported
from course.importer import LectureFormatError, import_lecture
from course.models import Course


class Command(BaseCommand):
    help = _("강의 노트 형식의 마크다운 파일로 강의를 만들거나 갱신합니다. 여러 번 실행해도 결과는 같습니다.")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--course", required=True, help=_("강좌 슬러그"))
        parser.add_argument("--force", action="store_true", help=_("관리자에서 고친 절도 파일 내용으로 덮어씁니다"))

    def handle(self, *args, path, course, force=False, **options):
        try:
            course_obj = Course.objects.get(slug=course)
        except Course.DoesNotExist:
            known = ", ".join(Course.objects.values_list("slug", flat=True)) or _("없음")
            raise CommandError(
                _("강좌 '%(course)s'가 없습니다. 있는 강좌: %(known)s") % {"course": course, "known": known}
            ) from None
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(_("%(path)s를 읽을 수 없습니다: %(error)s") % {"path": path, "error": error}) from error
        try:
            with imported(path.name) as run:
                report = import_lecture(course_obj, text, force=force)
                run.done(report.changed, report.lecture)
        except LectureFormatError as error:
            raise CommandError(
                _("%(path)s: %(error)s\n아무것도 바꾸지 않았습니다.") % {"path": path, "error": error}
            ) from error
        for line in report.lines():
            self.stdout.write(line)
