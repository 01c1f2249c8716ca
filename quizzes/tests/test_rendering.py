"""One way to store markdown: every markdown field of course and quizzes goes through RendersMarkdown."""

import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command

from course.models import Pattern, PatternFamily, Section, markdown_models
from course.tests.builders import make_diagram, make_pattern, make_section
from quizzes.models import Choice, Question
from quizzes.tests.builders import add_question, make_check

pytestmark = pytest.mark.django_db


def test_every_stored_html_field_belongs_to_a_markdown_field_of_the_mixin():
    for model in apps.get_models():
        html_fields = {f.name.removesuffix("_html") for f in model._meta.fields if f.name.endswith("_html")}
        if html_fields:
            assert model in markdown_models() and set(model.markdown_fields) == html_fields, model


@pytest.fixture
def question():
    section = make_section(body="본문")
    quiz = make_check(section, slug="rendering")
    return add_question(quiz, "single", "q", 1, choices=[("맞음", True, ""), ("틀림", False, "")])


def test_a_choice_renders_inline_without_a_paragraph(question):
    choice = question.choices.first()
    choice.text = "**굵게** 쓴 `코드`와 [[pattern:circuit-breaker]]"
    make_pattern()
    choice.save()
    assert choice.text_html.startswith('<strong>굵게</strong> 쓴 <code>코드</code>와 <a class="xref" href="/patterns/')
    assert "<p>" not in choice.text_html
    choice.text = "첫 문단\n\n둘째 문단 <div>블록</div>"
    choice.save()
    assert "<p>" not in choice.text_html and "<div>" not in choice.text_html and "둘째 문단" in choice.text_html


@pytest.mark.parametrize(
    "model, field",
    [(Question, "prompt"), (Question, "explanation"), (Choice, "feedback"), (PatternFamily, "description")],
)
def test_broken_references_are_refused_in_every_markdown_field(question, model, field):
    obj = {Question: question, Choice: question.choices.first(), PatternFamily: make_pattern().family}[model]
    setattr(obj, field, "보세요: [[pattern:없는-패턴]]")
    with pytest.raises(ValidationError) as refused:
        obj.clean()
    assert field in refused.value.message_dict and "없는-패턴" in str(refused.value.message_dict[field])
    setattr(obj, field, "![x](https://evil.example/x.png)")
    with pytest.raises(ValidationError):
        obj.clean()


def test_renaming_a_pattern_refreshes_every_text_that_links_to_it(question):
    pattern = make_pattern()
    other = make_pattern(slug="bulkhead", name="벌크헤드", solution="함께 쓰면 좋은 [[pattern:circuit-breaker]]")
    question.prompt = "[[pattern:circuit-breaker]]의 목적은?"
    question.save()
    choice = question.choices.first()
    choice.feedback = "[[pattern:circuit-breaker]] 참고"
    choice.save()
    section = make_section(question.quiz.lecture, title="둘째 절", order=2, body="[[pattern:circuit-breaker]]")

    pattern.name = "회로 차단기"
    pattern.save()
    question.refresh_from_db()
    choice.refresh_from_db()
    other.refresh_from_db()
    section.refresh_from_db()
    for html in (question.prompt_html, choice.feedback_html, other.solution_html, section.body_html):
        assert "회로 차단기" in html and "서킷 브레이커" not in html


def test_replacing_a_diagram_refreshes_a_question_that_shows_it(question):
    diagram = make_diagram(slug="fig", title="처음")
    question.explanation = "[[diagram:fig]]"
    question.save()
    diagram.alt_text = "새 대체 텍스트"
    diagram.save()
    question.refresh_from_db()
    assert "새 대체 텍스트" in question.explanation_html


def test_render_content_refreshes_quizzes_too(question):
    Question.objects.update(prompt_html="낡은 HTML")
    Choice.objects.update(text_html="낡은 HTML")
    Section.objects.update(body_html="낡은 HTML")
    out = io.StringIO()
    call_command("render_content", stdout=out)
    assert not Question.objects.filter(prompt_html="낡은 HTML").exists()
    assert not Choice.objects.filter(text_html="낡은 HTML").exists()
    assert not Section.objects.filter(body_html="낡은 HTML").exists()
    counts = out.getvalue()
    assert f"문제 {Question.objects.count()}" in counts and f"선택지 {Choice.objects.count()}" in counts


def test_pattern_markdown_fields_render_as_blocks():
    pattern = make_pattern(problem="첫 문단\n\n둘째 문단")
    assert pattern.problem_html.count("<p>") == 2
    assert Pattern.markdown_fields == {"problem": False, "solution": False, "tradeoffs": False}


def test_saving_a_pattern_renders_again_only_the_rows_that_refer_to_it(question, django_assert_max_num_queries):
    """The reference table written at render time, not a scan of every markdown row (issue 19 §3):
    a choice imported in bulk that refers to a pattern written later is rendered once it exists."""
    from course.models import ReferenceUse
    from quizzes.loader import _replace_choices

    _replace_choices(
        question,
        list(question.choices.all()),
        [["맞음", True, ""], ["틀림", False, ""], ["[[pattern:sidecar]]", False, ""]],
    )
    later = question.choices.get(order=3)
    assert "[[pattern:sidecar]]" in later.text_html  # not there yet: shown as written
    for n in range(30):  # unrelated rows: saving the pattern must not read them
        add_question(question.quiz, "short", f"other-{n}", 10 + n, accepted="답")
    with django_assert_max_num_queries(25):
        make_pattern(slug="sidecar", name="사이드카")
    later.refresh_from_db()
    assert 'class="xref"' in later.text_html and "사이드카" in later.text_html
    assert ReferenceUse.objects.filter(kind="pattern", slug="sidecar").count() == 1
