"""The archive of a key evaluation (评价档案, seed 003 第四十一条; seed 004 三(九)2).

It holds the files of the categories of ``ArchiveCategory``: what the system generates from its own records
("归集档案": the work plan, the indicator system, the fee budget, the working group and expert list, the score
summary and site-visit records as working papers, the expert consultation notes, the questionnaires and their
responses, the report of record and the feedback letters, the filings) and what people upload (the contract scan,
basic data, verification material, working papers, expert opinions, how the results were published and used).

Each file carries the SHA-256 of the bytes stored, its size, and its retention class (seed 004 三(九)2: basic data
tables and reports 10 years, other material 5 years — ``LONG_RETENTION`` in keyevals/models.py), kept until the archive
date plus those years. Every download and every export of a file writes an ``ArchiveAccess`` row and an audit row.
"导出档案（ZIP）" builds one zip (on disk, never in memory) with the files in category folders and a manifest
(manifest.csv and manifest.json); each file's checksum is verified first, and a file whose bytes no longer match is
reported — the export is refused, never silently made. Downloads and exports are exports of the evaluation: an
agency needs finance's authorisation (keyevals/export_auth.py; the gate's Action.EXPORT). Once the evaluation is
archived (lifecycle step 归档) the archive is closed: nothing is added or removed.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Action, Role
from audit import trail
from audit.models import AuditAction
from core import access, clock, files, services, xlsx
from keyevals import lifecycle as keyeval_lifecycle
from keyevals.lifecycle import ORGANISER_ROLES
from keyevals.models import (
    LONG_RETENTION,
    ArchiveAccess,
    ArchiveCategory,
    ArchiveFile,
    EvaluationReport,
    KeyEvaluation,
    KeyStatus,
)
from workflow import guards
from workflow.models import ReviewStatus

LONG_YEARS = 10  # seed 004 三(九)2: 评价基础数据报表、评价报告等重要资料保存期限为10年
SHORT_YEARS = 5  # 其他资料保存5年
CHUNK = 64 * 1024
UPLOAD_EXTENSIONS = ("pdf", "ofd", "doc", "docx", "wps", "xls", "xlsx", "et", "csv", "zip", "jpg", "jpeg", "png")
CLOSED = "评价已归档，档案不能再增删"
NO_EXPORT = "未经财政部门授权，不能导出或下载本次评价的档案资料（seed 004 三(九)2）"
MANIFEST_FIELDS = [
    ("file", "文件"),
    ("category", "档案类别"),
    ("title", "名称"),
    ("size", "大小（字节）"),
    ("sha256", "SHA-256"),
    ("retention_years", "保存期限（年）"),
    ("retain_until", "保存至"),
    ("added_by", "归档人"),
    ("added_at", "归档时间"),
    ("generated", "系统生成"),
]


# ---------------------------------------------------------------------------------------------- retention


def retention_years(category: str) -> int:
    """seed 004 三(九)2: basic data tables and reports 10 years, everything else 5."""
    return LONG_YEARS if category in LONG_RETENTION else SHORT_YEARS


def retain_until(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def sha256_of(fieldfile) -> tuple[str, int]:
    """The SHA-256 and size of the bytes stored for ``fieldfile``."""
    digest, size = hashlib.sha256(), 0
    with fieldfile.storage.open(fieldfile.name, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# ---------------------------------------------------------------------------------------------- who may


def is_organiser(user, evaluation) -> bool:
    return guards.holds_role_over(user, evaluation, ORGANISER_ROLES)


def may_change(user, evaluation) -> bool:
    """The organising office, or the commissioned agency (it keeps the archive and hands it over, seed 004 三(九)2),
    while the evaluation is not archived."""
    if evaluation.status == KeyStatus.ARCHIVED:
        return False
    if is_organiser(user, evaluation):
        return True
    return bool(evaluation.agency_id) and guards.holds_role_over(user, evaluation, {Role.AGENCY})


def may_export(user, evaluation) -> bool:
    return access.can(user, Action.EXPORT, evaluation)


def _refuse(obj, user, message: str) -> PermissionDenied:
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=message)
    return PermissionDenied(message)


# ---------------------------------------------------------------------------------------------- adding files


def _store(user, evaluation, *, category, title, content, filename, generated) -> ArchiveFile:
    if category not in ArchiveCategory.values:
        raise ValidationError({"category": "请选择档案类别"})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "请填写档案名称"})
    years = retention_years(category)
    today = clock.today()
    item = ArchiveFile(
        evaluation=evaluation,
        category=category,
        title=title[:200],
        retention_years=years,
        retain_until=retain_until(today, years),
        generated=generated,
        added_by=user,
        added_at=clock.now(),
        sha256="0" * 64,
    )
    item.file.save(filename, content, save=False)
    try:
        # The checksum of what the storage holds, not of what was sent.
        item.sha256, item.size = sha256_of(item.file)
        with transaction.atomic():
            services.create_record(item, reason=f"归档{ArchiveCategory(category).label}：{item.title}")
    except Exception:
        item.file.storage.delete(item.file.name)
        raise
    return item


def upload(user, evaluation, *, category: str, title: str, upload) -> ArchiveFile:
    """A file people add (contract scan, basic data, verification material …); checked like every upload."""
    if evaluation.status == KeyStatus.ARCHIVED:
        raise ValidationError(CLOSED)
    if not may_change(user, evaluation):
        raise _refuse(evaluation, user, "只有组织单位或受托第三方机构可以归档材料")
    if upload is None:
        raise ValidationError({"file": "请选择要归档的文件"})
    if files.extension_of(upload.name) not in UPLOAD_EXTENSIONS:
        raise ValidationError({"file": f"只能归档 {files.allowed_label(UPLOAD_EXTENSIONS)} 文件"})
    files.validate_upload_size(upload)
    files.validate_upload_content(upload, UPLOAD_EXTENSIONS)
    return _store(
        user,
        evaluation,
        category=category,
        title=title or os.path.splitext(upload.name)[0],
        content=upload,
        filename=upload.name,
        generated=False,
    )


def remove(user, item: ArchiveFile) -> None:
    evaluation = item.evaluation
    if evaluation.status == KeyStatus.ARCHIVED:
        raise ValidationError(CLOSED)
    if not may_change(user, evaluation):
        raise _refuse(evaluation, user, "只有组织单位或受托第三方机构可以删除档案材料")
    name = item.file.name
    services.delete_record(item, reason=f"删除档案：{item.title}")
    transaction.on_commit(lambda: item.file.storage.delete(name))


# ---------------------------------------------------------------------------------------------- 归集档案


@dataclass
class Collected:
    added: list = field(default_factory=list)
    replaced: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # what could not be generated, and why

    @property
    def message(self) -> str:
        parts = [f"归集 {len(self.added) + len(self.replaced)} 份系统生成的材料"]
        if self.replaced:
            parts.append(f"其中 {len(self.replaced)} 份按最新数据重新生成")
        if self.missing:
            parts.append("未生成：" + "；".join(self.missing))
        return "，".join(parts)


def collect(user, evaluation) -> Collected:
    """归集档案: generate the material the system holds and put it in the archive; a generated file collected before
    is replaced by the newest one (uploaded files are never touched)."""
    from keyevals import archive_material

    if evaluation.status == KeyStatus.ARCHIVED:
        raise ValidationError(CLOSED)
    if not may_change(user, evaluation):
        raise _refuse(evaluation, user, "只有组织单位或受托第三方机构可以归集档案")
    result = Collected()
    documents, result.missing = archive_material.documents(evaluation)
    with transaction.atomic():
        for category, title, filename, content in documents:
            old = list(
                ArchiveFile.objects.filter(evaluation=evaluation, category=category, title=title, generated=True)
            )
            for item in old:
                name = item.file.name
                services.delete_record(item, reason=f"重新归集：{item.title}")
                transaction.on_commit(lambda name=name: ArchiveFile.file.field.storage.delete(name))
            item = _store(
                user,
                evaluation,
                category=category,
                title=title,
                content=ContentFile(content),
                filename=filename,
                generated=True,
            )
            (result.replaced if old else result.added).append(item)
    return result


# ---------------------------------------------------------------------------------------------- reading


def files_of(evaluation):
    return (
        ArchiveFile.objects.filter(evaluation=evaluation)
        .select_related("added_by")
        .annotate(access_count=Count("accesses"))
        .order_by("category", "pk")
    )


def check(item: ArchiveFile) -> str:
    """ "" when the stored bytes still have the recorded checksum, else what is wrong."""
    try:
        digest, size = sha256_of(item.file)
    except (FileNotFoundError, OSError):
        return f"{item.title}：文件缺失"
    if digest != item.sha256 or size != item.size:
        return f"{item.title}：校验值不符（归档时 {item.sha256[:12]}…，现为 {digest[:12]}…），文件可能已被改动"
    return ""


def _log(user, items, how: str) -> None:
    now = clock.now()
    ArchiveAccess.objects.bulk_create(
        [ArchiveAccess(archive_file=i, evaluation_id=i.evaluation_id, user=user, action=how, at=now) for i in items]
    )


def download(user, item: ArchiveFile):
    """One file, after its checksum is verified; the access is logged and audited."""
    evaluation = item.evaluation
    if not may_export(user, evaluation):
        raise _refuse(item, user, NO_EXPORT)
    problem = check(item)
    if problem:
        trail.record(AuditAction.EXPORT, item, actor=user, reason=f"下载档案被拒绝：{problem}")
        raise ValidationError(problem)
    with transaction.atomic():
        _log(user, [item], "download")
        trail.record(AuditAction.EXPORT, item, actor=user, reason=f"下载档案：{item.title}")
    from django.http import FileResponse

    return FileResponse(item.file.open("rb"), as_attachment=True, filename=files.filename_of(item.file))


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip() or "文件"


def manifest_rows(items, names: dict) -> list[dict]:
    return [
        {
            "file": names[i.pk],
            "category": i.get_category_display(),
            "title": i.title,
            "size": i.size,
            "sha256": i.sha256,
            "retention_years": i.retention_years,
            "retain_until": i.retain_until.isoformat(),
            "added_by": (i.added_by.name or i.added_by.username) if i.added_by_id else "",
            "added_at": timezone.localtime(i.added_at).strftime("%Y-%m-%d %H:%M:%S"),
            "generated": i.generated,
        }
        for i in items
    ]


def export_zip(user, evaluation):
    """The whole archive as one zip on disk (a temporary file, rewound) and its file name. Every file's checksum is
    verified first: any mismatch or missing file refuses the export with the list (ValidationError), audited."""
    if not may_export(user, evaluation):
        raise _refuse(evaluation, user, NO_EXPORT)
    items = list(files_of(evaluation))
    if not items:
        raise ValidationError("档案为空，请先归集或上传档案材料")
    problems = [p for p in (check(i) for i in items) if p]
    if problems:
        trail.record(AuditAction.EXPORT, evaluation, actor=user, reason="导出档案被拒绝：" + "；".join(problems)[:900])
        raise ValidationError(["以下档案文件校验失败，未导出：", *problems])
    order = {value: n for n, value in enumerate(ArchiveCategory.values, 1)}
    names, used = {}, set()
    for item in items:
        folder = f"{order[item.category]:02d}-{item.get_category_display()}"
        extension = os.path.splitext(item.file.name)[1].lower()
        base = _safe(item.title)
        name, n = f"{folder}/{base}{extension}", 2
        while name in used:
            name, n = f"{folder}/{base}（{n}）{extension}", n + 1
        used.add(name)
        names[item.pk] = name
    rows = manifest_rows(items, names)
    out = tempfile.TemporaryFile(prefix="jixiao-archive-", suffix=".zip")
    digests_again = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for item in items:
            digest = hashlib.sha256()
            with item.file.storage.open(item.file.name, "rb") as source, bundle.open(names[item.pk], "w") as target:
                for chunk in iter(lambda source=source: source.read(CHUNK), b""):
                    digest.update(chunk)
                    target.write(chunk)
            digests_again[item.pk] = digest.hexdigest()
        text = io.StringIO()
        writer = xlsx.CsvWriter(text)
        writer.writerow([label for _, label in MANIFEST_FIELDS])
        writer.writerows([[row[key] for key, _ in MANIFEST_FIELDS] for row in rows])
        bundle.writestr("manifest.csv", "\ufeff" + text.getvalue())
        bundle.writestr(
            "manifest.json",
            json.dumps(
                {
                    "evaluation": evaluation.title,
                    "organiser": evaluation.organiser.name,
                    "exported_at": timezone.localtime(clock.now()).strftime("%Y-%m-%d %H:%M:%S"),
                    "exported_by": user.name or user.username,
                    "files": rows,
                },
                ensure_ascii=False,
                indent=2,
            ),
        )
    changed = [i.title for i in items if digests_again[i.pk] != i.sha256]
    if changed:  # changed between the check and the copy
        out.close()
        raise ValidationError(["以下档案文件在导出过程中校验失败，未导出：", *changed])
    with transaction.atomic():
        _log(user, items, "export")
        trail.record(
            AuditAction.EXPORT,
            evaluation,
            actor=user,
            reason=f"导出档案（ZIP）：{len(items)} 份文件",
            changes={"文件数": [None, len(items)]},
        )
    out.seek(0)
    return out, f"{_safe(evaluation.title)}-评价档案.zip"


def accesses_of(evaluation, limit: int = 50):
    return (
        ArchiveAccess.objects.filter(evaluation=evaluation)
        .select_related("archive_file", "user")
        .order_by("-at", "-id")[:limit]
    )


# ---------------------------------------------------------------------------------------------- 归档


def finish(user, evaluation, version: int, reason: str = "") -> KeyEvaluation:
    """归档 (the lifecycle step): the evaluation concluded and its archive not empty; the archive is then closed."""
    return keyeval_lifecycle.run("archive", evaluation, user, version=version, reason=reason)


def may_finish(user, evaluation) -> bool:
    return keyeval_lifecycle.LIFECYCLE.may(user, evaluation, "archive")


def panel(evaluation, user) -> dict:
    """The archive card of the evaluation's page (templates/keyevals/_archive_panel.html)."""
    stats = ArchiveFile.objects.filter(evaluation=evaluation).aggregate(n=Count("pk"), size=Sum("size"))
    return {
        "evaluation": evaluation,
        "count": stats["n"] or 0,
        "size": stats["size"] or 0,
        "url": reverse("keyevals:archive", args=[evaluation.pk]),
        "closed": evaluation.status == KeyStatus.ARCHIVED,
        "may_change": may_change(user, evaluation),
        "report_approved": EvaluationReport.objects.filter(
            evaluation=evaluation, status=ReviewStatus.APPROVED
        ).exists(),
    }
