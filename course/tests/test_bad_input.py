"""Bad input gets a clear message and changes nothing: the audit's crashes, then property-based tests."""

import re
import unicodedata
from contextlib import contextmanager
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import client_for_learner
from core.files import ContentError
from course import markdown
from course.importer import LectureFormatError, import_lecture
from course.models import Lecture, Section
from course.tests.builders import make_course, make_lecture
from quizzes.loader import load_quiz_file
from quizzes.models import Answer, Question
from quizzes.tests.builders import add_itemised, make_check

pytestmark = pytest.mark.django_db
QUICK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HUGE_NUMBER = "1" * 30


def test_a_thirty_digit_lecture_number_is_refused_by_the_command(tmp_path):
    make_course(slug="cn")
    path = tmp_path / "lecture.md"
    path.write_text(f"### {HUGE_NUMBER}강 제목\n\n### 절\n\n본문\n", encoding="utf-8")
    with pytest.raises(CommandError, match="강 번호는 1에서 9999 사이"):
        call_command("import_lecture", str(path), course="cn")
    assert not Lecture.objects.exists()


def test_a_thirty_digit_lecture_number_is_refused_by_the_admin_upload(client, editor):
    course = make_course(slug="cn")
    upload = SimpleUploadedFile("lecture.md", f"### {HUGE_NUMBER}강\n\n### 절\n\n본문\n".encode())
    response = client.post(reverse("admin:course_lecture_import"), {"course": course.pk, "file": upload})
    assert response.status_code == 200 and "강 번호는 1에서 9999 사이" in response.content.decode()
    assert not Lecture.objects.exists()


@pytest.fixture
def lecture_one():
    return make_lecture(make_course(slug="cn"), number=1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("lecture = 1\n# 한국어 주석\n".encode("euc-kr"), "UTF-8로 저장된 파일이 아닙니다"),
        (b'lecture = "one"\n', "lecture는 1에서 9999 사이의 정수여야 합니다"),
        (b"lecture = true\n", "lecture는 1에서 9999 사이의 정수여야 합니다"),
        (f"lecture = {HUGE_NUMBER}\n".encode(), "lecture는 1에서 9999 사이의 정수여야 합니다"),
    ],
)
def test_a_broken_bank_file_gets_a_clear_message(lecture_one, tmp_path, content, message):
    path = tmp_path / "bank.toml"
    path.write_bytes(content)
    with pytest.raises(ContentError, match=message):
        load_quiz_file(path, lecture_one.course)
    assert not Question.objects.exists()


def test_a_nul_byte_in_a_short_answer_is_refused_and_nothing_is_stored(client):
    quiz = make_check()
    question = quiz.questions.get(key="short")
    url = reverse("quizzes:answer", args=[quiz.slug, question.pk])
    response = client.post(url, {"text": "k8s\x00"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "제어 문자" in response.content.decode()
    assert not Answer.objects.exists()


# Properties: whatever the input, no exception escapes, nothing unsafe survives, and a second
# import of the same text changes nothing.
class _Unsafe(HTMLParser):
    """What a browser would run or load from elsewhere in some HTML (text that only looks like it is fine)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "iframe", "object", "embed", "style", "base", "form", "meta", "link"}:
            self.found.append(tag)
        for name, value in attrs:
            value = re.sub(r"\s", "", value or "").lower()
            if name.startswith("on") or value.startswith(("javascript:", "vbscript:", "data:text")):
                self.found.append(f"{tag} {name}")
            if tag == "img" and name == "src" and not markdown.is_local_url(value):
                self.found.append(f"remote image {value}")


def unsafe(html):
    parser = _Unsafe()
    parser.feed(html)
    return parser.found


fragments = st.sampled_from(
    [
        "### ",
        "**",
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "[[pattern:",
        "[[diagram:x]]",
        "]]",
        "[",
        "(",
        "```",
        "\n",
        "\n\n",
        "   - ",
        "<br>",
        "---",
        "| a | b |\n|---|---|\n",
        "\\",
        "&#9;",
        "가나다",
    ]
)
texts = st.lists(st.one_of(fragments, st.text(max_size=20)), max_size=30).map("".join)


@contextmanager
def rolled_back():
    """Each example in a savepoint that is rolled back: examples never see each other's rows."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@QUICK
@given(body=texts)
def test_any_lecture_file_imports_or_is_refused_and_a_second_import_changes_nothing(body):
    text = "### 1강 속성\n\n### 첫 절\n\n" + body
    with rolled_back():
        course = make_course(slug="prop")
        try:
            import_lecture(course, text)
        except LectureFormatError:
            assert not Lecture.objects.filter(course=course).exists()
            return
        rows = Section.objects.filter(lecture__course=course).values_list("slug", "body_html", "is_published")
        before = list(rows)
        for _slug, html, _published in before:
            assert not unsafe(html), html
        import_lecture(course, text)
        assert list(rows) == before


@QUICK
@given(text=texts)
def test_the_markdown_pipeline_never_raises_and_never_lets_script_through(text):
    out = markdown.render(text).html
    assert not unsafe(out), out


@QUICK
@given(content=st.one_of(st.binary(max_size=200), texts.map(str.encode)))
def test_any_bank_file_loads_or_is_refused_with_a_content_error(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("bank") / "bank.toml"
    path.write_bytes(b"lecture = 1\n" + content)
    with rolled_back():
        course = make_course(slug="bank-prop")
        make_lecture(course, number=1)
        try:
            load_quiz_file(path, course)
        except ContentError:
            pass


@QUICK
@given(text=st.text(max_size=300), tokens=st.lists(st.text(max_size=30), max_size=4), htmx=st.booleans())
def test_the_answer_endpoint_never_fails_on_any_input(text, tokens, htmx):
    with rolled_back():
        quiz = make_check(slug="prop-check")
        client = Client()
        headers = {"HX-Request": "true"} if htmx else {}
        for question in quiz.questions.all():
            url = reverse("quizzes:answer", args=[quiz.slug, question.pk])
            response = client.post(url, {"text": text, "choice": tokens}, headers=headers)
            assert response.status_code in (200, 302)
        for answer in Answer.objects.all():
            assert not any(unicodedata.category(char) == "Cc" for char in answer.text)


def forged_post(question, others, rnd, size, foreign, swap):
    """An answer made of this question's own tokens in any role and number, maybe with another
    question's token, maybe with a term's token and a description's token swapped."""
    own = [c.token for c in question.choices.all()]
    pairs = [c.pair_token for c in question.choices.all()]
    data = {"choice": rnd.sample(own, min(size, len(own))), "part": rnd.sample(pairs, min(size, len(pairs)))}
    if foreign and data["choice"]:
        data["choice"][0] = rnd.choice(others)
    if swap and data["choice"] and data["part"]:
        data["choice"][-1], data["part"][-1] = data["part"][-1], data["choice"][-1]
    return data


@settings(QUICK, max_examples=15)  # each example answers 7 questions twice and reviews 7 cards
@given(
    rnd=st.randoms(use_true_random=False),
    size=st.integers(0, 5),
    foreign=st.booleans(),
    swap=st.booleans(),
    htmx=st.booleans(),
)
def test_tokens_of_other_questions_and_other_roles_never_fail_the_answer_or_the_review(rnd, size, foreign, swap, htmx):
    """Tokens of this question and of others, posted as a choice or as a part, to every kind, in
    a quiz and in the review: a message or a grade, never a server error."""
    from learners.models import ReviewCard

    with rolled_back():
        quiz = make_check(slug="prop-roles")
        add_itemised(quiz)
        questions = list(quiz.questions.prefetch_related("choices"))
        headers = {"HX-Request": "true"} if htmx else {}
        taker, reviewer = client_for_learner("taker"), client_for_learner("reviewer")
        for question in questions:
            others = [c.token for q in questions if q != question for c in q.choices.all()]
            data = forged_post(question, others, rnd, size, foreign, swap)
            response = taker.post(reverse("quizzes:answer", args=[quiz.slug, question.pk]), data, headers=headers)
            assert response.status_code in (200, 302)
            reviewer.post(
                reverse("quizzes:answer", args=[quiz.slug, question.pk]), {"text": "오답", "part": ["x", "y"]}
            )
        cards = ReviewCard.objects.filter(session_key="reviewer").prefetch_related("question__choices")
        for card in cards.select_related("question"):
            others = [c.token for q in questions if q != card.question for c in q.choices.all()]
            data = forged_post(card.question, others, rnd, size, foreign, swap)
            url = reverse("learners:review-answer", args=[card.pk])
            response = reviewer.post(url, {**data, "version": card.reviews}, headers=headers)
            assert response.status_code in (200, 302)


def test_a_title_longer_than_its_column_is_refused_with_the_line_not_a_database_error():
    course = make_course(slug="cn")
    with pytest.raises(LectureFormatError, match="3번째 줄: 제목이 너무 깁니다"):
        import_lecture(course, "### 1강\n\n### " + "가" * 201 + "\n\n본문\n")
    with pytest.raises(LectureFormatError, match="1번째 줄: 제목이 너무 깁니다"):
        import_lecture(course, "### 1강 " + "나" * 201 + "\n\n### 절\n\n본문\n")
    assert not Lecture.objects.exists()


def test_a_remote_image_address_too_long_to_keep_is_dropped_and_reported():
    course = make_course(slug="cn")
    report = import_lecture(
        course, '### 1강\n\n### 절\n\n<img src="https://example.org/' + "a" * 600 + '.png" alt="그림">\n'
    )
    assert not report.lecture.sections.get().body_html.count("example.org")
    assert any("이미지" in line for line in report.lines())


def test_control_characters_in_a_lecture_or_a_bank_file_are_refused_with_the_place(lecture_one, tmp_path):
    with pytest.raises(LectureFormatError, match="3번째 줄: 글에 쓸 수 없는 제어 문자\\(U\\+0000\\)"):
        import_lecture(lecture_one.course, "### 2강\n\n본문\x00\n")
    path = tmp_path / "bank.toml"
    path.write_text('lecture = 1\n[[quiz]]\nslug = "a\\u0000b"\nkind = "review"\ntitle = "t"\n', encoding="utf-8")
    with pytest.raises(ContentError, match="제어 문자"):
        load_quiz_file(path, lecture_one.course)
    assert Lecture.objects.count() == 1 and not Question.objects.exists()
