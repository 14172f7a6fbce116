import signal

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scheduling.jobs import JOBS
from scheduling.scheduler import build_scheduler


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (scheduling/jobs.py) on their schedules until stopped. Any number "
        "of replicas may run: each period of each job runs once. --list prints the schedule."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="Print the jobs and exit.")
        parser.add_argument(
            "--run", metavar="JOB", help="Run this job once, now, print what it did and exit."
        )

    def handle(self, *args, list: bool, run: str | None, **options) -> None:
        if run:
            job = next((job for job in JOBS if job.name == run), None)
            if job is None:
                raise CommandError(f"No job {run!r}: run_scheduler --list names them.")
            self.stdout.write(job.run())
            return
        if list:
            for job in JOBS:
                cron = " ".join(f"{field}={value}" for field, value in job.cron.items())
                self.stdout.write(f"{job.name:<26} {cron:<22} {job.description}")
            return
        scheduler = build_scheduler(JOBS)
        # `docker compose stop` sends SIGTERM: stop firing, let a running job finish.
        signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
        self.stdout.write(f"Scheduler started with {len(JOBS)} jobs (times in UTC).")
        scheduler.start()
