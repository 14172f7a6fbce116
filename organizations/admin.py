from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from organizations.models import Organization, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "organization", "role", "is_staff", "is_superuser"]
    list_filter = ["role", "organization", "is_staff", "is_superuser"]
    list_select_related = ["organization"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Organization", {"fields": ["organization", "role"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        ("Organization", {"fields": ["organization", "role"]}),
    ]


class OrganizationScopedAdmin(admin.ModelAdmin):
    """Superusers see every organization's rows; other staff see their own organization's."""

    organization_field = "organization"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.organization_field}_id": request.user.organization_id})
