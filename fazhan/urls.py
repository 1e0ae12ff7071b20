from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from fazhan.core import views as core_views
from fazhan.core.converters import OrgCodeConverter, RecordKeyConverter

register_converter(OrgCodeConverter, "code")
register_converter(RecordKeyConverter, "key")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("fazhan.accounts.urls")),
    path("orgs/", include("fazhan.organizations.urls")),
    path("people/", include("fazhan.people.urls")),
    path("inspection/", include("fazhan.inspection.urls")),
    path("", include("fazhan.procedure.urls")),
    path("", include("fazhan.prereview.urls")),
    path("archive/", include("fazhan.archive.urls")),
    path("interchange/", include("fazhan.interchange.urls")),
    path("plans/", include("fazhan.plans.urls")),
    path("notices/", include("fazhan.notices.urls")),
    path("paperwork/", include("fazhan.paperwork.urls")),
    path("calendar/", include("fazhan.core.urls")),
    path("trail/", include("fazhan.auditlog.urls")),
    path("jobs/", include("fazhan.jobs.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("fazhan.api.urls")),
]
