from importlib import import_module

from django.apps import AppConfig

# The demo seeders in the order they build on each other: the evaluations, their scores, their reports and archives,
# then the surveys (demo/seed.py runs registered seeders in registration order).
SEEDERS = ("demo", "demo_scoring", "demo_report", "demo_survey")


class KeyevalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "keyevals"
    verbose_name = "重点评价"

    def ready(self):
        from core.immutability import Guard, register
        from keyevals import lifecycle  # noqa: F401 - registers the key evaluation's lifecycle
        from keyevals.models import EvaluationReport, PlanIndicator, Score, ScoreSheet, WorkPlan

        for name in SEEDERS:
            import_module(f"keyevals.{name}")

        # An approved plan (and its indicators), an approved report and a submitted score sheet are final.
        register(Guard(WorkPlan, when="status = 'approved'", mutable=("updated_at",)))
        register(Guard(PlanIndicator, parent=("plan_id", WorkPlan)))
        register(Guard(EvaluationReport, when="status = 'approved'", mutable=("updated_at", "edited_file")))
        register(Guard(ScoreSheet, when="status = 'submitted'", mutable=()))
        register(Guard(Score, parent=("sheet_id", ScoreSheet)))
