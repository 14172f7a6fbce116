from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("templates/<uuid:template_id>/", views.template_detail, name="template"),
    path("sections/<slug:name>/", views.section, name="section"),
    path(
        "campaigns/<uuid:campaign_id>/fallbacks/",
        views.set_campaign_fallbacks,
        name="campaign_fallbacks",
    ),
]
