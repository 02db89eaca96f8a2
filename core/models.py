from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class Assignment(models.Model):
    """Gives an agency, an expert or a provider reach over one record (Scope.ASSIGNED).

    Either a whole organisation (an agency) or one person (an expert) is assigned.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    created_at = models.DateTimeField(default=timezone.now)

    audit_fields = ["content_type", "object_id", "organisation", "user"]

    class Meta:
        verbose_name = "委托/指派"
        verbose_name_plural = "委托/指派"
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=False) | models.Q(user__isnull=False),
                name="assignment_has_assignee",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation or self.user} ← {self.content_type.name} #{self.object_id}"
