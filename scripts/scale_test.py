"""`make scale-test`: three replicas behind nginx, real PostgreSQL and Redis, and faults.

Everything runs on 127.0.0.1, in a temporary directory, and stops by itself:

1. PostgreSQL and Redis servers of their own; migrations and the shipped course, once.
2. Three replicas of the production server (gunicorn, 2 workers each) and nginx balancing
   across them (round robin; a dead replica is skipped; a POST is never replayed by nginx).
3. Simulated learners for DURATION seconds, at most MAX_REQUESTS requests: each signs up,
   then per lesson reads it, sends the visit beacon, answers the knowledge check and marks
   the lesson complete. A request that fails is tried again, as a learner would click again.
4. Faults: one replica is killed with SIGKILL (its whole process group) and started again;
   later PostgreSQL is restarted.
5. The crowd, after the faults: CROWD accounts are made in the database and signed in there
   (``login()``, as the login view does: a session in the store the replicas read), and each
   simulated learner is handed its session cookie. All of them at once, for CROWD_SECONDS s,
   read the lessons and the review quiz, each in an order of its own, and answer every question
   (htmx POSTs with the CSRF token from the cookie the page set), thinking THINK s before each
   request.
6. Checks, printed with a table of requests, errors, p50 and p99 per phase (the crowd's reads
   and answers apart):
   - every answer and completion acknowledged with a 2xx is in the database exactly once;
   - every learner's progress is all there, and their session worked on several replicas;
   - errors happened only in the fault windows, and each fault was over within RECOVERY s;
   - the crowd: no error at all; every acknowledged answer stored exactly once; one attempt
     per quiz, its answers unique, of that quiz, all marked right, and finished exactly when
     every question is answered; a knowledge check answered in full completed its section;
     every session served by several replicas; all CROWD learners active at the same time.
   Exits non-zero when any check fails.

Needs Debian's postgresql, redis-server and nginx; without one, stops before starting anything
and names the packages to install.

    .venv/bin/python scripts/scale_test.py [--duration 60]
"""

import argparse
import http.cookiejar
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

from harness import BIN, ROOT, free_port, shell_output  # scripts/harness.py, beside this file

POSTGRESQL = Path("/usr/lib/postgresql")  # Debian's layout: <version>/bin/initdb, pg_ctl, createdb
MAX_REQUESTS = 20000
LEARNERS = 16
CROWD = 200  # signed-in learners of the crowd phase, all active at once
CROWD_SECONDS = 25  # how long the crowd reads and answers
THINK = (0.2, 0.6)  # seconds a crowd learner waits before each request (uniform)
RECOVERY = 8.0  # seconds after a fault ends by which requests must succeed again
PASSWORD = "a-long-scale-test-passphrase"


def postgres_bin():
    """The bin directory of the newest PostgreSQL installed, or None."""
    found = sorted(
        POSTGRESQL.glob("*/bin/initdb"), key=lambda initdb: [int(n) for n in initdb.parts[-3].split(".") if n.isdigit()]
    )
    return found[-1].parent if found else None


def missing_packages():
    """The Debian packages providing what the cluster runs that this machine lacks."""
    missing = [] if postgres_bin() else ["postgresql"]
    return missing + [program for program in ("redis-server", "nginx") if shutil.which(program) is None]


def as_postgres(command, **kwargs):
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer in {seconds} s")


class Cluster:
    """PostgreSQL, Redis, three gunicorn replicas and nginx, all in ``workdir``."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.processes = {}
        self.pg_bin = postgres_bin()
        self.pg_dir = workdir / "pg"
        self.pg_port, self.redis_port, self.proxy_port = free_port(), free_port(), free_port()
        self.replica_ports = [free_port() for _ in range(3)]
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "scale-test-" + os.urandom(16).hex(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pg_port}/course",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CONN_MAX_AGE": "600",
            "WEB_CONCURRENCY": "2",
            "REQUEST_LOG_LEVEL": "WARNING",
            "VAR_DIR": str(workdir / "var"),
        }

    def start(self):
        self.pg_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pg_dir, "postgres")
        as_postgres(
            [self.pg_bin / "initdb", "-D", self.pg_dir / "data", "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        )
        self.pg_ctl("start")
        as_postgres([self.pg_bin / "createdb", "-h", "127.0.0.1", "-p", str(self.pg_port), "course"])
        self.processes["redis"] = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        for command in (["migrate", "--noinput"], ["load_course"], ["load_quizzes"]):
            subprocess.run(
                [BIN / "python", "manage.py", *command], cwd=ROOT, env=self.env, check=True, stdout=subprocess.DEVNULL
            )
        for index in range(3):
            self.start_replica(index)
        self.start_proxy()

    def pg_ctl(self, action):
        options = f"-p {self.pg_port} -k {self.pg_dir} -c listen_addresses=127.0.0.1"
        as_postgres(
            [
                self.pg_bin / "pg_ctl",
                "-D",
                self.pg_dir / "data",
                "-o",
                options,
                "-w",
                "-m",
                "fast",
                "-l",
                self.pg_dir / "log",
                action,
            ]
        )

    def start_replica(self, index):
        port = self.replica_ports[index]
        env = {**self.env, "PORT": str(port), "PROMETHEUS_MULTIPROC_DIR": str(self.workdir / f"metrics-{index}")}
        log = open(self.workdir / f"replica-{index}.log", "ab")
        self.processes[f"replica-{index}"] = subprocess.Popen(
            [BIN / "gunicorn", "-c", "config/gunicorn.py"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        wait_for(f"http://127.0.0.1:{port}/healthz")

    def kill_replica(self, index):
        process = self.processes.pop(f"replica-{index}")
        os.killpg(process.pid, signal.SIGKILL)  # the master and its workers, like a pod that is gone
        process.wait()

    def start_proxy(self):
        upstreams = "\n".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in self.replica_ports)
        temp = self.workdir / "nginx"
        temp.mkdir()
        config = temp / "nginx.conf"
        config.write_text(f"""
daemon off;
worker_processes 1;
pid {temp}/nginx.pid;
error_log {temp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi; uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
  upstream replicas {{ {upstreams} keepalive 16; }}
  server {{
    listen 127.0.0.1:{self.proxy_port};
    location / {{
      proxy_pass http://replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # Another replica when one is down; never a POST that may have reached one.
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 1s;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
""")
        self.processes["nginx"] = subprocess.Popen(["nginx", "-c", str(config), "-p", str(temp)])
        wait_for(f"http://127.0.0.1:{self.proxy_port}/healthz")

    def stop(self):
        for name, process in list(self.processes.items()):
            if name.startswith("replica"):
                os.killpg(process.pid, signal.SIGTERM)
            else:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        try:
            self.pg_ctl("stop")
        except subprocess.CalledProcessError:
            pass


class Recorder:
    """Every request: when, how long, and whether it failed; and what the server acknowledged."""

    def __init__(self, started):
        self.started = started
        self.lock = threading.Lock()
        self.requests = []  # (seconds since start, latency ms, ok, method)
        self.errors = []  # (seconds since start, status, method, path): 0 is no answer at all
        self.acknowledged = defaultdict(lambda: {"answers": set(), "completed": set(), "upstreams": set()})

    def add(self, at, latency, ok, method):
        with self.lock:
            self.requests.append((at, latency, ok, method))

    def count(self):
        return len(self.requests)


class Learner:
    def __init__(self, name, base, recorder, stop_at):
        self.name, self.base, self.recorder, self.stop_at = name, base, recorder, stop_at
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.mine = recorder.acknowledged[name]

    def csrf(self):
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")

    def request(self, path, data=None, htmx=False):
        """One request, tried again up to 5 times while it fails; returns (status, body) or None."""
        for attempt in range(5):
            if time.monotonic() > self.stop_at or self.recorder.count() >= MAX_REQUESTS:
                return None
            headers = {"Origin": self.base, "X-CSRFToken": self.csrf()}
            if htmx:
                headers["HX-Request"] = "true"
            body = None if data is None else urllib.parse.urlencode(data, doseq=True).encode()
            request = urllib.request.Request(self.base + path, data=body, headers=headers)
            started = time.monotonic()
            try:
                with self.opener.open(request, timeout=10) as response:
                    status, text = response.status, response.read().decode()
                    self.mine["upstreams"].add(response.headers.get("X-Upstream", ""))
            except urllib.error.HTTPError as error:
                status, text = error.code, ""
            except OSError:
                status, text = 0, ""
            ok = 200 <= status < 400
            method = "POST" if data is not None else "GET"
            self.recorder.add(started - self.recorder.started, (time.monotonic() - started) * 1000, ok, method)
            if not ok:
                with self.recorder.lock:
                    self.recorder.errors.append((started - self.recorder.started, status, method, path))
            if ok:
                return status, text
            time.sleep(0.3 * (attempt + 1))
        return None

    def run(self, lessons):
        signed_up = self.request(
            "/accounts/signup/",
            {"username": self.name, "email": f"{self.name}@example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
        if signed_up is None:
            return
        while time.monotonic() < self.stop_at:
            for lesson in random.sample(lessons, len(lessons)):
                if self.request(lesson["url"]) is None or self.request(lesson["visit"], {}, htmx=True) is None:
                    return
                for question in lesson["questions"]:
                    done = self.request(question["url"], question["data"], htmx=True)
                    if done and f'id="question-{question["pk"]}"' in done[1] and "question--answered" in done[1]:
                        self.mine["answers"].add(question["pk"])
                done = self.request(lesson["complete"], {"completed": "1"}, htmx=True)
                if done and "is-completed" in done[1]:
                    self.mine["completed"].add(lesson["pk"])
                self.request("/me/")


class Reader(Learner):
    """A learner of the crowd phase, signed in already: reads lessons and the review quiz and
    answers their questions, with a short think before each request."""

    def __init__(self, name, base, recorder, stop_at, cookie, session_key):
        super().__init__(name, base, recorder, stop_at)
        self.cookies.set_cookie(
            http.cookiejar.Cookie(
                version=0,
                name=cookie,
                value=session_key,
                port=None,
                port_specified=False,
                domain=urllib.parse.urlsplit(base).hostname,
                domain_specified=False,
                domain_initial_dot=False,
                path="/",
                path_specified=True,
                secure=False,
                expires=None,
                discard=True,
                comment=None,
                comment_url=None,
                rest={},
            )
        )
        self.first = self.last = None  # when its first request started and its last one ended

    def request(self, path, data=None, htmx=False):
        time.sleep(random.uniform(*THINK))
        started = time.monotonic()
        done = super().request(path, data, htmx)
        if done is not None:
            self.first = self.first or started
            self.last = time.monotonic()
        return done

    def run(self, pages):
        """``pages``: the lessons and the review quizzes, each read once in an order of its own."""
        for page in random.sample(pages, len(pages)):
            if self.request(page["url"]) is None:
                return
            for question in page["questions"]:
                done = self.request(question["url"], question["data"], htmx=True)
                if done is None:
                    return
                if f'id="question-{question["pk"]}"' in done[1] and "question--answered" in done[1]:
                    self.mine["answers"].add(question["pk"])


def course_plan(env):
    """The lessons and their knowledge checks, and the review quizzes, with a right answer for each
    question (from the database): {"lessons": [...], "reviews": [...]}."""
    code = """
import json
from django.urls import reverse
from course.models import Section
from quizzes.models import Quiz
plan = []
for section in Section.objects.published().select_related("lecture__course"):
    quiz = Quiz.objects.filter(section=section, kind="check").first()
    questions = []
    for q in (quiz.questions.prefetch_related("choices") if quiz else []):
        data = q.example_post()
        questions.append({"pk": q.pk, "url": reverse("quizzes:answer", args=[quiz.slug, q.pk]), "data": data})
    plan.append({"pk": section.pk, "url": section.get_absolute_url(), "questions": questions,
                 "quiz": quiz.pk if quiz else None,
                 "visit": reverse("learners:section-visit", args=[section.pk]),
                 "complete": reverse("learners:section-complete", args=[section.pk])})
reviews = []
for quiz in Quiz.objects.published().filter(kind="review"):
    questions = [{"pk": q.pk, "url": reverse("quizzes:answer", args=[quiz.slug, q.pk]), "data": q.example_post()}
                 for q in quiz.questions.prefetch_related("choices")]
    reviews.append({"pk": quiz.pk, "url": quiz.get_absolute_url(), "questions": questions})
print(json.dumps({"lessons": plan, "reviews": reviews}))
"""
    return json.loads(shell_output(code, env))


def database_facts(env, prefix):
    """What is stored for the accounts whose name starts with ``prefix``: their answers (question ids),
    progress rows and attempts, each attempt with its answers as [question, its quiz, right]."""
    code = f"""
import json
from django.contrib.auth.models import User
from learners.models import SectionProgress
from quizzes.models import Answer, Attempt
facts = {{}}
for user in User.objects.filter(username__startswith={prefix!r}):
    answers = list(Answer.objects.filter(attempt__user=user).values_list("question_id", flat=True))
    rows = list(SectionProgress.objects.filter(user=user).values_list("section_id", "completed_at"))
    attempts = {{a.pk: {{"quiz": a.quiz_id, "finished": a.finished_at is not None, "answers": []}}
                for a in Attempt.objects.filter(user=user)}}
    for attempt, question, quiz, right in Answer.objects.filter(attempt__user=user).values_list(
        "attempt_id", "question_id", "question__quiz_id", "is_correct"
    ):
        attempts[attempt]["answers"].append([question, quiz, right])
    facts[user.username] = {{"answers": answers, "progress": [[s, c is not None] for s, c in rows],
                            "attempts": list(attempts.values())}}
print(json.dumps(facts))
"""
    return json.loads(shell_output(code, env))


def sign_in(env, names):
    """An account for each of ``names``, signed in: {"cookie": the session cookie's name, "sessions":
    {name: session key}}.

    Made in the database the replicas use, with one password hash for all (hashing it 200 times
    would take minutes of CPU), and signed in as the login view does it (``login()``, through the
    test client's ``force_login``): a session in the store the replicas read, PostgreSQL behind Redis.
    """
    code = f"""
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client
User = get_user_model()
password = make_password({PASSWORD!r})
sessions = {{}}
for user in User.objects.bulk_create([User(username=name, password=password) for name in {names!r}]):
    client = Client()
    client.force_login(user, backend="learners.auth.CachedModelBackend")
    sessions[user.username] = client.cookies[settings.SESSION_COOKIE_NAME].value
print(json.dumps({{"cookie": settings.SESSION_COOKIE_NAME, "sessions": sessions}}))
"""
    return json.loads(shell_output(code, env))


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else 0.0


def table_row(name, start, rows):
    errors = sum(1 for r in rows if not r[2])
    latencies = [r[1] for r in rows]
    print(
        f"| {name:<22} | {start:>6.1f} | {len(rows):>8} | {errors:>6} "
        f"| {percentile(latencies, 0.5):>7.1f} | {percentile(latencies, 0.99):>7.1f} |"
    )


def stored_once(name, mine, stored):
    """The failures of learner ``name``: each answer acknowledged to them must be stored exactly once."""
    counts = {question: stored["answers"].count(question) for question in mine["answers"]}
    return [f"{name}: answer to question {q} stored {n} times" for q, n in counts.items() if n != 1]


def signed_in_everywhere(readers, ports):
    """Each crowd learner's session, asked of every replica directly: round robin alone sends a
    learner with a few requests to one replica now and then, so it proves nothing by chance."""
    failures = []
    for reader in readers:
        for port in ports:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/me/")
            try:
                with reader.opener.open(request, timeout=10) as response:
                    page = response.read().decode()
            except OSError as error:
                page = str(error)
            if f"{reader.name}(으)로 로그인했습니다" not in page:
                failures.append(f"{reader.name}: replica on port {port} does not know the session")
    print(f"sessions: each of {len(readers)} crowd learners is signed in on all {len(ports)} replicas")
    return failures


def check_crowd(crowd, readers, facts, plan, window):
    """The crowd phase's checks; returns the failures and prints what was checked."""
    failures = []
    errors = [r for r in crowd.requests if not r[2]]
    if errors:
        failures.append(f"{len(errors)} errors in the crowd phase, the first at {errors[0][0]:.1f} s (no fault then)")
    checks = {lesson["quiz"]: lesson for lesson in plan["lessons"] if lesson["quiz"]}
    sizes = {lesson["quiz"]: len(lesson["questions"]) for lesson in checks.values()}
    sizes |= {review["pk"]: len(review["questions"]) for review in plan["reviews"]}
    answers = attempts = 0
    for reader in readers:
        name, mine = reader.name, reader.mine
        stored = facts.get(name)
        if stored is None:
            failures.append(f"{name}: the account is not in the database")
            continue
        failures += stored_once(name, mine, stored)
        quizzes = [attempt["quiz"] for attempt in stored["attempts"]]
        if len(quizzes) != len(set(quizzes)):
            failures.append(f"{name}: more than one attempt at a quiz, though it never started again")
        for attempt in stored["attempts"]:
            questions = [question for question, _quiz, _right in attempt["answers"]]
            if len(questions) != len(set(questions)):
                failures.append(f"{name}: an attempt at quiz {attempt['quiz']} answers a question twice")
            if any(quiz != attempt["quiz"] for _question, quiz, _right in attempt["answers"]):
                failures.append(f"{name}: an attempt at quiz {attempt['quiz']} holds another quiz's answer")
            if not all(right for _question, _quiz, right in attempt["answers"]):
                failures.append(f"{name}: a right answer to quiz {attempt['quiz']} was marked wrong")
            if attempt["finished"] != (len(questions) == sizes.get(attempt["quiz"])):
                failures.append(
                    f"{name}: an attempt at quiz {attempt['quiz']} with {len(questions)} of "
                    f"{sizes.get(attempt['quiz'])} answers is {'' if attempt['finished'] else 'not '}finished"
                )
        completed = {section for section, done in stored["progress"] if done}
        sections = [section for section, _ in stored["progress"]]
        if len(sections) != len(set(sections)):
            failures.append(f"{name}: duplicate progress rows")
        for quiz, lesson in checks.items():
            if {q["pk"] for q in lesson["questions"]} <= mine["answers"] and lesson["pk"] not in completed:
                failures.append(f"{name}: check {quiz} passed, but section {lesson['pk']} is not completed")
        answers += len(mine["answers"])
        attempts += len(stored["attempts"])
    print(f"crowd checked: {answers} acknowledged answers in {attempts} attempts, each stored exactly once")
    active = [reader for reader in readers if reader.first is not None]
    if len(active) < len(readers):
        failures.append(f"{len(readers) - len(active)} crowd learners never got an answer")
    elif max(r.first for r in active) >= min(r.last for r in active):
        failures.append("the crowd learners were never all active at once")
    else:
        together = min(r.last for r in active) - max(r.first for r in active)
        print(f"crowd: all {len(readers)} learners were active together for {together:.1f} s of {window:.1f} s")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=60)
    args = parser.parse_args()
    missing = missing_packages()
    if missing:
        sys.exit(f"scale-test needs: {', '.join(missing)} (apt-get install {' '.join(missing)})")
    d = args.duration
    kill_at, revive_at, pg_restart_at = 0.3 * d, 0.4 * d, 0.65 * d
    phases = [
        ("steady", 0, kill_at),
        ("replica killed", kill_at, revive_at),
        ("replica back", revive_at, pg_restart_at),
        ("database restart", pg_restart_at, pg_restart_at + 5),
        ("after", pg_restart_at + 5, d + 30),
    ]
    workdir = Path(tempfile.mkdtemp(prefix="course-scale-"))
    os.chmod(workdir, 0o755)
    cluster = Cluster(workdir)
    failures = []
    began = time.monotonic()
    try:
        print("starting PostgreSQL, Redis, 3 replicas and nginx …", flush=True)
        cluster.start()
        plan = course_plan(cluster.env)
        lessons = plan["lessons"]
        base = f"http://127.0.0.1:{cluster.proxy_port}"
        started = time.monotonic()
        recorder = Recorder(started)
        learners = [Learner(f"scale-{n:02d}", base, recorder, started + d) for n in range(LEARNERS)]
        threads = [threading.Thread(target=learner.run, args=(lessons,)) for learner in learners]
        for thread in threads:
            thread.start()
            time.sleep(0.2)
        fault_windows = []
        time.sleep(max(0, started + kill_at - time.monotonic()))
        print(f"{time.monotonic() - started:5.1f} s  SIGKILL replica 2", flush=True)
        cluster.kill_replica(1)
        time.sleep(max(0, started + revive_at - time.monotonic()))
        print(f"{time.monotonic() - started:5.1f} s  replica 2 starts again", flush=True)
        cluster.start_replica(1)
        fault_windows.append((kill_at, time.monotonic() - started))
        time.sleep(max(0, started + pg_restart_at - time.monotonic()))
        print(f"{time.monotonic() - started:5.1f} s  PostgreSQL restarts", flush=True)
        restart_began = time.monotonic() - started
        cluster.pg_ctl("restart")
        fault_windows.append((restart_began, time.monotonic() - started))
        print(f"{time.monotonic() - started:5.1f} s  PostgreSQL is back", flush=True)
        for thread in threads:
            thread.join()
        facts = database_facts(cluster.env, "scale-")

        # The crowd: after the faults, CROWD signed-in learners at once, reading and answering.
        signed_in = sign_in(cluster.env, [f"crowd-{n:03d}" for n in range(CROWD)])
        crowd_from = time.monotonic() - started
        print(f"{crowd_from:5.1f} s  {CROWD} signed-in learners read and answer for {CROWD_SECONDS} s", flush=True)
        crowd = Recorder(started)
        stop_at = started + crowd_from + CROWD_SECONDS
        readers = [
            Reader(name, base, crowd, stop_at, signed_in["cookie"], key) for name, key in signed_in["sessions"].items()
        ]
        threads = [threading.Thread(target=reader.run, args=(lessons + plan["reviews"],)) for reader in readers]
        for thread in threads:
            thread.start()
            time.sleep(0.01)
        for thread in threads:
            thread.join()
        crowd_to = time.monotonic() - started
        print(f"{crowd_to:5.1f} s  the crowd is done", flush=True)
        crowd_facts = database_facts(cluster.env, "crowd-")
        failures += signed_in_everywhere(readers, cluster.replica_ports)
    finally:
        cluster.stop()
        if os.environ.get("KEEP_SCALE_TEST"):
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"\n| {'phase':<22} | {'from s':>6} | {'requests':>8} | {'errors':>6} | {'p50 ms':>7} | {'p99 ms':>7} |")
    print(f"|{'-' * 24}|{'-' * 8}|{'-' * 10}|{'-' * 8}|{'-' * 9}|{'-' * 9}|")
    for name, start, end in phases:
        table_row(name, start, [r for r in recorder.requests if start <= r[0] + r[1] / 1000 < end])  # by end
    table_row(f"{CROWD} learners: reads", crowd_from, [r for r in crowd.requests if r[3] == "GET"])
    table_row(f"{CROWD} learners: answers", crowd_from, [r for r in crowd.requests if r[3] == "POST"])
    table_row(f"{CROWD} learners: all", crowd_from, crowd.requests)
    total_errors = sum(1 for r in recorder.requests if not r[2])
    print(f"\n{recorder.count()} requests by {LEARNERS} learners, {total_errors} failed and were tried again")
    crowd_seconds = crowd_to - crowd_from
    print(
        f"{crowd.count()} requests by {CROWD} signed-in learners in {crowd_seconds:.1f} s "
        f"({crowd.count() / crowd_seconds:.0f}/s), {len(crowd.errors)} failed"
    )
    statuses = defaultdict(int)
    for _, status, method, _ in recorder.errors + crowd.errors:
        statuses[f"{method} {status or 'no answer'}"] += 1
    if statuses:
        print("failed requests: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))

    for at, latency, ok, _method in recorder.requests:
        finished = at + latency / 1000
        if not ok and not any(finished >= start and at <= end + RECOVERY for start, end in fault_windows):
            windows = ", ".join(f"{start:.1f}–{end:.1f} s" for start, end in fault_windows)
            failures.append(f"an error at {at:.1f} s, outside the fault windows {windows} (+{RECOVERY} s)")
            break
    for (start, end), fault in zip(fault_windows, ("replica killed", "database restart"), strict=True):
        ends = [
            at + latency / 1000
            for at, latency, ok, _method in recorder.requests
            if not ok and at + latency / 1000 >= start and at <= end + RECOVERY
        ]
        last = max(ends, default=start)
        print(f"{fault}: {len(ends)} failed requests, the last {max(0.0, last - end):.1f} s after the fault ended")
    answers = completions = 0
    for name, mine in recorder.acknowledged.items():
        stored = facts.get(name)
        if stored is None:
            failures.append(f"{name}: the account is not in the database")
            continue
        failures += stored_once(name, mine, stored)
        completed = {section for section, done in stored["progress"] if done}
        sections = [section for section, _ in stored["progress"]]
        if len(sections) != len(set(sections)):
            failures.append(f"{name}: duplicate progress rows")
        lost = mine["completed"] - completed
        if lost:
            failures.append(f"{name}: completions lost for sections {sorted(lost)}")
        if len(mine["upstreams"] - {""}) < 2:
            failures.append(f"{name}: never served by more than one replica")
        answers += len(mine["answers"])
        completions += len(mine["completed"])
    print(f"checked: {answers} acknowledged answers and {completions} completions, each stored exactly once")
    print(
        f"sessions: every learner was served by {min(len(m['upstreams'] - {''}) for m in recorder.acknowledged.values())}+ replicas"
    )
    failures += check_crowd(crowd, readers, crowd_facts, plan, crowd_seconds)
    print(f"the scale test took {time.monotonic() - began:.0f} s")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures[:20]))
        sys.exit(1)
    print("passed: nothing lost or duplicated, errors only in the fault windows, none in the crowd")


if __name__ == "__main__":
    main()
