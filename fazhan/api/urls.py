from django.urls import path, re_path

from fazhan.api import pages, views
from fazhan.api.api import api

# No app namespace here: django-ninja reverses its own namespace (api-v1) from the root.
urlpatterns = [
    path("tokens/", views.token_list, name="apitoken_list"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="apitoken_revoke"),
    path("webhooks/", pages.webhook_page, name="webhook_list"),
    path("webhooks/<int:subscription_id>/remove/", pages.webhook_remove_page, name="webhook_remove"),
    path("webhooks/deliveries/<int:delivery_id>/retry/", pages.delivery_retry_page, name="delivery_retry"),
    path("v1/", api.urls),
    # Anything else under v1/ is an unknown operation: answer it in JSON like the API, not with an HTML page.
    re_path(r"^v1/[\s\S]*$", views.not_found),
]
