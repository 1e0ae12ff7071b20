from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response of the application: its pages, lists, exports and API
    answers carry names, ID numbers and case content, which no browser cache or proxy may keep (a shared
    township computer, a back button after logout). Static files are served before this (WhiteNoise) and
    stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
