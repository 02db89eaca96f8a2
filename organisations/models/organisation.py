from django.core.exceptions import ValidationError
from django.db import models

from organisations.choices import BUDGETED_KINDS, OrgKind, SectionKind


class OrganisationQuerySet(models.QuerySet):
    def departments(self):
        return self.filter(kind=OrgKind.DEPARTMENT)

    def active(self):
        return self.filter(is_active=True)


class Organisation(models.Model):
    """Any organisation that takes part: bureau, section, department, unit, agency, provider…

    Organisations nest (a bureau's sections, a department's units, a unit's sub-units) and
    each sits in a region. ``path`` is a materialised path of ids ("/4/17/230/") so a
    department's subtree is one prefix filter. ``department`` points at the first-level
    budget unit (主管部门) the organisation belongs to, itself for a department.
    """

    name = models.CharField("名称", max_length=200)
    short_name = models.CharField("简称", max_length=60, blank=True)
    kind = models.CharField("类型", max_length=20, choices=OrgKind.choices)
    section_kind = models.CharField(
        "科室类别", max_length=20, choices=SectionKind.choices, blank=True, help_text="仅财政局科室填写"
    )
    region = models.ForeignKey(
        "organisations.Region", verbose_name="行政区划", on_delete=models.PROTECT, related_name="organisations"
    )
    parent = models.ForeignKey(
        "self", verbose_name="上级机构", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    budget_code = models.CharField("预算编码", max_length=30, blank=True, db_index=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    contact = models.CharField("联系人", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    department = models.ForeignKey(
        "self",
        verbose_name="所属主管部门",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = OrganisationQuerySet.as_manager()

    audit_fields = [
        "name",
        "short_name",
        "kind",
        "section_kind",
        "region",
        "parent",
        "budget_code",
        "credit_code",
        "contact",
        "phone",
        "is_active",
    ]
    # The access gate reads this: the organisation a record belongs to is itself.
    access_org_field = ""

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "budget_code"],
                condition=~models.Q(budget_code=""),
                name="org_budget_code_unique_in_region",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        kind = self.kind
        parent = self.parent if self.parent_id else None
        if kind == OrgKind.FINANCE_SECTION:
            if not self.section_kind:
                errors["section_kind"] = "财政局科室必须选择科室类别"
            if not parent or parent.kind != OrgKind.FINANCE_BUREAU:
                errors["parent"] = "财政局科室的上级机构必须是财政局"
        elif self.section_kind:
            errors["section_kind"] = "只有财政局科室才填写科室类别"
        if kind == OrgKind.UNIT and (not parent or parent.kind not in BUDGETED_KINDS):
            errors["parent"] = "预算单位的上级机构必须是主管部门或另一预算单位"
        if kind == OrgKind.DEPARTMENT and parent is not None:
            errors["parent"] = "主管部门是一级预算单位，不能有上级机构"
        if kind in BUDGETED_KINDS and not self.budget_code:
            errors["budget_code"] = "部门和预算单位必须填写预算编码"
        if self.budget_code and not self.budget_code.isdigit():
            errors["budget_code"] = "预算编码只能包含数字"
        if parent is not None:
            if self.region_id and parent.region_id != self.region_id and kind != OrgKind.UNIT:
                errors["region"] = "机构应与上级机构位于同一行政区划"
            if self.pk and (parent.pk == self.pk or f"/{self.pk}/" in parent.path):
                errors["parent"] = "上级机构不能是本机构或其下级"
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._refresh_path()

    def _refresh_path(self) -> None:
        parent_path = self.parent.path if self.parent_id else "/"
        path = f"{parent_path}{self.pk}/"
        if self.kind == OrgKind.DEPARTMENT:
            department_id = self.pk
        elif self.parent_id:
            department_id = self.parent.department_id
        else:
            department_id = None
        if path != self.path or department_id != self.department_id:
            old_path = self.path
            Organisation.objects.filter(pk=self.pk).update(path=path, department_id=department_id)
            self.path, self.department_id = path, department_id
            if old_path:
                for child in Organisation.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    child._refresh_path()

    def get_absolute_url(self):
        from core.links import detail_url

        return detail_url("organisations:detail", self.pk)

    @property
    def is_finance(self) -> bool:
        return self.kind in (OrgKind.FINANCE_BUREAU, OrgKind.FINANCE_SECTION)

    def bureau(self):
        """The finance bureau a section belongs to (or the bureau itself)."""
        if self.kind == OrgKind.FINANCE_SECTION:
            return self.parent
        return self if self.kind == OrgKind.FINANCE_BUREAU else None


class DeskResponsibility(models.Model):
    """A finance business desk (业务科室) is responsible for a set of departments."""

    desk = models.ForeignKey(
        Organisation,
        verbose_name="业务科室",
        on_delete=models.CASCADE,
        related_name="desk_responsibilities",
        limit_choices_to={"kind": OrgKind.FINANCE_SECTION},
    )
    department = models.ForeignKey(
        Organisation,
        verbose_name="主管部门",
        on_delete=models.CASCADE,
        related_name="responsible_desks",
        limit_choices_to={"kind": OrgKind.DEPARTMENT},
    )

    audit_fields = ["desk", "department"]
    access_org_field = "department"

    class Meta:
        verbose_name = "业务科室归口部门"
        verbose_name_plural = "业务科室归口部门"
        constraints = [models.UniqueConstraint(fields=["department"], name="one_desk_per_department")]

    def __str__(self) -> str:
        return f"{self.desk} → {self.department}"

    def clean(self) -> None:
        errors = {}
        if self.desk_id and self.desk.section_kind != SectionKind.DESK:
            errors["desk"] = "只有业务科室可以归口管理部门"
        if self.department_id and self.department.kind != OrgKind.DEPARTMENT:
            errors["department"] = "归口对象必须是主管部门"
        if self.desk_id and self.department_id and self.desk.region_id != self.department.region_id:
            errors["department"] = "业务科室只能归口同一行政区划的部门"
        if errors:
            raise ValidationError(errors)
