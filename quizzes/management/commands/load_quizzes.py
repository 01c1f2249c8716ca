"""python manage.py load_quizzes [FILE ...] — load question bank files (quizzes/*.toml)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.files import ContentError, read_toml
from core.revisions import imported
from course.models import Course
from quizzes.loader import load_quiz_file


class Command(BaseCommand):
    help = _("문제 은행 파일(content/<강좌>/quizzes/*.toml)을 불러옵니다. 여러 번 실행해도 결과는 같습니다.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)
        parser.add_argument("--force", action="store_true", help=_("관리자에서 고친 항목도 파일 내용으로 덮어씁니다"))

    def handle(self, *args, files, force=False, **options):
        files = files or sorted(Path(settings.CONTENT_DIR).glob("*/quizzes/*.toml"))
        if not files:
            raise CommandError(_("%(dir)s에 문제 은행 파일이 없습니다.") % {"dir": settings.CONTENT_DIR})
        for path in files:
            try:
                slug = read_toml(Path(path).parent.parent / "course.toml")["slug"]
                course = Course.objects.get(slug=slug)
                with imported(Path(path).name) as run:
                    report = load_quiz_file(path, course, force=force)
                    run.done(report.changed)
            except Course.DoesNotExist:
                raise CommandError(
                    _("%(path)s: 강좌 '%(slug)s'가 없습니다. load_course를 먼저 실행하세요.")
                    % {"path": path, "slug": slug}
                ) from None
            except ContentError as error:
                raise CommandError(_("%(error)s\n아무것도 바꾸지 않았습니다.") % {"error": error}) from error
            self.stdout.write(_("%(path)s: 변경 %(count)d건") % {"path": path, "count": report.changed})
            for line in report.lines:
                self.stdout.write(f"  {line}")
            if kept := report.kept_line():
                self.stdout.write(self.style.WARNING(f"  {kept}"))
