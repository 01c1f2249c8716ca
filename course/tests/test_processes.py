"""The shared cache across processes: two production servers and the editor's process."""

import urllib.request

import pytest

from conftest import start_server, stop_server
from course.tests.builders import make_section


@pytest.fixture
def servers(tmp_path):
    started = [start_server(tmp_path) for _ in range(2)]
    yield [base for _, base in started]
    for server, _ in started:
        stop_server(server)


def read(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return response.read().decode(), response.headers


@pytest.mark.django_db(transaction=True)
def test_an_edit_shows_on_the_next_request_in_every_server_process(servers):
    section = make_section(title="처음 제목", body="처음 본문")
    path = section.get_absolute_url()  # already percent-encoded
    for base in servers:
        for _ in range(3):
            html, headers = read(base, path)
            assert "처음 본문" in html and headers["Cache-Control"] == "public, no-cache"
    section.body = "고친 본문"
    section.save()  # in this test's own process, as the admin or a loader would
    for base in servers:
        html, _ = read(base, path)
        assert "고친 본문" in html and "처음 본문" not in html
    section.lecture.sections.filter(pk=section.pk).update(title="조용히 바뀐 제목")  # no signal, no bump
    assert all("처음 제목" in read(base, path)[0] for base in servers)  # so still the shared page
