from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from organizations.api.views import LogoutAllView, LogoutView, ObtainTokenView
from organizations.views import admin_login, admin_password_change, login
from pytake.api.routes import with_optional_slash
from pytake.api.views import ApiRootView, api_not_found

# Every route ends with `/`; the same URL without it is answered too (pytake/api/routes.py).
api_v1 = with_optional_slash(
    [
        path("", ApiRootView.as_view(), name="api-root"),
        path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
        path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
        path("auth/logout-all/", LogoutAllView.as_view(), name="auth-logout-all"),
        path("organizations/", include("organizations.api.urls")),
        path("whatsapp/", include("templates_app.api.urls")),
        path("whatsapp/", include("audit.api.template_urls")),
        path("whatsapp/", include("alerts.api.template_urls")),
        path("campaigns/", include("campaigns.api.urls")),
        path("audit/", include("audit.api.urls")),
        path("alerts/", include("alerts.api.urls")),
        path("notifications/", include("alerts.api.notification_urls")),
    ]
)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard:index"), name="home"),
    # Before the admin's own URLs: its login and password change, with failed attempts throttled.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/password_change/", admin_password_change, name="admin-password-change"),
    path("admin/", admin.site.urls),
    path("accounts/login/", login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", include("dashboard.urls")),
    path("api/v1/", include(api_v1)),
    path("api/v1", ApiRootView.as_view()),
    *with_optional_slash(
        [
            path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
            path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
        ]
    ),
    # Any other /api/ URL answers JSON, with DEBUG on too (Django's debug page is HTML).
    re_path(r"^api/", api_not_found),
]

handler404 = "pytake.api.views.page_not_found"
handler500 = "pytake.api.views.server_error"
