"""Choice filters that accept any letter case (`severity=critical`) and, on a value outside
their choices, answer a 400 that lists the valid ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django_filters import fields


class CaseInsensitiveChoicesMixin:
    choices: Any

    def valid_values(self) -> list[str]:
        return [str(value) for value, _ in self.choices if value not in ("", None)]

    def canonical(self, value: Any) -> Any:
        """The choice `value` names, whatever its letter case; `value` itself if none."""
        if not isinstance(value, str):
            return value
        by_folded = {valid.casefold(): valid for valid in self.valid_values()}
        return by_folded.get(value.casefold(), value)

    def validate(self, value: Any) -> None:
        try:
            super().validate(value)  # type: ignore[misc]
        except ValidationError as error:
            if error.code != "invalid_choice":
                raise
            chosen = error.params.get("value", value) if error.params else value
            # The value goes in as a parameter: a `%` in it is text, not a format.
            raise ValidationError(
                "%(value)s is not one of the valid values: %(valid)s.",
                code="invalid_choice",
                params={"value": chosen, "valid": ", ".join(self.valid_values())},
            ) from error


class ChoiceField(CaseInsensitiveChoicesMixin, fields.ChoiceField):
    def to_python(self, value: Any) -> Any:
        return self.canonical(super().to_python(value))


class MultipleChoiceField(CaseInsensitiveChoicesMixin, fields.MultipleChoiceField):
    def to_python(self, value: Any) -> list[Any]:
        return [self.canonical(item) for item in super().to_python(value)]


class AnyCaseHelpMixin:
    """Says so in the schema: the enum lists the canonical spelling only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["help_text"] = f"{kwargs.get('help_text', '')} Any letter case.".strip()
        super().__init__(*args, **kwargs)


class ChoiceFilter(AnyCaseHelpMixin, django_filters.ChoiceFilter):
    field_class = ChoiceField


class MultipleChoiceFilter(AnyCaseHelpMixin, django_filters.MultipleChoiceFilter):
    field_class = MultipleChoiceField


class TypedChoiceField(CaseInsensitiveChoicesMixin, fields.ChoiceField):
    """A ChoiceField whose value is then coerced, as Django's TypedChoiceField does."""

    def __init__(self, *args: Any, coerce: Any = None, **kwargs: Any) -> None:
        self.coerce = coerce or (lambda value: value)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        return self.canonical(super().to_python(value))

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return self.coerce(value) if value not in ("", None) else value


class TypedChoiceFilter(AnyCaseHelpMixin, django_filters.TypedChoiceFilter):
    field_class = TypedChoiceField


class UtcIsoDateTimeField(fields.IsoDateTimeField):
    """An RFC 3339 time with any offset, read as the UTC instant it names: the database is
    never handed an offset it refuses (PostgreSQL's stop at ±15:59) nor a year it cannot hold."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError as error:
            raise ValidationError(
                "Enter a time between the years 1 and 9999 (UTC).", code="invalid"
            ) from error


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
