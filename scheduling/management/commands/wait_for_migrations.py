import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


def unapplied_migrations() -> int:
    """How many migrations the database still lacks (web applies them when it starts)."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class Command(BaseCommand):
    help = (
        "Wait until the database answers and every migration is applied, then exit 0: the task "
        "worker and the scheduler start after web has migrated, without waiting for web's "
        "readiness (which a backlog only the worker drains would hold back)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=600.0, help="Seconds (600).")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between looks.")

    def handle(self, *args, timeout: float, interval: float, **options) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                missing = unapplied_migrations()
            except DatabaseError as exc:
                missing, reason = -1, f"the database does not answer ({exc.__class__.__name__})"
            else:
                reason = f"{missing} migration(s) not applied yet"
            connection.close()
            if missing == 0:
                self.stdout.write("Every migration is applied.")
                return
            if time.monotonic() >= deadline:
                raise CommandError(f"Gave up after {timeout:g} s: {reason}.")
            time.sleep(interval)
