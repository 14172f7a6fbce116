"""factory-boy factories for every model."""

from __future__ import annotations

import hashlib

import factory
from django.utils import timezone

from alerts.models import Alert, NotificationChannel, NotificationDelivery
from audit.models import AuditLog
from campaigns.models import Campaign
from live.models import LiveMessage
from organizations.models import Organization, User
from templates_app.models import (
    BusinessAccount,
    PhoneNumber,
    QualityScore,
    SyncRun,
    TemplateStatus,
    WebhookDelivery,
    WhatsAppTemplate,
)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    organization = factory.SubFactory(OrganizationFactory)
    role = User.Role.MEMBER
    password = factory.django.Password("correct-horse-battery")


class OrgAdminFactory(UserFactory):
    role = User.Role.ORG_ADMIN


class SuperAdminFactory(UserFactory):
    organization = None
    is_superuser = True
    is_staff = True


class BusinessAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessAccount

    organization = factory.SubFactory(OrganizationFactory)
    waba_id = factory.Sequence(lambda n: f"{102290129340398 + n}")
    name = factory.Sequence(lambda n: f"WABA {n}")


class SyncRunFactory(factory.django.DjangoModelFactory):
    """A finished sync of a business account with Meta's Graph API."""

    class Meta:
        model = SyncRun

    business_account = factory.SubFactory(BusinessAccountFactory)
    status = SyncRun.Status.SUCCEEDED
    trigger = SyncRun.Trigger.USER


class PhoneNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneNumber

    business_account = factory.SubFactory(BusinessAccountFactory)
    phone_number_id = factory.Sequence(lambda n: f"{106540352242922 + n}")
    display_phone_number = factory.Sequence(lambda n: f"+1 555 {n:07d}")
    verified_name = "Acme Shop"


class WhatsAppTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WhatsAppTemplate

    phone_number = factory.SubFactory(PhoneNumberFactory)
    business_account = factory.SelfAttribute("phone_number.business_account")
    organization = factory.SelfAttribute("business_account.organization")
    meta_template_id = factory.Sequence(lambda n: f"{1234567890123456 + n}")
    name = factory.Sequence(lambda n: f"template_{n}")
    language = "en_US"
    category = "UTILITY"
    status = TemplateStatus.APPROVED
    quality_score = QualityScore.GREEN
    approved_at = factory.LazyFunction(timezone.now)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    template = factory.SubFactory(WhatsAppTemplateFactory)
    organization = factory.SelfAttribute("template.organization")
    name = factory.Sequence(lambda n: f"Campaign {n}")
    status = Campaign.Status.ACTIVE


def campaigns_in_bulk(
    template: WhatsAppTemplate,
    count: int,
    *,
    statuses: tuple[str, ...] = (Campaign.Status.ACTIVE,),
    auto_resume: bool = False,
) -> list[Campaign]:
    """`count` campaigns of `template` in one INSERT (thousands, where the factory makes one
    INSERT each), named `Campaign <n>`, their statuses taken from `statuses` in turn."""
    return Campaign.objects.bulk_create(
        Campaign(
            organization_id=template.organization_id,
            template=template,
            name=f"Campaign {n}",
            status=statuses[n % len(statuses)],
            auto_resume=auto_resume,
        )
        for n in range(count)
    )


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    template = factory.SubFactory(WhatsAppTemplateFactory)
    organization = factory.SelfAttribute("template.organization")
    kind = Alert.Kind.TEMPLATE_QUALITY_RED
    severity = Alert.Severity.CRITICAL
    title = factory.LazyAttribute(lambda a: f"{a.template.name} quality is RED")


# A Standard Webhooks signing secret: whsec_ and base64 of 32 bytes.
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class NotificationChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationChannel

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Channel {n}")
    kind = NotificationChannel.Kind.EMAIL
    recipients = factory.LazyFunction(lambda: ["ops@example.com"])
    min_severity = Alert.Severity.WARNING

    class Params:
        slack = factory.Trait(
            kind=NotificationChannel.Kind.SLACK,
            recipients=[],
            url="https://hooks.slack.com/services/T000/B000/XXXX",
        )
        webhook = factory.Trait(
            kind=NotificationChannel.Kind.WEBHOOK,
            recipients=[],
            url="https://example.com/pytake-hooks",
            secret=WEBHOOK_SECRET,
        )


class NotificationDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationDelivery

    channel = factory.SubFactory(NotificationChannelFactory)
    alert = factory.SubFactory(AlertFactory)
    next_attempt_at = factory.LazyFunction(timezone.now)


class AuditLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditLog

    organization = factory.SubFactory(OrganizationFactory)
    actor_type = AuditLog.ActorType.SYSTEM
    action = "template.status_changed"
    target_type = "template"
    target_id = factory.Sequence(lambda n: f"target-{n}")
    target_name = "order_update (en_US)"
    changes = factory.LazyFunction(lambda: {"status": ["APPROVED", "PAUSED"]})


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    body = factory.Sequence(
        lambda n: f'{{"object": "whatsapp_business_account", "entry": [], "n": {n}}}'.encode()
    )
    body_sha256 = factory.LazyAttribute(lambda d: hashlib.sha256(bytes(d.body)).hexdigest())


class LiveMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LiveMessage

    organization = factory.SubFactory(OrganizationFactory)
    type = "template.quality_changed"
    payload = factory.LazyFunction(lambda: {"quality_score": "RED"})
