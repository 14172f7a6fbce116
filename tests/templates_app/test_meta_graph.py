"""Reading Meta's Graph API answers: listings, errors, analytics."""

from __future__ import annotations

from datetime import UTC, datetime

from templates_app.meta import QualityScore, StatusEvent
from templates_app.meta.graph import (
    parse_analytics_page,
    parse_error,
    parse_template_page,
    usage_percent,
    without_access_token,
)

TEMPLATE = {
    "id": "1234567890123456",
    "name": "order_update",
    "language": "en_US",
    "status": "approved",
    "category": "TRANSACTIONAL",
    "quality_score": {"score": "YELLOW", "date": 1767225600},
    "rejected_reason": "NONE",
    "components": [
        {"type": "HEADER", "format": "TEXT", "text": "Order"},
        {"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": [["Ana"]]}},
        {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Track", "url": "https://x/"}]},
    ],
}


def test_a_listed_template_reads_as_ours():
    page = parse_template_page({"data": [TEMPLATE], "paging": {"cursors": {"after": "QVFI"}}})

    (template,) = page.templates
    assert template.status is StatusEvent.APPROVED  # any letter case
    assert template.category == "TRANSACTIONAL"  # a legacy category, kept as text
    assert template.quality is QualityScore.YELLOW
    assert template.quality_date == datetime(2026, 1, 1, tzinfo=UTC)  # unix seconds
    assert template.rejected_reason is None
    assert template.components == {
        "title": "Order",
        "body": "Hi {{1}}",
        "footer": None,
        "buttons": [{"type": "URL", "text": "Track", "url": "https://x/"}],
    }
    assert (page.next_url, page.after, page.empty) == (None, "QVFI", False)


def test_templates_that_do_not_fit_are_set_aside_with_their_reason():
    too_long = {**TEMPLATE, "id": "2", "name": "x" * 513}
    with_nul = {**TEMPLATE, "id": "3", "name": "order\x00update"}
    huge_id = {**TEMPLATE, "id": str(2**63)}

    page = parse_template_page({"data": [too_long, with_nul, huge_id, TEMPLATE, "junk"]})

    assert [t.meta_template_id for t in page.templates] == ["1234567890123456"]
    reasons = dict(page.unreadable)
    assert "longer than 512" in reasons["data[0]"]
    assert "control character" in reasons["data[1]"]
    assert "no usable `id`" in reasons["data[2]"]
    assert "must be an object" in reasons["data[4]"]


def test_meta_error_envelope_is_read_and_anything_else_still_gives_a_sentence():
    error = parse_error(
        b'{"error": {"message": "Session has expired", "type": "OAuthException", "code": 190,'
        b' "error_subcode": 463, "fbtrace_id": "Az8"}}',
        http_status=401,
    )
    assert (error.code, error.subcode, error.fbtrace_id) == (190, 463, "Az8")
    assert error.is_token_invalid and not error.is_rate_limit

    assert parse_error(b"<html>Bad gateway</html>", http_status=502).message == (
        "Meta answered HTTP 502 without an error description"
    )


def test_analytics_points_read_with_their_days():
    page = parse_analytics_page(
        {
            "data": [
                {
                    "granularity": "DAILY",
                    "data_points": [
                        {
                            "template_id": "1",
                            "start": 1767139200,
                            "end": 1767225600,
                            "sent": 5,
                            "delivered": 4,
                            "read": 2,
                        },
                        {"template_id": "1", "start": "x"},
                    ],
                }
            ]
        }
    )

    (point,) = page.points
    assert (point.sent, point.delivered, point.read) == (5, 4, 2)
    assert point.end == datetime(2026, 1, 1, tzinfo=UTC)


def test_next_links_lose_the_access_token_meta_puts_in_them():
    url = "https://graph.facebook.com/v23.0/1/message_templates?limit=100&access_token=EAAG&after=Q"

    assert without_access_token(url) == (
        "https://graph.facebook.com/v23.0/1/message_templates?limit=100&after=Q"
    )


def test_usage_percent_is_the_highest_figure_of_either_usage_header():
    assert (
        usage_percent(
            app_usage='{"call_count": 28, "total_time": 25, "total_cputime": 12}',
            business_use_case_usage=(
                '{"102290129340398": [{"type": "whatsapp_bm", "call_count": 4, '
                '"total_cputime": 61, "total_time": 9, "estimated_time_to_regain_access": 0}]}'
            ),
        )
        == 61
    )
    assert usage_percent(app_usage='{"call_count": 7}', business_use_case_usage=None) == 7


def test_usage_percent_of_missing_or_unreadable_headers_is_none():
    assert usage_percent(app_usage=None, business_use_case_usage=None) is None
    assert usage_percent(app_usage="not json", business_use_case_usage='{"1": "x"}') is None
    assert usage_percent(app_usage='{"call_count": true}', business_use_case_usage=None) is None
