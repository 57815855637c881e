"""Django REST Framework and drf-spectacular."""

from .env import env

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Anyone reads; writing needs the model's add/change/delete permission (the editor role).
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly",
    ],
    # Filtering and ordering live in each app's FilterSet (ordering included), so an unknown
    # value is a 400 that names the allowed ones.
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "compliance.core.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "compliance.core.renderers.CSVRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "compliance.core.negotiation.FormatNamingNegotiation",
    "DEFAULT_PARSER_CLASSES": ["compliance.core.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "compliance.core.exceptions.api_exception_handler",
    # Counters live in the default cache: Redis whenever REDIS_URL is set.
    "DEFAULT_THROTTLE_CLASSES": [
        "compliance.core.throttles.AnonymousThrottle",
        "compliance.core.throttles.TokenUserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_THROTTLE_RATE", default="120/minute"),
        "user": env.str("API_USER_THROTTLE_RATE", default="1200/minute"),
    },
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}

# Dashboard pages computed on request (``as_of``, a comparison), per client and minute.
DASHBOARD_COMPUTED_PAGES_PER_MINUTE = env.int("DASHBOARD_COMPUTED_PAGES_PER_MINUTE", default=30)

SPECTACULAR_SETTINGS = {
    "TITLE": "Sanctuary funding compliance tracker API",
    "DESCRIPTION": (
        "Sanctuary-policy jurisdictions, officials' statements, federal actions and the "
        "federal grant money at risk, each record with its source.\n\n"
        "Read access is public and throttled. Writes need the token of an editor, sent as "
        "`Authorization: Token <key>`. Every list takes `page`, `page_size` (at most 500) and "
        "`format=csv`; `format=csv&page_size=all` streams every matching row. Money is in "
        "whole US dollars; dates are ISO 8601."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every error each operation can answer, and who may call it (compliance.core.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "compliance.core.schema.errors_and_security",
    ],
    "ENUM_NAME_OVERRIDES": {
        "StanceEnum": "jurisdictions.choices.StanceCode",
        "JurisdictionKindEnum": "jurisdictions.choices.JurisdictionKind",
        "StatementPositionEnum": "compliance.choices.StatementPosition",
        "ActionKindEnum": "compliance.choices.ActionKind",
        "ActionEffectEnum": "compliance.choices.ActionEffect",
        "ActionStatusEnum": "compliance.choices.ActionStatus",
        "OfficialRoleEnum": "jurisdictions.choices.OfficialRole",
        "RiskLevelEnum": "compliance.choices.RiskLevel",
        "DatePrecisionEnum": "jurisdictions.choices.DatePrecision",
        "FigureKindEnum": "grants.choices.FigureKind",
        "SubscriptionKindEnum": "compliance.models.alerts.Subscription.Kind",
        "SubscriptionRecordTypeEnum": "compliance.models.alerts.Subscription.RecordType",
        "SubscriptionEmailEnum": "compliance.models.alerts.Subscription.Email",
        "DeliveryChannelEnum": "compliance.models.alerts.AlertDelivery.Channel",
        "DeliveryStatusEnum": "compliance.models.alerts.AlertDelivery.Status",
    },
}
