"""Comments pinned to a sheet's indicators (htmx): a reviewer comments, the preparer resolves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import access
from targets import actions
from targets.models import TargetSheet

# --- comments pinned to indicators (htmx) --------------------------------------------------------------------


def _comment_block(request, sheet, indicator):
    pinned, other = actions.comments_by_indicator(sheet)
    rows = pinned.get(indicator.pk, []) if indicator else other
    return render(
        request,
        "targets/_comments.html",
        {
            "object": sheet,
            "indicator": indicator,
            "rows": rows,
            "can_comment": actions.can_comment(request.user, sheet),
            "user": request.user,
        },
    )


@require_POST
@login_required
def comment(request, pk):
    """A reviewer pins a comment to one indicator (or the sheet); answers the indicator's comment block."""
    sheet = access.get_object_or_404(TargetSheet.objects.select_related("chain", "subject"), request.user, pk=pk)
    indicator = None
    if request.POST.get("indicator"):
        indicator = sheet.indicators.filter(pk=request.POST["indicator"]).first()
        if indicator is None:
            raise Http404("指标不存在")
    try:
        actions.add_comment(sheet, request.user, request.POST.get("text", ""), indicator)
    except PermissionDenied:
        raise Http404("无权提出意见") from None
    except ValidationError as exc:
        if not request.htmx:
            messages.error(request, "；".join(exc.messages))
    if not request.htmx:
        return redirect(sheet)
    return _comment_block(request, sheet, indicator)


@require_POST
@login_required
def resolve_comment(request, pk, comment_pk):
    sheet = access.get_object_or_404(TargetSheet.objects.select_related("chain", "subject"), request.user, pk=pk)
    found = actions.lineage_comments(sheet).filter(pk=comment_pk).first()
    if found is None:
        raise Http404("意见不存在")
    try:
        actions.resolve_comment(found, request.user, request.POST.get("resolved", "1") == "1")
    except PermissionDenied:
        raise Http404("无权处理") from None
    if not request.htmx:
        return redirect(sheet)
    indicator = None
    if found.indicator_key:
        indicator = next((i for i in sheet.indicators.all() if i.key == found.indicator_key), None)
    return _comment_block(request, sheet, indicator)
