"""Small builders for content rows; each returns a saved object."""

from course.models import Course, Diagram, Lecture, Pattern, PatternFamily, Section

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def make_course(slug="course", **fields):
    return Course.objects.create(slug=slug, title=fields.pop("title", "테스트 강좌"), **fields)


def make_lecture(course=None, number=1, **fields):
    course = course or make_course()
    return Lecture.objects.create(
        course=course, number=number, slug=f"{number}강", title=fields.pop("title", f"{number}강 제목"), **fields
    )


def make_section(lecture=None, title="첫 절", order=1, body="본문", **fields):
    lecture = lecture or make_lecture()
    slug = fields.pop("slug", title.replace(" ", "-"))
    return Section.objects.create(lecture=lecture, title=title, slug=slug, order=order, body=body, **fields)


def make_family(slug="communication", name="통신 패턴"):
    return PatternFamily.objects.create(slug=slug, name=name, intent="서비스끼리 주고받는 방식")


def make_pattern(slug="circuit-breaker", name="서킷 브레이커", family=None, **fields):
    family = family or PatternFamily.objects.filter(slug="communication").first() or make_family()
    return Pattern.objects.create(
        slug=slug, name=name, family=family, intent=fields.pop("intent", "연쇄 장애를 막는다"), **fields
    )


def make_diagram(slug="figure", with_image=True, **fields):
    diagram = Diagram(
        slug=slug, title=fields.pop("title", "그림"), alt_text=fields.pop("alt_text", "그림 설명"), **fields
    )
    if with_image:
        diagram.set_image(PNG_1X1, "figure.png")
    diagram.save()
    return diagram
