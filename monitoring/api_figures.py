"""API of the dual-monitoring figures (issue 5): stored execution figures, figures of a subject / department / unit /
region for any date (``as_of``, default today; ``fiscal_year``, default the year of ``as_of``), the light
thresholds, and a POST that starts a refresh (finance sections only). Everything reads through the gate."""

from __future__ import annotations

import datetime

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import access, api_input, clock
from core.api import ID_REGEX, GatedModelSerializer, GatedReadOnlyViewSet, GatedSerializer
from core.filters import GatedFilterSet
from monitoring import figures, rollup_store
from monitoring.models import ExecutionFigure, LightThresholds
from monitoring.views_dashboard import can_refresh, refresh_region, region_roots
from subjects.models import Subject


class ExecutionFigureSerializer(GatedModelSerializer):
    subject_code = serializers.CharField(source="subject.code", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    light_display = serializers.CharField(source="get_light_display", read_only=True)
    thresholds_version = serializers.IntegerField(
        source="thresholds.version",
        read_only=True,
        default=None,
        help_text="判定执行灯所用阈值的版本号（空为系统默认值）",
    )

    class Meta:
        model = ExecutionFigure
        fields = [
            "id",
            "subject",
            "subject_code",
            "subject_name",
            "fiscal_year",
            "as_of",
            "available",
            "paid",
            "execution_rate",
            "time_progress",
            "progress_ratio",
            "light",
            "light_display",
            "thresholds",
            "thresholds_version",
            "refreshed_at",
        ]


class ExecutionFigureFilterSet(GatedFilterSet):
    # By id, not a menu of every subject: a choice list would name subjects outside the user's reach.
    subject = filters.NumberFilter(field_name="subject_id", label="项目 id")

    class Meta:
        model = ExecutionFigure
        fields = ["subject", "fiscal_year", "as_of", "light"]


class ExecutionFigureViewSet(GatedReadOnlyViewSet):
    """Stored execution figures (``monitoring.figures.refresh``) of the subjects in reach."""

    api_description = "已计算的预算执行情况（按项目、日期）：预算数、已支付数、预算执行率、序时进度和执行灯。"

    queryset = ExecutionFigure.objects.select_related("subject", "thresholds").order_by("-as_of", "subject_id")
    serializer_class = ExecutionFigureSerializer
    filterset_class = ExecutionFigureFilterSet


class LightThresholdsSerializer(GatedModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True, default="全省默认")

    class Meta:
        model = LightThresholds
        fields = [
            "id",
            "region",
            "region_name",
            "version",
            "effective_from",
            "execution_red_below",
            "execution_yellow_below",
            "indicator_red_below",
            "indicator_yellow_below",
            "indicator_blue_from",
            "note",
            "created_at",
        ]


class LightThresholdsViewSet(GatedReadOnlyViewSet):
    """Every version of the light thresholds (readable by every signed-in user; set on the thresholds page)."""

    api_description = "执行灯、指标灯的阈值（各区划、各版本，只读）；在“阈值设置”页面修改。"

    queryset = LightThresholds.objects.select_related("region").order_by("region__path", "-version")
    serializer_class = LightThresholdsSerializer


def _d(value) -> str | None:
    """Decimals as strings, as the serializers give them (yuan to the fen, shares to four places)."""
    return None if value is None else str(value)


def _shares(obj, thresholds_id=None) -> dict:
    return {
        "execution_rate": _d(obj.execution_rate),
        "time_progress": _d(obj.time_progress),
        "progress_ratio": _d(obj.progress_ratio),
        "light": str(obj.light),
        "thresholds": thresholds_id,
    }


def _rollup(row) -> dict:
    return {
        "key": row.key,
        "name": row.name,
        "subjects": row.subjects,
        "available": _d(row.available),
        "paid": _d(row.paid),
        **_shares(row, row.thresholds.version_id if row.thresholds else None),
        "red": row.red,
        "yellow": row.yellow,
        "green": row.green,
    }


# --- the schema of the figures endpoints (documentation only; the views build plain dicts) ---------------------

AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description="截止日期（YYYY-MM-DD），默认今天")
FISCAL_YEAR = OpenApiParameter("fiscal_year", OpenApiTypes.INT, description="预算年度，默认截止日期所在年度")
DEPARTMENT = OpenApiParameter("department", OpenApiTypes.INT, description="只汇总该主管部门（机构 id）的项目")
REGION = OpenApiParameter("region", OpenApiTypes.INT, description="逐级汇总该区划（id）以下的区域；默认本人所在区划")
_MONEY = {"help_text": "元，精确到分（字符串）"}
_SHARE = {"help_text": "比例，四位小数（字符串），如 0.4567 即 45.67%"}


class FigureSharesSerializer(GatedSerializer):
    execution_rate = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True, **_SHARE)
    time_progress = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True, **_SHARE)
    progress_ratio = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True, **_SHARE)
    light = serializers.CharField(help_text="执行灯：red 红、yellow 黄、green 绿、none 无")
    thresholds = serializers.IntegerField(
        allow_null=True, help_text="判定执行灯所用的监控预警阈值版本（id，见 /api/light-thresholds/；空为系统默认值）"
    )


class SubjectFiguresSerializer(FigureSharesSerializer):
    subject = serializers.IntegerField(help_text="项目 id")
    code = serializers.CharField(help_text="项目编码")
    name = serializers.CharField(help_text="项目名称")
    fiscal_year = serializers.IntegerField()
    as_of = serializers.DateField()
    available = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True, **_MONEY)
    paid = serializers.DecimalField(max_digits=16, decimal_places=2, **_MONEY)
    budget_basis = serializers.CharField(help_text="可用预算的依据：已下达的预算指标，或财政安排的金额")


class RollupSerializer(FigureSharesSerializer):
    key = serializers.CharField(help_text="汇总对象的 id")
    name = serializers.CharField(help_text="部门、单位或区域名称")
    subjects = serializers.IntegerField(help_text="项目数")
    available = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True, **_MONEY)
    paid = serializers.DecimalField(max_digits=16, decimal_places=2, **_MONEY)
    red = serializers.IntegerField(help_text="红灯项目数")
    yellow = serializers.IntegerField(help_text="黄灯项目数")
    green = serializers.IntegerField(help_text="绿灯项目数")


def _rollups(name: str, **extra):
    return inline_serializer(
        name,
        {
            "fiscal_year": serializers.IntegerField(),
            "as_of": serializers.DateField(),
            **extra,
            "results": RollupSerializer(many=True),
        },
    )


TOTAL = inline_serializer(
    "FiguresTotal",
    {"fiscal_year": serializers.IntegerField(), "as_of": serializers.DateField(), "total": RollupSerializer()},
)


class FiguresViewSet(viewsets.ViewSet):
    """Execution figures for any date. ``GET …/{subject id}/`` one subject; ``…/total/``, ``…/departments/``,
    ``…/units/?department=``, ``…/regions/?region=`` the sums of the subjects in reach (paid ÷ available
    summed); ``POST …/refresh/`` (``as_of``) recomputes and stores the figures of the caller's region in the
    background — finance sections only."""

    lookup_value_regex = ID_REGEX
    api_description = "任一日期的预算执行情况：`GET …/{项目 id}/` 单个项目，`…/total/`、`…/departments/`、`…/units/`、`…/regions/` 为汇总；`as_of` 为截止日期（默认今天）。"

    def _dates(self, request) -> tuple[int, datetime.date]:
        raw = (api_input.body_dict(request).get("as_of") if request.method == "POST" else None) or (
            request.query_params.get("as_of")
        )
        try:
            as_of = datetime.date.fromisoformat(raw) if raw else clock.today()
        except (TypeError, ValueError):
            raise exceptions.ValidationError({"as_of": ["日期格式应为 YYYY-MM-DD"]}) from None
        year = request.query_params.get("fiscal_year", "")
        if year and not (len(year) == 4 and year.isascii() and year.isdigit()):
            raise exceptions.ValidationError({"fiscal_year": ["预算年度应为四位数字"]})
        return (int(year) if year else as_of.year), as_of

    def _selection(self, request, year: int, as_of: datetime.date) -> rollup_store.Selection:
        """The subjects in reach (of ``department`` when given), summed from the stored roll-ups of a refreshed
        date, as the dashboard does."""
        selection = rollup_store.Selection(request.user, year, as_of)
        department = request.query_params.get("department", "")
        if department.isascii() and department.isdigit():
            selection = selection.narrow(department_id=int(department))
        return selection

    @extend_schema(
        parameters=[AS_OF, FISCAL_YEAR],
        responses=SubjectFiguresSerializer,
        description="一个项目截至 as_of 的预算数、已支付数、预算执行率、序时进度、执行灯及其阈值版本；已计算并保存的日期返回保存的数据（与页面、历史记录一致）。",
    )
    def retrieve(self, request, pk=None):
        subject = access.get_object_or_404(Subject.objects.select_related("organisation__region"), request.user, pk=pk)
        year, as_of = self._dates(request)
        f = figures.figures_on(subject, as_of, year)  # the stored figures of a refreshed date, as every page shows
        return Response(
            {
                "subject": subject.pk,
                "code": subject.code,
                "name": subject.name,
                "fiscal_year": year,
                "as_of": as_of,
                "available": _d(f.available),
                "paid": _d(f.paid),
                "budget_basis": f.basis,
                **_shares(f, f.thresholds_id),
            }
        )

    @extend_schema(
        parameters=[AS_OF, FISCAL_YEAR, DEPARTMENT],
        responses=TOTAL,
        description="您权限范围内全部项目截至 as_of 的合计。",
    )
    def list(self, request):
        year, as_of = self._dates(request)
        return Response(
            {"fiscal_year": year, "as_of": as_of, "total": _rollup(self._selection(request, year, as_of).total())}
        )

    @extend_schema(
        parameters=[AS_OF, FISCAL_YEAR, DEPARTMENT],
        responses=TOTAL,
        description="您权限范围内全部项目截至 as_of 的合计（同列表）。",
    )
    @action(detail=False)
    def total(self, request):
        return self.list(request)

    @extend_schema(
        parameters=[AS_OF, FISCAL_YEAR], responses=_rollups("FiguresByDepartment"), description="按主管部门汇总。"
    )
    @action(detail=False)
    def departments(self, request):
        year, as_of = self._dates(request)
        rows = self._selection(request, year, as_of).departments()
        return Response({"fiscal_year": year, "as_of": as_of, "results": [_rollup(r) for r in rows]})

    @extend_schema(
        parameters=[AS_OF, FISCAL_YEAR, DEPARTMENT],
        responses=_rollups("FiguresByUnit"),
        description="按预算单位汇总（可用 department 限定主管部门）。",
    )
    @action(detail=False)
    def units(self, request):
        year, as_of = self._dates(request)
        rows = self._selection(request, year, as_of).units()
        return Response({"fiscal_year": year, "as_of": as_of, "results": [_rollup(r) for r in rows]})

    @extend_schema(
        parameters=[AS_OF, FISCAL_YEAR, REGION],
        responses=_rollups("FiguresByRegion", region=serializers.IntegerField(allow_null=True)),
        description="按区域逐级汇总：region 以下一级的各区域。",
    )
    @action(detail=False)
    def regions(self, request):
        """Level by level under ``region`` (id; default the caller's own region-wide reach)."""
        from organisations.models import Region

        year, as_of = self._dates(request)
        raw = request.query_params.get("region", "")
        roots = region_roots(request.user)
        if raw.isascii() and raw.isdigit():
            parent = Region.objects.filter(pk=int(raw)).first()
            if parent is None:
                raise exceptions.NotFound("记录不存在或无权访问")
        elif roots:
            parent = roots[0]
        else:
            parent = None
        rows = self._selection(request, year, as_of).regions(parent=parent)
        return Response(
            {
                "fiscal_year": year,
                "as_of": as_of,
                "region": parent.pk if parent else None,
                "results": [_rollup(r) for r in rows],
            }
        )

    @extend_schema(
        request=inline_serializer("FiguresRefresh", {"as_of": serializers.DateField(required=False)}),
        parameters=[FISCAL_YEAR],
        responses={
            202: inline_serializer(
                "FiguresRefreshStarted",
                {
                    "task": serializers.CharField(help_text="后台任务 id"),
                    "status": serializers.CharField(),
                    "fiscal_year": serializers.IntegerField(),
                    "as_of": serializers.DateField(),
                    "region": serializers.CharField(help_text="重新计算的区划名称"),
                },
            )
        },
        description="重新计算并保存本区划截至 as_of 的预算执行情况（后台执行）。仅财政部门预算管理科、国库科和预算绩效管理科。",
    )
    @action(detail=False, methods=["post"])
    def refresh(self, request):
        if not can_refresh(request.user):
            raise exceptions.PermissionDenied("只有财政部门预算管理科、国库科和预算绩效管理科可以重新计算")
        year, as_of = self._dates(request)
        if as_of.year != year:
            raise exceptions.ValidationError({"as_of": [f"数据截止日期应在 {year} 年度之内"]})
        region = refresh_region(request.user)
        result = figures.refresh_task.enqueue(year, as_of.isoformat(), region.pk if region else None, request.user.pk)
        body = {
            "task": result.id,
            "status": str(result.status),
            "fiscal_year": year,
            "as_of": as_of,
            "region": region.name if region else "",
        }
        if result.is_finished:
            body["result"] = result.return_value
        return Response(body, status=status.HTTP_202_ACCEPTED)
