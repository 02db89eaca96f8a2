from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = "事前绩效评估"

    def ready(self):
        from assessments import (
            actions,  # noqa: F401 - the workflow hooks of assessments
            demo,  # noqa: F401 - registers the demo seeder (after the subjects' one)
            panels,  # noqa: F401 - the subject page's assessments panel
        )
        from assessments.models import Assessment, AssessmentScore
        from core.immutability import Guard, register

        # Approved ex-ante assessments and their scores are immutable in the database (issue 17 §5).
        register(Guard(Assessment, when="status = 'approved'", mutable=("updated_at",)))
        register(Guard(AssessmentScore, parent=("assessment_id", Assessment)))
