"""A person asks Meta to lift a pause by pacing (RATE_LIMITING_PAUSE): `POST /{id}/unpause`.

Refused, with the reason, unless the template is paused by pacing and 5 minutes have passed
since Meta paused it (Meta's event time, not when its webhook arrived). Meta's answer, success
or its error, is audited and returned; the template's status follows Meta's own news of it (the
webhook or the next sync), as for any other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from organizations.models import User
from pytake.crypto import decrypt_secret
from pytake.exceptions import ApplicationError, ConflictError
from templates_app.changes import (
    ChangeKind,
    ChangeSource,
    TemplateChange,
    react_to_template_changes,
)
from templates_app.graph_client import GraphClient, GraphError
from templates_app.models import TemplatePause, WhatsAppTemplate
from templates_app.pause_ladder import unpause_refusal


class MetaRefusedError(ApplicationError):
    """Meta answered the unpause with an error (HTTP 502: the request itself was sound)."""

    status_code = 502


@dataclass(frozen=True)
class UnpauseAnswer:
    accepted: bool
    message: str


def current_pause(template: WhatsAppTemplate) -> TemplatePause | None:
    return (
        TemplatePause.objects.filter(template=template, ended_at__isnull=True)
        .order_by("-paused_at", "-id")
        .first()
    )


def unpause_template(
    *, template: WhatsAppTemplate, actor: User | None, now: datetime | None = None
) -> UnpauseAnswer:
    """Ask Meta to lift the template's pause by pacing; raises ConflictError (409) with the
    reason when it may not be asked, MetaRefusedError (502) with Meta's error when Meta says no.
    """
    now = now or timezone.now()
    refusal = unpause_refusal(template, current_pause(template), now=now)
    account = template.business_account
    if not refusal and not account.has_access_token:
        refusal = f"No Meta access token is stored for {account}: add one to ask Meta."
    if refusal:
        raise ConflictError(refusal, extra={"template": str(template.pk)})
    try:
        with GraphClient(access_token=decrypt_secret(account.access_token_encrypted)) as graph:
            success = graph.unpause_template(str(template.meta_template_id))
    except GraphError as exc:
        answer = UnpauseAnswer(False, f"Meta refused to unpause {template.name}: {exc}")
        details = {"accepted": False, "meta_error_code": exc.code}
    else:
        if success:
            message = (
                f"Meta accepted the unpause of {template.name}: it sends again once Meta "
                "confirms it."
            )
        else:
            message = f"Meta did not confirm the unpause of {template.name}."
        answer = UnpauseAnswer(success, message)
        details = {"accepted": success}
    with transaction.atomic():
        react_to_template_changes(
            [
                TemplateChange(
                    template=template,
                    kind=ChangeKind.UNPAUSE_REQUESTED,
                    previous=template.status,
                    new=template.status,
                    what_happened="UNPAUSE_REQUESTED",
                    reason=answer.message,
                    occurred_at=now,
                    source=ChangeSource.USER,
                    actor=actor,
                    details=details,
                )
            ]
        )
    if not answer.accepted:
        raise MetaRefusedError(answer.message, extra={"template": str(template.pk)})
    return answer
