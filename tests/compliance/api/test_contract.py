"""The API against its own published schema, from outside, over HTTP on 127.0.0.1.

Two clients that know nothing but ``/api/schema/`` drive a live server holding the reference
data:

- schemathesis, with every check and every phase (examples, coverage, fuzzing, stateful), once
  as an editor and once anonymously (reads), must find no failure in at least 2,000 cases;
- a Python client generated from the schema by openapi-python-client calls every operation,
  reads and writes, and must parse every answer into its documented model.

The rules no schema can state, and so where a schema-valid request may be refused, are listed
in ``schemathesis.toml``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings

from compliance.models import FederalAction, Statement
from jurisdictions.models import Official
from tests.helpers import purge_broker

pytestmark = [pytest.mark.contract, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"))
MIN_CASES = 2000
PHASES = "examples,coverage,fuzzing,stateful"


@pytest.fixture
def served(live_server, editor_user):
    """The reference data behind a live server with the throttles out of the way; yields the
    server's address and an editor's token."""
    call_command("load_reference_data", verbosity=0)
    call_command("recompute_risk", processes=1, verbosity=0)
    token, _ = Token.objects.get_or_create(user=editor_user)
    rates = {"anon": "1000000/minute", "user": "1000000/minute"}
    with override_settings(
        REST_FRAMEWORK={**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}
    ):
        yield live_server.url, token.key
    purge_broker()  # the writes queued recomputes that no worker here will run


def _config(tmp_path: Path, *, token: str | None) -> Path:
    """The project's schemathesis.toml; without its token section for an anonymous run."""
    text = (ROOT / "schemathesis.toml").read_text(encoding="utf-8")
    if token is not None:
        return ROOT / "schemathesis.toml"
    anonymous = tmp_path / "anonymous.toml"
    anonymous.write_text(re.sub(r"\[auth\.openapi\.tokenAuth\]\n[^\n]*\n", "", text))
    return anonymous


def _schemathesis(url: str, tmp_path: Path, *, token: str | None, extra: list[str]) -> int:
    """Run schemathesis; fail on any failure or error it reports. Returns the cases run."""
    env = {**os.environ, "NO_COLOR": "1"}
    if token is not None:
        env["API_TOKEN"] = token
    command = [
        str(BIN / "st"), "--config-file", str(_config(tmp_path, token=token)), "run",
        f"{url}/api/schema/?format=json", "--checks", "all", "--phases", PHASES,
        "--max-examples", str(MAX_EXAMPLES), "--generation-deterministic", "--no-color",
        "--request-timeout", "20", *extra,
    ]  # fmt: skip
    if token is None:
        command += ["--include-method", "GET"]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, cwd=ROOT, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    cases = re.search(r"(\d+) generated, (\d+) passed", output)
    assert cases is not None, output[-3000:]
    assert cases.group(1) == cases.group(2), output[-3000:]
    return int(cases.group(1))


def test_schemathesis_finds_no_failure_as_editor_or_anonymous(served, tmp_path):
    url, token = served
    editor_cases = _schemathesis(url, tmp_path, token=token, extra=[])
    # Anonymously: reads only (writes answer 401, which the editor's run has checked).
    anonymous_cases = _schemathesis(
        url, tmp_path, token=None, extra=["--max-examples", str(max(MAX_EXAMPLES // 4, 3))]
    )
    total = editor_cases + anonymous_cases
    print(f"schemathesis: {editor_cases} cases as an editor, {anonymous_cases} anonymously")
    if MAX_EXAMPLES >= 15:  # the default; a quicker local run may ask for fewer
        assert total >= MIN_CASES, total


def _generated_client(url: str, tmp_path: Path):
    """A client package generated from the served schema, imported under a unique name."""
    schema = tmp_path / "schema.json"
    subprocess.run(["curl", "-sf", "-o", str(schema), f"{url}/api/schema/?format=json"], check=True)
    package = "compliance_api_client"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [str(BIN / "openapi-python-client"), "generate", "--path", str(schema), "--meta",
         "none", "--output-path", str(tmp_path / package)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout, done.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(tmp_path))


def test_a_generated_client_calls_every_operation_and_parses_every_answer(served, tmp_path):
    url, token = served
    client_package = _generated_client(url, tmp_path)
    ops = importlib.import_module(f"{client_package.__name__}.api.v1")
    models = importlib.import_module(f"{client_package.__name__}.models")
    anonymous = client_package.Client(base_url=url, raise_on_unexpected_status=True)
    editor = client_package.AuthenticatedClient(
        base_url=url, token=token, prefix="Token", raise_on_unexpected_status=True
    )

    def call(name: str, *args, client=anonymous, status: int = 200, **kwargs):
        module = importlib.import_module(f"{ops.__name__}.v1_{name}")
        response = module.sync_detailed(*args, client=client, **kwargs)
        assert response.status_code == status, (name, response.status_code, response.content)
        return response.parsed

    called = set()

    def expect(name: str, model: str, *args, **kwargs):
        parsed = call(name, *args, **kwargs)
        assert isinstance(parsed, getattr(models, model)), (name, type(parsed))
        called.add(name)
        return parsed

    official = Official.objects.filter(jurisdiction__slug="chicago-il").first()
    statement = Statement.objects.first()
    action = FederalAction.objects.first()
    expect("jurisdictions_list", "PaginatedJurisdictionList", q="chicago")
    expect("jurisdictions_retrieve", "JurisdictionDetail", "chicago-il")
    expect("jurisdictions_retrieve", "JurisdictionDetail", "chicago-il", as_of=dt.date(2017, 8, 1))
    expect("jurisdictions_timeline_retrieve", "JurisdictionTimeline", "chicago-il")
    expect("jurisdictions_changes_retrieve", "RiskChanges", "chicago-il",
           from_=dt.date(2017, 1, 1), to=dt.date(2025, 3, 1))  # fmt: skip
    expect("jurisdictions_risk_history_list", "PaginatedRiskAssessmentList", "chicago-il")
    expect("timeline_list", "NationalTimeline", from_=dt.date(2017, 1, 1))
    expect("officials_list", "PaginatedOfficialList", jurisdiction="chicago-il")
    expect("officials_retrieve", "Official", official.pk)
    expect("statements_list", "PaginatedStatementList", q="sanctuary")
    expect("statements_retrieve", "Statement", statement.pk)
    expect("federal_actions_list", "PaginatedFederalActionList", program="16.738")
    expect("federal_actions_retrieve", "FederalAction", action.pk)
    program = expect("grant_programs_list", "PaginatedGrantProgramList").results[0]
    expect("grant_programs_retrieve", "GrantProgram", program.aln)
    award = expect("grant_awards_list", "PaginatedGrantAwardList").results[0]
    expect("grant_awards_retrieve", "GrantAward", award.id)

    created = expect(
        "statements_create", "Statement", client=editor, status=201,
        body=models.StatementRequest(
            jurisdiction="chicago-il", speaker="A. Speaker", said_on=dt.date(2025, 2, 3),
            quote="We will keep our ordinance.", position=models.StatementPositionEnum.DEFIANT,
            source_url="https://example.org/statement",
        ),
    )  # fmt: skip
    changed = expect(
        "statements_partial_update", "Statement", created.id, client=editor,
        body=models.PatchedStatementRequest(position=models.StatementPositionEnum.NEUTRAL),
    )  # fmt: skip
    assert changed.position == models.StatementPositionEnum.NEUTRAL
    assert call("statements_destroy", created.id, client=editor, status=204) is None
    called.add("statements_destroy")

    new_action = expect(
        "federal_actions_create", "FederalAction", client=editor, status=201,
        body=models.FederalActionRequest(
            kind=models.ActionKindEnum.DOJ_LETTER, issuing_body="U.S. Department of Justice",
            title="A letter", issued_on=dt.date(2025, 2, 3),
            effect=models.ActionEffectEnum.THREAT, targets=["chicago-il"],
            programs=["16.738"], source_url="https://example.org/letter",
        ),
    )  # fmt: skip
    expect(
        "federal_actions_partial_update", "FederalAction", new_action.id, client=editor,
        body=models.PatchedFederalActionRequest(title="A letter, corrected"),
    )  # fmt: skip
    assert call("federal_actions_destroy", new_action.id, client=editor, status=204) is None
    called.add("federal_actions_destroy")

    follow = expect(
        "subscriptions_create", "Subscription", client=editor, status=201,
        body=models.SubscriptionRequest(
            kind=models.SubscriptionKindEnum.JURISDICTION, jurisdiction="chicago-il",
            threshold_percent=10, email=models.SubscriptionEmailEnum.OFF,
        ),
    )  # fmt: skip
    expect("subscriptions_list", "PaginatedSubscriptionList", client=editor)
    expect("subscriptions_retrieve", "Subscription", follow.id, client=editor)
    renamed = expect(
        "subscriptions_partial_update", "Subscription", follow.id, client=editor,
        body=models.PatchedSubscriptionRequest(name="Chicago"),
    )  # fmt: skip
    assert renamed.name == "Chicago"
    expect("subscriptions_test_create", "SampleEvent", follow.id, client=editor, status=202)
    rotated = expect("subscriptions_rotate_secrets_create", "Subscription", follow.id,
                     client=editor)  # fmt: skip
    assert rotated.webhook_secret != renamed.webhook_secret
    expect("subscriptions_deliveries_list", "PaginatedAlertDeliveryList", follow.id,
           client=editor)  # fmt: skip
    assert call("subscriptions_destroy", follow.id, client=editor, status=204) is None
    called.add("subscriptions_destroy")

    # An answer the schema documents as an error parses into its error model too.
    refused = call("statements_retrieve", 10**9, status=404)
    assert isinstance(refused, models.Error)
    operations = {
        path.stem.removeprefix("v1_") for path in Path(ops.__file__).parent.glob("v1_*.py")
    }
    assert called == operations, operations - called
