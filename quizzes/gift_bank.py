"""GIFT files in and out of the question bank: ``quizzes.gift`` reads and writes the format,
this module turns its questions into ours and back.

Import is all-or-nothing, like the TOML loader: a malformed file, or a question the target
quiz cannot hold, raises ContentError and nothing changes. A question we cannot grade the way
Moodle would (an essay, an unknown form, weights we would grade differently) is skipped and
reported with its line. A question's identity is its GIFT name, or its text when it has none,
so importing the same file twice changes nothing. Text goes into the markdown fields and
through the one sanitising pipeline when saved.
"""

import hashlib
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.cache import one_content_change
from core.files import ContentError, LoadReport
from course.models import Lecture
from quizzes import gift
from quizzes.loader import QuestionEntry, _load_question
from quizzes.models import BLANK_RE, Choice, Question, Quiz, weighted

# What one import takes, the admin upload and the command alike: a file holds one quiz's worth of
# questions, not a database's (150,000 choices held SQLite's write lock for minutes).
MAX_BYTES = 1_000_000
MAX_QUESTIONS = 1_000
MAX_ANSWERS = 50  # choices, pairs or accepted answers in one question
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


@dataclass
class GiftReport(LoadReport):
    skipped: list[str] = field(default_factory=list)  # "12행: why"


def _markdown(text, text_format):
    """GIFT text as our markdown: markdown as it is, plain text escaped, HTML and Moodle's
    auto-format kept (the pipeline sanitises HTML when the question is saved)."""
    if text_format != "plain":
        return text.strip()
    return gift.GAP.join(MARKDOWN_SPECIALS.sub(r"\\\1", part) for part in text.split(gift.GAP)).strip()


def _key(question):
    """The name as a slug; without a name, the text (and kind, so Moodle's own examples of one
    sentence asked two ways stay two questions)."""
    key = slugify(question.name, allow_unicode=True)[:100]
    return key or "gift-" + hashlib.sha256(f"{question.kind}:{question.text}".encode()).hexdigest()[:12]


class Unsupported(Exception):
    """A GIFT question we would grade differently from Moodle: skipped, with the reason."""


def _entry(question):
    """Our QuestionEntry for a GIFT question; Unsupported when we cannot grade it as Moodle does."""
    text = _markdown(question.text, question.format)
    kind, accepted, choices = _answers(question)
    if question.gap and kind != "cloze":
        text = text.replace(gift.GAP, "\\_\\_\\_\\_\\_")
    values = {
        "kind": kind,
        "prompt": text,
        "explanation": _markdown(question.general_feedback, question.format),
        "accepted_answers": "\n".join(accepted),
    }
    limit = Choice._meta.get_field("text").max_length
    if any(len(part) > limit for choice in choices for part in (choice[0], *choice[3:])):
        raise Unsupported(_("선택지가 %(n)d자를 넘어 가져올 수 없습니다.") % {"n": limit})
    probe = Question(**values)
    if problems := probe.choice_problems([(c[1], c[0], *c[3:]) for c in choices]):
        raise Unsupported(" ".join(str(p) for p in problems))
    return QuestionEntry(_key(question), values, "", choices, [], _("%(line)d행") % {"line": question.line})


def _answers(question):
    """(our kind, accepted answer lines, choices) for a GIFT question's answers."""
    kind, accepted, choices = question.kind, [], []
    if kind == "true_false":
        choices = [
            ["참", question.truth, question.feedback_true],
            ["거짓", not question.truth, question.feedback_false],
        ]
    elif kind in ("single", "multiple"):
        if kind == "single" and any(0 < a.weight < 100 for a in question.answers):
            raise Unsupported(
                _("부분 점수가 있는 선택지는 가져올 수 없습니다 (하나 고르기는 맞음과 틀림으로만 채점합니다).")
            )
        choices = [[_markdown(a.text, question.format), a.weight > 0, a.feedback] for a in question.answers]
    elif kind == "matching":
        choices = [[_markdown(a.text, question.format), False, "", a.match] for a in question.answers]
    elif kind in ("short", "numeric"):
        # A partly right answer keeps its share: "%50% 1822±2" (models.weighted).
        accepted = [
            (f"%{a.weight:g}% " if a.weight < 100 else "") + (_range_line(a) if kind == "numeric" else a.text.strip())
            for a in sorted(question.answers, key=lambda a: -a.weight)
            if a.weight > 0
        ]
        if kind == "short" and question.gap:
            if any("|" in a.text or 0 < a.weight < 100 for a in question.answers):
                raise Unsupported(_("부분 점수가 있거나 | 가 든 빈칸의 답은 가져올 수 없습니다."))
            kind, accepted = "cloze", [" | ".join(accepted)]
    return kind, accepted, choices


def _range_line(answer):
    """GIFT's "1822:2" is our "1822±2"; ranges and single values read the same in both."""
    return answer.text.strip().replace(":", "±")


def _target_quiz(lecture, category, quiz_slug):
    slug = quiz_slug or category.rsplit("/", 1)[-1].strip()
    quiz = lecture.quizzes.filter(slug=slug).first() if slug else None
    if quiz is None and quiz_slug:
        raise ContentError(_("이 강의에 없는 퀴즈입니다: %(slug)s") % {"slug": quiz_slug})
    if quiz is None:
        quiz = lecture.quizzes.filter(kind=Quiz.Kind.REVIEW).first()
    if quiz is None:
        raise ContentError(_("%(n)d강에 복습 퀴즈가 없습니다. --quiz로 넣을 퀴즈를 고르세요.") % {"n": lecture.number})
    return quiz


def _check_size(questions, skipped):
    if len(questions) + len(skipped) > MAX_QUESTIONS:
        raise ContentError(
            _("문제가 %(n)s개입니다. 한 번에 %(max)s개까지 가져옵니다: 파일을 나눠 주세요.")
            % {"n": f"{len(questions) + len(skipped):,}", "max": f"{MAX_QUESTIONS:,}"}
        )
    for question in questions:
        if len(question.answers) > MAX_ANSWERS:
            raise ContentError(
                _("%(line)d행: 답이 %(n)s개입니다. 한 문제에 %(max)d개까지 가져옵니다.")
                % {"line": question.line, "n": f"{len(question.answers):,}", "max": MAX_ANSWERS}
            )


class QuizQuestions:
    """A quiz's questions by key, read once with their choices and patterns, and the next free place."""

    def __init__(self, quiz):
        self.quiz = quiz
        questions = quiz.questions.select_related("section").prefetch_related("choices", "patterns")
        self.by_key = {question.key: question for question in questions}
        self.next_order = max((q.order for q in self.by_key.values()), default=0) + 1


def _import_question(question, entry, lecture, target, report):
    existing = target.by_key.get(entry.key)
    if existing:  # GIFT has no place for these: keep what the question had
        order = existing.order
        entry.section = existing.section.slug if existing.section else ""
        entry.patterns = sorted(p.slug for p in existing.patterns.all())
    else:
        order, target.next_order = target.next_order, target.next_order + 1
    changed = report.changed
    _load_question(target.quiz, lecture, entry, order, report, force=False, question=existing)
    if report.changed > changed and question.kind == "multiple":
        report.lines.append(
            _("%(line)d행: 모두 고르기는 정답 선택지를 모두 골라야 정답으로 채점합니다 (부분 점수 없음).")
            % {"line": question.line}
        )


def import_gift(text, *, course, lecture_number, quiz_slug=""):
    """Import a GIFT file's questions into a lecture's quiz (``quiz_slug``, else the quiz its
    $CATEGORY names, else the lecture's review quiz). Returns a GiftReport.

    A fixed number of queries per question, whatever its number of choices: the target quizzes
    and their questions are read once, new choices are written in one query each."""
    if len(text.encode()) > MAX_BYTES:
        raise ContentError(_("파일이 너무 큽니다 (%(n)s바이트까지).") % {"n": f"{MAX_BYTES:,}"})
    try:
        questions, skipped = gift.parse(text)
    except gift.GiftError as error:
        raise ContentError(str(error)) from error
    _check_size(questions, skipped)
    report = GiftReport(skipped=[f"{s.line}행: {s.reason}" for s in skipped])
    with one_content_change(), transaction.atomic():
        lecture = Lecture.objects.filter(course=course, number=lecture_number).first()
        if lecture is None:
            raise ContentError(_("강좌에 %(n)d강이 없습니다.") % {"n": lecture_number})
        seen, targets = {}, {}
        for question in questions:
            try:
                entry = _entry(question)
            except Unsupported as why:
                report.skipped.append(f"{question.line}행: {why}")
                continue
            # One text asked twice in a file (Moodle's own examples do it): the second is "-2".
            seen[entry.key] = seen.get(entry.key, 0) + 1
            if seen[entry.key] > 1:
                entry.key = f"{entry.key[:95]}-{seen[entry.key]}"
            if question.category not in targets:
                quiz = _target_quiz(lecture, question.category, quiz_slug)
                targets[question.category] = next((t for t in targets.values() if t.quiz.pk == quiz.pk), None) or (
                    QuizQuestions(quiz)
                )
            _import_question(question, entry, lecture, targets[question.category], report)
    return report


def export_gift(questions):
    """GIFT text for the questions, and the (question, reason) pairs GIFT cannot express."""
    written, left_out = [], []
    for question in questions:
        try:
            out = _gift_question(question)
            gift.write([out])  # refuses what GIFT cannot say, e.g. a gap at the very end of the text
            written.append(out)
        except (Unsupported, ValueError) as why:
            left_out.append((question, str(why)))
    return gift.write(written), left_out


def _weighted_choices(kind, choices):
    """GIFT answers for a choice question: a single choice's right answer 100; a multiple choice's
    right answers share 100 and wrong ones take it all away (graded all-or-nothing here)."""
    right = sum(c.is_correct for c in choices)
    return [
        gift.GiftAnswer(
            text=c.text,
            weight=(100 if kind == "single" else round(100 / right, 5))
            if c.is_correct
            else (0 if kind == "single" else -100),
            feedback=c.feedback,
        )
        for c in choices
    ]


def _gift_question(question):
    kind, choices = question.kind, list(question.choices.all())
    out = gift.GiftQuestion(
        line=0,
        name=question.key,
        category=question.quiz.slug,
        format="markdown",
        text=question.prompt,
        general_feedback=question.explanation,
    )
    if kind == Question.Kind.TRUE_FALSE:
        true, false = choices
        out.kind, out.truth = "true_false", true.is_correct
        out.feedback_true, out.feedback_false = true.feedback, false.feedback
    elif kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        out.kind, out.answers = kind, _weighted_choices(kind, choices)
    elif kind == Question.Kind.MATCHING:
        out.kind = "matching"
        out.answers = [gift.GiftAnswer(text=c.text, match=c.match) for c in choices]
    elif kind == Question.Kind.SHORT:
        out.kind = "short"
        out.answers = [gift.GiftAnswer(text=a, weight=100 * w) for w, a in map(weighted, question.accepted_list)]
    elif kind == Question.Kind.NUMERIC:
        out.kind = "numeric"
        out.answers = [
            gift.GiftAnswer(text=re.sub(r"\s*(±|\+/-|\+-)\s*", ":", answer.strip()), weight=100 * share)
            for share, answer in map(weighted, question.accepted_list)
        ]
    elif kind == Question.Kind.CLOZE and len(question.blanks) == 1 and not question.prompt.rstrip().endswith("{1}"):
        out.kind, out.gap = "short", True
        out.text = BLANK_RE.sub(gift.GAP, question.prompt)
        out.answers = [gift.GiftAnswer(text=a) for a in question.blanks[0]]
    else:
        raise Unsupported(
            _("GIFT에는 이런 문제(%(kind)s)를 적을 방법이 없습니다.") % {"kind": question.get_kind_display()}
        )
    return out
