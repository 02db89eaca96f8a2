"""The API router: every app registers its viewsets here under /api/."""

from rest_framework.routers import DefaultRouter

from accounts.api import MeView, TokenView, UserViewSet
from agencies.api import register as register_agencies
from assessments.api import AssessmentTemplateViewSet, AssessmentViewSet
from evaluations.api_recheck import RecheckSampleViewSet, RecheckViewSet
from evaluations.api_schemes import EvaluationSchemeViewSet
from evaluations.api_self import SelfEvaluationViewSet
from evaluations.api_self_rounds import SelfEvaluationRoundViewSet
from evaluations.board_views import SelfEvaluationBoardViewSet
from execution.api import AllocationViewSet, PaymentViewSet
from imports.api import ImportJobViewSet
from indicators.api import IndicatorProposalViewSet, IndicatorViewSet
from keyevals.api import register as register_keyevals
from monitoring.api import (
    DisbursementHoldViewSet,
    DisposalViewSet,
    MonitoringRoundViewSet,
    MonitoringTableViewSet,
    PerformanceWarningViewSet,
    WarningRuleViewSet,
)
from monitoring.api_figures import ExecutionFigureViewSet, FiguresViewSet, LightThresholdsViewSet
from organisations.api import OrganisationViewSet, RegionViewSet
from reports.api import WorkReportViewSet
from subjects.api import SubjectViewSet
from surveys.api import register as register_surveys
from targets.api import CommonIndicatorSetViewSet, RegionalTargetViewSet, TargetSheetViewSet
from targets.api_io import TargetSheetDocumentViewSet
from targets.api_third_party import TargetThirdPartyReviewViewSet
from workflow.api import ChainViewSet, StrandedViewSet

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
router.register("target-regional", RegionalTargetViewSet)
router.register("target-common-indicators", CommonIndicatorSetViewSet)
router.register("target-sheet-documents", TargetSheetDocumentViewSet, basename="targetsheetdocument")
router.register("target-reviews", TargetThirdPartyReviewViewSet)
router.register("review-chains", ChainViewSet)
router.register("stranded-documents", StrandedViewSet, basename="stranded")
router.register("indicators", IndicatorViewSet)
router.register("indicator-proposals", IndicatorProposalViewSet)
router.register("monitoring-rounds", MonitoringRoundViewSet)
router.register("monitoring-tables", MonitoringTableViewSet)
router.register("performance-warnings", PerformanceWarningViewSet)
router.register("warning-disposals", DisposalViewSet)
router.register("disbursement-holds", DisbursementHoldViewSet)
router.register("warning-rules", WarningRuleViewSet)
router.register("evaluation-schemes", EvaluationSchemeViewSet)
router.register("execution-figures", ExecutionFigureViewSet)
router.register("monitoring-figures", FiguresViewSet, basename="monitoringfigures")
router.register("light-thresholds", LightThresholdsViewSet)
router.register("self-evaluation-rounds", SelfEvaluationRoundViewSet)
router.register("self-evaluations", SelfEvaluationViewSet)
router.register("self-evaluation-board", SelfEvaluationBoardViewSet, basename="selfevaluationboard")
router.register("execution/payments", PaymentViewSet)
router.register("execution/allocations", AllocationViewSet)
router.register("recheck-samples", RecheckSampleViewSet)
router.register("rechecks", RecheckViewSet)
register_agencies(router)
register_keyevals(router)
register_surveys(router)
