from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evaluations"
    verbose_name = "绩效评价"

    def ready(self):
        from core.immutability import Guard, register
        from evaluations import self_actions  # noqa: F401 - the workflow hooks and the round's lifecycle
        from evaluations.models import RecheckIndicator, RecheckItem, SelfEvaluation, SelfEvaluationIndicator

        # Approved self-evaluations and their rows are immutable in the database (issue 17 §5).
        register(Guard(SelfEvaluation, when="status = 'approved'", mutable=("updated_at",)))
        register(Guard(SelfEvaluationIndicator, parent=("evaluation_id", SelfEvaluation)))
        # A submitted re-check is final: the discrepancy report and the inflation index rest on it.
        register(Guard(RecheckItem, when="status = 'submitted'", mutable=()))
        register(Guard(RecheckIndicator, parent=("item_id", RecheckItem)))
