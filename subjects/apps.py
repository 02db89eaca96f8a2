from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "subjects"
    verbose_name = "项目库"

    def ready(self):
        from subjects import actions, demo  # noqa: F401 - the workflow hooks; the demo seeder
