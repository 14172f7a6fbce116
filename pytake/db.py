"""SQL the ORM does not write for us."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.sql import UpdateQuery


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


def update_returning(
    queryset: QuerySet, values: Mapping[str, Any], *, returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """`queryset.update(**values)` that also returns, for each row it changed, the fields named
    in `returning` as they are after the update: one statement, `UPDATE … RETURNING` (PostgreSQL
    and SQLite 3.35+), where a SELECT … FOR UPDATE then an UPDATE cost two. The UPDATE locks the
    rows it changes, as the SELECT would have."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(dict(values))
    query.annotations = {}
    connection = connections[queryset.db]
    sql, params = query.get_compiler(queryset.db).as_sql()
    if not sql:
        return []
    meta = queryset.model._meta
    fields = [meta.get_field(name) for name in returning]
    quote = connection.ops.quote_name
    sql = f"{sql} RETURNING {', '.join(quote(field.column) for field in fields)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        tuple(field.to_python(value) for field, value in zip(fields, row, strict=True))
        for row in rows
    ]


def insert_many_unless_conflicting(instances: Sequence[Model]) -> set[Any]:
    """Insert each of `instances` (all of one model, pks made in Python) unless a unique
    constraint already holds its like, in one statement; returns the pks inserted.

    `INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING RETURNING pk`: any unique constraint
    counts, partial ones included. The inserted instances are left as `save()` leaves them.
    """
    if not instances:
        return set()
    model = type(instances[0])
    meta = model._meta
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = list(meta.concrete_fields)
    values: list[Any] = []
    for instance in instances:
        values.extend(
            field.get_db_prep_save(field.pre_save(instance, add=True), connection)
            for field in columns
        )
    row = f"({', '.join(['%s'] * len(columns))})"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in columns)}) "
        f"VALUES {', '.join([row] * len(instances))} "
        f"ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = {meta.pk.to_python(pk) for (pk,) in cursor.fetchall()}
    for instance in instances:
        if instance.pk in inserted:
            instance._state.adding = False
            instance._state.db = alias
    return inserted


def update_many(instances: Sequence[Model], fields: Sequence[str]) -> None:
    """Write `fields` of `instances` (all of one model, already saved) in one UPDATE.

    On PostgreSQL, `UPDATE … FROM (VALUES …)`: Django's `bulk_update` builds a CASE per field
    with a WHEN per row, which costs more Python time than the database's work (a second for a
    delivery's 200 templates). Elsewhere, `bulk_update`.
    """
    if not instances:
        return
    model = type(instances[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model._default_manager.db_manager(alias).bulk_update(instances, fields)
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    casts = [f"CAST(%s AS {field.db_type(connection)})" for field in columns]
    row = f"({', '.join(casts)})"
    params: list[Any] = []
    for instance in instances:
        params.extend(
            field.get_db_prep_save(getattr(instance, field.attname), connection)
            for field in columns
        )
    names = [f"c{n}" for n in range(len(columns))]
    assignments = ", ".join(
        f"{quote(field.column)} = v.{name}"
        for field, name in zip(columns[1:], names[1:], strict=True)
    )
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "
        f"FROM (VALUES {', '.join([row] * len(instances))}) AS v ({', '.join(names)}) "
        f"WHERE {quote(meta.db_table)}.{quote(meta.pk.column)} = v.{names[0]}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert_many(instances: Sequence[Model]) -> list[Model]:
    """Insert `instances` (all of one model) in one statement; returns them with their pks.

    On PostgreSQL, `INSERT … SELECT * FROM unnest(%s::type[], …) RETURNING pk`: one array per
    column, where `bulk_create` binds every value of every row on its own (a delivery's 3,000
    audit entries cost it most of a second in Python). Elsewhere, `bulk_create`.
    """
    if not instances:
        return []
    model = type(instances[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model._default_manager.db_manager(alias).bulk_create(instances)
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [field for field in meta.concrete_fields if not field.db_returning]
    arrays: list[list[Any]] = [[] for _ in columns]
    for instance in instances:
        for values, field in zip(arrays, columns, strict=True):
            values.append(field.get_db_prep_save(field.pre_save(instance, add=True), connection))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in columns)}) "
        f"SELECT * FROM unnest("
        f"{', '.join(f'%s::{field.db_type(connection)}[]' for field in columns)}) "
        f"RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        pks = [pk for (pk,) in cursor.fetchall()]
    for instance, pk in zip(instances, pks, strict=True):
        if meta.pk.db_returning:
            instance.pk = pk
        instance._state.adding = False
        instance._state.db = alias
    return list(instances)


def insert_values(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows`, each the values of `fields` (the others take their defaults), in one
    statement, without a model instance per row; nothing is returned.

    On PostgreSQL, `INSERT … SELECT * FROM unnest(…)`; elsewhere `bulk_create`.
    """
    if not rows:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    named = [meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        model._default_manager.db_manager(alias).bulk_create(
            model(**{field.attname: value for field, value in zip(named, row, strict=True)})
            for row in rows
        )
        return
    # The columns the rows leave out take what a new instance would (a default, the time of
    # `auto_now_add`), the same for all.
    blank = model()
    rest = [
        field for field in meta.concrete_fields if field not in named and not field.db_returning
    ]
    defaults = [
        field.get_db_prep_save(field.pre_save(blank, add=True), connection) for field in rest
    ]
    arrays: list[list[Any]] = [[] for _ in named]
    for row in rows:
        for values, field, value in zip(arrays, named, row, strict=True):
            values.append(field.get_db_prep_save(value, connection))
    columns = [*named, *rest]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in columns)}) "
        f"SELECT *, {', '.join(['%s'] * len(rest))} FROM unnest("
        f"{', '.join(f'%s::{field.db_type(connection)}[]' for field in named)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *arrays])
