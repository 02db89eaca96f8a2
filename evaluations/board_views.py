"""自评情况看板: the page (``/evaluations/board/``) and its JSON in the API (``/api/self-evaluation-board/``), both
over ``evaluations.board.build`` — the forms of a year in the user's reach, by region and by department, with the
score and grade distributions (ECharts, vendored; the chart script is ``static/jixiao/evaluation_charts.js``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.response import Response

from core import access, fiscal
from core.api import ID_REGEX, GatedSerializer
from evaluations import board
from evaluations.models import SelfEvaluation
from organisations.models import Organisation


def _choice(raw: str, allowed: list[int]) -> int | None:
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= 6 and int(raw) in allowed else None


def _department(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= 18 else None


@login_required
def board_page(request):
    """The board of a year (``?year=``, by default the latest with forms in reach), of one department on request
    (``?department=``: a department outside the user's reach simply shows nothing)."""
    user = request.user
    if not access.may_reach(user, SelfEvaluation):
        raise Http404("记录不存在或无权访问")
    years = board.years(user)
    year = _choice(request.GET.get("year", ""), years) or (years[0] if years else None)
    department = _department(request.GET.get("department", ""))
    result = board.build(user, year, department=department) if year is not None else None
    department_name = (
        Organisation.objects.filter(pk=department).values_list("name", flat=True).first()
        if department is not None and result is not None and result.total.total
        else None
    )
    return render(
        request,
        "evaluations/board.html",
        {
            "title": "自评情况看板",
            "years": years,
            "year": year,
            "board": result,
            "charts": result.charts() if result is not None else None,
            "department": department if department_name else None,
            "department_name": department_name,
        },
    )


# --- the API ----------------------------------------------------------------------------------------------------


class BoardRowSerializer(GatedSerializer):
    id = serializers.IntegerField(allow_null=True, help_text="区划或主管部门（机构）id；合计行为 null")
    name = serializers.CharField()
    total = serializers.IntegerField(help_text="自评表数")
    submitted = serializers.IntegerField(help_text="已报送（含已退回重报的）")
    not_submitted = serializers.IntegerField(help_text="未报送")
    late_unsubmitted = serializers.IntegerField(help_text="逾期未报：截止日期已过仍未报送")
    late_submitted = serializers.IntegerField(help_text="逾期报送：首次报送晚于截止日期")
    in_review = serializers.IntegerField(help_text="审核中")
    returned = serializers.IntegerField(help_text="被退回")
    approved = serializers.IntegerField(help_text="审核通过")


class ScoreBandSerializer(GatedSerializer):
    band = serializers.CharField(help_text="得分区间")
    count = serializers.IntegerField(help_text="已报送自评表数")


class GradeCountSerializer(GatedSerializer):
    grade = serializers.CharField(help_text="自评等级：优、良、中、差")
    count = serializers.IntegerField(help_text="已报送自评表数")


class BoardSerializer(GatedSerializer):
    fiscal_year = serializers.IntegerField()
    total = BoardRowSerializer()
    regions = BoardRowSerializer(many=True)
    departments = BoardRowSerializer(many=True)
    scores = ScoreBandSerializer(many=True)
    grades = GradeCountSerializer(many=True)


class SelfEvaluationBoardViewSet(viewsets.ViewSet):
    """The status board's figures (``evaluations.board.build``), the same as the page; like a list endpoint, zeros
    for someone whose reach holds no form."""

    lookup_value_regex = ID_REGEX
    api_description = (
        "单位自评情况看板：您权限范围内某一年度的绩效自评表按区划、按主管部门统计（自评表数、已报送、逾期未报、逾期报送、"
        "审核中、退回、审核通过），以及已报送自评表的得分区间和等级分布。"
    )

    @extend_schema(
        parameters=[
            OpenApiParameter("fiscal_year", OpenApiTypes.INT, description="评价年度，默认有自评表的最近年度"),
            OpenApiParameter("department", OpenApiTypes.INT, description="只统计该主管部门（机构 id）的自评表"),
        ],
        responses=BoardSerializer,
        description="自评情况看板的统计数字（与页面相同）。",
    )
    def list(self, request):
        user = request.user  # someone whose reach holds no form gets the empty board, as an empty list
        raw_year = request.query_params.get("fiscal_year", "")
        if raw_year and not (len(raw_year) == 4 and raw_year.isascii() and raw_year.isdigit()):
            raise exceptions.ValidationError({"fiscal_year": ["评价年度应为四位数字"]})
        raw_department = request.query_params.get("department", "")
        department = _department(raw_department)
        if raw_department and department is None:
            raise exceptions.ValidationError({"department": ["主管部门应为机构 id（数字）"]})
        years = board.years(user)
        year = int(raw_year) if raw_year else (years[0] if years else fiscal.default_year() - 1)
        return Response(board.build(user, year, department=department).as_dict())
