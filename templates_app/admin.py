from django.contrib import admin

from organizations.admin import OrganizationScopedAdmin
from templates_app.models import BusinessAccount, PhoneNumber, WhatsAppTemplate


@admin.register(BusinessAccount)
class BusinessAccountAdmin(OrganizationScopedAdmin):
    list_display = ["name", "waba_id", "organization", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name", "waba_id"]


@admin.register(PhoneNumber)
class PhoneNumberAdmin(OrganizationScopedAdmin):
    organization_field = "business_account__organization"
    list_display = ["display_phone_number", "verified_name", "phone_number_id", "business_account"]
    search_fields = ["display_phone_number", "phone_number_id", "verified_name"]
    list_select_related = ["business_account"]


@admin.register(WhatsAppTemplate)
class WhatsAppTemplateAdmin(OrganizationScopedAdmin):
    list_display = [
        "name",
        "language",
        "category",
        "status",
        "quality_score",
        "business_account",
        "updated_at",
    ]
    list_filter = ["status", "quality_score", "category", "organization"]
    search_fields = ["name", "meta_template_id"]
    list_select_related = ["business_account"]
    readonly_fields = ["id", "created_at", "updated_at"]
