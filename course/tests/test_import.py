"""The importer on the raw lecture-notes seed, the shipped course, and broken input."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from course.importer import LectureFormatError, export_lecture, import_lecture, parse_lecture
from course.models import Diagram, Lecture, Section
from course.tests.builders import make_course

pytestmark = pytest.mark.django_db

SEED = (Path(__file__).parent / "data" / "lecture-01-seed.md").read_text(encoding="utf-8")
SEED_SECTIONS = [
    "클라우드 네이티브",
    "마이크로서비스로 구성하는 설계",
    "컨테이너와 컨테이너 오케스트레이션",
    "쿠버네티스",
    "클라우드 네이티브 아키텍처 개발 방법론",
    "클라우드 네이티브 애플리케이션 디자인 패턴",
    "클라우드 네이티브 애플리케이션 참조 모델",
    "마치며",
]


def test_seed_becomes_one_lecture_with_its_eight_sections_in_order():
    report = import_lecture(make_course(), SEED)
    lecture = report.lecture
    assert lecture.number == 1 and lecture.slug == "1강"
    assert list(lecture.sections.values_list("title", flat=True)) == SEED_SECTIONS
    assert report.created == SEED_SECTIONS


def test_seed_bold_lines_become_subheadings_and_nested_lists_nest():
    import_lecture(make_course(), SEED)
    k8s = Section.objects.get(title="쿠버네티스")
    assert "<h2" in k8s.body_html and "서버리스</h2>" in k8s.body_html
    assert "개발 라이프사이클 자동화하기</h2>" in k8s.body_html
    # "- 이 노드 중 하나는…" has 4-space children which have 8-space children
    assert k8s.body_html.count("<ul>") >= 3
    containers = Section.objects.get(title="컨테이너와 컨테이너 오케스트레이션")
    assert "오케스트레이션 핵심 기능</h2>" in containers.body_html
    assert "<li>자동화된 프로비저닝</li>" in containers.body_html  # not an indented code block
    assert "<pre>" not in containers.body_html
    msa = Section.objects.get(title="마이크로서비스로 구성하는 설계")
    # the SOA/ESB/MSA items were indented by 3 spaces under a bold bullet
    assert msa.body_html.count("<ul>") == 1 or "<ul>\n<li>SOA" in msa.body_html.replace("(service", "")


def test_seed_images_become_diagrams_waiting_for_a_local_file_with_a_placeholder():
    report = import_lecture(make_course(), SEED)
    assert len(report.diagrams_created) == 5
    diagrams = Diagram.objects.order_by("slug")
    assert all(d.source_url.startswith("https://github.com/user-attachments/") for d in diagrams)
    assert all(not d.has_image for d in diagrams)
    k8s = Section.objects.get(title="쿠버네티스")
    assert "그림을 준비하고 있습니다" in k8s.body_html
    assert "github.com" not in k8s.body_html  # no request to another host
    assert "<img" not in k8s.body_html


def test_reimport_is_idempotent_and_keeps_section_identity():
    course = make_course()
    import_lecture(course, SEED)
    ids = dict(Section.objects.values_list("slug", "pk"))
    report = import_lecture(course, SEED)
    assert not report.changed
    assert report.unchanged == SEED_SECTIONS
    assert dict(Section.objects.values_list("slug", "pk")) == ids
    assert Lecture.objects.count() == 1 and Diagram.objects.count() == 5


def test_reimport_of_an_edited_file_updates_in_place_and_retires_removed_sections():
    course = make_course()
    import_lecture(course, SEED)
    k8s_id = Section.objects.get(title="쿠버네티스").pk
    edited = SEED.replace("쿠버네티스가 표준 컨테이너", "쿠버네티스가 사실상 표준 컨테이너").replace(
        "### 마치며", "### 정리"
    )
    report = import_lecture(course, edited)
    assert report.updated == ["컨테이너와 컨테이너 오케스트레이션"]
    assert report.created == ["정리"] and report.retired == ["마치며"]
    assert Section.objects.get(title="쿠버네티스").pk == k8s_id
    assert not Section.objects.get(title="마치며").is_published  # kept for learners' progress, hidden


def test_export_then_import_gives_the_same_content():
    course = make_course()
    import_lecture(course, SEED)
    before = list(Section.objects.values_list("title", "slug", "order", "body"))
    text = export_lecture(Lecture.objects.get())
    report = import_lecture(course, text)
    assert not report.changed
    assert list(Section.objects.values_list("title", "slug", "order", "body")) == before


def test_unsafe_html_is_dropped_and_reported():
    text = (
        "### 2강 보안\n\n### 첫 절\n\n안녕 <script>alert(1)</script> 세상\n\n"
        '<a href="javascript:alert(1)" onclick="x()">링크</a> <iframe src="https://x.example"></iframe>\n'
        '<img src="data:image/png;base64,AAAA" alt="x">\n'
    )
    report = import_lecture(make_course(), text)
    section = Section.objects.get()
    for bad in ("script", "javascript:", "onclick", "iframe", "data:image"):
        assert bad not in section.body
        assert bad not in section.body_html
    dropped = " ".join(report.dropped)
    assert "<script>" in dropped and "onclick" in dropped and "iframe" in dropped and "이미지" in dropped


def test_inline_html_goes_through_the_pipeline_sanitiser_and_the_markdown_around_it_stays():
    text = (
        '### 2강 보안\n\n### 첫 절\n\n> 인용 안의 <b onclick="x()">굵게</b> & 그리고\n\n'
        '코드 `<div onclick="y">` 는 글자 그대로\n\n```html\n<script>코드 예시</script>\n```\n'
    )
    report = import_lecture(make_course(), text)
    body = Section.objects.get().body
    assert "> 인용 안의 <b>굵게</b> & 그리고" in body
    assert '`<div onclick="y">`' in body and "<script>코드 예시</script>" in body
    assert report.dropped == ["5번째 줄의 <b onclick>"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "비어 있습니다"),
        ("# 제목 없음\n\n본문", "'### N강' 형식"),
        ("### 3강\n\n소개만 있음", "절이 하나도 없습니다"),
        ("### 3강\n\n### 같은 절\n\n가\n\n### 같은 절\n\n나", "이미 있습니다"),
        ("### 3강\n\n### 절\n\n[[pattern:없음]]", "[[pattern:없음]]"),
    ],
)
def test_a_file_that_cannot_be_imported_gives_a_clear_error_and_changes_nothing(text, message):
    course = make_course()
    import_lecture(course, SEED)
    snapshot = list(Section.objects.values_list("pk", "title", "body", "is_published"))
    with pytest.raises(LectureFormatError, match=__import__("re").escape(message)):
        import_lecture(course, text)
    assert list(Section.objects.values_list("pk", "title", "body", "is_published")) == snapshot


def test_headings_inside_fenced_code_do_not_split_sections():
    parsed = parse_lecture("### 4강\n\n### 절\n\n```markdown\n### 코드 속 제목\n**굵게**\n```\n")
    assert [s.title for s in parsed.sections] == ["절"]
    assert "### 코드 속 제목" in parsed.sections[0].body and "**굵게**" in parsed.sections[0].body


def test_import_lecture_command_reports_and_refuses_unknown_courses(tmp_path, capsys):
    make_course(slug="demo")
    path = tmp_path / "lecture.md"
    path.write_text(SEED, encoding="utf-8")
    call_command("import_lecture", str(path), course="demo")
    out = capsys.readouterr().out
    assert "새로 만듦" in out and "새 절 8" in out and "새 그림 (로컬 파일 대기) 5" in out
    call_command("import_lecture", str(path), course="demo")
    assert "그대로인 절 8" in capsys.readouterr().out
    with pytest.raises(CommandError, match="강좌 'nope'가 없습니다"):
        call_command("import_lecture", str(path), course="nope")


def test_export_lecture_command_writes_markdown(tmp_path):
    course = make_course(slug="demo")
    import_lecture(course, SEED)
    out = tmp_path / "out.md"
    call_command("export_lecture", course="demo", lecture=1, output=str(out))
    text = out.read_text(encoding="utf-8")
    assert text.startswith("### 1강") and text.count("\n### ") == 8 and "**서버리스**" in text


def test_the_shipped_lecture_survives_export_and_import_unchanged(shipped_course):
    lecture = shipped_course.lectures.get(number=1)
    before = list(lecture.sections.values_list("title", "slug", "order", "body"))
    report = import_lecture(shipped_course, export_lecture(lecture))
    assert not report.changed
    assert list(lecture.sections.values_list("title", "slug", "order", "body")) == before


def test_reimport_keeps_a_section_edited_in_the_admin_unless_forced():
    course = make_course()
    import_lecture(course, SEED)
    section = Section.objects.get(title="쿠버네티스")
    section.body += "\n\n편집자가 덧붙인 문단"
    section.save()  # as the admin does
    report = import_lecture(course, SEED.replace("쿠버네티스가 표준", "쿠버네티스가 사실상 표준"))
    assert report.kept == ["쿠버네티스"] and "편집자가 덧붙인 문단" in Section.objects.get(pk=section.pk).body
    assert report.updated == ["컨테이너와 컨테이너 오케스트레이션"]  # untouched sections still follow the file
    assert "관리자에서 고친 것이라 그대로 둔 절" in "\n".join(report.lines())
    report = import_lecture(course, SEED, force=True)
    assert "쿠버네티스" in report.updated and "편집자가 덧붙인 문단" not in Section.objects.get(pk=section.pk).body


def test_loading_the_shipped_course_again_keeps_admin_edits(shipped_course, capsys):
    from course.models import Pattern

    pattern = Pattern.objects.get(slug="circuit-breaker")
    pattern.intent = "편집자가 고친 한 줄 요약"
    pattern.save()
    section = Section.objects.get(slug="마치며")
    section.title = "정리하며"
    section.save()
    call_command("load_course")
    out = capsys.readouterr().out
    assert "그대로 둔 항목" in out and "패턴 circuit-breaker" in out and "마치며" in out
    assert Pattern.objects.get(slug="circuit-breaker").intent == "편집자가 고친 한 줄 요약"
    assert Section.objects.get(slug="마치며").title == "정리하며"
    call_command("load_course", force=True)
    assert Pattern.objects.get(slug="circuit-breaker").intent != "편집자가 고친 한 줄 요약"
    assert Section.objects.get(slug="마치며").title == "마치며"


# The audit's inputs that took seconds (growing with the cube of their length) now take
# milliseconds; the bound of three seconds leaves room for a busy machine.
SLOW_BEFORE = {
    "a heading of 3,000 spaces": "### 1강\n\n### 절" + " " * 3000 + "x\n\n본문\n",
    "a title of 3,000 spaces": "### 1강 제목" + " " * 3000 + "x\n\n### 절\n\n본문\n",
    "an unclosed tag of 3,000 spaces": "### 1강\n\n### 절\n\n<a" + " " * 3000 + "x\n",
    "a bold line of 30,000 spaces": "### 1강\n\n### 절\n\n** a" + " " * 30000 + "b\n",
    "an unclosed angle line of 30,000 syllables": "### 1강\n\n### 절\n\n<" + "가" * 30000 + "\n",
    "33 KB of unclosed references": "### 1강\n\n### 절\n\n" + "[[pattern:a" * 3000 + "\n",
    "30,000 unmatched code spans": "### 1강\n\n### 절\n\n" + "``a`" * 10000 + "\n",
    "30,000 unclosed tags": "### 1강\n\n### 절\n\n" + "<b x=" * 10000 + "\n",
}


@pytest.mark.parametrize("name", SLOW_BEFORE)
def test_crafted_lines_import_in_linear_time(name):
    import time

    started = time.perf_counter()
    try:
        import_lecture(make_course(), SLOW_BEFORE[name])
    except LectureFormatError:
        pass  # refusing is fine; taking seconds is not
    assert time.perf_counter() - started < 3.0, name


def test_importing_renders_each_section_once(monkeypatch):
    """Checking a body's references and images and then saving it share one rendering (issue 19 §3)."""
    from course import markdown

    rendered = []
    original = markdown._markdown_to_html
    monkeypatch.setattr(markdown, "_markdown_to_html", lambda text: rendered.append(text) or original(text))
    report = import_lecture(make_course(), SEED)
    lines = [  # a line of each body (with text besides references) that no reference placeholder changes
        line
        for section in report.lecture.sections.all()
        if (line := next((line for line in section.body.splitlines() if len(line) > 10 and "[[" not in line), None))
    ]
    assert len(lines) >= 7 and [sum(line in text for text in rendered) for line in lines] == [1] * len(lines)
