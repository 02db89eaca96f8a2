"""The API router: every app registers its viewsets here under /api/."""

from rest_framework.routers import DefaultRouter

from accounts.api import MeView, TokenView, UserViewSet
from organisations.api import OrganisationViewSet, RegionViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet)
router.register("organisations", OrganisationViewSet)
router.register("users", UserViewSet)
router.register("me", MeView, basename="me")
router.register("token", TokenView, basename="token")
