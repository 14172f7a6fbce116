"""Meta's own answer to "can it send?": `GET /{node_id}?fields=health_status`, and a phone
number's quality, limit, status and name status.

Read into frozen values, bounded, never raising: what cannot be read is left out with a note
in `warnings`. An entity type Meta adds later is kept as sent. Stdlib only, no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CAN_SEND_VALUES = frozenset({"AVAILABLE", "LIMITED", "BLOCKED"})
KNOWN_ENTITY_TYPES = frozenset({"PHONE_NUMBER", "MESSAGE_TEMPLATE", "WABA", "BUSINESS", "APP"})
HEALTH_FIELDS = "health_status"
PHONE_NUMBER_FIELDS = (
    "health_status,quality_rating,messaging_limit_tier,status,name_status,throughput"
)

_MAX_ENTITIES = 50
_MAX_ITEMS = 20
_MAX_CODE = 64
_MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class HealthError:
    error_code: int | None
    error_description: str
    possible_solution: str


@dataclass(frozen=True, slots=True)
class HealthEntity:
    entity_type: str
    id: str
    can_send_message: str
    errors: tuple[HealthError, ...] = ()
    additional_info: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HealthStatus:
    """`can_send_message` overall ("" when Meta gave none we know), and each entity's."""

    can_send_message: str
    entities: tuple[HealthEntity, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def blocked(self) -> bool:
        return self.can_send_message == "BLOCKED"

    def possible_solutions(self) -> list[str]:
        """Meta's own words on what to do, once each, in its order."""
        found: list[str] = []
        for entity in self.entities:
            for error in entity.errors:
                if error.possible_solution and error.possible_solution not in found:
                    found.append(error.possible_solution)
        return found

    def as_json(self) -> dict[str, Any]:
        """What is stored and shown: our reading of Meta's answer."""
        return {
            "can_send_message": self.can_send_message,
            "entities": [
                {
                    "entity_type": entity.entity_type,
                    "id": entity.id,
                    "can_send_message": entity.can_send_message,
                    "errors": [
                        {
                            "error_code": error.error_code,
                            "error_description": error.error_description,
                            "possible_solution": error.possible_solution,
                        }
                        for error in entity.errors
                    ],
                    "additional_info": list(entity.additional_info),
                }
                for entity in self.entities
            ],
        }


@dataclass(frozen=True, slots=True)
class PhoneNumberSnapshot:
    """A phone number as Meta's Graph API shows it; "" where it said nothing readable."""

    id: str
    quality_rating: str = ""
    messaging_limit_tier: str = ""
    status: str = ""
    name_status: str = ""
    throughput_level: str = ""
    health: HealthStatus | None = None


def _code(raw: Any) -> str:
    if not isinstance(raw, str) or len(raw) > _MAX_CODE or not raw.isprintable():
        return ""
    return raw.strip().upper()


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        return ""
    cleaned = "".join(c for c in raw if c.isprintable() or c in "\n\t")
    return cleaned[:_MAX_TEXT].strip()


def _int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int) and abs(raw) < 10**15:
        return raw
    if isinstance(raw, str) and raw.isdigit() and len(raw) < 16:
        return int(raw)
    return None


def _id(raw: Any) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    return raw[:64] if isinstance(raw, str) and raw.isprintable() else ""


def parse_health_status(payload: Any) -> HealthStatus:
    """`{"health_status": {...}, "id": ...}` (or the inner object) into a HealthStatus."""
    warnings: list[str] = []
    health = payload.get("health_status", payload) if isinstance(payload, Mapping) else None
    if not isinstance(health, Mapping):
        return HealthStatus("", (), ("the answer holds no health_status object",))
    overall = _code(health.get("can_send_message"))
    if overall not in CAN_SEND_VALUES:
        warnings.append(f"unknown can_send_message {str(health.get('can_send_message'))[:40]!r}")
        overall = ""
    entities: list[HealthEntity] = []
    raw_entities = health.get("entities")
    if raw_entities is not None and not isinstance(raw_entities, list):
        warnings.append("entities is not a list")
        raw_entities = []
    for index, raw in enumerate((raw_entities or [])[:_MAX_ENTITIES]):
        if not isinstance(raw, Mapping):
            warnings.append(f"entities[{index}] is not an object")
            continue
        entity_type = _code(raw.get("entity_type")) or "UNKNOWN"
        if entity_type not in KNOWN_ENTITY_TYPES:
            warnings.append(f"unknown entity type {entity_type!r}, kept")
        can_send = _code(raw.get("can_send_message"))
        if can_send not in CAN_SEND_VALUES:
            warnings.append(f"entities[{index}] has no known can_send_message")
            can_send = ""
        errors = tuple(
            HealthError(
                error_code=_int(error.get("error_code")),
                error_description=_text(error.get("error_description")),
                possible_solution=_text(error.get("possible_solution")),
            )
            for error in (raw.get("errors") if isinstance(raw.get("errors"), list) else [])[
                :_MAX_ITEMS
            ]
            if isinstance(error, Mapping)
        )
        info = raw.get("additional_info")
        if isinstance(info, str):
            info = [info]
        additional = tuple(
            _text(item)
            for item in (info if isinstance(info, list) else [])[:_MAX_ITEMS]
            if _text(item)
        )
        entities.append(HealthEntity(entity_type, _id(raw.get("id")), can_send, errors, additional))
    return HealthStatus(overall, tuple(entities), tuple(warnings))


def parse_phone_number(payload: Any) -> PhoneNumberSnapshot:
    """`GET /{phone_number_id}?fields=...` into a snapshot; unreadable values are ""."""
    if not isinstance(payload, Mapping):
        return PhoneNumberSnapshot(id="")
    throughput = payload.get("throughput")
    level = _code(throughput.get("level")) if isinstance(throughput, Mapping) else ""
    return PhoneNumberSnapshot(
        id=_id(payload.get("id")),
        quality_rating=_code(payload.get("quality_rating")),
        messaging_limit_tier=_code(payload.get("messaging_limit_tier")),
        status=_code(payload.get("status")),
        name_status=_code(payload.get("name_status")),
        throughput_level=level,
        health=parse_health_status(payload) if "health_status" in payload else None,
    )
