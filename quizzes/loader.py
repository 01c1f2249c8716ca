"""Load a question bank file (quizzes/lecture-NN.toml) into a lecture's quizzes.

One transaction per file: a malformed entry raises ContentError naming the file and
the quiz and question at fault, and nothing changes. Loading twice changes nothing.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from course import sync
from course.importer import MAX_LECTURE_NUMBER
from course.loader import ContentError, LoadReport, read_toml, require, update_fields
from course.models import Lecture, Pattern
from quizzes.models import Choice, Question, Quiz


def _choices(entry, where):
    kind = entry["kind"]
    if kind == Question.Kind.TRUE_FALSE:
        if not isinstance(entry.get("answer"), bool):
            raise ContentError(
                _("%(where)s: 참/거짓 문제에는 answer = true 또는 false가 있어야 합니다.") % {"where": where}
            )
        wrong = entry.get("feedback_wrong", "")
        return [
            {"text": "참", "correct": entry["answer"], "feedback": "" if entry["answer"] else wrong},
            {"text": "거짓", "correct": not entry["answer"], "feedback": wrong if entry["answer"] else ""},
        ]
    if kind == Question.Kind.SHORT:
        return []
    return [
        {"text": c.get("text", ""), "correct": bool(c.get("correct")), "feedback": c.get("feedback", "")}
        for c in entry.get("choice", [])
    ]


def _load_question(quiz, lecture, entry, order, where, report, force):
    require(entry, ["key", "kind", "prompt"], where)
    if entry["kind"] not in Question.Kind.values:
        raise ContentError(
            _("%(where)s: 문제 종류 '%(kind)s'는 없습니다. 쓸 수 있는 값: %(kinds)s")
            % {"where": where, "kind": entry["kind"], "kinds": ", ".join(Question.Kind.values)}
        )
    section = None
    if entry.get("section"):
        section = lecture.sections.filter(slug=entry["section"]).first()
        if section is None:
            raise ContentError(
                _("%(where)s: 이 강의에 없는 절입니다: %(slug)s") % {"where": where, "slug": entry["section"]}
            )
    accepted = entry.get("accepted", [])
    if not isinstance(accepted, list):
        raise ContentError(_("%(where)s: accepted는 문자열 목록이어야 합니다.") % {"where": where})
    choices = _choices(entry, where)
    question = Question.objects.filter(quiz=quiz, key=entry["key"]).first() or Question(quiz=quiz, key=entry["key"])
    values = {
        "order": order,
        "kind": entry["kind"],
        "prompt": entry["prompt"].strip(),
        "explanation": entry.get("explanation", "").strip(),
        "accepted_answers": "\n".join(accepted),
        "section": section,
    }
    probe = Question(kind=values["kind"], accepted_answers=values["accepted_answers"])
    if problems := probe.choice_problems([(c["correct"], c["text"]) for c in choices]):
        raise ContentError(f"{where}: {' '.join(str(p) for p in problems)}")
    if any(not c["text"].strip() for c in choices):
        raise ContentError(_("%(where)s: 내용이 빈 선택지가 있습니다.") % {"where": where})
    pattern_slugs = sorted(set(entry.get("patterns", [])))
    patterns = list(Pattern.objects.filter(slug__in=pattern_slugs))
    if len(patterns) != len(pattern_slugs):
        missing = set(pattern_slugs) - {p.slug for p in patterns}
        raise ContentError(
            _("%(where)s: 없는 패턴입니다: %(slugs)s") % {"where": where, "slugs": ", ".join(sorted(missing))}
        )
    wanted_choices = [[c["text"].strip(), c["correct"], c["feedback"].strip()] for c in choices]
    existing = list(question.choices.all()) if question.pk else []
    current = {
        "choices": [[c.text, c.is_correct, c.feedback] for c in existing],
        "patterns": sorted(question.patterns.values_list("slug", flat=True)) if question.pk else [],
    }
    result = sync.apply(
        question,
        values,
        force=force,
        extra={"choices": wanted_choices, "patterns": pattern_slugs},
        current_extra=current,
    )
    if result in (sync.CREATED, sync.UPDATED):
        question.patterns.set(patterns)
        for index, (text, correct, feedback) in enumerate(wanted_choices, start=1):
            choice = existing[index - 1] if index <= len(existing) else Choice(question=question)
            if (
                update_fields(choice, {"order": index, "text": text, "is_correct": correct, "feedback": feedback})
                or choice.pk is None
            ):
                choice.save()
        for extra in existing[len(wanted_choices) :]:
            extra.delete()
    report.outcome(result, _("문제 %(key)s") % {"key": question.key})
    return question


def load_quiz_file(path, course, *, force=False):
    data = read_toml(path)
    require(data, ["lecture"], path)
    number = data["lecture"]
    if type(number) is not int or not 1 <= number <= MAX_LECTURE_NUMBER:  # bool is an int too
        raise ContentError(
            _("%(path)s: lecture는 1에서 %(max)d 사이의 정수여야 합니다 (읽은 값: %(value)s).")
            % {"path": path, "max": MAX_LECTURE_NUMBER, "value": repr(number)[:40]}
        )
    report = LoadReport()
    with transaction.atomic():
        lecture = Lecture.objects.filter(course=course, number=data["lecture"]).first()
        if lecture is None:
            raise ContentError(
                _("%(path)s: 강좌에 %(number)s강이 없습니다. 강의를 먼저 불러오세요.")
                % {"path": path, "number": data["lecture"]}
            )
        seen_keys = set()
        for index, entry in enumerate(data.get("quiz", []), start=1):
            where = f"{path} [[quiz]] #{index} ({entry.get('slug', '?')})"
            require(entry, ["slug", "kind", "title"], where)
            if entry["kind"] not in Quiz.Kind.values:
                raise ContentError(_("%(where)s: kind는 check 또는 review여야 합니다.") % {"where": where})
            section = None
            if entry["kind"] == Quiz.Kind.CHECK:
                require(entry, ["section"], where)
                section = lecture.sections.filter(slug=entry["section"]).first()
                if section is None:
                    raise ContentError(
                        _("%(where)s: 이 강의에 없는 절입니다: %(slug)s") % {"where": where, "slug": entry["section"]}
                    )
            pass_mark = entry.get("pass_mark", 70)
            if not isinstance(pass_mark, int) or not 0 <= pass_mark <= 100:
                raise ContentError(_("%(where)s: pass_mark는 0에서 100 사이의 정수여야 합니다.") % {"where": where})
            quiz = Quiz.objects.filter(slug=entry["slug"]).first() or Quiz(slug=entry["slug"])
            values = {
                "lecture": lecture,
                "section": section,
                "kind": entry["kind"],
                "title": entry["title"],
                "pass_mark": pass_mark,
                "shuffle": bool(entry.get("shuffle", True)),
            }
            probe = Quiz(pk=quiz.pk, **values)
            probe._state.adding = quiz._state.adding  # so the check does not find the quiz itself
            try:
                probe.validate_constraints()
            except ValidationError as error:
                raise ContentError(f"{where}: {' '.join(error.messages)}") from error
            report.outcome(sync.apply(quiz, values, force=force), _("퀴즈 %(slug)s") % {"slug": quiz.slug})
            keys = []
            for order, question in enumerate(entry.get("question", []), start=1):
                qwhere = f"{where} [[quiz.question]] #{order} ({question.get('key', '?')})"
                if question.get("key") in seen_keys:
                    raise ContentError(_("%(where)s: 같은 key가 이미 있습니다.") % {"where": qwhere})
                seen_keys.add(question.get("key"))
                keys.append(_load_question(quiz, lecture, question, order, qwhere, report, force).key)
            if not keys:
                raise ContentError(_("%(where)s: 문제가 하나도 없습니다.") % {"where": where})
            gone = quiz.questions.exclude(key__in=keys)
            answered = list(gone.filter(answers__isnull=False).distinct().values_list("key", flat=True))
            if answered:
                raise ContentError(
                    _(
                        "%(where)s: 파일에서 빠진 문제 %(keys)s에 학습자의 답안이 있어 지울 수 없습니다. "
                        "학습 기록은 지우지 않습니다: 문제를 파일에 남겨 두거나, 퀴즈를 비공개로 돌리세요."
                    )
                    % {"where": where, "keys": ", ".join(answered)}
                )
            removed = gone.count()
            gone.delete()
            report.note(
                bool(removed), _("퀴즈 %(slug)s에서 파일에 없는 문제 %(n)d개 삭제") % {"slug": quiz.slug, "n": removed}
            )
    return report
