from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def render_partial_or_page(request, *, page: str, partial: str, context: dict):
    """The partial for an htmx swap, the whole page otherwise — and for htmx's history restore, which asks
    for a page the browser lost. `Vary: HX-Request` keeps a cached partial from standing in for the page."""
    is_swap = bool(request.htmx) and not request.htmx.history_restore_request
    response = render(request, partial if is_swap else page, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
