"""SQL the ORM does not write for us."""

from __future__ import annotations

from django.db import connections, router
from django.db.models import Model


def insert_unless_conflicting(instance: Model, *, conflict_field: str | None = None) -> bool:
    """Insert `instance` unless a unique constraint already holds its like; whether it did.

    One statement either way, `INSERT … ON CONFLICT … DO NOTHING RETURNING pk` (PostgreSQL and
    SQLite 3.35+), where `get_or_create` costs a SELECT first and catching the IntegrityError
    costs a savepoint around the INSERT; `bulk_create(ignore_conflicts=True)` tells neither the
    pk nor whether it inserted. `conflict_field` names the unique column to watch; without it
    any unique constraint counts, partial ones included. On success the instance is saved as
    `save()` would leave it (pk set, defaults and `auto_now_add` values filled in).
    """
    meta = type(instance)._meta
    alias = router.db_for_write(type(instance))
    connection = connections[alias]
    quote = connection.ops.quote_name
    # A database-generated pk (AutoField) is left out; one made in Python (a UUID) goes in.
    columns = [field for field in meta.concrete_fields if not field.db_returning]
    values = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in columns
    ]
    target = f"({quote(meta.get_field(conflict_field).column)}) " if conflict_field else ""
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT {target}DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    if meta.pk.db_returning:
        instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = alias
    return True
