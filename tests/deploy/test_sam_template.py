"""deploy/template.yaml: cfn-lint clean, and the parts other code relies on say what that code expects."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode.cfn_yaml import load

# tests/security/test_headers.py holds these to docs/http.md's exact values; CloudFront must send the same.
from forms_lambda.config import SETTINGS
from forms_lambda.headers import SECURITY_HEADERS
from forms_lambda.services import PENDING_ALERT_SECONDS

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
    assert origins[config["DefaultCacheBehavior"]["TargetOriginId"]]["OriginAccessControlId"] == {
        "Fn::GetAtt": ["SiteOriginAccessControl", "Id"]
    }


def test_tables_follow_the_teams_fixed_layout(template):
    tables = resources_of_type(template, "AWS::DynamoDB::Table").values()
    names = sorted(t["Properties"]["TableName"]["Fn::Sub"] for t in tables)
    assert names == [f"${{AWS::StackName}}-{n}" for n in ("limits", "sends", "submissions", "subscribers")]
    for table in tables:
        p = table["Properties"]
        assert p["KeySchema"] == [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ]
        assert p["AttributeDefinitions"] == [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ]
        assert p["BillingMode"] == "PAY_PER_REQUEST"
        assert p["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
        assert p["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert "GlobalSecondaryIndexes" not in p


def test_function_is_configured_as_the_form_service_expects(template):
    function = template["Resources"]["FormsFunction"]["Properties"]
    assert (function["Handler"], function["Runtime"], function["Architectures"]) == (
        "forms_lambda.handler.handler",
        "python3.12",
        ["arm64"],
    )
    env = function["Environment"]["Variables"]
    assert sorted(env) == [
        "FORMS_CLINIC_ADDRESS",
        "FORMS_CLINIC_INBOX",
        "FORMS_MAILER",
        "FORMS_ORIGIN_SECRET_ARN",
        "FORMS_SECRET_ARN",
        "FORMS_SENDER",
        "FORMS_SES_CONFIGURATION_SET",
        "FORMS_SITE_URL",
        "FORMS_SNS_TOPIC_ARNS",
        "FORMS_STORE",
        "FORMS_URGENT_INBOX",
        "FORMS_VAR_DIR",
    ]
    assert env["FORMS_STORE"] == {"Fn::Sub": "dynamodb://${AWS::StackName}"}
    assert env["FORMS_MAILER"] == "ses"
    # Optional: the stack deploys without it, and the service reads the empty value as none.
    assert env["FORMS_URGENT_INBOX"] == {"Ref": "UrgentInbox"}
    assert template["Parameters"]["UrgentInbox"]["Default"] == ""
    events = function["Events"]
    retry = events["RetryPendingDeliveries"]["Properties"]
    assert json.loads(retry["Input"]) == {"forms_lambda": "retry"}
    purge = events["PurgeDeliveredSubmissions"]["Properties"]
    assert (json.loads(purge["Input"]), purge["Schedule"]) == ({"forms_lambda": "purge"}, "rate(1 day)")
    # HTTP API on the $default stage: no stage name in the path the function sees.
    assert "StageName" not in template["Resources"]["HttpApi"].get("Properties", {})


def as_sub(value):
    """A template value as the text of an Fn::Sub, to compare values written either way."""
    if isinstance(value, dict) and "Ref" in value:
        return "${" + value["Ref"] + "}"
    if isinstance(value, dict) and "Fn::Sub" in value:
        return value["Fn::Sub"]
    return value


def test_operators_commands_get_the_same_settings_as_the_function(template):
    """deploy.stack run gives a command the FormsEnvironment output: it must mirror the function."""
    env = template["Resources"]["FormsFunction"]["Properties"]["Environment"]["Variables"]
    output = json.loads(template["Outputs"]["FormsEnvironment"]["Value"]["Fn::Sub"])
    assert output == {name: as_sub(value) for name, value in env.items()}
    assert template["Outputs"]["FormsSecretArn"]["Value"] == {"Ref": "FormsSecret"}


def test_no_signing_key_in_any_environment_only_the_secrets_arn(template):
    """The environment is readable with lambda:GetFunctionConfiguration; the keys are read at cold start."""
    text = TEMPLATE.read_text()
    # The one value resolved into a resource: the origin header CloudFront must send (never a signing key).
    assert text.count("{{resolve:") == 1 and "{{resolve:secretsmanager:${OriginSecret}:SecretString:key}}" in text
    assert "FORMS_SECRET_KEY" not in text
    functions = resources_of_type(template, "AWS::Serverless::Function")
    assert functions
    for name, function in functions.items():
        env = function["Properties"]["Environment"]["Variables"]
        assert env["FORMS_SECRET_ARN"] == {"Ref": "FormsSecret"}, name
        statements = [s for policy in function["Properties"]["Policies"] for s in policy["Statement"]]
        reads = [
            (s["Action"], s["Resource"]) for s in statements if "secretsmanager:GetSecretValue" in str(s["Action"])
        ]
        expected = [("secretsmanager:GetSecretValue", {"Ref": "FormsSecret"})]
        if "FORMS_ORIGIN_SECRET_ARN" in env:
            expected.append(("secretsmanager:GetSecretValue", {"Ref": "OriginSecret"}))
        assert reads == expected, name


def test_only_requests_through_cloudfront_reach_the_form_service_with_the_visitors_address(template):
    """Issue 18 defect 4: CloudFront adds the secret origin header the function checks (FORMS_ORIGIN_SECRET_ARN)
    and CloudFront-Viewer-Address, which the rate limiter counts instead of the edge's sourceIp."""
    resources = template["Resources"]
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    (api,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    origin = {o["Id"]: o for o in config["Origins"]}[api["TargetOriginId"]]
    (header,) = origin["OriginCustomHeaders"]
    assert header["HeaderName"] == "X-Origin-Verify"
    # Not written in the template: generated into the secret and resolved when CloudFormation deploys.
    assert header["HeaderValue"] == {"Fn::Sub": "{{resolve:secretsmanager:${OriginSecret}:SecretString:key}}"}
    generated = resources["OriginSecret"]["Properties"]["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "key" and generated["PasswordLength"] >= 32
    assert "SecretString" not in resources["OriginSecret"]["Properties"]
    env = resources["FormsFunction"]["Properties"]["Environment"]["Variables"]
    assert env["FORMS_ORIGIN_SECRET_ARN"] == {"Ref": "OriginSecret"}
    assert "FORMS_TRUSTED_PROXIES" not in env  # X-Forwarded-For is not what counts behind CloudFront
    assert api["OriginRequestPolicyId"] == {"Ref": "FormsOriginRequestPolicy"}
    policy = resources["FormsOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    headers = policy["HeadersConfig"]
    assert headers["HeaderBehavior"] == "whitelist" and "Host" not in headers["Headers"]
    assert {"CloudFront-Viewer-Address", "Origin", "Referer", "Content-Type", "Accept"} <= set(headers["Headers"])
    assert policy["QueryStringsConfig"]["QueryStringBehavior"] == "all"  # the tokens of confirm and unsubscribe


def api_routes(template):
    """{route key: event} of the HTTP API routes the functions declare ("ANY /api/contact")."""
    routes = {}
    for function in resources_of_type(template, "AWS::Serverless::Function").values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                routes[f"{event['Properties']['Method'].upper()} {event['Properties']['Path']}"] = event
    return routes


def test_every_public_endpoint_of_the_service_has_its_own_route_and_ses_events_none(template, tmp_path):
    """A new endpoint of the Flask app must get a route (and a throttle) here, or it is unreachable on AWS."""
    from forms_lambda import create_app

    app = create_app(
        {
            "FORMS_SECRET_KEY": "x" * 32,
            "FORMS_STORE": f"sqlite:///{tmp_path}/forms.sqlite3",
            "FORMS_VAR_DIR": str(tmp_path),
        }
    )
    flask_paths = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    routes = api_routes(template)
    assert {route.split(" ", 1)[1] for route in routes} == flask_paths - {"/api/ses-events"}
    assert all(route.startswith("ANY ") for route in routes)  # the app answers wrong methods itself (405)
    assert all(e["Properties"]["ApiId"] == {"Ref": "HttpApi"} for e in routes.values())
    assert not [r for r in routes if "{proxy+}" in r or "ses-events" in r]


def test_each_route_has_its_own_throttle_and_the_forms_the_tightest(template):
    api = template["Resources"]["HttpApi"]["Properties"]
    settings = api["RouteSettings"]
    assert set(settings) == set(api_routes(template))
    forms = [settings["ANY /api/contact"], settings["ANY /api/subscribe"]]
    for limits in settings.values():
        assert 0 < limits["ThrottlingRateLimit"] <= api["DefaultRouteSettings"]["ThrottlingRateLimit"]
        assert 0 < limits["ThrottlingBurstLimit"] <= api["DefaultRouteSettings"]["ThrottlingBurstLimit"]
    assert all(f["ThrottlingRateLimit"] <= 5 and f["ThrottlingBurstLimit"] <= 10 for f in forms)
    assert settings["ANY /api/health"]["ThrottlingRateLimit"] <= 1


def test_ses_bounces_and_complaints_invoke_the_function_through_sns(template):
    destination = template["Resources"]["SesEventDestination"]["Properties"]["EventDestination"]
    assert sorted(destination["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert destination["SnsDestination"]["TopicARN"] == {"Ref": "SesEventsTopic"}
    (subscription,) = resources_of_type(template, "AWS::SNS::Subscription").values()
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "SesEventsTopic"},
        "Protocol": "lambda",
        "Endpoint": {"Fn::GetAtt": ["FormsFunction", "Arn"]},
    }
    permissions = [
        p["Properties"]
        for p in resources_of_type(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "sns.amazonaws.com"
    ]
    assert permissions == [
        {
            "FunctionName": {"Ref": "FormsFunction"},
            "Action": "lambda:InvokeFunction",
            "Principal": "sns.amazonaws.com",
            "SourceArn": {"Ref": "SesEventsTopic"},
        }
    ]
    env = template["Resources"]["FormsFunction"]["Properties"]["Environment"]["Variables"]
    assert env["FORMS_SNS_TOPIC_ARNS"] == {"Ref": "SesEventsTopic"}


def test_bucket_is_private_encrypted_and_owner_enforced(template):
    bucket = template["Resources"]["SiteBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    # AES256 (not KMS): the publisher relies on ETag == MD5.
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def statements(resource):
    """Every IAM statement of a role or function, with Action and Resource as lists."""
    props = resource["Properties"]
    documents = [p["PolicyDocument"] for p in props.get("Policies", []) if "PolicyDocument" in p]
    documents += [p for p in props.get("Policies", []) if "Statement" in p]
    found = []
    for document in documents:
        for statement in document["Statement"]:
            found.append(
                {
                    **statement,
                    "Action": [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"],
                    "Resource": statement["Resource"]
                    if isinstance(statement["Resource"], list)
                    else [statement["Resource"]],
                }
            )
    return found


def test_the_publish_role_can_upload_invalidate_and_start_the_newsletter_and_nothing_else(template):
    """Code running in the publish job gets these rights: no secret, no table, no mail, no wildcard resource."""
    granted = statements(template["Resources"]["PublishRole"])
    assert all(s["Effect"] == "Allow" for s in granted)
    assert {
        (action, json.dumps(resource, sort_keys=True))
        for s in granted
        for action in s["Action"]
        for resource in s["Resource"]
    } == {
        ("cloudformation:DescribeStacks", json.dumps({"Ref": "AWS::StackId"})),
        ("s3:ListBucket", json.dumps({"Fn::GetAtt": ["SiteBucket", "Arn"]})),
        ("s3:PutObject", json.dumps({"Fn::Sub": "${SiteBucket.Arn}/*"})),
        ("s3:DeleteObject", json.dumps({"Fn::Sub": "${SiteBucket.Arn}/*"})),
        (
            "cloudfront:CreateInvalidation",
            json.dumps({"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"}),
        ),
        ("lambda:InvokeFunction", json.dumps({"Fn::GetAtt": ["NotifyFunction", "Arn"]})),
    }
    actions = [a.lower() for s in granted for a in s["Action"]]
    assert not [a for a in actions if a.startswith(("secretsmanager:", "dynamodb:", "ses:", "kms:", "iam:"))]
    assert "*" not in json.dumps([s["Resource"] for s in granted]).replace("/*", "")


def test_the_newsletter_runs_in_its_own_function_with_the_services_settings(template):
    notify = template["Resources"]["NotifyFunction"]["Properties"]
    forms = template["Resources"]["FormsFunction"]["Properties"]
    assert notify["Handler"] == "forms_lambda.handler.notify"
    assert notify["Timeout"] == 900  # Lambda's longest; deploy.stack waits as long
    from deploy.stack import NOTIFY_TIMEOUT_SECONDS

    assert notify["Timeout"] == NOTIFY_TIMEOUT_SECONDS
    assert notify["ReservedConcurrentExecutions"]["Fn::If"][1] == 1
    assert (notify["CodeUri"], notify["Runtime"], notify["Architectures"]) == (
        forms["CodeUri"],
        forms["Runtime"],
        forms["Architectures"],
    )
    env, forms_env = notify["Environment"]["Variables"], forms["Environment"]["Variables"]
    assert env["FORMS_NOTIFY_SITE"] == {"Fn::Sub": "s3://${SiteBucket}"}
    # The newsletter sends no contact messages, so no urgent ones either.
    assert {k: v for k, v in env.items() if k != "FORMS_NOTIFY_SITE"} == {
        k: v
        for k, v in forms_env.items()
        if k not in ("FORMS_SNS_TOPIC_ARNS", "FORMS_URGENT_INBOX", "FORMS_ORIGIN_SECRET_ARN")
    }
    granted = statements(template["Resources"]["NotifyFunction"])
    (feed,) = [s for s in granted if any(a.startswith("s3:") for a in s["Action"])]
    assert (feed["Action"], feed["Resource"]) == (
        ["s3:GetObject"],
        [{"Fn::Sub": "${SiteBucket.Arn}/feeds/all.atom.xml"}],
    )
    (tables,) = [s for s in granted if any(a.startswith("dynamodb:") for a in s["Action"])]
    assert tables["Resource"] == [{"Fn::GetAtt": ["SubscribersTable", "Arn"]}, {"Fn::GetAtt": ["SendsTable", "Arn"]}]
    assert template["Outputs"]["NotifyFunctionName"]["Value"] == {"Ref": "NotifyFunction"}


def test_only_the_publish_jobs_environment_may_assume_the_publish_role(template):
    (statement,) = template["Resources"]["PublishRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    # StringEquals, never StringLike: no wildcard can widen the subject.
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": {"Fn::Sub": "repo:${GitHubRepository}:environment:production"},
        }
    }


@pytest.mark.parametrize(
    "repository,accepted",
    [
        ("vitalitas/site", True),
        ("Vitalitas-Denver/clinic.site_2", True),
        ("vitalitas@1234567/site@7654321", True),  # GitHub's immutable subject form
        ("", True),  # no publish role
        ("vitalitas/*", False),
        ("vitalitas/site:ref:refs/heads/main", False),
        ("vitalitas", False),
        ("vitalitas/site/extra", False),
        ("vitalitas@abc/site", False),
        ("vitalitas/site:environment:production", False),
    ],
)
def test_the_repository_parameter_takes_a_subject_and_nothing_wider(template, repository, accepted):
    pattern = template["Parameters"]["GitHubRepository"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, repository)) is accepted


@pytest.mark.parametrize(
    "address,accepted",
    [
        ("", True),
        ("oncall@vitalitasketamine.com", True),
        ("On Call <oncall@vitalitasketamine.com>", False),
        ("oncall", False),
        ("a@b.example, c@d.example", False),
    ],
)
def test_the_urgent_inbox_parameter_takes_an_address_or_nothing(template, tmp_path, address, accepted):
    """What CloudFormation lets through, the service takes (FORMS_URGENT_INBOX): a bad value stops the deploy."""
    from forms_lambda.config import load_settings

    assert bool(re.fullmatch(template["Parameters"]["UrgentInbox"]["AllowedPattern"], address)) is accepted
    if accepted:
        assert load_settings({"FORMS_VAR_DIR": str(tmp_path), "FORMS_URGENT_INBOX": address}).urgent_inbox == address


def test_access_logs_never_hold_a_query_string_or_who_asked(template):
    """Confirm and unsubscribe links carry their token in the query; a referrer is a page's URL with its query."""
    api_format = template["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"]["Format"]
    assert json.loads(api_format.replace("$context.", ""))  # valid JSON once API Gateway fills it in
    assert "$context.path" in api_format and "$context.requestId" in api_format
    for leak in ("querystring", "QueryString", "$request.", "identity", "$context.domainPrefix", "userAgent"):
        assert leak not in api_format
    (delivery,) = resources_of_type(template, "AWS::Logs::Delivery").values()
    fields = delivery["Properties"]["RecordFields"]
    assert "cs-uri-stem" in fields
    assert not {"cs-uri-query", "cs(Referer)", "cs(Cookie)", "c-ip", "cs(User-Agent)", "x-forwarded-for"} & set(fields)
    source = template["Resources"][delivery["Properties"]["DeliverySourceName"]["Ref"]]["Properties"]
    assert source["LogType"] == "ACCESS_LOGS" and "${Distribution}" in source["ResourceArn"]["Fn::Sub"]


def test_both_functions_have_reserved_concurrency(template):
    forms = template["Resources"]["FormsFunction"]["Properties"]["ReservedConcurrentExecutions"]
    notify = template["Resources"]["NotifyFunction"]["Properties"]["ReservedConcurrentExecutions"]
    assert forms == {"Fn::If": ["ReservesConcurrency", {"Ref": "FormsReservedConcurrency"}, {"Ref": "AWS::NoValue"}]}
    assert notify == {"Fn::If": ["ReservesConcurrency", 1, {"Ref": "AWS::NoValue"}]}
    assert template["Parameters"]["FormsReservedConcurrency"]["Default"] == 10


def test_ses_delivers_only_over_tls(template):
    configuration_set = template["Resources"]["SesConfigurationSet"]["Properties"]
    assert configuration_set["DeliveryOptions"] == {"TlsPolicy": "REQUIRE"}


def test_with_a_hosted_zone_mail_gets_its_own_mail_from_spf_and_dmarc(template):
    identity = template["Resources"]["SesIdentity"]["Properties"]
    condition, mail_from, _ = identity["MailFromAttributes"]["Fn::If"]
    assert (condition, mail_from["MailFromDomain"]) == ("HasHostedZone", {"Fn::Sub": "bounce.${MailDomain}"})
    records = template["Resources"]["SesMailFromAndDmarcRecords"]
    assert records["Condition"] == "HasHostedZone"
    by_name = {
        (as_sub(r["Name"]), r["Type"]): [as_sub(v) for v in r["ResourceRecords"]]
        for r in records["Properties"]["RecordSets"]
    }
    assert by_name[("bounce.${MailDomain}", "MX")] == ["10 feedback-smtp.${AWS::Region}.amazonses.com"]
    assert by_name[("bounce.${MailDomain}", "TXT")] == ['"v=spf1 include:amazonses.com -all"']
    (dmarc,) = by_name[("_dmarc.${MailDomain}", "TXT")]
    assert dmarc.startswith('"v=DMARC1; p=${DmarcPolicy};')
    assert template["Parameters"]["DmarcPolicy"]["AllowedValues"] == ["none", "quarantine", "reject"]


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
    assert p["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["DeliveryFailuresQueue", "Arn"]},
    }
    assert template["Resources"]["DeliveryFailuresQueue"]["Type"] == "AWS::SQS::Queue"
    # The schedule stays: it retries what failed, when it is due again.
    assert json.loads(events["RetryPendingDeliveries"]["Properties"]["Input"]) == {"forms_lambda": "retry"}


def alarms(template):
    return {name: r["Properties"] for name, r in resources_of_type(template, "AWS::CloudWatch::Alarm").items()}


def test_every_alarm_emails_the_alert_address(template):
    topic = template["Resources"]["AlertsTopic"]["Properties"]
    assert topic["Subscription"] == [{"Protocol": "email", "Endpoint": {"Ref": "AlertEmail"}}]
    assert template["Parameters"]["AlertEmail"]["Type"] == "String"
    assert len(alarms(template)) == 7
    for alarm in alarms(template).values():
        assert alarm["AlarmActions"] == [{"Ref": "AlertsTopic"}]


def test_alarms_watch_what_the_issue_names(template):
    watched = {
        (a["Namespace"] if isinstance(a["Namespace"], str) else a["Namespace"]["Fn::Sub"], a["MetricName"]): (
            a["ComparisonOperator"],
            a["Threshold"],
        )
        for a in alarms(template).values()
        if a["Namespace"] != "AWS/Lambda"
    }
    assert watched == {
        # The alarm and `status` (exit 1) agree on what is late: 30 minutes.
        ("${AWS::StackName}/forms", "OldestPendingSeconds"): ("GreaterThanThreshold", PENDING_ALERT_SECONDS),
        ("${AWS::StackName}/forms", "FailedSubmissions"): ("GreaterThanOrEqualToThreshold", 1),  # any failed
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"): ("GreaterThanOrEqualToThreshold", 1),  # queue not empty
        ("AWS/SES", "Reputation.BounceRate"): ("GreaterThanThreshold", 0.05),  # 5%
        ("AWS/SES", "Reputation.ComplaintRate"): ("GreaterThanThreshold", 0.001),  # 0.1%
    }


def test_each_function_that_fails_raises_an_alarm(template):
    """Both functions: the form service, and the newsletter run (its failure leaves readers unmailed)."""
    functions = set(resources_of_type(template, "AWS::Serverless::Function"))
    on_errors = {
        a["Dimensions"][0]["Value"]["Ref"]: (a["ComparisonOperator"], a["Threshold"], a["Period"])
        for a in alarms(template).values()
        if (a["Namespace"], a["MetricName"]) == ("AWS/Lambda", "Errors")
    }
    assert functions == {"FormsFunction", "NotifyFunction"}
    assert on_errors == dict.fromkeys(functions, ("GreaterThanOrEqualToThreshold", 1, 300))


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


def test_the_stack_sets_only_variables_the_service_reads(template):
    """A misspelt variable would be ignored, and the default used without a word."""
    for name in ("FormsFunction", "NotifyFunction"):
        env = template["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert set(env) - {f.metadata["variable"] for f in SETTINGS} == set(), name
