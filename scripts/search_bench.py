"""`make bench-search`: search over the shipped course plus 99 generated lectures, p50 and p95 per query.

Runs against a scratch database: a new SQLite file by default, or the (empty, throwaway)
PostgreSQL database named by DATABASE_URL. Each generated lecture is lecture 1 with its
number changed and a line of its own in every section, imported the way an editor would.

    .venv/bin/python scripts/search_bench.py [--lectures 100] [--repeat 20]
    DATABASE_URL=postgres://…/scratch .venv/bin/python scripts/search_bench.py
"""

import argparse
import os
import re
import statistics
import sys
import time

from harness import ROOT, scratch_django  # scripts/harness.py, beside this file

QUERIES = [
    "서킷브레이커", "서킷 브레이커", "파드", "큐", "사가", "캐싱", "트랜잭션", "Sidecar", "SIDECAR", "AWS Lambda",
    "서버리스", "CNCF", "모놀리식", "ESB", "컨테이너 오케스트레이션", "하이퍼바이저", "kubelet", "레플리카셋",
    "CI/CD", "관측 가능성", "컨트롤 플레인", "서비스메시", "서비스 디스커버리", "API 게이트웨이", "api gateway", "개발자 포털",
    "발행 구독", "타임아웃", "재시도", "스트림 프로세싱", "참조 모델", "없는낱말쯤",
]  # fmt: skip


def setup(lectures):
    scratch_django("search-bench")
    from django.core.management import call_command

    from course.importer import import_lecture
    from course.models import Course

    call_command("load_course", verbosity=0, stdout=open(os.devnull, "w"))
    course = Course.objects.get(slug="cloud-native-patterns")
    text = (ROOT / "content/cloud-native-patterns/lecture-01.md").read_text(encoding="utf-8")
    started = time.perf_counter()
    for number in range(2, lectures + 1):
        lecture = re.sub(r"^### 1강", f"### {number}강", text, count=1)
        lecture = re.sub(r"^(### (?!\d+강).+)$", rf"\1\n\n{number}강에서 새로 덧붙인 문장입니다.", lecture, flags=re.M)
        import_lecture(course, lecture)
    return time.perf_counter() - started


def measure(repeat):
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from course import search
    from course.models import SearchEntry

    visitor, rows = AnonymousUser(), []
    search.find("워밍업", visitor)
    for query in QUERIES:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            found = search.find(query, visitor)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        rows.append((query, len(found), statistics.median(times), times[int(len(times) * 0.95) - 1]))
    return connection.vendor, SearchEntry.objects.count(), rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lectures", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    seconds = setup(args.lectures)
    vendor, entries, rows = measure(args.repeat)
    print(f"{vendor}: {args.lectures} lectures, {entries} index entries (generated in {seconds:.0f} s)")
    print(f"{'query':<20} {'results':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for query, found, p50, p95 in rows:
        print(f"{query:<20} {found:>7} {p50:>8.1f} {p95:>8.1f}")
    worst = max(p95 for *_, p95 in rows)
    print(f"worst p95: {worst:.1f} ms (target < 50 ms)")
    return 0 if worst < 50 else 1


if __name__ == "__main__":
    sys.exit(main())
