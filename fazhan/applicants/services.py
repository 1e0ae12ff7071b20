"""The writers of self-service applications: a branch issues a one-time code; the applicant registers with
it, signs in with their ID number and PIN, submits the application; the branch accepts it (the person, if
new, through people.services, then S01 through the one step service, dated today) or returns it with a
reason. Each writes its trail event in the same transaction; the trail names records, never what the
applicant wrote or their ID number."""

import datetime
import hashlib
import io
import re
import secrets
import time
import unicodedata

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from fazhan.accounts.models import Role
from fazhan.accounts.selectors import user_roles_at
from fazhan.applicants.models import TRANSITIONS, Applicant, InviteCode, Submission, SubmissionState
from fazhan.auditlog.services import audit_record
from fazhan.core.dates import date_cn
from fazhan.organizations.models import Org
from fazhan.people.choices import ETHNICITIES, Education, Occupation, PartyStatus
from fazhan.people.identity import id_number_key, person_filter_by_id_number
from fazhan.people.idnumber import IdNumberError, id_number_parse
from fazhan.people.models import Person
from fazhan.people.services import person_create
from fazhan.procedure.definition import Anchor
from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import case_apply

# Who hands out codes and decides on submissions: the branch's secretary and organizer (procedure.md: S01
# is the branch's step).
BRANCH_ROLES = frozenset({Role.BRANCH_SECRETARY, Role.BRANCH_ORGANIZER})

# Eight characters from an alphabet without 0/O, 1/I/L: read aloud or typed from a slip without doubt.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
PIN_RE = re.compile(r"^[0-9]{6}$")
PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")
TEXT_MIN, TEXT_MAX = 20, 5000
PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG"}
PHOTO_BOX = (1600, 1600)  # a signed page stays legible; the re-encoding drops what the camera added (GPS)
REASON_MAX = 500

ERR_ROLE = "只有本支部书记、组织委员可以办理网上入党申请。"
ERR_NOT_BRANCH = "登记码只能由党支部发放（%(org)s 不是党支部）。"
ERR_CODE = "登记码不正确，请核对后重新输入。"
ERR_CODE_USED = "这个登记码已经使用过。已登记的，请用身份证号和密码登录。"
ERR_CODE_EXPIRED = "这个登记码已于 %(d)s 过期，请向党支部重新领取。"
ERR_RATE = "尝试过于频繁，请一小时后再试。"
ERR_REFUSED = "提交未被受理。"
ERR_NAME = "请填写姓名。"
ERR_NAME_LONG = "姓名不能超过 60 字。"
ERR_ID_REGISTERED = "该身份证号已在网上登记过，请用身份证号和密码登录。"
ERR_PHONE = "请填写 11 位手机号码。"
ERR_ETHNICITY = "请选择民族。"
ERR_EDUCATION = "请选择学历。"
ERR_OCCUPATION = "请选择职业。"
ERR_PIN = "密码须为 6 位数字。"
ERR_PIN_AGAIN = "两次输入的密码不一致。"
ERR_SIGN_IN = "身份证号或密码不正确。"
ERR_LOCKED = "密码错误次数过多，请 %(m)d 分钟后再试。"
ERR_PENDING = "您的申请已提交，正在等待党支部受理，不能重复提交。"
ERR_ACCEPTED = "您的申请已被党支部受理，不需要再提交。"
ERR_TEXT = "请填写入党申请书正文（不少于 %(n)d 字）。"
ERR_TEXT_LONG = "申请书正文不能超过 %(n)d 字（现有 %(m)d 字）。"
ERR_PHOTO = "请上传签名页的照片。"
ERR_PHOTO_TYPE = "照片须为 JPG 或 PNG 图片。"
ERR_PHOTO_SIZE = "照片文件过大（最大 8 MB）。"
ERR_DECIDED = "这份申请已经办理（%(state)s），不能再受理或退回。"
ERR_REASON = "请写明退回原因，申请人会看到。"
ERR_REASON_LONG = "退回原因不能超过 %(n)d 字。"
ERR_PERSON_ELSEWHERE = "该申请人已登记在其他党组织（%(org)s），请联系镇党委核实组织关系后再受理。"
ERR_PERSON_MEMBER = "该申请人已是党员，不能受理入党申请。"


def _may_act(actor, org: Org) -> None:
    """Actor None is the system itself (demo)."""
    if actor is not None and not user_roles_at(actor, org) & BRANCH_ROLES:
        raise PermissionDenied(_(ERR_ROLE))


def submission_may_decide(actor, submission: Submission) -> bool:
    return bool(user_roles_at(actor, submission.applicant.org) & BRANCH_ROLES)


def code_may_issue(actor, org: Org) -> bool:
    return org.is_branch and bool(user_roles_at(actor, org) & BRANCH_ROLES)


# --- rate limits ------------------------------------------------------------------------------------------


def _rate_key(address: str) -> str:
    """The counter of one address in this hour: the address itself is not kept, only a keyed digest."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:32]
    return f"fazhan:applicants:{int(time.time() // 3600)}:{digest}"


def _rate_check(address: str) -> str:
    key = _rate_key(address)
    if (cache.get(key) or 0) >= settings.FAZHAN_APPLICANT_TRIES_PER_HOUR:
        raise ValidationError(_(ERR_RATE))
    return key


def _rate_spend(key: str) -> None:
    cache.add(key, 0, timeout=3600)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr: this hour's first
        cache.set(key, 1, timeout=3600)


# --- codes ------------------------------------------------------------------------------------------------


def code_normalize(code: str) -> str:
    """What was typed, as the code is kept: full-width turned half, case and separators ignored."""
    text = unicodedata.normalize("NFKC", code or "").upper()
    return "".join(c for c in text if c.isalnum())


def code_digest(code: str) -> str:
    return salted_hmac("fazhan.applicants.code", code_normalize(code)).hexdigest()


def code_display(code: str) -> str:
    """`ABCD2345` → `ABCD-2345`."""
    code = code_normalize(code)
    return f"{code[:4]}-{code[4:]}"


@transaction.atomic
def code_issue(*, actor, org: Org, now: datetime.datetime | None = None) -> tuple[InviteCode, str]:
    """A new one-time code for the branch: the record, and the code in clear, which is shown this once (only
    its keyed digest is kept, so nobody can read it back)."""
    if not org.is_branch:
        raise ValidationError({"org": _(ERR_NOT_BRANCH) % {"org": org.name}})
    _may_act(actor, org)
    now = now or timezone.now()
    clear = "".join(secrets.choice(CODE_ALPHABET) for _n in range(CODE_LENGTH))
    invite = InviteCode.objects.create(
        org=org,
        digest=code_digest(clear),
        hint=clear[-4:],
        issued_by=actor if getattr(actor, "pk", None) else None,
        issued_at=now,
        expires_at=now + datetime.timedelta(days=settings.FAZHAN_APPLICANT_CODE_DAYS),
    )
    audit_record(
        actor=actor,
        action="applicant.code_issue",
        target=invite,
        org=org,
        data={"hint": invite.hint, "expires_at": invite.expires_at.isoformat()},
    )
    return invite, clear


def code_find(*, code: str, address: str, now: datetime.datetime | None = None) -> InviteCode:
    """The code's record if it can still open registration; each wrong code spends one of the address's
    tries of the hour."""
    key = _rate_check(address)
    invite = InviteCode.objects.select_related("org").filter(digest=code_digest(code)).first()
    now = now or timezone.now()
    if invite is None or len(code_normalize(code)) != CODE_LENGTH:
        _rate_spend(key)
        raise ValidationError({"code": _(ERR_CODE)})
    if invite.used_at is not None:
        raise ValidationError({"code": _(ERR_CODE_USED)})
    if invite.expires_at <= now:
        day = date_cn(timezone.localtime(invite.expires_at).date())
        raise ValidationError({"code": _(ERR_CODE_EXPIRED) % {"d": day}})
    return invite


# --- registration and sign-in -----------------------------------------------------------------------------


def _registration_errors(
    *, name: str, phone: str, ethnicity: str, education: str, occupation: str, pin: str, pin_again: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _(ERR_NAME)
    elif len(name) > 60:
        errors["name"] = _(ERR_NAME_LONG)
    if not PHONE_RE.fullmatch(phone):
        errors["phone"] = _(ERR_PHONE)
    if ethnicity not in ETHNICITIES:
        errors["ethnicity"] = _(ERR_ETHNICITY)
    if education not in Education.values:
        errors["education"] = _(ERR_EDUCATION)
    if occupation not in Occupation.values:
        errors["occupation"] = _(ERR_OCCUPATION)
    if not PIN_RE.fullmatch(pin):
        errors["pin"] = _(ERR_PIN)
    elif pin != pin_again:
        errors["pin_again"] = _(ERR_PIN_AGAIN)
    return errors


def applicant_register(
    *,
    code: str,
    name: str,
    id_number: str,
    phone: str,
    education: str,
    occupation: str,
    pin: str,
    pin_again: str,
    address: str,
    ethnicity: str = "汉族",
    honeypot: str = "",
    now: datetime.datetime | None = None,
) -> Applicant:
    """Register the applicant the code was handed to, with the branch it was issued for; the code is used up.
    The birth date and sex come from the ID number (people.idnumber, as the person form takes them).

    The tries are counted in the database cache (settings.CACHES), so a robot's or a wrong code's try is
    spent before the transaction that registers: refusing it rolls nothing of it back."""
    if honeypot:
        _rate_spend(_rate_check(address))
        raise ValidationError(_(ERR_REFUSED))
    invite = code_find(code=code, address=address, now=now)
    with transaction.atomic():
        return _applicant_store(
            invite=invite,
            name=name,
            id_number=id_number,
            phone=phone,
            education=education,
            occupation=occupation,
            pin=pin,
            pin_again=pin_again,
            ethnicity=ethnicity,
            now=now,
        )


def _applicant_store(
    *,
    invite: InviteCode,
    name: str,
    id_number: str,
    phone: str,
    education: str,
    occupation: str,
    pin: str,
    pin_again: str,
    ethnicity: str,
    now: datetime.datetime | None,
) -> Applicant:
    invite = InviteCode.objects.select_for_update().select_related("org").get(pk=invite.pk)
    if invite.used_at is not None:  # used by another request since
        raise ValidationError({"code": _(ERR_CODE_USED)})
    name, phone = " ".join((name or "").split()), (phone or "").strip()
    errors = _registration_errors(
        name=name,
        phone=phone,
        ethnicity=ethnicity,
        education=education,
        occupation=occupation,
        pin=pin or "",
        pin_again=pin_again or "",
    )
    try:
        parsed = id_number_parse(id_number)
    except IdNumberError as exc:
        errors["id_number"] = str(exc)
    else:
        if Applicant.objects.filter(id_number_key=id_number_key(parsed.number)).exists():
            errors["id_number"] = _(ERR_ID_REGISTERED)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            applicant = Applicant.objects.create(
                org=invite.org,
                code=invite,
                name=name,
                id_number=parsed.number,
                id_number_key=id_number_key(parsed.number),
                birth_date=parsed.birth_date,
                gender=parsed.gender,
                ethnicity=ethnicity,
                phone=phone,
                education=education,
                occupation=occupation,
                pin_hash=make_password(pin),
                registered_at=now,
            )
    except IntegrityError:
        raise ValidationError({"id_number": _(ERR_ID_REGISTERED)}) from None
    invite.used_at = now
    invite.save(update_fields=["used_at"])
    audit_record(
        actor=None,
        action="applicant.register",
        target=applicant,
        org=invite.org,
        data={"code": invite.pk, "hint": invite.hint},
        seal=[invite],  # now used
    )
    return applicant


def applicant_sign_in(
    *, id_number: str, pin: str, address: str, now: datetime.datetime | None = None
) -> Applicant:
    """The applicant whose ID number and PIN these are. A wrong pair spends one of the address's tries of the
    hour; wrong PINs past the setting's count lock the record for the lock's minutes (the trail notes it)."""
    key = _rate_check(address)
    now = now or timezone.now()
    try:
        number = id_number_parse(id_number).number
    except IdNumberError:
        _rate_spend(key)
        raise ValidationError(_(ERR_SIGN_IN)) from None
    with transaction.atomic():
        applicant = (
            Applicant.objects.select_for_update()
            .select_related("org")
            .filter(id_number_key=id_number_key(number))
            .first()
        )
        if applicant is not None and applicant.locked_until and applicant.locked_until > now:
            raise ValidationError(_(ERR_LOCKED) % {"m": settings.FAZHAN_APPLICANT_LOCK_MINUTES})
        if applicant is not None and check_password(pin or "", applicant.pin_hash):
            if applicant.failed_pins:
                applicant.failed_pins, applicant.locked_until = 0, None
                applicant.save(update_fields=["failed_pins", "locked_until"])
            return applicant
        if applicant is not None:
            _pin_failed(applicant, now)
    _rate_spend(key)
    raise ValidationError(_(ERR_SIGN_IN))


def _pin_failed(applicant: Applicant, now: datetime.datetime) -> None:
    applicant.failed_pins += 1
    if applicant.failed_pins >= settings.FAZHAN_APPLICANT_PIN_TRIES:
        applicant.failed_pins = 0
        applicant.locked_until = now + datetime.timedelta(minutes=settings.FAZHAN_APPLICANT_LOCK_MINUTES)
        audit_record(
            actor=None,
            action="applicant.locked",
            target=applicant,
            org=applicant.org,
            data={"until": applicant.locked_until.isoformat()},
        )
    applicant.save(update_fields=["failed_pins", "locked_until"])


@transaction.atomic
def applicant_sign_out(*, applicant: Applicant) -> None:
    """Ends every sign-in of the applicant (their cookies carry the epoch that this moves on)."""
    Applicant.objects.filter(pk=applicant.pk).update(epoch=applicant.epoch + 1)


# --- submissions ------------------------------------------------------------------------------------------


def photo_normalize(content: bytes) -> bytes:
    """The picture alone, re-encoded as a JPEG within PHOTO_BOX; a file that is no JPG or PNG by its
    content (whatever its name says) is refused."""
    if not content:
        raise ValidationError({"photo": _(ERR_PHOTO)})
    if len(content) > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": _(ERR_PHOTO_SIZE)})
    try:
        with Image.open(io.BytesIO(content)) as probe:
            if probe.format not in PHOTO_FORMATS:
                raise ValidationError({"photo": _(ERR_PHOTO_TYPE)})
            probe.verify()
        with Image.open(io.BytesIO(content)) as image:
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({"photo": _(ERR_PHOTO_TYPE)}) from None
    picture.thumbnail(PHOTO_BOX)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85)
    return out.getvalue()


@transaction.atomic
def submission_submit(
    *, applicant: Applicant, text: str, photo: bytes, now: datetime.datetime | None = None
) -> Submission:
    """The applicant's written application: refused while another waits or once one was accepted."""
    applicant = Applicant.objects.select_for_update().select_related("org").get(pk=applicant.pk)
    states = set(applicant.submissions.values_list("state", flat=True))
    if SubmissionState.ACCEPTED in states:
        raise ValidationError(_(ERR_ACCEPTED))
    if SubmissionState.SUBMITTED in states:
        raise ValidationError(_(ERR_PENDING))
    text = (text or "").strip()
    if len(text) < TEXT_MIN:
        raise ValidationError({"text": _(ERR_TEXT) % {"n": TEXT_MIN}})
    if len(text) > TEXT_MAX:
        raise ValidationError({"text": _(ERR_TEXT_LONG) % {"n": TEXT_MAX, "m": len(text)}})
    image = photo_normalize(photo)
    digest = hashlib.sha256(image).hexdigest()
    submission = Submission.objects.create(
        applicant=applicant,
        text=text,
        photo=image,
        photo_sha256=digest,
        submitted_at=now or timezone.now(),
    )
    audit_record(
        actor=None,
        action="applicant.submit",
        target=submission,
        org=applicant.org,
        data={"applicant": applicant.pk, "photo_sha256": digest},
    )
    return submission


def _locked_undecided(submission: Submission, to: str) -> Submission:
    submission = Submission.objects.select_for_update().select_related("applicant__org").get(pk=submission.pk)
    if to not in TRANSITIONS[submission.state]:
        raise ValidationError(_(ERR_DECIDED) % {"state": submission.get_state_display()})
    return submission


def _person_for(actor, applicant: Applicant) -> Person:
    """The person the record knows by the applicant's ID number, else a new one in the applicant's branch
    (people.services: the number checked and looked up as every person's is)."""
    known = person_filter_by_id_number(Person.objects.select_related("org"), applicant.id_number).first()
    if known is not None:
        if known.party_status:
            raise ValidationError(_(ERR_PERSON_MEMBER))
        if known.org_id != applicant.org_id:
            raise ValidationError(_(ERR_PERSON_ELSEWHERE) % {"org": known.org.name})
        return known
    data = {
        "name": applicant.name,
        "ethnicity": applicant.ethnicity,
        "education": applicant.education,
        "occupation": applicant.occupation,
        "phone": applicant.phone,
        "org": applicant.org,
        "party_status": PartyStatus.CANDIDATE,
    }
    return person_create(actor=actor, id_number=applicant.id_number, data=data)


@transaction.atomic
def submission_accept(*, actor, submission: Submission) -> StepRecord:
    """The branch has the signed paper in hand: the applicant becomes a person of the branch (if the record
    does not know them yet) and their case opens with S01 dated today, through the one step service, so
    every rule applies (ELIG-AGE, ELIG-NAT…); refused, nothing is written."""
    submission = _locked_undecided(submission, SubmissionState.ACCEPTED)
    applicant = submission.applicant
    _may_act(actor, applicant.org)
    person = _person_for(actor, applicant)
    case = case_apply(actor=actor, person=person, date=timezone.localdate())
    record = case.steps.get(step=Anchor.APPLICATION, superseded_by__isnull=True)
    submission.state, submission.step_record = SubmissionState.ACCEPTED, record
    submission.decided_by = actor if getattr(actor, "pk", None) else None
    submission.decided_at = timezone.now()
    submission.save(update_fields=["state", "step_record", "decided_by", "decided_at"])
    applicant.person = person
    applicant.save(update_fields=["person"])
    audit_record(
        actor=actor,
        action="applicant.accept",
        target=submission,
        org=applicant.org,
        data={"person": person.pid, "case": case.pk, "record": record.pk, "date": record.date.isoformat()},
        seal=[applicant],  # now linked to the person
    )
    return record


@transaction.atomic
def submission_return(*, actor, submission: Submission, reason: str) -> Submission:
    """Back to the applicant with the reason they read; they may submit again."""
    submission = _locked_undecided(submission, SubmissionState.RETURNED)
    _may_act(actor, submission.applicant.org)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _(ERR_REASON)})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _(ERR_REASON_LONG) % {"n": REASON_MAX}})
    submission.state, submission.return_reason = SubmissionState.RETURNED, reason
    submission.decided_by = actor if getattr(actor, "pk", None) else None
    submission.decided_at = timezone.now()
    submission.save(update_fields=["state", "return_reason", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="applicant.return",
        target=submission,
        org=submission.applicant.org,
        data={"applicant": submission.applicant_id},
    )
    return submission
