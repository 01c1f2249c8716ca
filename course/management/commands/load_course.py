"""python manage.py load_course [DIR ...] — load shipped courses (course.toml folders)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from course.loader import ContentError, load_course


class Command(BaseCommand):
    help = "content/ 아래의 강좌 폴더(course.toml, 그림, 패턴, 강의 마크다운)를 불러옵니다. 여러 번 실행해도 결과는 같습니다."

    def add_arguments(self, parser):
        parser.add_argument("directories", nargs="*", type=Path)

    def handle(self, *args, directories, **options):
        directories = directories or sorted(p.parent for p in Path(settings.CONTENT_DIR).glob("*/course.toml"))
        if not directories:
            raise CommandError(f"{settings.CONTENT_DIR}에 course.toml이 있는 폴더가 없습니다.")
        for directory in directories:
            try:
                course, report = load_course(directory)
            except ContentError as error:
                raise CommandError(f"{error}\n아무것도 바꾸지 않았습니다.") from error
            self.stdout.write(f"{course.title}: 변경 {report.changed}건")
            for line in report.lines:
                self.stdout.write(f"  {line}")
