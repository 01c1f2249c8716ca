"""Revisions of quizzes, questions and choices: a revert never rewrites or deletes what a learner chose."""

import io
import re

import pytest
import reversion
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from core.models import AuditEntry
from core.revisions import versions_of
from learners.learner import Learner
from learners.models import ReviewAnswer, ReviewAnswerChoice, ReviewCard, SectionProgress
from quizzes.models import Answer, AnswerChoice, Attempt, Choice, Question, Quiz
from quizzes.services import answer_submit
from quizzes.tests.builders import make_check
from quizzes.tests.test_admin import existing, question_form

pytestmark = pytest.mark.django_db


def revert(client, obj, version):
    url = reverse(f"admin:quizzes_{obj._meta.model_name}_revert", args=[obj.pk, version.pk])
    return client.post(url, follow=True).content.decode()


def answer(question, text):
    """A visitor picks the choice with ``text``; returns the answer's rows as they are stored."""
    choice = question.choices.get(text=text)
    answer, _created, _submission = answer_submit(
        quiz=question.quiz, question=question, owner=Learner(session_key="visitor"), tokens=[choice.token]
    )
    return records(answer)


def records(answer):
    answer.refresh_from_db()
    return answer.pk, answer.shown, answer.given, list(AnswerChoice.objects.filter(answer=answer).values_list())


def edit(client, question, **changes):
    """Save the question in the admin, with its choices' fields changed by text: {"etcd": {"text": …}}."""
    choices = existing(question)
    for choice in choices:
        choice.update(changes.pop(choice["text"], {}))
    response = client.post(
        reverse("admin:quizzes_question_change", args=[question.pk]), question_form(question, choices, **changes)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    question.refresh_from_db()


def test_content_is_registered_and_learners_records_are_not():
    for model in (Quiz, Question, Choice):
        assert reversion.is_registered(model)
    for model in (Attempt, Answer, AnswerChoice, ReviewAnswer, ReviewAnswerChoice, ReviewCard, SectionProgress):
        assert not reversion.is_registered(model)


def test_a_question_saved_in_the_admin_is_one_revision_with_its_choices(client, editor):
    question = make_check().questions.get(key="single")
    edit(client, question, prompt="고친 문제?", etcd={"feedback": "고친 피드백"})
    version = versions_of(question).get()
    assert version.revision.user == editor and "문제 (마크다운)" in version.revision.get_comment()
    assert [c["feedback"] for c in question.stored_choices(version)] == ["맞아요", "고친 피드백"]


def test_reverting_a_question_whose_chosen_choice_changed_keeps_the_learners_records(client, editor):
    with reversion.create_revision():
        quiz = make_check()
    question = quiz.questions.get(key="single")
    before = answer(question, "etcd")
    etcd = Choice.objects.get(question=question, text="etcd")
    edit(client, question, prompt="바뀐 문제?", etcd={"text": "etcd (고침)"}, kubelet={"text": "kubelet (고침)"})
    assert Choice.all_objects.get(pk=etcd.pk).retired  # picked, so retired rather than rewritten

    html = revert(client, question, versions_of(question).first())
    assert "되돌렸습니다" in html
    question.refresh_from_db()
    assert question.prompt == "single 문제?"
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [("kubelet", True), ("etcd", False)]
    assert records(Answer.objects.get()) == before  # the answer, what it showed and the choice it points to
    picked = Choice.all_objects.get(pk=etcd.pk)
    assert picked.retired and picked.text == "etcd"
    assert not Choice.all_objects.filter(text__endswith="(고침)").exists()  # nobody picked those: deleted


def test_reverting_a_choice_a_learner_picked_since_retires_it_and_makes_a_new_one(client, editor):
    question = make_check().questions.get(key="single")
    edit(client, question, etcd={"text": "etcd 저장소"})  # revision 1: before anyone answered
    edit(client, question, **{"etcd 저장소": {"text": "etcd 키-값 저장소"}})
    before = answer(question, "etcd 키-값 저장소")
    chosen = Choice.objects.get(text="etcd 키-값 저장소")
    revert(client, question, versions_of(question).first())
    assert records(Answer.objects.get()) == before
    chosen = Choice.all_objects.get(pk=chosen.pk)
    assert chosen.retired and chosen.text == "etcd 키-값 저장소"
    assert [c.text for c in question.choices.all()] == ["kubelet", "etcd 저장소"]
    # The revert is a revision too, without the retired choice: reverting to it gives the same choices.
    revert(client, question, versions_of(question).last())
    assert [c.text for c in question.choices.all()] == ["kubelet", "etcd 저장소"]


def test_a_question_reverted_to_another_kind_gets_its_choices_back(client, editor):
    with reversion.create_revision():
        question = make_check().questions.get(key="single")
    question.kind = "short"
    question.accepted_answers = "kubelet"
    question.save()
    question.choices.all().delete()
    html = revert(client, question, versions_of(question).get())
    assert "되돌렸습니다" in html
    question.refresh_from_db()
    assert question.kind == "single" and question.choices.count() == 2


def test_a_question_whose_section_to_reread_was_deleted_is_not_reverted_and_nothing_changes(client, editor):
    quiz = make_check()
    question = quiz.questions.get(key="single")
    with reversion.create_revision():
        gone = quiz.lecture.sections.create(title="지울 절", slug="gone", body="본문")
        question.section = gone
        question.save()
    question.prompt = "지금 문제"
    question.save()
    gone.delete()
    choices = list(Choice.all_objects.values_list())
    html = revert(client, question, versions_of(question).get())
    assert "되돌리지 않았습니다" in html and "「지울 절」이(가) 지워져서" in html
    question.refresh_from_db()
    assert question.prompt == "지금 문제" and list(Choice.all_objects.values_list()) == choices


def test_a_quiz_whose_section_was_deleted_is_not_reverted(client, editor):
    with reversion.create_revision():
        quiz = make_check()
    old_section = quiz.section
    quiz.questions.all().delete()
    other = old_section.lecture.sections.create(title="다른 절", slug="other", body="본문")
    Quiz.objects.filter(pk=quiz.pk).update(section=other)
    old_section.delete()
    html = revert(client, quiz, versions_of(quiz).get())
    assert "되돌리지 않았습니다" in html and "절 「쿠버네티스」이(가) 지워져서" in html
    quiz.refresh_from_db()
    assert quiz.section == other


def test_a_gift_import_is_one_revision_named_after_the_file_holding_each_question_with_its_choices(tmp_path):
    quiz = make_check()
    path = tmp_path / "bank.gift"
    path.write_text("::새 문제:: 오케스트레이터는? {=쿠버네티스 ~도커 ~깃}\n", encoding="utf-8")
    lecture = quiz.lecture
    call_command(
        "import_gift",
        str(path),
        course=lecture.course.slug,
        lecture=lecture.number,
        quiz=quiz.slug,
        stdout=io.StringIO(),
    )
    question = Question.objects.get(key="새-문제")
    version = versions_of(question).get()
    assert version.revision.comment == "가져오기: bank.gift"
    assert [c["text"] for c in question.stored_choices(version)] == ["쿠버네티스", "도커", "깃"]
    assert AuditEntry.objects.get(action=AuditEntry.Action.IMPORTED).detail == "bank.gift"


def test_the_admins_gift_upload_is_a_revision_by_its_editor(client, editor):
    quiz = make_check()
    upload = SimpleUploadedFile("upload.gift", "::올린 문제:: 참인가? {T}\n".encode(), content_type="text/plain")
    client.post(reverse("admin:quizzes_quiz_import_gift", args=[quiz.pk]), {"file": upload})
    revision = versions_of(Question.objects.get(key="올린-문제")).get().revision
    assert revision.comment == "가져오기: upload.gift" and revision.user == editor
    entry = AuditEntry.objects.get()
    assert entry.user == editor and entry.object_repr == str(quiz)


def test_the_question_history_compares_its_choices(client, editor):
    question = make_check().questions.get(key="single")
    edit(client, question, etcd={"text": "etcd 저장소"})
    edit(client, question, **{"etcd 저장소": {"is_correct": True}, "kubelet": {"is_correct": False}})
    url = reverse("admin:quizzes_question_history", args=[question.pk])
    html = client.get(url, {"version": versions_of(question).last().pk}, headers={"HX-Request": "true"}).content
    html = re.sub(r"</?mark>", "", html.decode())  # the lines, without the marks on the words they changed
    assert "<caption>선택지</caption>" in html
    assert (
        "<del>1. [정답] kubelet — 맞아요</del>" in html
        and "<ins>2. [정답] etcd 저장소 — etcd는 저장소입니다</ins>" in html
    )
