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
