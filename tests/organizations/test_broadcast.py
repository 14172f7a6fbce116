"""broadcast() refuses what no socket could read, and keeps nothing when it does."""

from __future__ import annotations

import pytest

from live.broadcast import broadcast
from live.models import LiveMessage

pytestmark = pytest.mark.django_db


def test_unknown_message_type_is_refused(organization):
    with pytest.raises(ValueError, match=r"alert\.exploded"):
        broadcast(organization.pk, "alert.exploded", {"alert_id": "1"})

    assert not LiveMessage.objects.exists()


def test_payload_may_not_overwrite_the_envelope(organization):
    with pytest.raises(ValueError, match="'id'"):
        broadcast(organization.pk, "alert.created", {"id": 7})

    assert not LiveMessage.objects.exists()
