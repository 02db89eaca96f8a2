"""Import and export of the organisation tree (机构) through the Excel import framework.

A row is matched to an existing organisation by (行政区划, 预算编码), or by (行政区划, 机构名称) when it
has no budget code; otherwise it creates one. A parent is named by its budget code or its name (or
both, which the export writes) and may be another row of the same file, above or below: rows are
applied parents first. Only organisations and regions within the system administrator's reach
(``core.access`` action "manage") can be named or changed.
"""

from __future__ import annotations

import copy
from collections import defaultdict

from django.core.exceptions import ValidationError

from accounts.roles import Action
from core import access, services
from imports.framework import Column, Importer, Row, RowError, register
from imports.parsers import Boolean, Choice, Text
from organisations.choices import OrgKind, SectionKind
from organisations.forms import reachable_regions
from organisations.models import Organisation

KIND = Choice(OrgKind)
SECTION = Choice(SectionKind)
PLAIN_FIELDS = ("name", "short_name", "kind", "section_kind", "budget_code", "credit_code", "contact", "phone")


@register
class OrganisationImporter(Importer):
    kind = "organisations"
    title = "机构"
    sheet_name = "机构"
    model = Organisation
    export_title = "机构树"
    list_url_name = "organisations:list"
    import_url_name, template_url_name, export_url_name = (
        "organisations:import",
        "organisations:import_template",
        "organisations:export_tree",
    )
    columns = [
        Column(
            "机构名称",
            "name",
            Text(200),
            required=True,
            example="示范市教育局",
            note="没有预算编码的机构按“行政区划 + 机构名称”匹配已有机构",
        ),
        Column("简称", "short_name", Text(60), example="示范教育"),
        Column("机构类型", "kind", KIND, required=True, example="主管部门"),
        Column("科室类别", "section_kind", SECTION, note="仅财政局科室填写"),
        Column(
            "行政区划代码",
            "region_code",
            Text(6),
            required=True,
            text=True,
            example="990100",
            note="6 位区划代码，须在您的管理范围内",
        ),
        Column(
            "上级机构名称",
            "parent_name",
            Text(200),
            note="上级机构可以是本文件中的另一行（上下顺序不限）；与“上级预算编码”填一项即可，都不填表示没有上级机构",
        ),
        Column(
            "上级预算编码",
            "parent_code",
            Text(30),
            text=True,
            note="上级机构的预算编码；编码在多个区划重复时请同时填写上级机构名称",
        ),
        Column(
            "预算编码",
            "budget_code",
            Text(30),
            text=True,
            example="101",
            note="主管部门和预算单位必填，只能是数字；同一行政区划内已存在的编码将更新该机构",
        ),
        Column("统一社会信用代码", "credit_code", Text(18), text=True),
        Column("联系人", "contact", Text(50), example="张三"),
        Column("联系电话", "phone", Text(30), text=True, example="0531-12345678"),
        Column("启用", "is_active", Boolean(), example="是", note="留空时新机构默认启用，已有机构保持不变"),
    ]
    field_columns = {"region": ("region_code",), "parent": ("parent_code", "parent_name")}
    notes = [
        "机构类型可填：" + "、".join(KIND.labels) + "；科室类别可填：" + "、".join(SECTION.labels) + "。",
        "导出的机构树可以修改后直接重新导入；未修改的行不会产生任何变更。",
        "导入不会删除机构：文件中没有的机构保持不变。",
    ]

    # --- checking ---------------------------------------------------------------------------------
    def prepare(self) -> None:
        self.regions = {r.code: r for r in reachable_regions(self.user)}
        orgs = list(access.restrict(Organisation.objects.select_related("region"), self.user, Action.MANAGE))
        self.by_pk = {o.pk: o for o in orgs}
        self.db_index = _Index()
        for org in orgs:
            if org.parent_id in self.by_pk:
                org.parent = self.by_pk[org.parent_id]  # one instance per organisation: paths stay true
            self.db_index.add(org, org.region_id, org.budget_code, org.name)

    def validate_row(self, row: Row) -> None:
        region = self.regions.get(row["region_code"])
        if region is None:
            raise RowError(f"行政区划代码“{row['region_code']}”不存在或不在您的管理范围内", "region_code")
        row.data["region"] = region
        row.data["target"] = self._match(region, row.get("budget_code", ""), row["name"])

    def _match(self, region, code: str, name: str) -> Organisation | None:
        if code:
            found = self.db_index.get("code", region.pk, code)
            if found:
                return found[0]
        candidates = [o for o in self.db_index.get("name", region.pk, name) if not (code and o.budget_code)]
        if len(candidates) > 1:
            raise RowError(
                f"行政区划“{region.name}”内有 {len(candidates)} 个名为“{name}”的机构，"
                "无法确定要更新哪一个：请填写预算编码",
                "name",
            )
        return candidates[0] if candidates else None

    def validate_rows(self, rows: list[Row]) -> list[Row]:
        file_index, unique = _Index(), []
        seen_keys, self.targeted = {}, {}
        for row in rows:
            region, code = row.data["region"], row.get("budget_code", "")
            key = ("code", region.pk, code) if code else ("name", region.pk, row["name"])
            target = row.data["target"]
            earlier = seen_keys.get(key) or (self.targeted.get(target.pk) if target else None)
            if earlier:
                what = f"预算编码“{code}”" if code else f"机构名称“{row['name']}”"
                self.report(
                    row,
                    "budget_code" if code else "name",
                    f"与第 {earlier.number} 行重复：同一行政区划内{what}只能出现一次",
                )
                continue
            seen_keys[key] = row
            if target:
                self.targeted[target.pk] = row
            file_index.add(row, region.pk, code, row["name"])
            unique.append(row)
        self.file_index = file_index
        resolved = []
        for row in unique:
            try:
                self._resolve_parent(row)
            except RowError as exc:
                self.report_exception(row, exc)
            else:
                resolved.append(row)
        return self._parents_first(resolved)

    def _candidates(self, field: str, region_id, value: str) -> list[tuple]:
        """(organisation or None, file row or None) pairs; a row updating an organisation is one."""
        found = {}
        for row in self.file_index.get(field, region_id, value):
            found[("row", id(row))] = (row.data["target"], row)
        for org in self.db_index.get(field, region_id, value):
            row = self.targeted.get(org.pk)
            found[("row", id(row)) if row else ("org", org.pk)] = (org, row)
        return list(found.values())

    def _resolve_parent(self, row: Row) -> None:
        row.data["parent_given"] = row.has("parent_code") or row.has("parent_name")
        row.data["parent_row"] = row.data["parent_org"] = None
        code, name = row.get("parent_code", ""), row.get("parent_name", "")
        if not (code or name):
            return
        region_id = row.data["region"].pk

        def name_of(candidate):
            org, other = candidate
            return other["name"] if other else org.name

        if code:
            same, anywhere = self._candidates("code", region_id, code), self._candidates("code", None, code)
            hits = same or anywhere
            if name:
                hits = [c for c in same if name_of(c) == name] or [c for c in anywhere if name_of(c) == name]
                if not hits and anywhere:
                    actual = "、".join(sorted({name_of(c) for c in (same or anywhere)}))
                    raise RowError(
                        f"上级预算编码“{code}”对应的机构是“{actual}”，与上级机构名称“{name}”不一致", "parent_name"
                    )
            described, key = f"上级预算编码“{code}”", "parent_code"
        else:
            hits = self._candidates("name", region_id, name) or self._candidates("name", None, name)
            described, key = f"上级机构“{name}”", "parent_name"
        if not hits:
            raise RowError(f"{described}不存在或不在您的管理范围内：请先导入上级机构，或把它加入本文件", key)
        if len(hits) > 1:
            raise RowError(f"{described}对应 {len(hits)} 个机构，无法确定：请同时填写上级预算编码和上级机构名称", key)
        org, other = hits[0]
        if other is row or (org is not None and org == row.data["target"]):
            raise RowError("上级机构不能是本机构", key)
        row.data["parent_row"], row.data["parent_org"] = other, org

    def _parents_first(self, rows: list[Row]) -> list[Row]:
        ordered, state = [], {}
        for row in rows:
            chain, current = [], row
            while current is not None and id(current) not in state:
                state[id(current)] = "open"
                chain.append(current)
                current = current.data.get("parent_row")
            if current is not None and state[id(current)] == "open":
                loop = chain[chain.index(current) :]
                numbers = "、".join(str(r.number) for r in sorted(loop, key=lambda r: r.number))
                for member in loop:
                    self.report(
                        member,
                        "parent_code" if member.get("parent_code") else "parent_name",
                        f"上级机构关系形成循环（第 {numbers} 行）",
                    )
            for member in reversed(chain):
                state[id(member)] = "done"
                ordered.append(member)
        return ordered

    def check_row(self, row: Row) -> None:
        """The model's own rules, before anything is written. A row whose parent is another new row
        is checked without it here (its parent rules are checked when it is written, parents first)."""
        target, later = row.data["target"], row.data["parent_row"] is not None
        instance = copy.copy(target) if target else Organisation()
        for name, value in self._fields(row, None if later else row.data["parent_org"]).items():
            setattr(instance, name, value)
        try:
            instance.full_clean()
        except ValidationError as exc:
            errors = {k: v for k, v in exc.error_dict.items() if not (later and k in ("parent", "region"))}
            if errors:
                raise ValidationError(errors) from None

    def _fields(self, row: Row, parent) -> dict:
        fields = {name: row[name] for name in PLAIN_FIELDS if row.has(name)}
        fields["region"] = row.data["region"]
        if row.has("is_active") and row["is_active"] is not None:
            fields["is_active"] = row["is_active"]
        if row.data["parent_given"] or not row.data["target"]:
            fields["parent"] = parent
        return fields

    # --- writing ----------------------------------------------------------------------------------
    def apply_row(self, row: Row) -> str:
        parent = row.data["parent_org"]
        if row.data["parent_row"] is not None:
            parent = row.data["parent_row"].data.get("instance")
            if parent is None:
                raise RowError(f"上级机构（第 {row.data['parent_row'].number} 行）未能写入", "parent_code")
        fields = self._fields(row, parent)
        target = row.data["target"]
        if target is None:
            org = services.create_record(Organisation(**fields), reason=self.reason)
            self.by_pk[org.pk] = row.data["instance"] = org
            return "created"
        row.data["instance"] = target
        changed = {name: value for name, value in fields.items() if _differs(target, name, value)}
        if not changed:
            return "unchanged"
        services.update_record(target, changed, reason=self.reason)
        if "parent" in changed or "kind" in changed:
            # The organisation moved: its subtree's paths changed in the database; follow them here.
            for pk, path, department_id in Organisation.objects.filter(path__startswith=target.path).values_list(
                "pk", "path", "department_id"
            ):
                if pk in self.by_pk:
                    self.by_pk[pk].path, self.by_pk[pk].department_id = path, department_id
        return "updated"

    # --- export -----------------------------------------------------------------------------------
    def export_rows(self):
        orgs = access.restrict(Organisation.objects.select_related("region", "parent"), self.user, Action.EXPORT)
        for org in orgs.order_by("path", "pk"):
            yield {
                "name": org.name,
                "short_name": org.short_name,
                "kind": KIND.label(org.kind),
                "section_kind": SECTION.label(org.section_kind) if org.section_kind else "",
                "region_code": org.region.code,
                "parent_name": org.parent.name if org.parent_id else "",
                "parent_code": org.parent.budget_code if org.parent_id else "",
                "budget_code": org.budget_code,
                "credit_code": org.credit_code,
                "contact": org.contact,
                "phone": org.phone,
                "is_active": "是" if org.is_active else "否",
            }


def _differs(instance, name: str, value) -> bool:
    field = instance._meta.get_field(name)
    if field.is_relation:
        return getattr(instance, field.attname) != (value.pk if value is not None else None)
    return getattr(instance, name) != value


class _Index:
    """Organisations or file rows by (region, budget code) and (region, name); region None = anywhere."""

    def __init__(self):
        self.entries = defaultdict(list)

    def add(self, item, region_id, code: str, name: str) -> None:
        if code:
            self.entries[("code", region_id, code)].append(item)
            self.entries[("code", None, code)].append(item)
        self.entries[("name", region_id, name)].append(item)
        self.entries[("name", None, name)].append(item)

    def get(self, field: str, region_id, value: str) -> list:
        return self.entries.get((field, region_id, value), [])
