from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse

# /api/v1/ authenticates by token itself (fazhan.api), and answers 401 in JSON rather than a login redirect.
PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/admin/login/", "/healthz", "/api/v1/")


class LoginRequiredMiddleware:
    """Every page needs a login except the login page itself and static files."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            if request.headers.get("HX-Request"):
                # An expired session during an htmx swap: send the whole page to the login, not a fragment.
                current = request.headers.get("HX-Current-URL") or request.get_full_path()
                response = HttpResponse(status=204)
                response["HX-Redirect"] = redirect_to_login(current, settings.LOGIN_URL)["Location"]
                return response
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
