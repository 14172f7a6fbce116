"""Demo data for `make run`: one organization with templates in several states. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, CampaignFallback
from organizations.models import Organization, User
from templates_app.models import BusinessAccount, PhoneNumber, QualityScore, WhatsAppTemplate

DEMO_WABA_ID = "102290129340398"
DEMO_PHONE_NUMBER_ID = "106540352242922"

# name, language, category, status, quality, Meta template id
DEMO_TEMPLATES = [
    ("order_update", "en_US", "UTILITY", "APPROVED", QualityScore.GREEN, "1234567890123456"),
    # The fallback of "Order notifications": same account, language, category and components.
    ("order_update_v2", "en_US", "UTILITY", "APPROVED", QualityScore.GREEN, "1234567890123457"),
    ("welcome", "pt_BR", "MARKETING", "APPROVED", QualityScore.YELLOW, "1111111111111111"),
    ("spring_sale", "en_US", "MARKETING", "PAUSED", QualityScore.RED, "2222222222222222"),
    ("login_code", "en_US", "AUTHENTICATION", "PENDING", QualityScore.UNKNOWN, None),
]

# campaign name → its fallback templates, in order (it switches back when Meta allows)
DEMO_FALLBACKS = {"Order notifications": ["order_update_v2"]}

# campaign name, template name, status, auto_resume
DEMO_CAMPAIGNS = [
    ("Order notifications", "order_update", Campaign.Status.ACTIVE, True),
    ("Shipping reminders", "order_update", Campaign.Status.SCHEDULED, False),
    ("Brazil onboarding", "welcome", Campaign.Status.ACTIVE, True),
    ("Spring sale blast", "spring_sale", Campaign.Status.PAUSED, True),
]


@dataclass(frozen=True)
class DemoData:
    organization: Organization
    admin: User
    phone_number: PhoneNumber


@transaction.atomic
def load_demo_data() -> DemoData:
    organization, _ = Organization.objects.get_or_create(
        slug="acme", defaults={"name": "Acme Shop"}
    )
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={
            "organization": organization,
            "role": User.Role.ORG_ADMIN,
            "is_staff": True,
            "is_superuser": True,
            "email": "admin@acme.example",
        },
    )
    if created:
        admin.set_password("admin")
        admin.save(update_fields=["password"])
    account, _ = BusinessAccount.objects.get_or_create(
        waba_id=DEMO_WABA_ID, defaults={"organization": organization, "name": "Acme WABA"}
    )
    number, _ = PhoneNumber.objects.get_or_create(
        phone_number_id=DEMO_PHONE_NUMBER_ID,
        defaults={
            "business_account": account,
            "display_phone_number": "+1 555 000 1111",
            "verified_name": "Acme Shop",
        },
    )
    now = timezone.now()
    templates = {}
    for name, language, category, status, quality, meta_id in DEMO_TEMPLATES:
        templates[name], _ = WhatsAppTemplate.objects.get_or_create(
            business_account=account,
            name=name,
            language=language,
            deleted_at=None,
            defaults={
                "organization": organization,
                "phone_number": number,
                "category": category,
                "status": status,
                "quality_score": quality,
                "meta_template_id": meta_id,
                "approved_at": now if status != "PENDING" else None,
                "paused_at": now if status == "PAUSED" else None,
                "pending_since": now if status == "PENDING" else None,
            },
        )
    for name, template_name, status, auto_resume in DEMO_CAMPAIGNS:
        template = templates[template_name]
        paused = status == Campaign.Status.PAUSED
        campaign, _ = Campaign.objects.get_or_create(
            organization=organization,
            name=name,
            defaults={
                "switch_back": name in DEMO_FALLBACKS,
                "template": template,
                "status": status,
                "auto_resume": auto_resume,
                "paused_by_template": paused,
                "status_before_pause": Campaign.Status.ACTIVE if paused else "",
                "paused_at": now if paused else None,
                "pause_reason": (
                    f"Template {template.name} ({template.language}): Paused by Meta"
                    if paused
                    else ""
                ),
            },
        )
        for position, fallback in enumerate(DEMO_FALLBACKS.get(name, []), start=1):
            CampaignFallback.objects.get_or_create(
                campaign=campaign, template=templates[fallback], defaults={"position": position}
            )
    return DemoData(organization=organization, admin=admin, phone_number=number)
