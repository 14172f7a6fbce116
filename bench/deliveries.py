"""One webhook delivery of 1, 100 and 1000 changes, through the webhook's own services.

Each delivery is parsed, stored and applied as the endpoint does it in `sync` mode (signature
aside; the time includes parsing): status and quality events for up to 200 templates, each
template with three active campaigns, every change newer than the last so that each one really
changes its template: campaigns pause and resume, alerts are raised, escalated and resolved.
"""

from __future__ import annotations

import statistics
from itertools import count

from bench.support import count_queries, timed
from campaigns.models import Campaign
from organizations.models import Organization
from templates_app.meta import (
    combine,
    encode,
    parse_delivery_body,
    quality_update_body,
    status_update_body,
)
from templates_app.models import BusinessAccount, WebhookDelivery, WhatsAppTemplate
from templates_app.services.deliveries import store_and_process

TEMPLATES = 200
CAMPAIGNS_PER_TEMPLATE = 3
SIZES = (1, 100, 1000)
ROUNDS = 5
WABA_ID = "990000000000101"
# Status and quality events in turn; each pair of status events pauses then resumes campaigns.
CHANGES = (("status", "PAUSED"), ("quality", "RED"), ("status", "REINSTATED"), ("quality", "GREEN"))


def run() -> None:
    templates = bench_templates()
    clock = count(1_800_000_000)
    steps = [0] * len(templates)  # where each template is in CHANGES
    print(
        f"{TEMPLATES} templates, {CAMPAIGNS_PER_TEMPLATE} active campaigns each; "
        f"{ROUNDS} rounds per size\n"
    )
    print(f"{'changes':>8} {'median':>10} {'per change':>11} {'queries':>8} {'per change':>11}")
    for size in SIZES:
        bodies = [_body(templates, size, clock, steps) for _ in range(ROUNDS + 1)]
        queries = count_queries(lambda b=bodies[0], n=size: _deliver(b, n))
        times = [timed(lambda b=body, n=size: _deliver(b, n)) for body in bodies[1:]]
        median = statistics.median(times)
        print(
            f"{size:>8} {median * 1000:>8.1f} ms {median * 1000 / size:>8.2f} ms "
            f"{queries:>8} {queries / size:>11.1f}"
        )


def bench_templates() -> list[WhatsAppTemplate]:
    """200 templates of one account, three active campaigns each (auto-resume)."""
    organization = Organization.objects.create(name="Bench deliveries", slug="bench-deliveries")
    account = BusinessAccount.objects.create(
        organization=organization, waba_id=WABA_ID, name="Bench deliveries"
    )
    templates = WhatsAppTemplate.objects.bulk_create(
        WhatsAppTemplate(
            organization=organization,
            business_account=account,
            meta_template_id=str(9_900_000_000_000_000 + n),
            name=f"bench_delivery_{n}",
            language="en_US",
            status="APPROVED",
            quality_score="GREEN",
        )
        for n in range(TEMPLATES)
    )
    Campaign.objects.bulk_create(
        Campaign(
            organization=organization,
            template=template,
            name=f"{template.name} {n}",
            status=Campaign.Status.ACTIVE,
            auto_resume=True,
        )
        for template in templates
        for n in range(CAMPAIGNS_PER_TEMPLATE)
    )
    return templates


def _body(templates: list[WhatsAppTemplate], size: int, clock: count, steps: list[int]) -> bytes:
    """`size` changes over the templates; a template's changes cycle through CHANGES."""
    bodies = []
    for n in range(size):
        index = n % len(templates)
        template = templates[index]
        kind, value = CHANGES[steps[index] % len(CHANGES)]
        steps[index] += 1
        named = {
            "waba_id": WABA_ID,
            "template_id": template.meta_template_id,
            "name": template.name,
            "occurred_at": next(clock),
        }
        if kind == "status":
            bodies.append(status_update_body(event=value, **named))
        else:
            bodies.append(quality_update_body(new_quality=value, **named))
    return encode(combine(*bodies))


def _deliver(body: bytes, size: int) -> None:
    delivery = store_and_process(body=body, headers={}, parsed=parse_delivery_body(body))
    applied = sum(outcome["result"] == "applied" for outcome in delivery.outcomes)
    if delivery.status != WebhookDelivery.Status.PROCESSED or applied != size:
        raise RuntimeError(f"delivery {delivery.pk}: {delivery.status}, {applied}/{size} applied")
