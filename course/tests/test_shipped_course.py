"""The course shipped in content/: lecture 1 complete, diagrams in place, the pattern catalog linked both ways."""

import pytest
from django.core.management import call_command

from course.models import Diagram, Pattern, PatternFamily, Section
from course.tests.test_import import SEED_SECTIONS

pytestmark = pytest.mark.django_db

SUBHEADINGS = {
    "클라우드 네이티브": ["클라우드 네이티브의 개념 (CNCF)"],
    "마이크로서비스로 구성하는 설계": ["SOA → ESB → MSA"],
    "컨테이너와 컨테이너 오케스트레이션": [
        "컨테이너",
        "왜 컨테이너 오케스트레이션이 필요한가?",
        "오케스트레이션 핵심 기능",
    ],
    "쿠버네티스": ["서버리스", "개발 라이프사이클 자동화하기", "동적 관리"],
    "클라우드 네이티브 아키텍처 개발 방법론": [
        "애플리케이션 설계",
        "애플리케이션 개발",
        "연결 및 API 구현",
        "개발, 릴리스, 배포 자동화",  # the seed says 릴리즈; the glossary spells it 릴리스
        "동적 환경에서 실행",
        "동적 환경 관리를 위한 컨트롤 플레인",
        "관측 가능성 및 모니터링",
    ],
    "클라우드 네이티브 애플리케이션 디자인 패턴": [
        "통신 패턴(communication pattern)",
        "연결성과 조합 패턴(connectivity and composition pattern)",
        "데이터 관리 패턴",
        "이벤트 주도 아키텍처 패턴",
        "스트림 프로세싱 패턴",
        "API 관리 및 사용 패턴",
    ],
}
DIAGRAM_PLACES = {
    "containers-vs-vms": "컨테이너와 컨테이너 오케스트레이션",
    "kubernetes-cluster": "쿠버네티스",
    "dev-lifecycle-automation": "쿠버네티스",
    "cloud-native-methodology": "클라우드 네이티브 아키텍처 개발 방법론",
    "cloud-native-reference-model": "클라우드 네이티브 애플리케이션 참조 모델",
}
FACTS = [
    "CNCF", "퍼블릭, 프라이빗, 하이브리드", "모놀리식", "service-oriented architecture", "enterprise service bus",
    "독립적으로 개발하고 배포", "컨테이너 레지스트리", "컨테이너 런타임 엔진", "오버레이 네트워크", "어피니티",
    "롤링 업데이트", "kubelet", "스케줄러", "레플리카셋", "디플로이먼트", "AWS Lambda", "Azure Functions",
    "Twelve-Factor", "바운디드 컨텍스트", "IaC", "stateless", "REST API나 RPC API", "서비스 가상화", "EIP",
    "delivery semantics", "개발자 포털",
]  # fmt: skip
TYPOS = [
    "마이스크로",
    "EBS",
    "artchitecture",
    "REST AI",
    "RCA API",
    "communucation",
    "observerbility",
    "funtion",
    "배\n",
]


@pytest.fixture
def course(shipped_course):
    return shipped_course


def test_lecture_1_has_one_page_per_seed_section(course):
    lecture = course.lectures.get(number=1)
    assert list(lecture.sections.values_list("title", flat=True)) == SEED_SECTIONS


def test_every_subheading_and_fact_of_the_seed_is_there_without_its_typos(course):
    sections = {s.title: s for s in Section.objects.all()}
    for title, headings in SUBHEADINGS.items():
        for heading in headings:
            assert f">{heading}</h2>" in sections[title].body_html, (title, heading)
    everything = "\n".join(s.body for s in sections.values())
    for fact in FACTS:
        assert fact in everything, fact
    for typo in TYPOS:
        assert typo not in everything, typo


def test_the_five_diagrams_are_local_svgs_placed_where_the_seed_had_its_images(course):
    assert Diagram.objects.count() == 5
    for slug, title in DIAGRAM_PLACES.items():
        diagram = Diagram.objects.get(slug=slug)
        assert diagram.content_type == "image/svg+xml" and diagram.alt_text and diagram.caption
        assert f'id="diagram-{slug}"' in Section.objects.get(title=title).body_html
        svg = bytes(diagram.image).decode()
        assert "prefers-color-scheme: dark" in svg and "http://" not in svg.replace("http://www.w3.org/", "")


def test_every_family_and_pattern_is_described_and_linked_from_a_section(course):
    assert PatternFamily.objects.count() == 6 and Pattern.objects.count() >= 10
    for family in PatternFamily.objects.all():
        assert family.description_html and family.sections.exists(), family.slug
    for pattern in Pattern.objects.all():
        assert pattern.intent and pattern.problem_html and pattern.solution_html and pattern.tradeoffs_html
        assert pattern.sections.exists(), pattern.slug
        assert pattern.related.exists(), pattern.slug


def test_loading_the_course_twice_changes_nothing(course, capsys):
    call_command("load_course")
    assert "변경 0건" in capsys.readouterr().out
