"""The signing of an outgoing webhook, shared by every app that sends one (the reminders' digest, the API's
event subscriptions): one way to sign, so a receiver verifies them all alike."""

import hashlib
import hmac
import urllib.error

SIGNATURE_HEADER = "X-Fazhan-Signature"
DELIVERY_HEADER = "X-Fazhan-Delivery"


def signature(body: bytes, secret: str) -> str:
    """The header's value: sha256= and the HMAC-SHA256 of the exact body bytes under the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retryable(error: Exception) -> bool:
    """A server error, a throttle, a timeout or a refused connection may pass on a later try; any other
    answer of the receiver (a 4xx) will not."""
    if isinstance(error, urllib.error.HTTPError):
        return error.code >= 500 or error.code == 429
    return isinstance(error, urllib.error.URLError | OSError)
