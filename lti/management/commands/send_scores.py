"""Send the scores waiting in the outbox to their LMS (lti.grades): every few minutes (the
deploy/k8s CronJob, the compose ``scores`` service). Each is sent once."""

from django.core.management.base import BaseCommand

from lti.grades import send_due


class Command(BaseCommand):
    help = "LMS로 보낼 점수를 보냅니다 (몇 분마다 실행). 실패한 것은 간격을 늘려 다시 시도합니다."

    def handle(self, *args, **options):
        sent, failed = send_due()
        self.stdout.write(f"sent {sent}, failed {failed}")
