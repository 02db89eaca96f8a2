"""What execution tells the apps that read its data, without importing them.

``records_loaded`` is sent once a load of payments or allocations has committed (``execution.loading.Loader``):
monitoring recomputes the figures of the bureau's region and scans them for warnings (seed 003 第十九条（二）:
warnings come from the treasury data itself, not only from monitoring rounds)."""

from django.dispatch import Signal

# kwargs: kind (execution.loading.Kind), fiscal_year (int), bureau (Organisation), user (User or None),
# result (LoadResult)
records_loaded = Signal()
