"""Enqueueing a task that must run only if the current transaction commits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend


def enqueue_with_transaction(
    task: Task, *args: Any, after_commit: Callable[[], None] | None = None
) -> None:
    """Enqueue `task(*args)` so that it runs only if the current transaction commits.

    A backend that keeps its queue in this database (django_tasks_db, production's) gets the
    task's row inside the transaction: it commits or rolls back with the rows the task is about,
    and costs no commit of its own. Any other (the immediate backend runs the task at once) is
    called once the transaction has committed, through `after_commit` when given.
    """
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(after_commit or (lambda: task.enqueue(*args)), robust=True)
