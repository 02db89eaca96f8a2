"""Files attached to a record (附件, 佐证材料): one model shape, one way to add, remove and download them.

* ``Attachment`` — the abstract model: the file's note, who uploaded it and when. A concrete attachment adds its
  parent's foreign key, its ``file`` field (``upload_to`` and extensions of its own, always with
  ``core.files.validate_upload_size``; the content check of ``core.files`` runs on every upload) and, if it sorts
  its files, a ``kind``.
* ``Attachments`` — the registration of one concrete attachment: its parent model and field, who may change the files
  (usually ``workflow.guards.can_edit``: the preparer while the document is a draft or returned), the Chinese name.
  Its ``add`` / ``remove`` are audited (core/services.py); its ``upload`` / ``delete`` / ``download`` views find the
  parent through the access gate (404 out of reach) and answer on the parent's page; ``panel`` gives the parent page
  what ``templates/core/_attachments.html`` shows (as ``attachment_panel``).

Used by every file attached to a record: the library's subject attachments (subjects/attachments.py), the ex-ante
assessment's evidence (assessments/evidence.py), the target sheet's attachments (targets/actions/attachments.py) and
the self-evaluation's evidence (evaluations/evidence.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit import trail
from audit.models import AuditAction
from core import access, files, services


class Attachment(models.Model):
    """The fields every attached file has besides its parent and its ``file``."""

    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return files.filename_of(self.file)

    @property
    def filename(self) -> str:
        return files.filename_of(self.file)


@dataclass(frozen=True)
class Attachments:
    model: type  # the concrete attachment model
    parent_field: str  # its foreign key to the parent record
    label: str  # e.g. 绩效目标附件, 佐证材料
    can_change: Callable  # (user, parent) -> bool
    refused: str  # the Chinese message when ``can_change`` is false
    url_prefix: str  # the parent app's URL names: "<prefix>_upload", "<prefix>_delete", "<prefix>" (download)
    anchor: str = "attachments"  # the panel's id on the parent page
    form_id: str = ""  # the upload form's id (default: the anchor + "-form")
    title: str = ""  # the panel's heading (default: the label)
    fields: tuple = ("note", "file")
    hint: str = "PDF、OFD、Word、WPS、Excel、ZIP、图片；提交后不能再增删"
    parent_queryset: Callable | None = None  # () -> the parent queryset the views fetch through the gate
    # A foreign key offered on the form is limited to the parent's own rows: {field: (parent) -> queryset}.
    choices: dict = field(default_factory=dict)
    choice_labels: dict = field(default_factory=dict)  # how such a row is named in the list: {field: (row) -> str}

    # --- actions ---------------------------------------------------------------------------------------------

    def _refuse(self, parent, user) -> PermissionDenied:
        trail.record(AuditAction.PERMISSION_DENIED, parent, actor=user, reason=self.refused)
        return PermissionDenied(self.refused)

    def add(self, parent, user, *, file, **values):
        """A new file (the model validates its type and size, with a Chinese message); audited."""
        if not self.can_change(user, parent):
            raise self._refuse(parent, user)
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
        item = self.model(**{self.parent_field: parent}, file=file, uploaded_by=user, **values)
        with transaction.atomic():
            services.create_record(item, reason=f"上传{self.label}：{files.filename_of(item.file)}")
        return item

    def remove(self, item, user) -> None:
        parent = getattr(item, self.parent_field)
        if not self.can_change(user, parent):
            raise self._refuse(parent, user)
        services.delete_record(item, reason=f"删除{self.label}：{item}")

    # --- pages -----------------------------------------------------------------------------------------------

    def form(self, parent, *args, **kwargs) -> forms.ModelForm:
        form_class = forms.modelform_factory(
            self.model, fields=list(self.fields), widgets={"note": forms.TextInput(attrs={"placeholder": "说明"})}
        )
        form = form_class(*args, **kwargs)
        for name, rows in self.choices.items():
            form.fields[name].queryset = rows(parent)
        for name, label in self.choice_labels.items():
            form.fields[name].label_from_instance = label
        return form

    def _parent(self, request, pk):
        queryset = (
            self.parent_queryset()
            if self.parent_queryset
            else self.model._meta.get_field(self.parent_field).related_model._default_manager.all()
        )
        return access.get_object_or_404(queryset, request.user, pk=pk)

    def _back(self, parent):
        return redirect(parent.get_absolute_url() + f"#{self.anchor}")

    def upload_view(self):
        @login_required
        @require_POST
        def upload(request, pk):
            parent = self._parent(request, pk)
            if not self.can_change(request.user, parent):
                raise Http404("无权上传")
            form = self.form(parent, request.POST, request.FILES)
            if not form.is_valid():
                messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
                return self._back(parent)
            try:
                added = self.add(parent, request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
            else:
                messages.success(request, f"已上传{self.label}：{added}")
            return self._back(parent)

        return upload

    def delete_view(self):
        @login_required
        @require_POST
        def delete(request, pk, attachment_pk):
            parent = self._parent(request, pk)
            item = self.model._default_manager.filter(**{self.parent_field: parent}, pk=attachment_pk).first()
            if item is None or not self.can_change(request.user, parent):
                raise Http404(f"没有{self.label}或无权删除")
            self.remove(item, request.user)
            messages.success(request, f"已删除{self.label}：{item}")
            return self._back(parent)

        return delete

    def serve(self, parent, attachment_pk):
        """The file ``attachment_pk`` of ``parent`` (already through the gate), as a download audited on ``parent``;
        404 when it is not one of ``parent``'s files. Also used by a page that reaches the parent through another
        record it is gated on (the re-check of a self-evaluation serves the form's evidence)."""
        item = self.model._default_manager.filter(**{self.parent_field: parent}, pk=attachment_pk).first()
        if item is None:
            raise Http404(f"没有{self.label}")
        return files.download(parent, item.file, what=self.label)

    def download_view(self):
        @login_required
        def download(request, pk, attachment_pk):
            return self.serve(self._parent(request, pk), attachment_pk)

        return download

    def panel(self, parent, user) -> dict:
        """The context of ``templates/core/_attachments.html`` for ``parent``'s page."""
        can_change = self.can_change(user, parent)
        return {
            "attachment_panel": {
                "items": self.model._default_manager.filter(**{self.parent_field: parent}).select_related(
                    "uploaded_by"
                ),
                "form": self.form(parent) if can_change else None,
                "label": self.label,
                "title": self.title or self.label,
                "anchor": self.anchor,
                "form_id": self.form_id or f"{self.anchor}-form",
                "hint": self.hint,
                "parent": parent,
                "upload": f"{self.url_prefix}_upload",
                "delete": f"{self.url_prefix}_delete",
                "download": self.url_prefix,
            }
        }
