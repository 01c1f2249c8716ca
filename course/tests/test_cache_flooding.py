"""Attacks on the shared cache: filling it with junk addresses until it evicts what matters.

Before, every new query string on an anonymous GET (``/?junk=N``, ``/search/?q=<random>``) stored a
whole page for 24 hours; the directory cache then deleted random files, the content version among them.
"""

import glob
import logging
import os
import pickle
import random
import shutil
import string
import subprocess
import time

import pytest
import redis
import yaml
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core.cache import VERSION_KEY, content_version
from course.models import Diagram, PatternFamily, Section
from course.tests.builders import make_course, make_diagram, make_family, make_lecture, make_pattern, make_section
from quizzes.models import Quiz
from scripts.harness import ROOT, free_port

pytestmark = pytest.mark.django_db
JUNK_URLS = 10_000
RANDOM_SEARCHES = 300


def stored_entries():
    """How many entries the shared cache holds: files in its directory, or keys in Redis."""
    default = caches["default"]
    if settings.REDIS_URL:
        return default._cache.get_client().dbsize()
    return len(glob.glob("*.djcache", root_dir=default._dir))


def random_text(rng, length=12):
    return "".join(rng.choices(string.ascii_letters + string.digits + "가나다라마바사 ", k=length))


@pytest.fixture
def site():
    lecture = make_lecture(make_course(slug="cn", title="클라우드 네이티브"), title="개요")
    make_pattern(family=make_family())
    make_pattern(slug="saga", name="사가", family=make_family(slug="data", name="데이터 패턴"))
    make_diagram(slug="k8s", caption="클러스터 그림")
    section = make_section(lecture, "첫째 절", 1, body="[[pattern:circuit-breaker]] 소개\n\n[[diagram:k8s]]")
    make_section(lecture, "둘째 절", 2, body="둘째 본문")
    return {"lecture": lecture, "section": section}


def test_ten_thousand_junk_query_strings_and_random_searches_add_no_entries_and_keep_the_version(site, monkeypatch):
    monkeypatch.setattr(logging.getLogger("course.requests"), "disabled", True)  # 10,300 lines of request log
    client = Client()
    home = client.get(reverse("course:home"))
    client.get(reverse("course:search"))
    client.get(reverse("course:search"), headers={"HX-Request": "true"})
    version, before = content_version(), stored_entries()
    rng = random.Random(20261125)

    started = time.monotonic()
    for n in range(1, JUNK_URLS + 1):
        junk = f"junk={n}" if n % 2 else f"utm_source={random_text(rng, 8)}&x{n}={n}"
        response = client.get(f"/?{junk}")
        assert response.status_code == 200
        if n % 1000 == 0:  # stop at once on a flood, rather than after 10,000 full renders
            assert stored_entries() <= before, f"{stored_entries() - before} new entries after {n} junk URLs"
    for n in range(RANDOM_SEARCHES):
        htmx = {"HX-Request": "true"} if n % 2 else {}
        response = client.get(reverse("course:search"), {"q": random_text(rng)}, headers=htmx)
        assert response.status_code == 200
    elapsed = time.monotonic() - started

    assert stored_entries() <= before, f"{stored_entries() - before} new entries"
    assert content_version() == version
    assert client.get(f"/?junk={JUNK_URLS + 1}").content == home.content
    assert elapsed < 60, f"{elapsed:.1f} s"


def test_junk_in_the_query_or_the_htmx_headers_is_served_the_page_without_it(shipped_course):
    call_command("load_quizzes", verbosity=0, stdout=open(os.devnull, "w"))
    lecture = shipped_course.lectures.get(number=1)
    diagram = Diagram.objects.exclude(image_hash="").first()
    pages = {  # each shared page, and the parameters it reads
        reverse("course:home"): (),
        shipped_course.get_absolute_url(): (),
        lecture.get_absolute_url(): (),
        lecture.sections.get(slug="쿠버네티스").get_absolute_url(): (),
        reverse("course:pattern-list"): ("family",),
        reverse("course:pattern-list") + "?family=communication": ("family",),
        reverse("course:pattern-detail", args=["circuit-breaker"]): (),
        reverse("course:diagram-detail", args=[diagram.slug]): (),
        diagram.image_url: ("v",),
        reverse("course:search"): ("q",),
        Quiz.objects.get(kind=Quiz.Kind.REVIEW).get_absolute_url(): (),
    }
    junk = ["junk=1", "utm_source=news&fbclid=abc", "family=data", "q=서킷", "v=0"]
    for url, reads in pages.items():
        for htmx in ({}, {"HX-Request": "true"}):
            plain = Client().get(url, headers=htmx)
            assert plain.status_code == 200, url
            before = stored_entries()
            for query in (q for q in junk if q.split("=")[0] not in reads):
                for headers in ({**htmx, "HX-Target": "main"}, {**htmx, "HX-Trigger": "x"}):
                    response = Client().get(url + ("&" if "?" in url else "?") + query, headers=headers)
                    assert response.status_code == 200, (url, query)
                    assert response.content == plain.content, (url, query)
                    assert response["Content-Type"] == plain["Content-Type"]
            assert Client().get(url, headers={"HX-Request": "yes"}).status_code == 200
            assert stored_entries() == before, url


def test_what_a_page_reads_stays_in_its_key(site):
    catalog = reverse("course:pattern-list")
    everything = Client().get(catalog).content.decode()
    communication = Client().get(catalog + "?family=communication").content.decode()
    data = Client().get(catalog + "?family=data").content.decode()
    assert "서킷 브레이커" in everything and "사가" in everything
    assert "서킷 브레이커" in communication and "사가" not in communication
    assert "사가" in data and "서킷 브레이커" not in data
    assert Client().get(catalog + "?junk=1&family=data&zzz=2").content.decode() == data
    assert Client().get(catalog + "?family=communication&family=data").content.decode() == data  # the last one

    search = reverse("course:search")
    empty = Client().get(search).content.decode()
    before = stored_entries()
    for _ in range(2):
        found = Client().get(search, {"q": "사가", "junk": "1"}).content.decode()
        assert "/patterns/saga/" in found and found != empty
    assert Client().get(search, {"q": "서킷"}).content.decode() != found
    assert stored_entries() == before  # results are rendered each time, never stored

    diagram = Diagram.objects.get(slug="k8s")
    image = Client().get(diagram.image_url + "&junk=1")
    assert image.status_code == 200 and "immutable" in image["Cache-Control"]
    assert "immutable" not in Client().get(reverse("course:diagram-image", args=["k8s"]))["Cache-Control"]


def test_an_unknown_value_of_a_parameter_a_page_reads_redirects_instead_of_storing_a_page(site):
    Client().get(reverse("course:pattern-list"))
    diagram = Diagram.objects.get(slug="k8s")
    Client().get(diagram.image_url)
    before = stored_entries()
    rng = random.Random(7)
    for _ in range(50):
        response = Client().get(reverse("course:pattern-list"), {"family": random_text(rng)})
        assert response.status_code == 302 and response["Location"] == reverse("course:pattern-list")
        response = Client().get(reverse("course:diagram-image", args=["k8s"]), {"v": random_text(rng)})
        assert response.status_code == 302 and response["Location"] == diagram.image_url
    assert stored_entries() == before
    assert PatternFamily.objects.count() == 2


def test_a_page_that_does_not_declare_what_it_reads_keeps_its_query_and_is_not_stored(site):
    review, login = reverse("learners:review"), reverse("login")
    Client().get(review)
    Client().get(login)
    before = stored_entries()
    section_url = Section.objects.get(order=2).get_absolute_url()
    for n in range(20):
        assert Client().get(review, {"answered": n}).status_code == 200
        html = Client().get(login, {"next": f"{section_url}?n={n}"}).content.decode()
        assert f'value="{section_url}?n={n}"' in html  # what the login view reads is not dropped
    assert stored_entries() == before


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="the directory cache's culling")
def test_a_full_cache_directory_culls_random_entries_but_never_the_content_version(site, settings):
    options = {"MAX_ENTRIES": 30, "CULL_EVERY": 10}  # a full directory is looked for on one write in ten
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "OPTIONS": options}}
    Client().get(site["section"].get_absolute_url())
    version = content_version()
    for n in range(601):  # say, pages of older versions, until the directory is full twenty times over
        caches["default"].set(f"page:old:{n}", b"x" * 100, 60)
    assert stored_entries() <= 30  # culled, each time a third of the files at random (the last write looked)
    assert content_version() == version


def test_a_lost_content_version_is_drawn_anew_so_no_page_of_the_old_one_is_served(site):
    url = site["section"].get_absolute_url()
    assert "첫째 절" in Client().get(url).content.decode()
    Section.objects.filter(pk=site["section"].pk).update(title="새 제목")  # no signal: the old page stays valid
    assert "첫째 절" in Client().get(url).content.decode()
    for alias in settings.CACHES:  # evicted, wherever it is kept
        caches[alias].delete(VERSION_KEY)
    assert "새 제목" in Client().get(url).content.decode()


def test_every_entry_but_the_content_version_expires(site, client):
    """What lets Redis's volatile-lru evict pages, fragments and sessions, and never the version."""
    Client().get(site["section"].get_absolute_url())
    Client().get(reverse("course:pattern-list"))
    client.post(reverse("learners:section-visit", args=[site["section"].pk]), headers={"HX-Request": "true"})
    client.get(site["section"].get_absolute_url())  # a learner's page: fragments
    default = caches["default"]
    if settings.REDIS_URL:
        client = default._cache.get_client()
        lasting = [key.decode() for key in client.keys("*") if client.ttl(key) == -1]
        assert lasting == [caches["content-version"].make_key(VERSION_KEY)]
    else:
        files = glob.glob("*.djcache", root_dir=default._dir)
        assert len(files) > 3
        for name in files:
            with open(os.path.join(default._dir, name), "rb") as f:
                assert pickle.load(f) is not None, name  # the file starts with its expiry time


def redis_compose_flags():
    command = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["redis"]["command"]
    return dict(zip(command[1::2], command[2::2], strict=True))


@pytest.mark.skipif(not shutil.which("redis-server"), reason="no redis-server here")
def test_redis_run_as_compose_runs_it_evicts_pages_under_a_flood_and_keeps_the_content_version(tmp_path):
    from django.core.cache.backends.redis import RedisCache

    flags = {**redis_compose_flags(), "--maxmemory": "2mb"}  # the same policy, a limit a test can reach
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
        + [part for flag in flags.items() for part in flag],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    try:
        shared = RedisCache(f"redis://127.0.0.1:{port}/0", {})
        for _ in range(50):  # until the server listens
            try:
                shared.set(VERSION_KEY, "v1", None)  # as core.cache keeps it: no expiry
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        for n in range(4000):  # 4 MB of pages, twice the limit
            shared.set(f"page:v1:{n}", "x" * 1000, 24 * 60 * 60)
        client = shared._cache.get_client()
        assert client.info("stats")["evicted_keys"] > 0 and client.dbsize() < 4000
        assert shared.get(VERSION_KEY) == "v1"
    finally:
        server.terminate()
        server.wait(timeout=10)
