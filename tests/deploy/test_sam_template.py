"""deploy/template.yaml: cfn-lint clean, and the parts other code relies on say what that code expects."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode.cfn_yaml import load

# tests/security/test_headers.py holds these to the team brief's exact values; CloudFront must send the same.
from forms_lambda.headers import SECURITY_HEADERS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "template.yaml"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def template():
    return load(str(TEMPLATE))


def resources_of_type(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_cfn_lint_reports_nothing():
    result = subprocess.run([str(VENV_BIN / "cfn-lint"), str(TEMPLATE)], capture_output=True, text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def headers_cloudfront_sends(policy):
    """The response headers a CloudFront ResponseHeadersPolicyConfig adds, as name -> value."""
    security = policy["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    headers = {
        "Content-Security-Policy": security["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        "Strict-Transport-Security": f"max-age={hsts['AccessControlMaxAgeSec']}"
                                     + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else "")
                                     + ("; preload" if hsts.get("Preload") else ""),
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
        "X-Frame-Options": security["FrameOptions"]["FrameOption"],
    }
    if "ContentTypeOptions" in security:
        headers["X-Content-Type-Options"] = "nosniff"
    for item in policy["CustomHeadersConfig"]["Items"]:
        headers[item["Header"]] = item["Value"]
    return headers


def test_cloudfront_sends_exactly_the_security_headers_of_the_form_service(template):
    (policy,) = resources_of_type(template, "AWS::CloudFront::ResponseHeadersPolicy").values()
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    assert headers_cloudfront_sends(config) == SECURITY_HEADERS
    overrides = [h["Override"] for h in config["SecurityHeadersConfig"].values()]
    overrides += [h["Override"] for h in config["CustomHeadersConfig"]["Items"]]
    assert all(overrides)


def test_every_behavior_uses_the_security_headers_and_api_is_not_cached(template):
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert all(b["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"} for b in behaviors)
    (api,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert api["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # managed CachingDisabled
    assert "POST" in api["AllowedMethods"]
    origins = {o["Id"]: o for o in config["Origins"]}
    assert origins[api["TargetOriginId"]]["DomainName"]["Fn::Sub"].startswith("${HttpApi}.execute-api.")
    assert origins[config["DefaultCacheBehavior"]["TargetOriginId"]]["OriginAccessControlId"] == \
        {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}


def test_tables_follow_the_teams_fixed_layout(template):
    tables = resources_of_type(template, "AWS::DynamoDB::Table").values()
    names = sorted(t["Properties"]["TableName"]["Fn::Sub"] for t in tables)
    assert names == [f"${{AWS::StackName}}-{n}" for n in ("limits", "sends", "submissions", "subscribers")]
    for table in tables:
        p = table["Properties"]
        assert p["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                  {"AttributeName": "sk", "KeyType": "RANGE"}]
        assert p["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"},
                                             {"AttributeName": "sk", "AttributeType": "S"}]
        assert p["BillingMode"] == "PAY_PER_REQUEST"
        assert p["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
        assert p["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert "GlobalSecondaryIndexes" not in p


def test_function_is_configured_as_the_form_service_expects(template):
    function = template["Resources"]["FormsFunction"]["Properties"]
    assert (function["Handler"], function["Runtime"], function["Architectures"]) == \
        ("forms_lambda.handler.handler", "python3.12", ["arm64"])
    env = function["Environment"]["Variables"]
    assert sorted(env) == ["FORMS_CLINIC_ADDRESS", "FORMS_CLINIC_INBOX", "FORMS_MAILER", "FORMS_SECRET_KEY",
                           "FORMS_SENDER", "FORMS_SES_CONFIGURATION_SET", "FORMS_SITE_URL", "FORMS_SNS_TOPIC_ARNS",
                           "FORMS_STORE", "FORMS_VAR_DIR"]
    assert env["FORMS_STORE"] == {"Fn::Sub": "dynamodb://${AWS::StackName}"}
    assert env["FORMS_MAILER"] == "ses"
    assert env["FORMS_SECRET_KEY"]["Fn::Sub"].startswith("{{resolve:secretsmanager:")
    events = function["Events"]
    assert events["Api"]["Properties"]["Path"] == "/api/{proxy+}"
    retry = events["RetryPendingDeliveries"]["Properties"]
    assert json.loads(retry["Input"]) == {"forms_lambda": "retry"}
    # HTTP API on the $default stage: no stage name in the path the function sees.
    assert "StageName" not in template["Resources"]["HttpApi"].get("Properties", {})


def as_sub(value):
    """A template value as the text of an Fn::Sub, to compare values written either way."""
    if isinstance(value, dict) and "Ref" in value:
        return "${%s}" % value["Ref"]
    if isinstance(value, dict) and "Fn::Sub" in value:
        return value["Fn::Sub"]
    return value


def test_notify_in_ci_gets_the_same_settings_as_the_function(template):
    """deploy.stack run gives `notify` the FormsEnvironment output plus the secret: it must mirror the function."""
    env = template["Resources"]["FormsFunction"]["Properties"]["Environment"]["Variables"]
    output = json.loads(template["Outputs"]["FormsEnvironment"]["Value"]["Fn::Sub"])
    assert output == {name: as_sub(value) for name, value in env.items() if name != "FORMS_SECRET_KEY"}
    assert template["Outputs"]["FormsSecretArn"]["Value"] == {"Ref": "FormsSecret"}
    assert "FormsSecret}" in env["FORMS_SECRET_KEY"]["Fn::Sub"]


def test_ses_bounces_and_complaints_reach_the_ses_events_endpoint(template):
    destination = template["Resources"]["SesEventDestination"]["Properties"]["EventDestination"]
    assert sorted(destination["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert destination["SnsDestination"]["TopicARN"] == {"Ref": "SesEventsTopic"}
    subscription = template["Resources"]["SesEventsSubscription"]["Properties"]
    assert subscription["TopicArn"] == {"Ref": "SesEventsTopic"}
    assert subscription["Endpoint"]["Fn::Sub"].endswith("/api/ses-events")


def test_bucket_is_private_encrypted_and_owner_enforced(template):
    bucket = template["Resources"]["SiteBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    # AES256 (not KMS): the publisher relies on ETag == MD5.
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def run_clean_urls(template, uri, querystring=None):
    """Runs the CloudFront Function's own code in Node.js with a viewer-request event."""
    code = template["Resources"]["CleanUrlsFunction"]["Properties"]["FunctionCode"]
    event = {"request": {"method": "GET", "uri": uri, "querystring": querystring or {}, "headers": {}}}
    script = f"{code}\nprocess.stdout.write(JSON.stringify(handler({json.dumps(event)})));"
    result = subprocess.run([shutil.which("node") or "node", "-e", script], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)


def test_clean_urls_function_maps_directories_to_index_html(template):
    assert run_clean_urls(template, "/blog/ketamine-for-chronic-pain/")["uri"] == \
        "/blog/ketamine-for-chronic-pain/index.html"
    assert run_clean_urls(template, "/")["uri"] == "/index.html"
    assert run_clean_urls(template, "/theme/css/site.3f9a1c2b.css")["uri"] == "/theme/css/site.3f9a1c2b.css"
    assert run_clean_urls(template, "/feeds/all.atom.xml")["uri"] == "/feeds/all.atom.xml"


def test_clean_urls_function_redirects_a_missing_slash_keeping_the_query(template):
    answer = run_clean_urls(template, "/about")
    assert (answer["statusCode"], answer["headers"]["location"]["value"]) == (301, "/about/")
    answer = run_clean_urls(template, "/subscribed", {"utm_source": {"value": "email"},
                                                      "a": {"value": "1", "multiValue": [{"value": "1"},
                                                                                         {"value": "2"}]}})
    assert answer["headers"]["location"]["value"] == "/subscribed/?utm_source=email&a=1&a=2"


def test_new_submissions_reach_the_function_through_the_tables_stream(template):
    """DynamoDB Streams -> FormsFunction (forms_lambda.delivery.deliver_stream_records): keys only, new items
    only, partial batch failures, bisect, bounded retries, then the on-failure queue."""
    table = template["Resources"]["SubmissionsTable"]["Properties"]
    assert table["StreamSpecification"] == {"StreamViewType": "KEYS_ONLY"}  # as DynamoStore.init makes it
    events = template["Resources"]["FormsFunction"]["Properties"]["Events"]
    stream = events["DeliverNewSubmissions"]
    assert stream["Type"] == "DynamoDB"
    p = stream["Properties"]
    assert p["Stream"] == {"Fn::GetAtt": ["SubmissionsTable", "StreamArn"]}
    assert 1 <= p["BatchSize"] <= 10 and p["MaximumBatchingWindowInSeconds"] == 0
    assert p["BisectBatchOnFunctionError"] is True and p["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= p["MaximumRetryAttempts"] <= 10
    assert [json.loads(f["Pattern"]) for f in p["FilterCriteria"]["Filters"]] == [{"eventName": ["INSERT"]}]
    assert p["DestinationConfig"]["OnFailure"] == {"Type": "SQS",
                                                   "Destination": {"Fn::GetAtt": ["DeliveryFailuresQueue", "Arn"]}}
    assert template["Resources"]["DeliveryFailuresQueue"]["Type"] == "AWS::SQS::Queue"
    # The schedule stays: it retries what failed, when it is due again.
    assert json.loads(events["RetryPendingDeliveries"]["Properties"]["Input"]) == {"forms_lambda": "retry"}


def alarms(template):
    return {name: r["Properties"] for name, r in resources_of_type(template, "AWS::CloudWatch::Alarm").items()}


def test_every_alarm_emails_the_alert_address(template):
    topic = template["Resources"]["AlertsTopic"]["Properties"]
    assert topic["Subscription"] == [{"Protocol": "email", "Endpoint": {"Ref": "AlertEmail"}}]
    assert template["Parameters"]["AlertEmail"]["Type"] == "String"
    assert len(alarms(template)) == 6
    for alarm in alarms(template).values():
        assert alarm["AlarmActions"] == [{"Ref": "AlertsTopic"}]


def test_alarms_watch_what_the_issue_names(template):
    watched = {(a["Namespace"] if isinstance(a["Namespace"], str) else a["Namespace"]["Fn::Sub"], a["MetricName"]):
               (a["ComparisonOperator"], a["Threshold"]) for a in alarms(template).values()}
    assert watched == {
        ("AWS/Lambda", "Errors"): ("GreaterThanOrEqualToThreshold", 1),
        ("${AWS::StackName}/forms", "OldestPendingSeconds"): ("GreaterThanThreshold", 1800),  # 30 minutes
        ("${AWS::StackName}/forms", "FailedSubmissions"): ("GreaterThanOrEqualToThreshold", 1),  # any failed
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"): ("GreaterThanOrEqualToThreshold", 1),  # queue not empty
        ("AWS/SES", "Reputation.BounceRate"): ("GreaterThanThreshold", 0.05),  # 5%
        ("AWS/SES", "Reputation.ComplaintRate"): ("GreaterThanThreshold", 0.001),  # 0.1%
    }


def test_delivery_metrics_come_from_the_line_the_schedules_retry_logs(template):
    """The metric filters read fields of forms_lambda's `delivery.status` log line: the names must match."""
    from forms_lambda.logs import FIELDS
    filters = resources_of_type(template, "AWS::Logs::MetricFilter").values()
    metrics = {}
    for f in filters:
        p = f["Properties"]
        assert p["LogGroupName"] == {"Ref": "FormsLogGroup"} and p["FilterPattern"] == '{ $.event = "delivery.status" }'
        for t in p["MetricTransformations"]:
            metrics[t["MetricName"]] = t["MetricValue"]
    assert metrics == {"OldestPendingSeconds": "$.oldest_pending_seconds", "FailedSubmissions": "$.failed"}
    assert {"oldest_pending_seconds", "failed"} <= FIELDS  # logs.py would drop fields it does not know
