"""The API's JSON parser: DRF's, refusing bodies nested deeper than JSON_MAX_DEPTH with 400."""

from __future__ import annotations

import codecs
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

from pytake import json_depth


class DepthLimitedJSONParser(JSONParser):
    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: dict | None = None
    ) -> Any:
        encoding = get_encoding(parser_context or {})
        parse_constant = json.strict_constant if self.strict else None
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json_depth.loads(text, parse_constant=parse_constant)
        except json_depth.JSONTooDeepError as exc:
            raise ParseError(str(exc)) from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
