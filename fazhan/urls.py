from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fazhan.core import views as core_views
from fazhan.desk.urls import forms as desk_forms_urls
from fazhan.desk.views import home as desk_home
from fazhan.prereview import urls as prereview_urls

urlpatterns = [
    path("", desk_home.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("fazhan.accounts.urls")),
    path("orgs/", include("fazhan.desk.urls.orgs")),
    path("people/", include("fazhan.desk.urls.people")),
    path("inspection/", include("fazhan.inspection.urls")),
    path("selfcheck/", include("fazhan.selfcheck.urls")),
    path("", include("fazhan.desk.urls.procedure")),
    # The form register and pre-review are the wing's; issuing and voiding a form are on the person page.
    path("", include(([*desk_forms_urls.urlpatterns, *prereview_urls.urlpatterns], prereview_urls.app_name))),
    path("archive/", include("fazhan.archive.urls")),
    path("interchange/", include("fazhan.interchange.urls")),
    path("plans/", include("fazhan.plans.urls")),
    path("talents/", include("fazhan.talents.urls")),
    path("notices/", include("fazhan.notices.urls")),
    path("applicants/", include("fazhan.applicants.urls")),
    path("floating/", include("fazhan.floating.urls")),
    path("training/", include("fazhan.training.urls")),
    path("paperwork/", include("fazhan.paperwork.urls")),
    path("calendar/", include("fazhan.holidays.urls")),
    path("trail/", include("fazhan.auditlog.urls")),
    path("jobs/", include("fazhan.jobs.urls")),
    path("reminders/", include("fazhan.reminders.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("fazhan.api.urls")),
    # The public's pages (no login): the one prefix a deployment may expose to the internet.
    # the applicants' own pages first: no notice's token is "apply" (notices.models makes them 24 long)
    path(settings.FAZHAN_PUBLIC_PREFIX.lstrip("/") + "apply/", include("fazhan.applicants.urls_public")),
    path(settings.FAZHAN_PUBLIC_PREFIX.lstrip("/"), include("fazhan.notices.urls_public")),
]
