from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A user's key to the JSON API. Only the SHA-256 of the token is stored: the token itself is shown once,
    when it is created, and cannot be read back. A revoked token stays, with its revocation date."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=60, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("令牌前缀"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    # The token stops working then (settings.FAZHAN_API_TOKEN_DAYS after it was made).
    expires_at = models.DateTimeField(_("有效期至"), editable=False)
    # A read-only token reads what its user may read and writes nothing (403).
    read_only = models.BooleanField(_("只读"), default=False)
    # Made after its user gave their second factor (the page in a verified session, the command with a
    # code): a token of a role of FAZHAN_2FA_ROLES without it does not authenticate.
    second_factor = models.BooleanField(_("经两步验证"), default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired
