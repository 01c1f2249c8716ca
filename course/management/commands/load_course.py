"""python manage.py load_course [DIR ...] — load shipped courses (course.toml folders)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.files import ContentError
from core.revisions import imported
from course.loader import load_course


class Command(BaseCommand):
    help = _(
        "content/ 아래의 강좌 폴더(course.toml, 그림, 패턴, 강의 마크다운)를 불러옵니다. 여러 번 실행해도 결과는 같습니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("directories", nargs="*", type=Path)
        parser.add_argument("--force", action="store_true", help=_("관리자에서 고친 항목도 파일 내용으로 덮어씁니다"))

    def handle(self, *args, directories, force=False, **options):
        directories = directories or sorted(p.parent for p in Path(settings.CONTENT_DIR).glob("*/course.toml"))
        if not directories:
            raise CommandError(_("%(dir)s에 course.toml이 있는 폴더가 없습니다.") % {"dir": settings.CONTENT_DIR})
        for directory in directories:
            try:
                with imported(f"{directory.name}/course.toml") as run:
                    course, report = load_course(directory, force=force)
                    run.done(report.changed, course)
            except ContentError as error:
                raise CommandError(_("%(error)s\n아무것도 바꾸지 않았습니다.") % {"error": error}) from error
            self.stdout.write(_("%(title)s: 변경 %(count)d건") % {"title": course.title, "count": report.changed})
            for line in report.lines:
                self.stdout.write(f"  {line}")
            if kept := report.kept_line():
                self.stdout.write(self.style.WARNING(f"  {kept}"))
