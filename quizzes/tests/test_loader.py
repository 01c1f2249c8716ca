"""The shipped question bank and the loader's handling of broken files."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.files import ContentError
from quizzes.loader import load_quiz_file
from quizzes.models import Question, Quiz

pytestmark = pytest.mark.django_db

BANK = Path(settings.CONTENT_DIR) / "cloud-native-patterns" / "quizzes" / "lecture-01.toml"


ONE_QUESTION = '[[quiz.question]]\nkey = "only"\nkind = "short"\nprompt = "p"\naccepted = ["a"]\n'


@pytest.fixture
def bank(shipped_course):
    load_quiz_file(BANK, shipped_course)
    return shipped_course


def test_every_lesson_of_lecture_1_has_a_knowledge_check_of_at_least_two_questions(bank):
    lecture = bank.lectures.get(number=1)
    assert lecture.sections.count() == 8  # the shipped lecture's eight lessons
    for section in lecture.sections.all():
        quiz = Quiz.objects.get(section=section, kind=Quiz.Kind.CHECK)
        assert quiz.questions.count() >= 2, section.title


def test_review_quiz_has_at_least_12_questions_and_the_bank_uses_every_kind(bank):
    review = Quiz.objects.get(lecture__number=1, kind=Quiz.Kind.REVIEW)
    assert review.questions.count() >= 12
    kinds = set(Question.objects.values_list("kind", flat=True))
    assert kinds == set(Question.Kind.values)


def test_every_shipped_question_is_gradable_and_explained(bank):
    for question in Question.objects.prefetch_related("choices"):
        choices = [(c.is_correct, c.text, c.match) for c in question.choices.all()]
        assert question.choice_problems(choices) == [], question.key
        assert question.explanation_html and question.section_id, question.key
        wrong = [c for c in question.choices.all() if not c.is_correct]
        if question.kind in ("single", "multiple"):
            assert all(c.feedback for c in wrong), question.key


def test_every_explanation_ends_with_one_link_back_to_its_section_not_a_sentence_saying_the_same(bank, client):
    for question in Question.objects.all():
        last = question.explanation.strip().splitlines()[-1]
        assert "다시 읽어" not in last and "자세한 내용은" not in last, question.key
    question = Question.objects.select_related("quiz", "section").get(key="cn-loose-coupling-resilience")
    correct = question.choices.get(is_correct=True)
    url = reverse("quizzes:answer", args=[question.quiz.slug, question.pk])
    html = client.post(url, {"choice": correct.token}, headers={"HX-Request": "true"}).content.decode()
    explanation = html[html.index('class="question__explanation"') :]
    assert explanation.count("다시 읽") == 1 and explanation.count(f'href="{question.section.get_absolute_url()}"') == 1


def test_a_short_answer_shows_the_canonical_answer_after_answering_not_every_accepted_spelling(bank, client):
    question = Question.objects.select_related("quiz").get(key="msa-monolith-term")
    assert len(question.accepted_list) > 10  # the marking forgives many spellings
    url = reverse("quizzes:answer", args=[question.quiz.slug, question.pk])
    html = client.post(url, {"text": "모노리스"}, headers={"HX-Request": "true"}).content.decode()
    assert "정답입니다" in html and '정답: <strong lang="ko">모놀리식</strong>' in html
    for spelling in ("모놀리틱 아키텍처", "모노리식", "monolithic architecture"):  # forgiven, never taught
        assert spelling not in html


def test_loading_twice_changes_nothing(bank):
    before = list(Question.objects.values_list("pk", "prompt")), list(Quiz.objects.values_list("pk", "title"))
    report = load_quiz_file(BANK, bank)
    assert report.changed == 0
    assert (list(Question.objects.values_list("pk", "prompt")), list(Quiz.objects.values_list("pk", "title"))) == before


@pytest.mark.parametrize(
    "text, message",
    [
        ('lecture = 1\n[[quiz]\nslug="x"', "읽을 수 없습니다"),
        ("lecture = 9\n", "9강이 없습니다"),
        (
            'lecture = 1\n[[quiz]]\nslug = "second"\nkind = "review"\ntitle = "t"\n' + ONE_QUESTION,
            "이미 복습 퀴즈가 있습니다",
        ),
        (
            'lecture = 1\n[[quiz]]\nslug = "x"\nkind = "check"\ntitle = "t"\nsection = "없는-절"\n' + ONE_QUESTION,
            "없는 절입니다: 없는-절",
        ),
        (
            'lecture = 1\n[[quiz]]\nslug = "1강-복습"\nkind = "review"\ntitle = "t"\n[[quiz.question]]\nkey = "k"\n'
            'kind = "single"\nprompt = "p"\n[[quiz.question.choice]]\ntext = "a"\ncorrect = true\n'
            '[[quiz.question.choice]]\ntext = "b"\ncorrect = true\n',
            "[[quiz.question]] #1 (k): 하나 고르기와 참/거짓 문제는 정답 선택지가 정확히 하나여야 합니다",
        ),
        (
            'lecture = 1\n[[quiz]]\nslug = "1강-복습"\nkind = "review"\ntitle = "t"\n[[quiz.question]]\nkey = "k"\n'
            'kind = "essay"\nprompt = "p"\n',
            "kind 'essay'는 쓸 수 없습니다. 쓸 수 있는 값: single, multiple, true_false, short",
        ),
        (
            'lecture = 1\n[[quiz]]\nslug = "1강-복습"\nkind = "review"\ntitle = 5\n' + ONE_QUESTION,
            "title는 문자열이어야",
        ),
        (
            'lecture = 1\n[[quiz]]\nslug = "1강-복습"\nkind = "review"\ntitle = "t"\n[[quiz.question]]\nkey = "k"\n'
            'kind = "single"\nprompt = "p"\n[[quiz.question.choice]]\ntext = "a"\ncorrect = "yes"\n',
            "[[quiz.question.choice]] #1 (?): correct는 true 또는 false여야 합니다",
        ),
        ('lecture = 1\nquiz = "not a table"\n', "[[quiz]]는 표의 목록이어야 합니다"),
        (
            'lecture = 1\n[[quiz]]\nslug = "1강-복습"\nkind = "review"\ntitle = "t"\n[[quiz.question]]\nkey = "k"\n'
            'kind = "short"\nprompt = "p"\n',
            "정답으로 인정할 답이 하나 이상",
        ),
    ],
)
def test_a_malformed_bank_names_the_place_and_changes_nothing(bank, tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    before = list(Question.objects.values_list("pk", "prompt", "kind"))
    with pytest.raises(ContentError) as error:
        load_quiz_file(path, bank)
    assert message in str(error.value) and str(path) in str(error.value)
    assert list(Question.objects.values_list("pk", "prompt", "kind")) == before


def test_load_quizzes_command_needs_the_course_loaded_first(db):
    with pytest.raises(CommandError, match="load_course를 먼저"):
        call_command("load_quizzes")


def test_reloading_keeps_a_question_whose_choices_were_edited_in_the_admin(bank):
    question = Question.objects.get(key="k8s-kubelet-role")
    assert question.kind == "short"
    question.accepted_answers += "\n노드 에이전트"
    question.save()
    choice_question = Question.objects.filter(kind="single").first()
    choice = choice_question.choices.first()
    choice.text = "편집자가 고친 선택지"
    choice.save()
    report = load_quiz_file(BANK, bank)
    assert report.changed == 0 and {f"문제 {question.key}", f"문제 {choice_question.key}"} <= set(report.kept)
    assert "노드 에이전트" in Question.objects.get(pk=question.pk).accepted_answers
    assert choice_question.choices.filter(text="편집자가 고친 선택지").exists()
    load_quiz_file(BANK, bank, force=True)
    assert not choice_question.choices.filter(text="편집자가 고친 선택지").exists()


# What the shipped questions ask (issue 22) ------------------------------------------------------------


def stems(term):
    """A term's words, and each without a trailing 의, 적 or 성 (명시적 → 명시, 의존성 → 의존)."""
    words = {word for word in term.split() if len(word) >= 2}
    return words | {word[:-1] for word in words if len(word) >= 3 and word[-1] in "의적성"}


def test_no_matching_description_repeats_its_terms_keyword(bank):
    """A description that says "코드베이스" beside the term 독립 코드베이스 is matched without understanding."""
    for question in Question.objects.filter(kind="matching").prefetch_related("choices"):
        for choice in question.choices.all():
            if choice.text:
                repeated = [stem for stem in stems(choice.text) if stem in choice.match]
                assert not repeated, (question.key, choice.text, repeated)


def test_no_ordering_or_matching_item_shows_the_answer_of_a_short_answer_question_beside_it(bank):
    """An item is on the page before anything is answered, with every other question of its quiz."""
    for quiz in Quiz.objects.prefetch_related("questions__choices"):
        answers = [q.accepted_answers.splitlines()[0] for q in quiz.questions.all() if q.kind == "short"]
        for question in quiz.questions.all():
            if question.kind in ("ordering", "matching"):
                for choice in question.choices.all():
                    shown = f"{choice.text} {choice.match}"
                    assert not [a for a in answers if a in shown], (question.key, shown)


@pytest.mark.parametrize(
    "key, parts",
    [
        ("container-image-cloze", ["이미지", "저장소", "런타임"]),
        ("container-image-cloze", ["컨테이너 이미지", "컨테이너 레지스트리", "컨테이너 런타임"]),
        ("k8s-dynamic-management-cloze", ["오토스케일링", "고가용성", "관측 가능성"]),
        ("k8s-dynamic-management-cloze", ["자동 확장", "자가 치유", "모니터링"]),
        ("k8s-dynamic-management-cloze", ["autoscaling", "self-healing", "observability"]),
    ],
)
def test_a_cloze_accepts_the_usual_names_of_each_blank(bank, key, parts):
    assert Question.objects.get(key=key).mark(parts=parts).credit == 1


def test_the_ordering_of_integration_styles_is_the_lectures_soa_esb_msa(bank):
    question = Question.objects.get(key="msa-integration-evolution")
    assert [c.text.split(":")[0] for c in question.choices.order_by("order")] == ["SOA", "ESB", "MSA"]
    assert "SOA → ESB → MSA" in question.section.body


def test_the_lesson_teaches_the_availability_of_services_called_in_series(bank):
    """msa-availability-in-series asks for 0.999³; its section says how to compute it, with other numbers."""
    question = Question.objects.get(key="msa-availability-in-series")
    assert "가용성의 곱" in question.section.body and "0.99 × 0.99" in question.section.body
    assert "99.9" not in question.section.body  # the rule is taught, the answer is not given away
