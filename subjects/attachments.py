"""Attachments of a subject in the project library (立项依据、可研报告、合同……), through the one attachment mechanism
(core/attachments.py): added and removed by whoever may edit the subject (its preparer while it is a draft or
returned), each change audited; read by whoever reads the subject, through the gate. The subject API lists them
with their gated download addresses (subjects/api.py)."""

from __future__ import annotations

from core.attachments import Attachments
from subjects.models import Subject, SubjectAttachment
from workflow import guards

ATTACHMENTS = Attachments(
    model=SubjectAttachment,
    parent_field="subject",
    label="附件",
    can_change=guards.can_edit,
    refused="只有项目的填报人在草稿或退回修改时可以上传、删除附件",
    url_prefix="subjects:attachment",
    anchor="attachments",
    form_id="attachment-form",
    fields=("kind", "note", "file"),
    hint="立项依据、可行性研究报告、合同等；PDF、OFD、Word、WPS、Excel、ZIP、图片；提交后不能再增删",
    parent_queryset=lambda: Subject.objects.select_related("chain"),
)
