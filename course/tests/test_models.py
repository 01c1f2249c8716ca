"""Content rules that live in the models: rendering on save, references, publishing."""

import pytest
from django.core.exceptions import ValidationError

from course.models import Section
from course.tests.builders import make_diagram, make_lecture, make_pattern, make_section

pytestmark = pytest.mark.django_db


def test_body_is_rendered_and_stored_on_save():
    section = make_section(body="## 소제목\n\n- 하나")
    assert '<h2 id="소제목">소제목</h2>' in section.body_html
    assert "<li>하나</li>" in section.body_html


def test_a_missing_reference_is_refused_with_a_clear_message():
    section = make_section(body="본문")
    section.body = "보세요 [[diagram:없는-그림]] 그리고 [[pattern:없는-패턴]]"
    with pytest.raises(ValidationError) as error:
        section.full_clean()
    messages = " ".join(error.value.message_dict["body"])
    assert "[[diagram:없는-그림]]" in messages and "[[pattern:없는-패턴]]" in messages


def test_remote_images_are_refused_so_pages_never_call_another_host():
    section = make_section(body="본문")
    section.body = "![그림](https://example.com/a.png)"
    with pytest.raises(ValidationError):
        section.full_clean()


def test_references_render_a_figure_and_a_pattern_link_and_record_the_links():
    diagram = make_diagram(slug="k8s", caption="쿠버네티스 클러스터")
    pattern = make_pattern()
    section = make_section(body="[[pattern:circuit-breaker]]을 봅시다.\n\n[[diagram:k8s]]\n")
    assert f'href="{pattern.get_absolute_url()}"' in section.body_html
    assert 'title="연쇄 장애를 막는다"' in section.body_html
    assert "<figure" in section.body_html and "쿠버네티스 클러스터" in section.body_html
    assert list(section.patterns.all()) == [pattern]
    assert list(pattern.sections.all()) == [section]
    assert list(diagram.sections.all()) == [section]


def test_uploading_a_file_for_a_waiting_diagram_updates_pages_that_show_it():
    diagram = make_diagram(slug="waiting", with_image=False, alt_text="기다리는 그림")
    section = make_section(body="[[diagram:waiting]]")
    assert "그림을 준비하고 있습니다" in section.body_html and "<img" not in section.body_html
    from course.tests.builders import PNG_1X1

    diagram.set_image(PNG_1X1, "a.png")
    diagram.save()
    section.refresh_from_db()
    assert "<img" in section.body_html and 'alt="기다리는 그림"' in section.body_html


def test_renaming_a_pattern_updates_the_links_in_sections():
    pattern = make_pattern()
    section = make_section(body="[[pattern:circuit-breaker]]")
    pattern.name = "회로 차단기"
    pattern.save()
    section.refresh_from_db()
    assert "회로 차단기" in section.body_html


def test_published_requires_the_whole_chain_to_be_published():
    lecture = make_lecture()
    visible = make_section(lecture=lecture, title="보임")
    make_section(lecture=lecture, title="숨김", order=2, is_published=False)
    assert list(Section.objects.published()) == [visible]
    lecture.is_published = False
    lecture.save()
    assert list(Section.objects.published()) == []


def test_section_slugs_are_unique_per_lecture_in_the_database():
    from django.db import IntegrityError

    lecture = make_lecture()
    make_section(lecture=lecture, title="같은 제목")
    with pytest.raises(IntegrityError):
        make_section(lecture=lecture, title="같은 제목")


def test_readable_now_is_one_rule_for_querysets_relations_and_objects_in_memory():
    """Every combination of published flags: the queryset, the Q through a relation and the
    object's own check agree, for sections and for knowledge checks and review quizzes."""
    from itertools import product

    from learners.models import SectionProgress
    from quizzes.models import Quiz
    from quizzes.tests.builders import make_check

    check = make_check(slug="rule-check")
    section, lecture, course = check.section, check.lecture, check.lecture.course
    review = Quiz.objects.create(lecture=lecture, kind=Quiz.Kind.REVIEW, slug="rule-review", title="복습")
    SectionProgress.objects.create(section=section, session_key="reader")
    for flags in product([True, False], repeat=5):
        for obj, flag in zip((course, lecture, section, check, review), flags, strict=True):
            type(obj).objects.filter(pk=obj.pk).update(is_published=flag)
        sections = Section.objects.select_related("lecture__course")
        quizzes = Quiz.objects.select_related("lecture__course", "section")
        assert set(sections.published()) == {s for s in sections if s.is_readable()}, flags
        assert set(quizzes.published()) == {q for q in quizzes if q.is_readable()}, flags
        progress = SectionProgress.objects.filter(Section.published_q("section__")).exists()
        assert progress == section.__class__.objects.get(pk=section.pk).is_readable() == all(flags[:3]), flags
        assert (check in quizzes.published()) == all(flags[:4]) and (review in quizzes.published()) == (
            all(flags[:2]) and flags[4]
        ), flags
