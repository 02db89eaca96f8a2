"""Field options shared by the monitoring models."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]
MONEY = {"max_digits": 18, "decimal_places": 2}
RATIO = {"max_digits": 9, "decimal_places": 4}  # 1.0000 = 100 %
SHARE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))]
