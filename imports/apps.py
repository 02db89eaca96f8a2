from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "Excel 导入"

    def ready(self):
        # Each app declares its importers in <app>/importers.py; registering them here keeps the
        # registry complete in the web process and in the db_worker alike.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("importers")
