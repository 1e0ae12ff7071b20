"""The client's address behind the proxies of a deployment (core/http.py): the N-th from the right of
X-Forwarded-For with FAZHAN_PROXY_COUNT = N, the peer with 0; a forged header changes nothing."""

import pytest
from django.test import RequestFactory

from fazhan.core.http import client_address


@pytest.mark.parametrize(
    ("count", "forwarded", "address"),
    [
        (0, None, "127.0.0.1"),  # served directly: the peer
        (0, "203.0.113.7", "127.0.0.1"),  # the header is not believed without a proxy in front
        (1, "203.0.113.7", "203.0.113.7"),  # nginx wrote the address it saw
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # the client forged 1.2.3.4: nginx appended the real one
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.2", "203.0.113.7"),  # a balancer before nginx
        (2, "203.0.113.7", "127.0.0.1"),  # fewer entries than proxies: not through them, so the peer
        (1, " , ", "127.0.0.1"),
    ],
)
def test_the_address_is_what_the_trusted_proxies_saw(settings, count, forwarded, address):
    settings.FAZHAN_PROXY_COUNT = count
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", **headers)
    assert client_address(request) == address
