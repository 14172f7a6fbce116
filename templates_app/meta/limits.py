"""The longest value the parser hands on, per kind of value Meta sends.

A value over its limit makes its change an ``IgnoredChange`` ("message_template_category longer
than 32 characters"): the service layer never meets a value its column cannot hold. Lengths are
counted in characters, as PostgreSQL counts them for ``varchar(n)``.

=========================  =====  ===========================================================
Key                        Limit  Where the value lands
=========================  =====  ===========================================================
``template_id``            19     ``WhatsAppTemplate.meta_template_id`` (digits of an int64,
                                  also at most 9223372036854775807)
``waba_id``                32     ``BusinessAccount.waba_id``
``name``                   512    ``WhatsAppTemplate.name``
``language``               16     ``WhatsAppTemplate.language``
``category``               32     ``category``, ``upcoming_category``, ``correct_category``
``reason``                 64     ``disabled_reason`` (Meta's reason code)
``other_info_title``       64     ``paused_title``
``event``                  32     an event name (the longest Meta uses has 16 characters)
``quality``                16     a quality score (GREEN, YELLOW, RED, UNKNOWN)
``quality_reason``         64     one code of ``quality_score_reason``
``field``                  64     a change's ``field`` (kept in the delivery's outcomes)
``text``                   4096   descriptions, rejection reason and recommendation, title,
                                  body and footer: text columns and the components JSON
``button_key``             64     a key of one button (prefix cut)
``button_value``           2048   a string of one button (its text, URL, phone number, ...)
=========================  =====  ===========================================================

Codes and names are single lines: any control character is refused. Long texts may hold
``\\t``, ``\\n`` and ``\\r``, no other control character. NUL and unpaired surrogates are refused
everywhere: PostgreSQL cannot store the first, UTF-8 cannot encode the second.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

INT64_MAX = 2**63 - 1

LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "template_id": len(str(INT64_MAX)),
        "waba_id": 32,
        "name": 512,
        "language": 16,
        "category": 32,
        "reason": 64,
        "other_info_title": 64,
        "event": 32,
        "quality": 16,
        "quality_reason": 64,
        "field": 64,
        "text": 4096,
        "button_key": 64,
        "button_value": 2048,
    }
)
