"""`make bench`: the production server under load, one table from one run.

Starts the server on a free loopback port against a database of its own and an empty cache,
prepares learners in it, drives each target with wrk (Debian package; installed if missing)
and prints requests per second, p50, p99 and errors, with each target's ratio to the static
file; then the p99 of the time the answers spent inside their write transaction (from the
request log, core.timing) and the workers' memory. Exits non-zero on any error response, or
if anonymous reads created sessions.

The database: a copy of the SQLite database of `make load`; or, when DATABASE_URL names a
PostgreSQL server, a new database on it, migrated and loaded, dropped at the end. The cache: a
directory of its own; or, when REDIS_URL is set, that Redis server's database 15, emptied first.

    .venv/bin/python scripts/bench.py [--server gunicorn|granian] [--workers N]
                                      [--duration 8] [--connections 16]
"""

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from harness import BIN, ROOT, free_port, shell_output  # scripts/harness.py, beside this file

LECTURE = "/courses/cloud-native-patterns/" + quote("1강") + "/"
LESSON = LECTURE + quote("쿠버네티스") + "/"
QUIZ = quote("1강-복습")
CSRF = "benchbenchbenchbenchbenchbench00"  # a CSRF secret: the cookie and the header carry it
VISITORS = 2000
ACCOUNTS = 50

# wrk runs this in each thread: every request takes the next learner's cookie from a file.
LUA = r"""
local lines, i = {}, 0
local method, path, body, htmx = os.getenv("BENCH_METHOD"), os.getenv("BENCH_PATH"), os.getenv("BENCH_BODY"), os.getenv("BENCH_HTMX")
local cookies = os.getenv("BENCH_COOKIES")
if cookies ~= "" then for line in io.lines(cookies) do lines[#lines + 1] = line end end
function setup(thread) thread:set("offset", math.random(1, 100000)) end
function request()
  i = i + 1
  local headers = {}
  if #lines > 0 then headers["Cookie"] = lines[(i + offset) % #lines + 1] end
  if htmx == "1" then headers["HX-Request"] = "true" end
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["X-CSRFToken"] = "CSRF_SECRET"
  end
  return wrk.format(method, path, headers, body ~= "" and body or nil)
end
""".replace("CSRF_SECRET", CSRF)


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("wrk is missing: installing Debian's package …", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)


def copy_database(workdir):
    """A consistent copy of the SQLite database, WAL included (the backup API); its URL."""
    source = ROOT / "db.sqlite3"
    if not source.exists():
        sys.exit("make bench runs against the SQLite database of `make load`: run `make load` first.")
    target = workdir / "bench.sqlite3"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def postgres_database(url, env):
    """A new database beside the one DATABASE_URL names, migrated and loaded; its URL."""
    import psycopg

    name = f"course_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    bench_url = url.rsplit("/", 1)[0] + "/" + name
    for command in ("migrate", "load_course", "load_quizzes", "render_content"):
        subprocess.run(
            [BIN / "python", "manage.py", command, "--verbosity", "0"],
            env={**env, "DATABASE_URL": bench_url},
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return bench_url


def drop_postgres_database(url, bench_url):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{bench_url.rsplit("/", 1)[1]}" WITH (FORCE)')


def bench_cache(workdir):
    """The cache settings: Redis database 15, emptied, when REDIS_URL is set; else a new directory."""
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        return {"CACHE_DIR": str(workdir / "cache"), "REDIS_URL": ""}, "file directory shared by the workers"
    import redis

    bench_url = redis_url.rsplit("/", 1)[0] + "/15" if redis_url.count("/") > 2 else redis_url + "/15"
    redis.Redis.from_url(bench_url).flushdb()
    return {"REDIS_URL": bench_url}, "Redis"


def prepare_learners(env, workdir):
    """Sessions for visitors and accounts in the copy; returns the cookie files and the question to answer."""
    code = f"""
import json, secrets
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from quizzes.models import Quiz

def session(data):
    store = SessionStore()
    return Session(session_key=secrets.token_hex(16), session_data=store.encode(data),
                   expire_date=store.get_expiry_date())

tokens = [secrets.token_urlsafe(24) for _ in range({VISITORS})]
visitors = [session({{"learner": token}}) for token in tokens]
accounts, users = [], []
for n in range({ACCOUNTS}):
    user = User.objects.create_user(f"bench-{{n}}", password=None)
    users.append(user)
    accounts.append(session({{SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "learners.auth.CachedModelBackend",
                              HASH_SESSION_KEY: user.get_session_auth_hash()}}))
Session.objects.bulk_create(visitors + accounts)
# Progress: every learner has read the first sections and completed some (the pages show it).
from django.utils import timezone
from course.models import Section
from learners.models import SectionProgress
now = timezone.now()
sections = list(Section.objects.order_by("lecture__number", "order")[:3])
SectionProgress.objects.bulk_create(
    SectionProgress(section=section, first_visited_at=now, last_visited_at=now, completed_at=now if i < 2 else None,
                    **({{"user": owner}} if isinstance(owner, User) else {{"session_key": owner}}))
    for owner in users + tokens for i, section in enumerate(sections)
)
question = Quiz.objects.get(slug="1강-복습").questions.filter(kind="single").first()
right = [c for c in question.choices.all() if c.is_correct][0]
print(json.dumps({{"visitors": [s.session_key for s in visitors], "accounts": [s.session_key for s in accounts],
                  "question": question.pk, "choice": right.token, "sessions": Session.objects.count()}}))
"""
    data = json.loads(shell_output(code, env))
    files = {}
    # Visitors reading lessons: as many as the accounts, so that, like them, each reads again.
    for kind, keys in (
        ("visitors", data["visitors"]),
        ("accounts", data["accounts"]),
        ("readers", data["visitors"][:ACCOUNTS]),
    ):
        path = workdir / f"{kind}.txt"
        path.write_text("".join(f"sessionid={key}; csrftoken={CSRF}\n" for key in keys))
        files[kind] = path
    return files, data


def session_count(env):
    return int(shell_output("from django.contrib.sessions.models import Session; print(Session.objects.count())", env))


def start_server(kind, port, workers, env, log):
    if kind == "gunicorn":
        command = [BIN / "gunicorn", "-c", "config/gunicorn.py", "--workers", str(workers)]
    else:
        command = [
            BIN / "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            "1",  # like gunicorn's sync workers; granian's default gave a far worse write tail
            "--no-ws",
            "config.wsgi:application",
        ]
    server = subprocess.Popen(
        command, env={**env, "PORT": str(port), "LOG_LEVEL": "INFO"}, cwd=ROOT, stdout=log, stderr=subprocess.DEVNULL
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit(f"{kind} did not start on port {port}")


def wrk(url, seconds, connections, script, method="GET", body="", cookies="", htmx=False):
    env = {
        **os.environ,
        "BENCH_METHOD": method,
        "BENCH_PATH": "/" + url.split("//", 1)[1].split("/", 1)[1],
        "BENCH_BODY": body,
        "BENCH_COOKIES": str(cookies),
        "BENCH_HTMX": "1" if htmx else "",
    }
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(out)


def _ms(value):
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def parse_wrk(out):
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "errors": errors,
    }


def database(workdir, env):
    """(the bench's DATABASE_URL, what it is, how to drop it)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        bench_url = postgres_database(url, env)
        age = env.get("CONN_MAX_AGE", "600")
        return (
            bench_url,
            f"PostgreSQL, persistent connections (CONN_MAX_AGE={age})",
            lambda: drop_postgres_database(url, bench_url),
        )
    if url:
        sys.exit("DATABASE_URL must name PostgreSQL; unset it for SQLite.")
    return copy_database(workdir), "SQLite (WAL)", lambda: None


def worker_memory(server):
    """The resident memory of each worker process of ``server``, in MB."""
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == server.pid:  # a child of the server's master
                status = (stat.parent / "status").read_text()
                sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
        except (OSError, IndexError, AttributeError):
            continue
    return sizes


def write_p99(log):
    """The p99 of ``write_ms`` over the request log's lines (core.timing), and how many there were."""
    values = sorted(float(n) for n in re.findall(r'"write_ms": ([\d.]+)', Path(log).read_text()))
    return (values[min(len(values) - 1, int(len(values) * 0.99))] if values else None), len(values)


def targets(base, static, cookies, data):
    answer = f"{base}/quizzes/{QUIZ}/questions/{data['question']}/answer/"
    return [
        ("static CSS (baseline)", dict(url=base + static)),
        ("home", dict(url=base + "/")),
        ("anonymous lesson page", dict(url=base + LESSON)),
        ("logged-in lesson page", dict(url=base + LESSON, cookies=cookies["accounts"])),
        ("visitor lesson page, progress", dict(url=base + LESSON, cookies=cookies["readers"])),
        ("pattern catalog", dict(url=base + "/patterns/")),
        (
            f"quiz answer POST ({VISITORS} learners)",
            dict(url=answer, method="POST", body=f"choice={data['choice']}", cookies=cookies["visitors"], htmx=True),
        ),
    ]


def run(args, workdir):
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1"}
    cache_env, cache_name = bench_cache(workdir)
    env.update(cache_env)
    url, database_name, drop = database(workdir, env)
    env["DATABASE_URL"] = url
    try:
        command = [BIN / "python", "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
        subprocess.run(command, env=env, cwd=ROOT, check=True)
        cookies, data = prepare_learners(env, workdir)
        script = workdir / "bench.lua"
        script.write_text(LUA)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = workdir / "server.log"
        with open(log, "w") as log_file:
            server = start_server(args.server, port, args.workers, env, log_file)
            try:
                home = urllib.request.urlopen(base + "/").read().decode()
                static = re.search(r'href="(/static/css/site[^"]*\.css)"', home).group(1)
                rows = []
                for name, target in targets(base, static, cookies, data):
                    wrk(target["url"], 1, 4, script, **{k: v for k, v in target.items() if k != "url"})  # warm-up
                    rows.append(
                        (name, wrk(seconds=args.duration, connections=args.connections, script=script, **target))
                    )
                memory = worker_memory(server)
            finally:
                server.terminate()
                server.wait(timeout=30)
        facts = {"database": database_name, "cache": cache_name, "memory": memory, "write": write_p99(log)}
        return rows, facts, data, session_count(env)
    finally:
        drop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=["gunicorn", "granian"], default="gunicorn")
    parser.add_argument("--workers", type=int, default=os.cpu_count() * 2 + 1)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="course-bench-"))
    try:
        rows, facts, data, sessions_after = run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(args, rows, facts)
    grown = sessions_after - data["sessions"]
    print(f"sessions before the load: {data['sessions']}, after: {sessions_after} (grew by {grown})")
    failed = [name for name, r in rows if r["errors"]]
    if failed or grown:
        sys.exit(f"FAILED: errors in {failed}" if failed else "FAILED: anonymous reads created sessions")


def report(args, rows, facts):
    baseline = rows[0][1]["rps"]
    print(
        f"\n{args.server}, {args.workers} workers, {args.connections} connections, {args.duration} s per target, "
        f"{os.cpu_count()} cores; {facts['database']}; cache: {facts['cache']}\n"
    )
    print(f"| {'target':<32} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} | {'ratio':>5} |")
    print(f"|{'-' * 34}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 8}|{'-' * 7}|")
    for name, r in rows:
        print(
            f"| {name:<32} | {r['rps']:>8,.0f} | {r['p50']:>7.1f} | {r['p99']:>7.1f} | {r['errors']:>6} | "
            f"{r['rps'] / baseline:>5.3f} |"
        )
    p99, count = facts["write"]
    if p99 is not None:
        print(f"\nanswers' write transaction: p99 {p99:.2f} ms over {count} answers (core.timing)")
    memory = facts["memory"]
    if memory:
        print(
            f"worker memory after the load: max {max(memory):.0f} MB, mean {sum(memory) / len(memory):.0f} MB ({len(memory)} workers)"
        )


if __name__ == "__main__":
    main()
