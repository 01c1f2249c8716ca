"""python manage.py export_gift [--course SLUG] [--lecture N] [--quiz SLUG] — write the bank as Moodle GIFT."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from quizzes.gift_bank import export_gift
from quizzes.models import Question


class Command(BaseCommand):
    help = _(
        "문제 은행을 Moodle GIFT 형식으로 내보냅니다 (표준 출력). GIFT로 적을 수 없는 문제는 표준 오류에 알립니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("--course", default="", help=_("강좌 슬러그"))
        parser.add_argument("--lecture", type=int, help=_("강의 번호"))
        parser.add_argument("--quiz", default="", help=_("퀴즈 슬러그"))

    def handle(self, *args, course, lecture, quiz, **options):
        questions = Question.objects.select_related("quiz").prefetch_related("choices")
        if course:
            questions = questions.filter(quiz__lecture__course__slug=course)
        if lecture:
            questions = questions.filter(quiz__lecture__number=lecture)
        if quiz:
            questions = questions.filter(quiz__slug=quiz)
        text, left_out = export_gift(questions.order_by("quiz__lecture__number", "quiz__kind", "quiz__id", "order"))
        self.stdout.write(text, ending="")
        for question, why in left_out:
            self.stderr.write(
                _("내보내지 않음 %(quiz)s/%(key)s: %(why)s")
                % {"quiz": question.quiz.slug, "key": question.key, "why": why}
            )
