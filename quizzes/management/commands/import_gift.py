"""python manage.py import_gift FILE --course SLUG --lecture N [--quiz SLUG] — import Moodle GIFT questions."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.files import ContentError
from core.revisions import imported
from course.models import Course
from quizzes.gift_bank import MAX_BYTES, import_gift


class Command(BaseCommand):
    help = _("Moodle GIFT 파일의 문제를 강의의 퀴즈로 가져옵니다. 같은 파일을 다시 가져와도 결과는 같습니다.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--course", required=True, help=_("강좌 슬러그"))
        parser.add_argument("--lecture", required=True, type=int, help=_("강의 번호"))
        parser.add_argument(
            "--quiz", default="", help=_("넣을 퀴즈의 슬러그 (없으면 $CATEGORY의 퀴즈, 그다음 복습 퀴즈)")
        )

    def handle(self, *args, file, course, lecture, quiz, **options):
        try:
            if file.stat().st_size > MAX_BYTES:
                raise CommandError(
                    _("%(file)s: 파일이 너무 큽니다 (%(n)s바이트까지).") % {"file": file, "n": f"{MAX_BYTES:,}"}
                )
            text = file.read_text(encoding="utf-8-sig")
            with imported(file.name) as run:
                report = import_gift(
                    text, course=Course.objects.get(slug=course), lecture_number=lecture, quiz_slug=quiz
                )
                run.done(report.changed)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(_("%(file)s를 읽을 수 없습니다: %(error)s") % {"file": file, "error": error}) from error
        except Course.DoesNotExist:
            raise CommandError(_("강좌 '%(slug)s'가 없습니다.") % {"slug": course}) from None
        except ContentError as error:
            raise CommandError(
                _("%(file)s: %(error)s\n아무것도 바꾸지 않았습니다.") % {"file": file, "error": error}
            ) from error
        self.stdout.write(_("%(file)s: 변경 %(count)d건") % {"file": file, "count": report.changed})
        for line in report.lines:
            self.stdout.write(f"  {line}")
        for line in report.skipped:
            self.stdout.write(self.style.WARNING("  " + _("건너뜀 %(line)s") % {"line": line}))
        if kept := report.kept_line():
            self.stdout.write(self.style.WARNING(f"  {kept}"))
