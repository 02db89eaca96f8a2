"""Extension points of the review-chain engine, one registry per document type (model label).

The engine (workflow/actions.py) calls them inside a transition's transaction, after its guards:

    before_transition(doc, action, to_status, user) -> {label: [before, after]}
        a document type's own rule: refuse (raise ValidationError) or update its own non-workflow fields (never
        ``version``); what it returns joins the transition's audit row. E.g. a target sheet runs the automatic
        review on submission; the last approval of a subject admits it to the library.
    return_opinion(doc, opinion) -> str
        the opinion a return records, e.g. with the open indicator comments listed under it.

and when a document is created (``workflow.chains.start``, from ``Reviewable.save`` and from bulk creation alike):

    initial_state(doc) -> {field: value}
        the document type's starting values of the engine's fields that the chain does not decide, such as the first
        step's deadline (``step_due_at``); a value the creator set already is kept.

An app registers its hooks where its actions live (``@hooks.before_transition("targets.targetsheet")``), so models
never import actions and no app copies the engine's transition path. Parent records that own several review-chain
documents (a key evaluation's plan, scores, report and feedback) register hooks on each child type and reach the
parent through the child's foreign key.
"""

from __future__ import annotations

from collections.abc import Callable

_before: dict[str, Callable] = {}
_return_opinion: dict[str, Callable] = {}
_initial: dict[str, Callable] = {}


def _label(doc_or_label) -> str:
    return doc_or_label if isinstance(doc_or_label, str) else doc_or_label._meta.label_lower


def before_transition(model_label: str) -> Callable:
    def decorate(hook: Callable) -> Callable:
        _before[model_label] = hook
        return hook

    return decorate


def return_opinion(model_label: str) -> Callable:
    def decorate(hook: Callable) -> Callable:
        _return_opinion[model_label] = hook
        return hook

    return decorate


def initial_state(model_label: str) -> Callable:
    def decorate(hook: Callable) -> Callable:
        _initial[model_label] = hook
        return hook

    return decorate


def initial_values(doc) -> dict:
    hook = _initial.get(_label(doc))
    return (hook(doc) or {}) if hook else {}


def run_before_transition(doc, action: str, to_status: str, user) -> dict:
    hook = _before.get(_label(doc))
    return (hook(doc, action, to_status, user) or {}) if hook else {}


def opinion_on_return(doc, opinion: str) -> str:
    hook = _return_opinion.get(_label(doc))
    return hook(doc, opinion) if hook else opinion
