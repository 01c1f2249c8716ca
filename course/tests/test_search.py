"""Search: Korean-aware matching, ranking, visibility, an index kept current on save, and the page."""

from urllib.parse import unquote

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse
from django.utils.html import strip_tags

from course import search
from course.models import Pattern, SearchEntry, Section
from course.tests.builders import make_section

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}

# Written from lecture 1 and the catalog: what a learner would type → where they should land.
EXPECTED = [
    ("서킷브레이커", "/patterns/circuit-breaker/"),
    ("서킷 브레이커", "/patterns/circuit-breaker/"),
    ("파드", "/쿠버네티스/"),
    ("큐", "/patterns/message-queue/"),
    ("사가", "/patterns/saga/"),
    ("캐싱", "/patterns/caching/"),
    ("보상 트랜잭션", "/patterns/saga/"),
    ("사이드카", "/patterns/sidecar/"),
    ("Sidecar", "/patterns/sidecar/"),
    ("SIDECAR", "/patterns/sidecar/"),
    ("AWS Lambda", "/쿠버네티스/#서버리스"),
    ("서버리스", "/쿠버네티스/#서버리스"),
    ("CNCF", "/클라우드-네이티브/"),
    ("모놀리식", "/마이크로서비스로-구성하는-설계/"),
    ("ESB", "/마이크로서비스로-구성하는-설계/#soa-esb-msa"),
    ("컨테이너 오케스트레이션", "/컨테이너와-컨테이너-오케스트레이션/"),
    ("하이퍼바이저", "/diagrams/containers-vs-vms/"),
    ("kubelet", "/쿠버네티스/"),
    ("레플리카셋", "/diagrams/kubernetes-cluster/"),
    ("CI/CD", "/클라우드-네이티브-아키텍처-개발-방법론/#개발-릴리스-배포-자동화"),
    ("관측 가능성", "/클라우드-네이티브-아키텍처-개발-방법론/#관측-가능성-및-모니터링"),
    ("컨트롤 플레인", "/클라우드-네이티브-아키텍처-개발-방법론/#동적-환경-관리를-위한-컨트롤-플레인"),
    ("서비스 메시", "/patterns/service-mesh/"),
    ("서비스메시", "/patterns/service-mesh/"),
    ("서비스 디스커버리", "/patterns/service-discovery/"),
    ("API 게이트웨이", "/patterns/api-gateway/"),
    ("개발자 포털", "/patterns/developer-portal/"),
    ("발행 구독", "/patterns/publish-subscribe/"),
    ("pub/sub", "/patterns/publish-subscribe/"),
    ("요청 응답", "/patterns/request-response/"),
    ("타임아웃", "/patterns/timeout-retry/"),
    ("재시도", "/patterns/timeout-retry/"),
    ("서비스별 데이터베이스", "/patterns/database-per-service/"),
    ("스트림 프로세싱", "family=stream-processing"),
    ("이벤트 주도", "family=event-driven-architecture"),
    ("참조 모델", "/클라우드-네이티브-애플리케이션-참조-모델/"),
    ("트웰브 팩터", "/클라우드-네이티브-아키텍처-개발-방법론/"),
]


def top_urls(query, user=None, n=5):
    return [unquote(result.url) for result in search.find(query, user or AnonymousUser())[:n]]


def test_recall_at_5_over_the_expected_pages(shipped_course):
    missed = [(query, page, top_urls(query)) for query, page in EXPECTED if not any(page in u for u in top_urls(query))]
    recall = 1 - len(missed) / len(EXPECTED)
    print(f"recall@5 = {recall:.3f} over {len(EXPECTED)} queries")
    assert len(EXPECTED) >= 30 and recall >= 0.95, missed


@pytest.mark.parametrize(
    "query, marked",
    [
        ("큐", "<mark>큐</mark>"),  # one syllable
        ("파드", "<mark>파드</mark>"),  # two
        ("트랜잭션", "<mark>트랜잭션</mark>을"),  # a particle after the word
        ("서킷브레이커", "<mark>서킷 브레이커</mark>"),  # written without the space
        ("sidecar", "<mark>Sidecar</mark>"),  # case
        ("aws lambda", "<mark>AWS</mark> <mark>Lambda</mark>"),  # mixed, two words
    ],
)
def test_korean_words_are_found_inside_longer_text(shipped_course, query, marked):
    shown = " ".join(f"{result.title} {result.snippet}" for result in search.find(query, AnonymousUser()))
    assert marked in shown


def test_title_ranks_above_heading_above_body(shipped_course):
    results = search.find("서버리스", AnonymousUser())
    tiers = [result.entry.tier for result in results]
    assert tiers == sorted(tiers, reverse=True)
    first = results[0]
    assert first.entry.heading == "서버리스" and unquote(first.url).endswith("/쿠버네티스/#서버리스")
    assert "쿠버네티스 › 서버리스" in first.place and first.place.startswith("1강")


def test_the_query_is_never_echoed_raw(client, shipped_course):
    html = client.get(reverse("course:search"), {"q": '<script>alert("x")</script> 파드'}).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_unpublished_content_is_found_only_by_editors_and_marked(client, shipped_course, editor):
    Section.objects.filter(slug="쿠버네티스").update(is_published=False)
    assert not any("/쿠버네티스/" in u for u in top_urls("kubelet", n=20))
    staff = User.objects.create_user("staff", password="pw-12345678", is_staff=True)
    assert not any("/쿠버네티스/" in u for u in top_urls("kubelet", staff, n=20))
    assert any("/쿠버네티스/" in u for u in top_urls("kubelet", editor, n=20))
    client.force_login(editor)
    html = client.get(reverse("course:search"), {"q": "kubelet"}).content.decode()
    assert "비공개" in html


def test_the_index_follows_every_save_and_never_works_per_request(shipped_course, django_assert_max_num_queries):
    section = Section.objects.get(slug="마치며")
    section.body += "\n\n## 새 소제목\n\n오늘 배운 낱말은 블루그린배포입니다."
    section.save()
    assert unquote(search.find("블루그린배포", AnonymousUser())[0].url).endswith("/마치며/#새-소제목")
    pattern = Pattern.objects.get(slug="saga")
    pattern.name = "사가 오케스트레이션"
    pattern.save()
    assert search.find("사가오케스트레이션", AnonymousUser())[0].entry.pattern == pattern
    with django_assert_max_num_queries(1):  # one query: no indexing while searching
        search.find("파드 쿠버네티스", AnonymousUser())


def test_rebuild_gives_the_same_index(shipped_course):
    before = sorted(SearchEntry.objects.values_list("kind", "title", "heading", "folded"))
    assert search.rebuild() == len(before)
    assert sorted(SearchEntry.objects.values_list("kind", "title", "heading", "folded")) == before


def test_the_page_works_without_javascript_and_htmx_gets_only_the_results(client, shipped_course):
    page = client.get(reverse("course:search"), {"q": "파드"})
    html = page.content.decode()
    assert '<form class="search-form" role="search"' in html and "‘파드’ 검색 결과" in html
    assert 'role="status"' in html and "<mark>파드</mark>" in html
    partial = client.get(reverse("course:search"), {"q": "파드"}, headers=HTMX).content.decode()
    assert "‘파드’ 검색 결과" in partial and "<html" not in partial and "<form" not in partial
    assert client.get(reverse("course:search"), {"q": "없는낱말쯤"}).content.decode().count("찾는 말이 없습니다") == 1


def test_every_page_has_the_search_box(client, shipped_course):
    for url in ("/", reverse("course:pattern-list"), Section.objects.first().get_absolute_url()):
        html = client.get(url).content.decode()
        assert 'id="site-search-q"' in html and f'action="{reverse("course:search")}"' in html


@pytest.mark.parametrize("query", ["api gateway", "API Gateway", "Api GATEWAY", "apigateway"])
def test_an_english_term_finds_the_sections_that_spell_it_in_korean(shipped_course, query):
    sections = [result for result in search.find(query, AnonymousUser()) if result.entry.kind == "section"]
    assert sections, "no lesson found"
    assert all("API 게이트웨이" in result.entry.text for result in sections)
    assert any("<mark>API 게이트웨이</mark>" in result.snippet for result in sections)
    found = {result.entry.section.slug for result in sections}
    assert {"클라우드-네이티브-아키텍처-개발-방법론", "클라우드-네이티브-애플리케이션-참조-모델"} <= found


@pytest.mark.parametrize(
    "query, english",
    [("API 게이트웨이", "API gateway"), ("서킷 브레이커", "circuit breaker"), ("서킷브레이커", "circuit breaker")],
)
def test_a_korean_term_finds_a_section_that_uses_only_the_english_one(query, english):
    section = make_section(title="English only", body=f"Every call goes through the {english.upper()} first.")
    results = search.find(query, AnonymousUser())
    assert [result.entry.section for result in results] == [section]
    assert f"<mark>{english.upper()}</mark>" in results[0].snippet


def test_the_glossary_only_adds_matches_the_words_as_typed_still_match():
    apart = make_section(title="떨어진 낱말", body="API 문서를 먼저 읽고, 다음 절에서 게이트웨이를 설정한다.")
    assert [result.entry.section for result in search.find("API 게이트웨이", AnonymousUser())] == [apart]
    assert search.expand("보상 트랜잭션") == [[("보상",)], [("트랜잭션",)]]  # no glossary term: as before


SENTENCES = {
    "ko": "클라우드 네이티브 애플리케이션은 작은 서비스 여러 개로 나뉘고, 소비자의 요청은 관리 계층의 API 게이트웨이를 "
    "지나 안쪽의 서비스로 전달된다. 게이트웨이는 보안과 스로틀링, 캐싱, 버전 관리를 한곳에서 처리하므로 각 서비스는 "
    "비즈니스 기능에만 집중할 수 있다.",
    "en": "A cloud-native application is split into small services; every consumer request passes the API gateway "
    "of the management layer before it reaches them. The gateway handles security, throttling, caching and "
    "versioning in one place, so that each service can focus on its business capability.",
}


@pytest.mark.parametrize("language", SENTENCES)
def test_snippets_start_and_end_at_word_edges_with_an_ellipsis_where_cut(language):
    text = SENTENCES[language]
    for context in range(1, len(text), 3):
        for term in {search.fold(word) for word in text.split()}:
            snippet = strip_tags(search.highlight(text, [term], context=context))
            inner = snippet.removeprefix("…").removesuffix("…")
            assert f" {inner} " in f" {text} ", (term, context, snippet)  # whole words only
            assert snippet.startswith("…") == (not text.startswith(inner))
            assert snippet.endswith("…") == (not text.endswith(inner))


def test_a_snippet_without_a_match_is_cut_between_words_too():
    text = SENTENCES["ko"]
    snippet = search.highlight(text, ["없는낱말"], context=20)
    assert snippet.endswith("…") and f"{snippet.removesuffix('…')} " in text
    assert len(snippet) <= 41
