"""Quizzes: a knowledge check per section, a review quiz per lecture, and learners' attempts.

Grading happens here, on the server. An attempt keeps each answer as given and
whether it was right at the time, and snapshots the pass mark, so later edits to a
question cannot rewrite a learner's history.
"""

import random
import re
import secrets
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from course.models import Lecture, Pattern, RendersMarkdown, Section


class QuizQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True, lecture__is_published=True, lecture__course__is_published=True).exclude(
            section__is_published=False
        )

    def visible_to(self, user):
        return self if user.is_staff else self.published()


class Quiz(models.Model):
    """A set of questions: a knowledge check at the end of a section, or a lecture's review quiz."""

    class Kind(models.TextChoices):
        CHECK = "check", _("확인 문제")
        REVIEW = "review", _("복습 퀴즈")

    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="quizzes", verbose_name=_("강의"))
    section = models.ForeignKey(
        Section,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quizzes",
        verbose_name=_("절"),
        help_text=_("확인 문제는 이 절의 끝에 나옵니다. 복습 퀴즈는 비워 둡니다."),
    )
    kind = models.CharField(_("종류"), max_length=10, choices=Kind.choices, default=Kind.CHECK)
    slug = models.SlugField(_("슬러그"), max_length=200, unique=True, allow_unicode=True)
    title = models.CharField(_("제목"), max_length=200)
    pass_mark = models.PositiveSmallIntegerField(_("통과 기준(%)"), default=70)
    shuffle = models.BooleanField(_("선택지 섞기"), default=True)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)  # see course.sync
    is_published = models.BooleanField(_("공개"), default=True)

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["lecture", "kind", "section__order", "id"]
        verbose_name = pgettext_lazy("model", "퀴즈")
        verbose_name_plural = pgettext_lazy("model plural", "퀴즈")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="check") & Q(section__isnull=False)) | (Q(kind="review") & Q(section__isnull=True)),
                name="quiz_check_has_section_review_has_none",
            ),
            models.UniqueConstraint(
                fields=["section"],
                condition=Q(kind="check"),
                name="quiz_one_check_per_section",
                violation_error_message=_("이 절에는 이미 확인 문제가 있습니다."),
            ),
            models.UniqueConstraint(
                fields=["lecture"],
                condition=Q(kind="review"),
                name="quiz_one_review_per_lecture",
                violation_error_message=_("이 강의에는 이미 복습 퀴즈가 있습니다."),
            ),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_is_a_percentage"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        if self.kind == self.Kind.CHECK and self.section_id:
            return self.section.get_absolute_url() + "#quiz"
        return reverse("quizzes:quiz-detail", args=[self.slug])

    def clean(self):
        if self.kind == self.Kind.CHECK and not self.section_id:
            raise ValidationError({"section": _("확인 문제는 절을 골라야 합니다.")})
        if self.kind == self.Kind.REVIEW and self.section_id:
            raise ValidationError({"section": _("복습 퀴즈는 절을 비워 둡니다.")})
        if self.section_id and self.section.lecture_id != self.lecture_id:
            raise ValidationError({"section": _("이 강의의 절이 아닙니다.")})


NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
RANGE_RE = re.compile(rf"\s*({NUMBER})\s*(?:(?:±|\+-|\+/-)\s*({NUMBER})|\.\.\s*({NUMBER}))?\s*")


def numeric_range(line):
    """(low, high) from "3", "99.7±0.05" or "3.141..3.142"; None if the line is none of these."""
    match = RANGE_RE.fullmatch(line)
    if not match:
        return None
    value = float(match[1])
    if match[2] is not None:
        return value - abs(float(match[2])), value + abs(float(match[2]))
    if match[3] is not None:
        return min(value, float(match[3])), max(value, float(match[3]))
    return value, value


def parse_number(text):
    """A typed number: width-folded, spaces, thousands commas and a trailing % allowed; None otherwise."""
    text = unicodedata.normalize("NFKC", text or "").replace(" ", "").replace(",", "").removesuffix("%")
    return float(text) if re.fullmatch(NUMBER, text) else None


def normalise_answer(text):
    """Fold width, case, whitespace and punctuation so "Ｋubernetes ", "kubernetes" compare equal."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch)[0] in "PS"))


class Question(RendersMarkdown):
    """One question of a quiz, with its markdown prompt and explanation."""

    markdown_fields = {"prompt": False, "explanation": False}

    class Kind(models.TextChoices):
        SINGLE = "single", _("하나 고르기")
        MULTIPLE = "multiple", _("모두 고르기")
        TRUE_FALSE = "true_false", _("참/거짓")
        SHORT = "short", _("단답형")
        NUMERIC = "numeric", _("수치")

    TYPED = (Kind.SHORT, Kind.NUMERIC)  # answered by typing, not by choosing

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions", verbose_name=_("퀴즈"))
    key = models.SlugField(_("키"), max_length=100, help_text=_("문제 은행 파일에서 이 문제를 가리키는 이름"))
    order = models.PositiveIntegerField(_("순서"), default=0)
    kind = models.CharField(_("종류"), max_length=12, choices=Kind.choices, default=Kind.SINGLE)
    prompt = models.TextField(_("문제 (마크다운)"))
    prompt_html = models.TextField(editable=False, blank=True)
    explanation = models.TextField(_("해설 (마크다운)"), blank=True)
    explanation_html = models.TextField(editable=False, blank=True)
    accepted_answers = models.TextField(
        _("정답으로 인정할 답 (단답형, 수치)"),
        blank=True,
        help_text=_(
            "한 줄에 하나씩. 단답형은 대소문자, 전각/반각, 공백, 문장 부호를 무시하고 비교합니다. "
            "수치는 값(3), 허용 오차(99.7±0.05) 또는 범위(3.141..3.142)로 적습니다."
        ),
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("다시 읽을 절"),
    )
    source_hash = models.CharField(max_length=64, blank=True, editable=False)  # see course.sync
    patterns = models.ManyToManyField(Pattern, blank=True, related_name="questions", verbose_name=_("관련 패턴"))

    class Meta:
        ordering = ["quiz", "order", "id"]
        verbose_name = pgettext_lazy("model", "문제")
        verbose_name_plural = pgettext_lazy("model plural", "문제")
        constraints = [models.UniqueConstraint(fields=["quiz", "key"], name="question_unique_key_per_quiz")]

    def __str__(self):
        return Truncator(re.sub(r"\s+", " ", strip_tags(self.prompt_html or self.prompt)).strip()).chars(80)

    @property
    def accepted_list(self):
        return [line.strip() for line in self.accepted_answers.splitlines() if line.strip()]

    @property
    def has_choices(self):
        return self.kind not in self.TYPED

    def example_answer(self):
        """A right answer as a learner would type it (short and numeric questions): for tests and load runs."""
        if self.kind == self.Kind.NUMERIC:
            low, high = self.numeric_ranges[0]
            return f"{(low + high) / 2:g}"
        return self.accepted_list[0] if self.accepted_list else ""

    @property
    def numeric_ranges(self):
        """The accepted (low, high) ranges of a numeric question; None if a line cannot be read."""
        ranges = [numeric_range(line) for line in self.accepted_list]
        return None if None in ranges else ranges

    def choice_problems(self, choices):
        """Messages for a set of (is_correct, text) pairs that cannot make this question gradable."""
        right = sum(1 for is_correct, _text in choices if is_correct)
        if self.kind == self.Kind.NUMERIC:
            if choices:
                return [_("수치 문제에는 선택지를 두지 않습니다. 정답은 '정답으로 인정할 답'에 적습니다.")]
            if not self.accepted_list or self.numeric_ranges is None:
                return [
                    _(
                        "수치 문제의 정답은 값(3), 허용 오차(99.7±0.05) 또는 범위(3.141..3.142)로 한 줄에 하나씩 적습니다."
                    )
                ]
            return []
        if self.kind == self.Kind.SHORT:
            if choices:
                return [_("단답형 문제에는 선택지를 두지 않습니다. 정답은 '정답으로 인정할 답'에 적습니다.")]
            return [] if self.accepted_list else [_("단답형 문제는 정답으로 인정할 답이 하나 이상 있어야 합니다.")]
        if len(choices) < 2:
            return [_("선택지가 두 개 이상 있어야 합니다.")]
        if self.kind in (self.Kind.SINGLE, self.Kind.TRUE_FALSE) and right != 1:
            return [
                _("하나 고르기와 참/거짓 문제는 정답 선택지가 정확히 하나여야 합니다 (지금 %(n)d개).") % {"n": right}
            ]
        if self.kind == self.Kind.MULTIPLE and right < 1:
            return [_("모두 고르기 문제는 정답 선택지가 하나 이상 있어야 합니다.")]
        return []

    def grade(self, *, choices=(), text=""):
        """True when the answer is right: choices all-or-nothing, short answers after normalising,
        numbers inside an accepted range."""
        if self.kind == self.Kind.NUMERIC:
            value = parse_number(text)
            return value is not None and any(low <= value <= high for low, high in self.numeric_ranges or [])
        if self.kind == self.Kind.SHORT:
            given = normalise_answer(text)
            return bool(given) and given in {normalise_answer(a) for a in self.accepted_list}
        right = {c.pk for c in self.choices.all() if c.is_correct}
        return {c.pk for c in choices} == right


def new_token():
    return secrets.token_urlsafe(9)


class Choice(RendersMarkdown):
    """An answer option; the form posts its random token, so ids reveal no authoring order."""

    markdown_fields = {"text": True, "feedback": False}

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("문제"))
    order = models.PositiveIntegerField(_("순서"), default=0)
    text = models.CharField(_("선택지"), max_length=500)
    text_html = models.TextField(editable=False, blank=True)
    is_correct = models.BooleanField(_("정답"), default=False)
    feedback = models.TextField(
        _("피드백"), blank=True, help_text=_("답한 뒤에 보입니다. 오답이면 왜 틀렸는지 적습니다.")
    )
    feedback_html = models.TextField(editable=False, blank=True)
    token = models.CharField(max_length=20, unique=True, default=new_token, editable=False)

    class Meta:
        ordering = ["question", "order", "id"]
        verbose_name = pgettext_lazy("model", "선택지")
        verbose_name_plural = pgettext_lazy("model plural", "선택지")

    def __str__(self):
        return self.text


def questions_needed(pass_mark, total):
    """How many right answers of ``total`` pass: the pass mark as a count a learner can read."""
    return -(-pass_mark * total // 100)  # the ceiling, in whole numbers


@dataclass
class Score:
    """An attempt's result; unanswered questions count as wrong."""

    correct: int
    answered: int
    total: int
    pass_mark: int

    @property
    def percent(self):
        return round(100 * self.correct / self.total) if self.total else 0

    @property
    def needed(self):
        return questions_needed(self.pass_mark, self.total)

    @property
    def passed(self):
        return self.total > 0 and self.correct >= self.needed


class OwnedQuerySet(models.QuerySet):
    """Rows that belong to a learner: an account (``user``) or a visitor (``session_key``)."""

    def owned_by(self, owner):
        return self.filter(**owner.lookup) if owner.is_known else self.none()


class AttemptQuerySet(OwnedQuerySet):
    def scored(self):
        """Annotate what ``Attempt.score`` needs, in the same query."""
        return self.annotate(
            right=Count("answers", filter=Q(answers__is_correct=True), distinct=True),
            answered=Count("answers", distinct=True),
            questions=Coalesce("question_count", Count("quiz__questions", distinct=True)),
        )


STATISTICS_PERMISSION = "quizzes.view_statistics"


def new_shuffle_seed():
    return secrets.token_hex(16)


def first_shuffle_seed(quiz):
    """The seed of a learner's first attempt, and so of the order shown before it exists.

    Derived from the secret key: the same for every learner, so the page can be shared, yet
    impossible to recompute without the server's secret.
    """
    return salted_hmac("quizzes.first-shuffle", str(quiz.pk)).hexdigest()[:32]


class Attempt(models.Model):
    """One go at a quiz by a learner (a user, or a session for visitors without an account)."""

    # PROTECT: editing content never deletes a learner's history (kolibri's logger model).
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("퀴즈"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="quiz_attempts"
    )
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    number = models.PositiveIntegerField(_("회차"), default=1)
    pass_mark = models.PositiveSmallIntegerField(_("통과 기준(%)"))
    shuffle_seed = models.CharField(max_length=64, default=new_shuffle_seed, editable=False)
    # What the finished attempt was graded against, so a later edit of the quiz cannot change it.
    question_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("시작"), default=timezone.now)
    finished_at = models.DateTimeField(_("끝낸 시각"), null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = pgettext_lazy("model", "응시")
        verbose_name_plural = pgettext_lazy("model plural", "응시")
        # Reading learners' results in aggregate (analytics, per-question statistics): held by
        # the content editors group and superusers, not by every staff account.
        permissions = [("view_statistics", _("학습 통계를 볼 수 있음"))]
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(session_key=""), name="attempt_has_an_owner"),
            models.UniqueConstraint(
                fields=["quiz", "user"],
                condition=Q(finished_at__isnull=True, user__isnull=False),
                name="attempt_one_open_per_user",
            ),
            models.UniqueConstraint(
                fields=["quiz", "session_key"],
                condition=Q(finished_at__isnull=True, user__isnull=True),
                name="attempt_one_open_per_session",
            ),
        ]

    def __str__(self):
        return f"{self.quiz} #{self.number}"

    def get_absolute_url(self):
        return reverse("quizzes:attempt-detail", args=[self.pk])

    @property
    def is_finished(self):
        return self.finished_at is not None

    def choice_order(self, question, choices):
        """The shuffle for this attempt, from its secret seed: fixed for the attempt, new for the next.

        The seed never leaves the server, so the order cannot be recomputed from what a page shows.
        """
        choices = list(choices)
        if self.quiz.shuffle and question.kind != Question.Kind.TRUE_FALSE:
            random.Random(f"{self.shuffle_seed}:{question.pk}").shuffle(choices)
        return choices

    @property
    def score(self):
        """The result, from the annotations of ``Attempt.objects.scored()``."""
        return Score(correct=self.right, answered=self.answered, total=self.questions, pass_mark=self.pass_mark)


class Answer(models.Model):
    """A learner's answer to one question in one attempt, graded once and then locked."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choices = models.ManyToManyField(Choice, blank=True, related_name="answers")
    text = models.CharField(max_length=500, blank=True)
    given = models.JSONField(default=list, help_text=_("답한 그대로의 선택지 문장"))
    is_correct = models.BooleanField()
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["attempt", "question__order"]
        verbose_name = pgettext_lazy("model", "답")
        verbose_name_plural = pgettext_lazy("model plural", "답")
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="answer_one_per_question")]

    def __str__(self):
        return f"{self.attempt} · {self.question_id}"
