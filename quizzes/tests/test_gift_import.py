"""GIFT files in and out of the bank: the importer, the exporter, the commands and the admin upload."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.files import ContentError
from quizzes.gift_bank import export_gift, import_gift
from quizzes.loader import load_quiz_file
from quizzes.models import Question, Quiz
from quizzes.services import parse_answer
from quizzes.tests.builders import make_check

pytestmark = pytest.mark.django_db
MOODLE_DOC = Path(__file__).parent / "fixtures" / "moodle-doc.gift"
REVIEW = "1강-복습"


def line_of(text, needle):
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def imported(shipped_course, text, quiz=REVIEW):
    return import_gift(text, course=shipped_course, lecture_number=1, quiz_slug=quiz)


@pytest.fixture
def bank(shipped_course):
    load_quiz_file(settings.CONTENT_DIR / "cloud-native-patterns" / "quizzes" / "lecture-01.toml", shipped_course)
    return shipped_course


def test_moodles_documented_examples_import_and_what_cannot_be_graded_is_reported_by_line(bank):
    text = MOODLE_DOC.read_text(encoding="utf-8")
    before = Question.objects.count()
    report = imported(bank, text)
    assert report.changed == Question.objects.count() - before > 15
    assert f"{line_of(text, 'Write a short biography')}행: 서술형" in " ".join(report.skipped)
    assert f"{line_of(text, 'You can use your pencil')}행:" in " ".join(report.skipped)
    new = {q.prompt.split("\n")[0][:40]: q for q in Question.objects.filter(key__startswith="gift-")}
    gap = next(q for p, q in new.items() if p.startswith("Grant is"))
    assert (
        gap.kind == "single" and "\\_\\_\\_\\_\\_" in gap.prompt and gap.choices.get(is_correct=True).text == "entombed"
    )
    two = next(q for p, q in new.items() if p.startswith("Two plus two"))
    assert two.kind == "cloze" and two.mark(parts=["4"]).credit == 1 and two.mark(parts=["five"]).credit == 0
    capitals = next(q for p, q in new.items() if p.startswith("Match the following"))
    assert capitals.kind == "matching" and capitals.choices.get(text="Italy").match == "Rome"
    assert capitals.explanation == "It's good to know the capitals"
    grant = Question.objects.filter(kind="numeric", accepted_answers__contains="%50%").get()
    assert grant.mark(text="1822").credit == 1 and grant.mark(text="1823").credit == 0.5
    assert grant.mark(text="1830").credit == 0
    tomb = next(q for p, q in new.items() if p.startswith("Grant was buried"))
    assert tomb.kind == "true_false" and tomb.choices.get(text="참").is_correct


def test_importing_the_same_file_again_changes_nothing(bank):
    text = MOODLE_DOC.read_text(encoding="utf-8")
    imported(bank, text)
    count = Question.objects.count()
    assert imported(bank, text).changed == 0 and Question.objects.count() == count


def test_a_question_is_known_by_its_name_or_else_by_its_text(bank):
    imported(bank, "::Pods::파드는 무엇인가? {=배포 단위 ~노드}\n\n쿠버네티스의 별명은? {=k8s}\n")
    report = imported(bank, "::Pods::파드는 무엇인가요? {=배포 단위 ~노드}\n\n쿠버네티스의 별명은? {=k8s}\n")
    assert report.changed == 1
    assert Question.objects.get(key="pods").prompt == "파드는 무엇인가요?"
    assert Question.objects.filter(accepted_answers="k8s").count() == 1


def test_a_malformed_file_names_the_line_and_changes_nothing(bank):
    count = Question.objects.count()
    with pytest.raises(ContentError, match="3행"):
        imported(bank, "::a::첫 문제 {=하나 ~둘}\n\n::b::둘째 문제 {=셋 ~넷\n")
    assert Question.objects.count() == count


def test_a_choice_too_long_to_store_is_skipped_with_its_line(bank):
    report = imported(bank, "::ok::짧은 문제 {=예 ~아니요}\n\n::long::긴 선택지 {=" + "가" * 501 + " ~아니요}\n")
    assert report.skipped == ["3행: 선택지가 500자를 넘어 가져올 수 없습니다."]
    assert Question.objects.filter(key="ok").exists() and not Question.objects.filter(key="long").exists()


def test_formatted_text_goes_through_the_sanitising_pipeline(bank):
    imported(bank, "::x::[html]<b>굵게</b><script>alert(1)</script><img src=x onerror=alert(1)> {=맞음 ~틀림}\n")
    question = Question.objects.get(key="x")
    assert "<strong>굵게</strong>" in question.prompt_html or "<b>굵게</b>" in question.prompt_html
    assert "<script" not in question.prompt_html and "onerror" not in question.prompt_html
    imported(bank, "::y::[plain]**별표** 그대로 {=예 ~아니요}\n")
    assert "**별표**" in Question.objects.get(key="y").prompt_html


def test_export_then_import_gives_the_same_questions(bank):
    quizzes = Quiz.objects.filter(lecture__number=1)
    text, left_out = export_gift(Question.objects.filter(quiz__in=quizzes).select_related("quiz"))
    assert {q.kind for q, _why in left_out} == {"ordering", "cloze"}  # GIFT cannot hold these
    exported = Question.objects.exclude(pk__in=[q.pk for q, _why in left_out])

    def shape(question):
        choices = [(c.text, c.is_correct, c.feedback, c.match) for c in question.choices.all()]
        return (question.quiz.slug, question.kind, question.prompt, question.explanation, question.accepted_answers, choices)  # fmt: skip

    before = {q.key: shape(q) for q in exported.select_related("quiz")}
    assert imported(bank, text, quiz="").changed == 0  # the same bank: nothing to change
    exported.delete()
    report = imported(bank, text, quiz="")  # each question back to its quiz, by $CATEGORY
    assert report.changed == len(before) and not report.skipped
    assert {q.key: shape(q) for q in Question.objects.filter(key__in=before).select_related("quiz")} == before


def test_a_numeric_answer_with_a_share_of_the_point_is_graded_and_validated():
    question = Question(kind="numeric", accepted_answers="1822\n%50% 1822±2")
    assert question.choice_problems([]) == [] and question.mark(text="1821").credit == 0.5
    assert Question(kind="numeric", accepted_answers="%50% 3").choice_problems([])  # nothing wholly right
    assert Question(kind="short", accepted_answers="a\n%150% b").choice_problems([])


def test_the_commands_import_and_export_and_report_what_they_left_out(bank, tmp_path):
    out = io.StringIO()
    call_command("import_gift", str(MOODLE_DOC), course=bank.slug, lecture=1, quiz=REVIEW, stdout=out)
    assert "건너뜀" in out.getvalue() and "서술형" in out.getvalue()
    broken = tmp_path / "broken.gift"
    broken.write_text("문제 {=a\n", encoding="utf-8")
    with pytest.raises(CommandError, match="(?s)1행.*아무것도 바꾸지 않았습니다"):
        call_command("import_gift", str(broken), course=bank.slug, lecture=1, stdout=io.StringIO())
    out, err = io.StringIO(), io.StringIO()
    call_command("export_gift", lecture=1, stdout=out, stderr=err)
    assert "::cn-loose-coupling-resilience::" in out.getvalue() and "$CATEGORY: 1강-복습" in out.getvalue()
    assert "msa-integration-evolution" in err.getvalue()


def test_the_admin_upload_runs_the_same_importer(client, editor, bank):
    quiz = Quiz.objects.get(slug=REVIEW)
    url = reverse("admin:quizzes_quiz_import_gift", args=[quiz.pk])
    assert "GIFT 파일" in client.get(url).content.decode()
    upload = SimpleUploadedFile("doc.gift", MOODLE_DOC.read_bytes(), content_type="text/plain")
    page = client.post(url, {"file": upload}).content.decode()
    assert "건너뛴 문제" in page and "서술형" in page and quiz.questions.filter(key__startswith="gift-").exists()
    count = Question.objects.count()
    page = client.post(url, {"file": SimpleUploadedFile("b.gift", "문제 {=a\n".encode())}).content.decode()
    assert "1행" in page and "아무것도 바꾸지 않았습니다" in page
    page = client.post(url, {"file": SimpleUploadedFile("c.gift", "문제".encode("euc-kr"))}).content.decode()
    assert "UTF-8 텍스트 파일이 아닙니다" in page and Question.objects.count() == count
    download = client.get(reverse("admin:quizzes_quiz_export_gift", args=[quiz.pk]))
    assert download["Content-Disposition"].endswith('.gift"') and "::review-" in download.content.decode()


def test_imported_questions_are_answered_like_any_other(bank):
    imported(bank, "::two::Two plus two equals {=four =4}.\n")
    question = Question.objects.get(key="two")
    assert question.mark(**parse_answer(question, parts=["Four"])).credit == 1


def test_a_partly_right_typed_answer_says_how_much_it_earned(client, bank):
    imported(bank, "::born::When was Grant born? {#=1822:0 =%50%1822:2}\n")
    question = Question.objects.get(key="born")
    url = reverse("quizzes:answer", args=[question.quiz.slug, question.pk])
    html = client.post(url, {"text": "1823"}, headers={"HX-Request": "true"}).content.decode()
    assert "부분 정답입니다: 이 답은 50%만 인정합니다." in html and "1822±2 (50%)" in html


def test_a_file_too_large_too_many_questions_or_choices_is_refused_with_a_message(tmp_path):
    """Audit 3, item 8: GIFT import used for denial of service. Nothing is written."""
    from quizzes.gift_bank import MAX_ANSWERS, MAX_BYTES, MAX_QUESTIONS

    quiz = make_check(slug="dos")
    course, number = quiz.lecture.course, quiz.lecture.number
    before = Question.objects.count()
    many_choices = "::wide::고르세요 {=맞음 " + " ".join(f"~틀림{n}" for n in range(MAX_ANSWERS + 1)) + "}"
    many_questions = "\n\n".join(f"::q{n}::문제 {n} {{=예 ~아니요}}" for n in range(MAX_QUESTIONS + 1))
    for text, message in (
        (many_choices, f"답이 {MAX_ANSWERS + 2}개입니다"),
        (many_questions, f"문제가 {MAX_QUESTIONS + 1:,}개입니다"),
        ("// " + "가" * MAX_BYTES, "파일이 너무 큽니다"),
    ):
        with pytest.raises(ContentError, match=message):
            import_gift(text, course=course, lecture_number=number, quiz_slug=quiz.slug)
    huge = tmp_path / "huge.gift"
    huge.write_bytes(b"// " + b"x" * MAX_BYTES)
    with pytest.raises(CommandError, match="파일이 너무 큽니다"):
        call_command("import_gift", str(huge), course=course.slug, lecture=number)
    assert Question.objects.count() == before


def test_importing_takes_a_fixed_number_of_queries_per_question_whatever_its_choices(django_assert_max_num_queries):
    quiz = make_check(slug="bulk")
    course, number = quiz.lecture.course, quiz.lecture.number

    def gift(questions, choices):
        return "\n\n".join(
            f"::b{n}::문제 {n} {{=맞음 " + " ".join(f"~틀림{c}" for c in range(choices)) + "}" for n in range(questions)
        )

    with django_assert_max_num_queries(12 + 3 * 10):
        import_gift(gift(10, 40), course=course, lecture_number=number, quiz_slug=quiz.slug)
    assert quiz.questions.get(key="b9").choices.count() == 41
    with django_assert_max_num_queries(12):  # the same file again: read once, nothing written
        report = import_gift(gift(10, 40), course=course, lecture_number=number, quiz_slug=quiz.slug)
    assert report.changed == 0
