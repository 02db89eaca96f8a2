from keyevals import urls_core, urls_report, urls_scoring

app_name = "keyevals"

urlpatterns = urls_core.urlpatterns + urls_scoring.urlpatterns + urls_report.urlpatterns
