"""API of the dual-monitoring figures (issue 5): stored execution figures, figures of a subject / department / unit /
region for any date (``as_of``, default today; ``fiscal_year``, default the year of ``as_of``), the light
thresholds, and a POST that starts a refresh (finance sections only). Everything reads through the gate."""

from __future__ import annotations

import datetime

from django_filters import rest_framework as filters
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import access, clock
from core.api import GatedReadOnlyViewSet
from monitoring import figures
from monitoring.models import ExecutionFigure, LightThresholds
from monitoring.views_dashboard import can_refresh, refresh_region, region_roots
from subjects.models import Subject


class ExecutionFigureSerializer(serializers.ModelSerializer):
    subject_code = serializers.CharField(source="subject.code", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    light_display = serializers.CharField(source="get_light_display", read_only=True)

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
            "refreshed_at",
        ]


class ExecutionFigureFilterSet(filters.FilterSet):
    class Meta:
        model = ExecutionFigure
        fields = ["subject", "fiscal_year", "as_of", "light"]


class ExecutionFigureViewSet(GatedReadOnlyViewSet):
    """Stored execution figures (``monitoring.figures.refresh``) of the subjects in reach."""

    queryset = ExecutionFigure.objects.select_related("subject").order_by("-as_of", "subject_id")
    serializer_class = ExecutionFigureSerializer
    filterset_class = ExecutionFigureFilterSet


class LightThresholdsSerializer(serializers.ModelSerializer):
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

    queryset = LightThresholds.objects.select_related("region").order_by("region__path", "-version")
    serializer_class = LightThresholdsSerializer


def _d(value) -> str | None:
    """Decimals as strings, as the serializers give them (yuan to the fen, shares to four places)."""
    return None if value is None else str(value)


def _shares(obj) -> dict:
    return {
        "execution_rate": _d(obj.execution_rate),
        "time_progress": _d(obj.time_progress),
        "progress_ratio": _d(obj.progress_ratio),
        "light": str(obj.light),
    }


def _rollup(row) -> dict:
    return {
        "key": row.key,
        "name": row.name,
        "subjects": row.subjects,
        "available": _d(row.available),
        "paid": _d(row.paid),
        **_shares(row),
        "red": row.red,
        "yellow": row.yellow,
        "green": row.green,
    }


class FiguresViewSet(viewsets.ViewSet):
    """Execution figures for any date. ``GET …/{subject id}/`` one subject; ``…/total/``, ``…/departments/``,
    ``…/units/?department=``, ``…/regions/?region=`` the sums of the subjects in reach (paid ÷ available
    summed); ``POST …/refresh/`` (``as_of``) recomputes and stores the figures of the caller's region in the
    background — finance sections only."""

    def _dates(self, request) -> tuple[int, datetime.date]:
        raw = (request.data.get("as_of") if request.method == "POST" else None) or request.query_params.get("as_of")
        try:
            as_of = datetime.date.fromisoformat(raw) if raw else clock.today()
        except ValueError:
            raise exceptions.ValidationError({"as_of": ["日期格式应为 YYYY-MM-DD"]}) from None
        year = request.query_params.get("fiscal_year", "")
        if year and not year.isdigit():
            raise exceptions.ValidationError({"fiscal_year": ["预算年度应为四位数字"]})
        return (int(year) if year else as_of.year), as_of

    def _subjects(self, request):
        subjects = access.restrict(Subject.objects.all(), request.user)
        department = request.query_params.get("department", "")
        if department.isdigit():
            subjects = subjects.filter(department_id=int(department))
        return subjects

    def retrieve(self, request, pk=None):
        subject = access.get_object_or_404(Subject.objects.select_related("organisation__region"), request.user, pk=pk)
        year, as_of = self._dates(request)
        f = figures.subject_figures(subject, as_of, year)
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
                **_shares(f),
            }
        )

    def list(self, request):
        year, as_of = self._dates(request)
        return Response(
            {"fiscal_year": year, "as_of": as_of, "total": _rollup(figures.total(year, as_of, self._subjects(request)))}
        )

    @action(detail=False)
    def total(self, request):
        return self.list(request)

    @action(detail=False)
    def departments(self, request):
        year, as_of = self._dates(request)
        rows = figures.department_rollup(year, as_of, self._subjects(request))
        return Response({"fiscal_year": year, "as_of": as_of, "results": [_rollup(r) for r in rows]})

    @action(detail=False)
    def units(self, request):
        year, as_of = self._dates(request)
        rows = figures.unit_rollup(year, as_of, self._subjects(request))
        return Response({"fiscal_year": year, "as_of": as_of, "results": [_rollup(r) for r in rows]})

    @action(detail=False)
    def regions(self, request):
        """Level by level under ``region`` (id; default the caller's own region-wide reach)."""
        from organisations.models import Region

        year, as_of = self._dates(request)
        raw = request.query_params.get("region", "")
        roots = region_roots(request.user)
        if raw.isdigit():
            parent = Region.objects.filter(pk=int(raw)).first()
            if parent is None:
                raise exceptions.NotFound("记录不存在或无权访问")
        elif roots:
            parent = roots[0]
        else:
            parent = None
        rows = figures.region_rollup(year, as_of, self._subjects(request), parent=parent)
        return Response(
            {
                "fiscal_year": year,
                "as_of": as_of,
                "region": parent.pk if parent else None,
                "results": [_rollup(r) for r in rows],
            }
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
