"""Send the class reminders due now: run hourly (deploy/k8s CronJob, the compose ``reminders``
service). Running it twice in an hour sends nothing twice."""

from django.core.management.base import BaseCommand
from django.utils.dateparse import parse_datetime

from classes.reminders import send_reminders


class Command(BaseCommand):
    help = "마감 48시간 전 알림과 교수자 주간 요약 메일을 보냅니다 (매시간 실행)."

    def add_arguments(self, parser):
        parser.add_argument("--now", type=parse_datetime, help="이 시각인 것처럼 보냅니다 (ISO 8601, 시험용).")

    def handle(self, *args, now=None, **options):
        outcome = send_reminders(now=now)
        for error in outcome.errors:
            self.stderr.write(error)
        # A refused address is reported, and tried again next hour; it does not fail the run (and
        # make the CronJob retry everyone's). A server that cannot be reached raises, and does.
        self.stdout.write(f"sent {outcome.sent}, failed {outcome.failed}")
