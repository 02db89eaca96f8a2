"""The API router: every app registers its viewsets here under /api/."""

from rest_framework.routers import DefaultRouter

from accounts.api import MeView, TokenView, UserViewSet
from assessments.api import AssessmentTemplateViewSet, AssessmentViewSet
from imports.api import ImportJobViewSet
from indicators.api import IndicatorProposalViewSet, IndicatorViewSet
from organisations.api import OrganisationViewSet, RegionViewSet
from reports.api import WorkReportViewSet
from subjects.api import SubjectViewSet
from targets.api import TargetSheetViewSet
from workflow.api import ChainViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet)
router.register("organisations", OrganisationViewSet)
router.register("users", UserViewSet)
router.register("me", MeView, basename="me")
router.register("token", TokenView, basename="token")
router.register("imports", ImportJobViewSet, basename="importjob")
router.register("work-reports", WorkReportViewSet)
router.register("subjects", SubjectViewSet)
router.register("assessments", AssessmentViewSet)
router.register("assessment-templates", AssessmentTemplateViewSet)
router.register("target-sheets", TargetSheetViewSet)
router.register("review-chains", ChainViewSet)
router.register("indicators", IndicatorViewSet)
router.register("indicator-proposals", IndicatorProposalViewSet)
