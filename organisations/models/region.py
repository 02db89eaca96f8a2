import re

from django.core.exceptions import ValidationError
from django.db import models

from organisations.choices import RegionLevel

CODE_RE = re.compile(r"^\d{6}$")


class Region(models.Model):
    """行政区划: a node of the region tree, identified by its 6-digit code.

    ``path`` is a materialised path of codes ("/370000/370300/370303/") so that
    "this region and everything below it" is a single indexed prefix filter.
    """

    code = models.CharField("区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("级次", choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)

    audit_fields = ["code", "name", "level", "parent"]
    access_region_field = ""
    access_public_read = True

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if not CODE_RE.match(self.code or ""):
            errors["code"] = "区划代码应为 6 位数字"
        if self.parent_id:
            if self.parent.level >= self.level:
                errors["level"] = f"级次应低于上级区划“{self.parent.name}”（{self.parent.get_level_display()}）"
            if self.pk and self.parent.path.find(f"/{self.code}/") >= 0:
                errors["parent"] = "上级区划不能是本区划或其下级"
        elif self.level and self.level != RegionLevel.PROVINCE and Region.objects.exclude(pk=self.pk).exists():
            # A top-level region other than a province is allowed only as the root of a deployment.
            if Region.objects.filter(parent__isnull=True).exclude(pk=self.pk).exists():
                errors["parent"] = "请选择上级区划"
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "/") + f"{self.code}/"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from core.links import detail_url

        return detail_url("organisations:region_detail", self.pk)

    def subtree(self):
        return Region.objects.filter(path__startswith=self.path)
