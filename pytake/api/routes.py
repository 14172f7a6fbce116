"""The API's one trailing-slash style: every route ends with `/`, and the same URL without it is
answered by the same view (any method, so a POST is never lost to a redirect). The schema lists
only the slashed form (`pytake.api.openapi.documented_routes_only`)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path


def with_optional_slash(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """`patterns`, each route ending with `/` followed by its twin without the slash; for an
    `include()`, the twin of its empty route (`alerts` beside `alerts/`)."""
    answered: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        answered.append(pattern)
        route = str(pattern.pattern)
        if not route.endswith("/"):
            continue
        if isinstance(pattern, URLPattern):
            answered.append(path(route[:-1], pattern.callback, pattern.default_args))
        else:
            answered.extend(
                path(route[:-1], inner.callback, inner.default_args)
                for inner in pattern.url_patterns
                if isinstance(inner, URLPattern) and str(inner.pattern) == ""
            )
    return answered
