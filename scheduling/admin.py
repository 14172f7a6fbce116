from django.contrib import admin

from scheduling.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """The scheduler's record, read-only and for superusers: jobs belong to no organization."""

    list_display = ["job", "period", "status", "finished_at", "result"]
    list_filter = ["job", "status"]
    date_hierarchy = "period"

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
