"""Pages of the self-evaluation forms (绩效自评表): the list, a form's page with its score and review panel, the
unit's edit page and the live score it shows as the unit types (nothing saved; the server recomputes on every save
and submission, ``evaluations.self_actions``)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import access
from core.views import GatedDetailView, GatedListView
from evaluations import form_scoring, provider_requests, self_actions
from evaluations.evidence import EVIDENCE
from evaluations.models import SelfEvaluation
from evaluations.self_filtersets import SelfEvaluationFilterSet
from evaluations.self_forms import SelfEvaluationForm, formset_rows, indicator_formset, narrative_items
from evaluations.self_tables import SelfEvaluationTable, percent
from targets.choices import Level1, Level2
from workflow.actions import StaleDocument
from workflow.views import ReviewableEditView, TransitionView, review_context

SIGN = {"positive": "≥", "negative": "≤", "exact": "="}
ROW_ERROR = re.compile(r"^row-(\d+)-(\w+)$")  # the keys of self_actions.clean_row_values' refusals


class SelfEvaluationListView(GatedListView):
    model = SelfEvaluation
    table_class = SelfEvaluationTable
    filterset_class = SelfEvaluationFilterSet
    title = "绩效自评表"

    def base_queryset(self):
        # Only what the table shows; the default order follows the (fiscal_year, organisation) index.
        return (
            SelfEvaluation.objects.select_related("subject", "organisation", "department", "round", "chain")
            .prefetch_related("chain__steps")
            .order_by("-fiscal_year", "-organisation_id", "-pk")
        )


def labelled(rows: list) -> list:
    """The rows with their level names (产出指标 / 数量指标) and comparator sign, as the sheet prints them."""
    level1, level2 = dict(Level1.choices), dict(Level2.choices)
    for row in rows:
        row.level1_label = level1.get(row.level1, row.level1)
        row.level2_label = level2.get(row.level2, row.level2)
        row.sign = SIGN.get(row.kind, "")
    return rows


def score_context(form, rows, typed: dict | None = None) -> dict:
    """What templates/evaluations/form_score.html shows: the engine's score of ``form`` on ``rows`` with ``typed``
    over them, and the rows still needing a reason and a measure."""
    score = form_scoring.score_form(form, rows, typed)
    return {
        "score": score,
        "score_rows": score.rows,
        "deviation_missing": form_scoring.deviation_problems(score, typed),
    }


class SelfEvaluationDetailView(GatedDetailView):
    model = SelfEvaluation
    template_name = "evaluations/form_detail.html"

    def base_queryset(self):
        return SelfEvaluation.objects.select_related(
            "subject", "organisation", "department", "round", "scheme", "target_sheet", "chain__region"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, user = self.object, self.request.user
        rows = labelled(list(form.indicators.all()))
        context.update(review_context(form, user))
        context.update(score_context(form, rows))
        context.update(EVIDENCE.panel(form, user))  # 佐证材料 (core/attachments.py)
        context.update(provider_requests.panel(form, user))  # a purchased service's provider's data
        context.update(
            {
                "title": str(form),
                "rows": rows,
                "transition_url": reverse("evaluations:form_transition", args=[form.pk]),
                "problems": self_actions.submission_problems(form) if context["can_edit"] else [],
                "can_view_round": access.can(user, "view", form.round),
                "execution_rate_text": percent(form.execution_rate),
                "narrative": narrative_items(form),  # templates/evaluations/_narrative.html
            }
        )
        return context


class SelfEvaluationEditView(ReviewableEditView):
    """The unit fills the narrative and the indicator rows; the score panel follows what is typed (``form_score``)."""

    model = SelfEvaluation
    form_class = SelfEvaluationForm
    template_name = "evaluations/form_edit.html"

    def rows(self) -> list:
        if not hasattr(self, "_rows"):
            self._rows = labelled(list(self.object.indicators.all()))
        return self._rows

    def formset(self):
        return indicator_formset(self.request.POST if self.request.method == "POST" else None, self.rows())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        formset = kwargs.get("formset") or self.formset()
        typed = _typed(formset, self.rows()) if formset.is_bound else None
        context.update(score_context(self.object, self.rows(), typed))
        context.update(
            {
                "formset": formset,
                "title": f"填报：{self.object}",
                "problems": self_actions.submission_problems(self.object),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        formset = self.formset()
        if form.is_valid() and formset.is_valid():
            try:
                rows = formset_rows(formset, self.rows())
            except ValueError:
                form.add_error(None, "提交的指标行不属于该自评表，请重新打开填报页")
            else:
                try:
                    self_actions.save_form(
                        SelfEvaluation.objects.select_related("round", "scheme").get(pk=self.object.pk),
                        request.user,
                        form.cleaned_data.get("version") or 0,
                        data={k: form.cleaned_data.get(k) or "" for k in self_actions.FORM_FIELDS},
                        rows=rows,
                        reason=form.cleaned_data.get("reason", ""),
                    )
                except StaleDocument as exc:
                    form.add_error(None, exc.message)
                except PermissionDenied as exc:
                    form.add_error(None, str(exc))
                except ValidationError as exc:
                    _place_errors(form, formset, exc)
                else:
                    messages.success(request, "已保存，得分已按填报内容重新计算")
                    return redirect(self.object.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, formset=formset))


def _place_errors(form, formset, exc: ValidationError) -> None:
    """A refused save: a row's message on that row's field, the form's on its field, the rest at the top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    by_row = {f.row.pk: f for f in formset.forms if hasattr(f, "row")}
    for key, errors in exc.error_dict.items():
        texts = [m for e in errors for m in e.messages]
        match = ROW_ERROR.match(key)
        row_form = by_row.get(int(match.group(1))) if match else None
        if row_form is not None and match.group(2) in row_form.fields:
            row_form.add_error(match.group(2), texts)
            form.add_error(None, texts)
        elif key in form.fields:
            form.add_error(key, texts)
        else:
            form.add_error(None, texts)


def _typed(formset, rows) -> dict | None:
    """The values typed in a bound formset, for the score panel (None when they cannot be read)."""
    if not formset.is_valid():
        return None
    try:
        return formset_rows(formset, rows)
    except ValueError:
        return None


@require_POST
@login_required
def form_score(request, pk):
    """htmx: the score panel for the values typed so far (nothing saved). Gated like the form's page; a body that is
    not the form's own rows is a 400 with a Chinese message."""
    form = access.get_object_or_404(SelfEvaluation.objects.select_related("scheme", "round"), request.user, pk=pk)
    rows = labelled(list(form.indicators.all()))
    formset = indicator_formset(request.POST, rows)
    if not formset.management_form.is_valid():
        return _bad(request, "提交的内容不完整（缺少指标行数），请重新打开填报页")
    if not formset.is_valid():
        found = [f"第 {i} 项指标：{_errors(f)}" for i, f in enumerate(formset.forms, start=1) if f.errors]
        return _bad(request, "；".join(found) or "提交的内容不是该自评表的指标行")
    try:
        typed = formset_rows(formset, rows)
    except ValueError as exc:
        return _bad(request, f"指标行 {exc} 不属于该自评表")
    return render(request, "evaluations/form_score.html", {"object": form, **score_context(form, rows, typed)})


def _errors(row_form) -> str:
    fields = row_form.fields
    return "；".join(f"“{fields[k].label if k in fields else k}”{' '.join(v)}" for k, v in row_form.errors.items())


def _bad(request, message: str):
    return render(request, "evaluations/form_score_error.html", {"message": message}, status=400)


class SelfEvaluationTransitionView(TransitionView):
    model = SelfEvaluation
