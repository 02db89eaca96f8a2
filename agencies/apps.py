from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agencies"
    verbose_name = "第三方机构与专家"

    def ready(self):
        from agencies import demo, links, teams  # noqa: F401 - the demo seeder, the records' pages, the team hooks
