"""Applicants who serve themselves (issue 15, item 7): a branch hands out a one-time code, the applicant
registers on a phone page with it, submits the written application (its text and a photo of the signed
page), and the branch accepts it as S01 or returns it with a reason.

The code is kept only as a keyed digest (shown once, when issued); the applicant's ID number is kept as the
people app keeps ID numbers (SM4-encrypted, looked up by its keyed digest), the PIN as a Django password
hash."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fazhan.people.choices import ETHNICITY_CHOICES, Education, Occupation
from fazhan.people.cipher import EncryptedIdNumberField, SealedDateField


class InviteCode(models.Model):
    """A one-time code a branch hands to one applicant (as text or a QR code): it opens registration with
    that branch until it expires, and once used opens nothing."""

    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="invite_codes"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(
        _("尾号"), max_length=4, editable=False
    )  # the code's last four, to tell codes apart
    issued_by = models.ForeignKey(
        "accounts.User", verbose_name=_("发放人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("发放时间"))
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("申请人登记码")
        verbose_name_plural = _("申请人登记码")

    def __str__(self) -> str:
        return f"{self.org.code} …{self.hint}"


class Applicant(models.Model):
    """Someone who registered with a code: the branch it was issued for, who they say they are, and the PIN
    they sign in with (hashed). A Person exists only once the branch accepts their application."""

    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="applicants"
    )
    code = models.OneToOneField(InviteCode, on_delete=models.PROTECT, related_name="applicant")
    name = models.CharField(_("姓名"), max_length=60)
    id_number = EncryptedIdNumberField(_("身份证号"))
    id_number_key = models.CharField(max_length=64, unique=True, editable=False)
    birth_date = SealedDateField(_("出生日期"))
    gender = models.CharField(_("性别"), max_length=1, editable=False)
    ethnicity = models.CharField(_("民族"), max_length=10, choices=ETHNICITY_CHOICES, default="汉族")
    phone = models.CharField(_("联系电话"), max_length=20)
    education = models.CharField(_("学历"), max_length=10, choices=Education.choices)
    occupation = models.CharField(_("职业"), max_length=20, choices=Occupation.choices)
    pin_hash = models.CharField(max_length=200, editable=False)
    # A sign-in cookie carries the epoch it was issued in: signing out moves it on, ending every such cookie.
    epoch = models.PositiveIntegerField(default=0, editable=False)
    failed_pins = models.PositiveSmallIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    registered_at = models.DateTimeField(_("登记时间"))
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="self_registrations"
    )

    class Meta:
        ordering = ["-registered_at"]
        verbose_name = _("网上入党申请人")
        verbose_name_plural = _("网上入党申请人")

    def __str__(self) -> str:
        return self.name


class SubmissionState(models.TextChoices):
    SUBMITTED = "submitted", _("待支部受理")
    ACCEPTED = "accepted", _("已受理")
    RETURNED = "returned", _("已退回")


# The moves a submission's state may make (the pipeline as data): once decided it stays as decided; a
# returned applicant submits again, as a new submission.
TRANSITIONS: dict[str, frozenset[str]] = {
    SubmissionState.SUBMITTED: frozenset({SubmissionState.ACCEPTED, SubmissionState.RETURNED}),
    SubmissionState.ACCEPTED: frozenset(),
    SubmissionState.RETURNED: frozenset(),
}


class Submission(models.Model):
    """One written application the applicant sent: its text and the photo of the signed page. Accepted, it
    names the S01 record it became; returned, the reason the applicant reads."""

    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="submissions")
    text = models.TextField(_("申请书正文"))
    photo = models.BinaryField(_("签名页照片"))
    photo_sha256 = models.CharField(max_length=64, editable=False)
    submitted_at = models.DateTimeField(_("提交时间"))
    state = models.CharField(
        _("状态"), max_length=20, choices=SubmissionState.choices, default=SubmissionState.SUBMITTED
    )
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    step_record = models.OneToOneField(
        "procedure.StepRecord",
        verbose_name=_("入党申请记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submission",
    )

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("网上入党申请")
        verbose_name_plural = _("网上入党申请")

    def __str__(self) -> str:
        return f"{self.applicant.name} {self.submitted_at:%Y-%m-%d}"
