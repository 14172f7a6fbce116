"""Meta's WhatsApp template webhooks: signature check, typed events and a parser.

Stdlib only, no Django: the one place that knows Meta's wire format.
"""

from . import graph
from .builders import (
    category_update_body,
    combine,
    components_update_body,
    correct_category_body,
    encode,
    quality_update_body,
    status_update_body,
)
from .events import (
    KNOWN_BUTTON_TYPES,
    KNOWN_CATEGORIES,
    KNOWN_OTHER_INFO_TITLES,
    KNOWN_REASONS,
    CategoryUpdate,
    ComponentsUpdate,
    CorrectCategoryDetection,
    Field,
    IgnoredChange,
    QualityScore,
    QualityUpdate,
    StatusEvent,
    StatusUpdate,
    TemplateEvent,
    TemplateRef,
    normalize_language,
)
from .limits import INT64_MAX, LIMITS
from .parser import (
    MetaPayloadError,
    ParsedDelivery,
    parse_body,
    parse_delivery_body,
    parse_payload,
)
from .signature import SIGNATURE_HEADER, sign, signature_is_valid

__all__ = [
    "INT64_MAX",
    "KNOWN_BUTTON_TYPES",
    "KNOWN_CATEGORIES",
    "KNOWN_OTHER_INFO_TITLES",
    "KNOWN_REASONS",
    "LIMITS",
    "SIGNATURE_HEADER",
    "CategoryUpdate",
    "ComponentsUpdate",
    "CorrectCategoryDetection",
    "Field",
    "IgnoredChange",
    "MetaPayloadError",
    "ParsedDelivery",
    "QualityScore",
    "QualityUpdate",
    "StatusEvent",
    "StatusUpdate",
    "TemplateEvent",
    "TemplateRef",
    "category_update_body",
    "combine",
    "components_update_body",
    "correct_category_body",
    "encode",
    "graph",
    "normalize_language",
    "parse_body",
    "parse_delivery_body",
    "parse_payload",
    "quality_update_body",
    "sign",
    "signature_is_valid",
    "status_update_body",
]
