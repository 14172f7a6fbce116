from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from organizations.api.views import LogoutView, ObtainTokenView
from organizations.views import admin_login

api_v1 = [
    path("auth/token", ObtainTokenView.as_view(), name="auth-token"),
    path("auth/logout", LogoutView.as_view(), name="auth-logout"),
    path("organizations/", include("organizations.api.urls")),
    path("whatsapp/", include("templates_app.api.urls")),
    path("whatsapp/", include("audit.api.template_urls")),
    path("whatsapp/", include("alerts.api.template_urls")),
    path("campaigns/", include("campaigns.api.urls")),
    path("audit/", include("audit.api.urls")),
    path("alerts/", include("alerts.api.urls")),
    path("notifications/", include("alerts.api.notification_urls")),
]

urlpatterns = [
    # Before the admin's own URLs: its login, with failed logins throttled.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

handler404 = "pytake.api.views.page_not_found"
handler500 = "pytake.api.views.server_error"
