"""Import and export from the web: upload, a preview of the problems or of what would change, confirm."""

import hashlib

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fazhan.accounts.models import CASE_ROLES
from fazhan.accounts.selectors import user_case_paths, user_roles, user_sees_id_number
from fazhan.auditlog.services import audit_record
from fazhan.core.excel import XLSX, file_response, streamed_response
from fazhan.interchange.diff import RECORD_LABELS
from fazhan.interchange.forms import UploadForm
from fazhan.interchange.jobs import import_start
from fazhan.interchange.ledger import ROSTERS, ledger_table, ledger_template_bytes, roster_table
from fazhan.interchange.models import ImportUpload
from fazhan.interchange.selectors import (
    interchange_export_streamed,
    interchange_lines,
    upload_sources,
    user_import_paths,
)
from fazhan.interchange.services import interchange_check
from fazhan.interchange.uploads import import_uploads_purge
from fazhan.organizations.models import Org, OrgKind
from fazhan.organizations.selectors import org_get_for_user


def _upload_for_user(request, upload_id: int) -> ImportUpload:
    if not user_import_paths(request.user):
        raise PermissionDenied
    return get_object_or_404(
        ImportUpload,
        pk=upload_id,
        user=request.user,
        imported_at__isnull=True,
        content_deleted_at__isnull=True,
    )


def _roots(user) -> list[Org]:
    return list(Org.objects.filter(path__in=user_case_paths(user)).order_by("path"))


def interchange_home(request):
    if not user_roles(request.user) & CASE_ROLES:
        raise PermissionDenied
    can_import = bool(user_import_paths(request.user))
    form = UploadForm()
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            import_uploads_purge(actor=request.user)  # the files kept past their time go first
            data = form.cleaned_data["file"].read()
            upload = ImportUpload.objects.create(
                user=request.user,
                filename=form.cleaned_data["file"].name[:200],
                content=data,
                sha256=hashlib.sha256(data).hexdigest(),
            )
            return redirect("interchange:preview", upload_id=upload.pk)
    context = {"form": form, "can_import": can_import, "roots": _roots(request.user), "rosters": ROSTERS}
    return render(request, "interchange/home.html", context)


def _counts_table(counts: dict[str, dict[str, int]]) -> list[tuple[str, dict[str, int]]]:
    return [(str(RECORD_LABELS.get(kind, kind)), c) for kind, c in counts.items()]


def upload_preview(request, upload_id: int):
    upload = _upload_for_user(request, upload_id)
    parsed = upload_sources(upload)
    report, _plan = interchange_check(
        parsed.sources,
        parsed.problems,
        notes=parsed.notes,
        scope=user_import_paths(request.user),
        judge=True,
        actor=request.user,
    )
    context = {"upload": upload, "report": report, "counts": _counts_table(report.counts)}
    return render(request, "interchange/preview.html", context)


@require_POST
def upload_confirm(request, upload_id: int):
    """Import the stored upload on a background job (read again there: what the browser sends is never
    trusted), and follow it on the job's page."""
    upload = _upload_for_user(request, upload_id)
    job = import_start(actor=request.user, upload=upload)
    return redirect("jobs:detail", job.pk)


def interchange_download(request):
    """The user's subtree as JSON Lines, the ledger, a roster, or the empty template; ID numbers and phones
    masked unless the user's role sees them."""
    kind = request.GET.get("format", "jsonl")
    roots = _roots(request.user)
    if kind == "template":
        within = Q(pk__in=[])
        for r in roots:
            within |= Q(path__startswith=r.path)
        branches = Org.objects.filter(within, kind__in=(OrgKind.BRANCH, OrgKind.GENERAL_BRANCH))
        content = ledger_template_bytes(list(branches.order_by("path")))
        return _file(content, "发展党员工作台账模板.xlsx", XLSX)
    if not roots:
        raise PermissionDenied
    root = org_get_for_user(request.user, request.GET["org"]) if request.GET.get("org") else roots[0]

    def mask(person) -> bool:
        return not user_sees_id_number(request.user, person.org)

    audit_record(
        actor=request.user,
        action="interchange.export",
        org=root,
        data={"format": kind, "org": root.code, "clear_id_numbers": user_sees_id_number(request.user, root)},
    )
    stamp = timezone.localdate().isoformat()
    if kind == "xlsx":
        # Written as read to a temporary file and sent from it: the ledger of a district is never held whole.
        table = ledger_table(root=root, mask=mask)
        return streamed_response([table], f"{root.name}发展党员工作台账-{stamp}.xlsx")
    if kind in ROSTERS:
        title = str(ROSTERS[kind][0])
        table = roster_table(kind, root=root, mask=mask)
        return streamed_response([table], f"{root.name}{title}-{stamp}.xlsx")
    # Read in chunks: what is held is the file's text, never every record as objects besides it.
    content = b"".join(
        line.encode() for line in interchange_lines(interchange_export_streamed(root=root, mask=mask))
    )
    return _file(content, f"fazhan-{root.code}-{stamp}.jsonl", "application/x-ndjson")


def _file(content: bytes, filename: str, content_type: str):
    return file_response(content, filename, content_type)
