"""The whole file of a person as one ZIP: every attachment (superseded ones too: nothing is dropped) and an
index.csv listing each file with its step, date, material and SHA-256."""

import csv
import io
import tempfile
import zipfile
from typing import IO

from django.utils.translation import gettext as _

from fazhan.archive.blobs import blob_path
from fazhan.archive.models import Attachment
from fazhan.procedure.definition import MATERIALS, STEPS_BY_CODE

INDEX_HEADERS = (
    "文件",
    "步骤",
    "步骤名称",
    "日期",
    "材料代码",
    "材料",
    "原文件名",
    "大小（字节）",
    "SHA-256",
    "上传人",
    "上传时间",
    "状态",
    "替换原因",
)


def zip_member_name(n: int, attachment: Attachment) -> str:
    record = attachment.record
    return f"{n:03d}-{record.step}-{record.date.isoformat()}-{attachment.material}.{attachment.kind}"


def _index_row(name: str, a: Attachment) -> list[str]:
    step = STEPS_BY_CODE[a.record.step]
    return [
        name,
        step.code,
        str(step.name),
        a.record.date.isoformat(),
        a.material,
        str(MATERIALS.get(a.material, a.material)),
        a.original_name,
        str(a.size),
        a.sha256,
        str(a.uploaded_by or ""),
        a.uploaded_at.isoformat(timespec="seconds"),
        _("已替换") if getattr(a, "is_superseded", False) else _("现行"),
        a.reason,
    ]


def person_zip(attachments: list[Attachment]) -> IO[bytes]:
    """A temporary file holding the ZIP (scans can be large: not built in memory), rewound for reading."""
    out = tempfile.TemporaryFile()  # noqa: SIM115  (handed to FileResponse, which closes it)
    index = io.StringIO()
    writer = csv.writer(index)
    writer.writerow([_(h) for h in INDEX_HEADERS])
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for n, attachment in enumerate(attachments, start=1):
            name = zip_member_name(n, attachment)
            path = blob_path(attachment.sha256)
            if path.exists():
                archive.write(path, name)
            else:  # a blob lost from the disk: the index says so rather than the download failing
                name = _("（文件缺失）") + name
            writer.writerow(_index_row(name, attachment))
        archive.writestr("index.csv", "\ufeff" + index.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    out.seek(0)
    return out
