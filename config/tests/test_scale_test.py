"""`make scale-test` on a machine without the servers it runs: one clear line, before starting anything."""

import subprocess
import sys

import pytest
from django.conf import settings

SCRIPTS = settings.BASE_DIR / "scripts"


@pytest.fixture
def scale_test(monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPTS))  # the script imports harness from beside itself
    import scale_test

    return scale_test


def executable(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)


def test_every_missing_server_is_named_by_its_debian_package(scale_test, tmp_path, monkeypatch):
    monkeypatch.setattr(scale_test, "POSTGRESQL", tmp_path / "postgresql")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert scale_test.missing_packages() == ["postgresql", "redis-server", "nginx"]

    executable(tmp_path / "bin" / "nginx")
    executable(tmp_path / "postgresql" / "9.6" / "bin" / "initdb")
    executable(tmp_path / "postgresql" / "15" / "bin" / "initdb")
    assert scale_test.missing_packages() == ["redis-server"]
    assert scale_test.postgres_bin() == tmp_path / "postgresql" / "15" / "bin"

    executable(tmp_path / "bin" / "redis-server")
    assert scale_test.missing_packages() == []


def test_without_redis_and_nginx_it_stops_at_once_naming_what_to_install(tmp_path):
    # No program at all on the PATH: at least redis-server and nginx are missing here.
    result = subprocess.run(
        [sys.executable, SCRIPTS / "scale_test.py"],
        env={"PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert result.stdout == ""  # nothing was started
    (line,) = result.stderr.splitlines()
    assert line.startswith("scale-test needs: ") and line.endswith(")")
    packages = line.removeprefix("scale-test needs: ").split(" (")[0].split(", ")
    assert {"redis-server", "nginx"} <= set(packages)
    assert line.endswith(f"(apt-get install {' '.join(packages)})")
