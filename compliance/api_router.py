"""One router for the whole API (``/api/v1/``); paths are kebab-case plurals."""

from rest_framework.routers import DefaultRouter

from compliance.api.views.alerts import SubscriptionViewSet
from compliance.api.views.jurisdictions import JurisdictionRiskViewSet
from compliance.api.views.records import FederalActionViewSet, StatementViewSet
from compliance.api.views.timeline import NationalTimelineViewSet
from grants.api.views import GrantAwardViewSet, GrantProgramViewSet
from jurisdictions.api.views import OfficialViewSet

router = DefaultRouter()
router.register("jurisdictions", JurisdictionRiskViewSet, basename="jurisdiction")
router.register("officials", OfficialViewSet, basename="official")
router.register("statements", StatementViewSet, basename="statement")
router.register("federal-actions", FederalActionViewSet, basename="federal-action")
router.register("grant-programs", GrantProgramViewSet, basename="grant-program")
router.register("grant-awards", GrantAwardViewSet, basename="grant-award")
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("timeline", NationalTimelineViewSet, basename="timeline")

urlpatterns = router.urls
