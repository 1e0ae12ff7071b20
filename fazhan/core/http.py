"""Where a request came from, as the login lockout and the public pages' rate limit count it.

Behind the nginx of deploy/ every request reaches the application from 127.0.0.1: counted by REMOTE_ADDR,
one robot would exhaust the whole internet's opinions for the hour, and one mistyped password would lock a
username out for everyone. With FAZHAN_PROXY_COUNT = N (the proxies in front that append the address they
saw, as nginx's `$proxy_add_x_forwarded_for` does), the client is the N-th address from the right of
X-Forwarded-For: what those proxies wrote, never what the client sent before them (a forged header only adds
entries on the left). With 0 (the default: a township machine served directly) the header is ignored.

Written here rather than taken from django-ipware: ipware's proxy count counts the proxies' own addresses in
the header, which nginx does not write for itself, and with no settings it believes the left-most entry, the
one a client forges."""

from django.conf import settings


def client_address(request) -> str:
    """The client's address as the trusted proxies saw it (module doc), else the peer's."""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.FAZHAN_PROXY_COUNT
    if count <= 0:
        return peer
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    # Fewer entries than proxies: the request did not come through them all; count it by its peer.
    return chain[-count] if len(chain) >= count else peer
