"""Read what the deployed CloudFormation stack knows, so that nobody copies ids by hand (operators' tools).

    python -m deploy.stack outputs --stack clinic                 # every output, KEY=value
    python -m deploy.stack outputs --stack clinic --key SiteUrl   # one output's value
    python -m deploy.stack run --stack clinic -- python -m forms_lambda export
    python -m deploy.stack notify --stack clinic                  # the stack's NotifyFunction mails new articles
    python -m deploy.stack rotate-key --stack clinic              # new signing key; the old one stays accepted

`notify` is the last step of every publish (`make deploy`, the Publish workflow). `run` is for operators with
administrator credentials: it starts the command with the deployed function's FORMS_* settings in its
environment, so a command on an operator's machine talks to the same tables and SES as the site. The signing keys
are not among them: the command reads them from Secrets Manager itself (FORMS_SECRET_ARN), so they never pass
through a file, a shell variable or a log.
"""

import argparse
import json
import os
import secrets
import sys

import boto3

from forms_lambda.signing_keys import parse_secret

# Output names of deploy/template.yaml that the tools here rely on.
BUCKET_OUTPUT = "SiteBucketName"
DISTRIBUTION_OUTPUT = "DistributionId"
FORMS_ENV_OUTPUT = "FormsEnvironment"
SECRET_OUTPUT = "FormsSecretArn"
NOTIFY_OUTPUT = "NotifyFunctionName"
# The NotifyFunction's Timeout in deploy/template.yaml: a mailing may take all of it.
NOTIFY_TIMEOUT_SECONDS = 900


def stack_outputs(stack_name):
    """The stack's outputs as a dict {OutputKey: OutputValue}."""
    stack = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def forms_environment(stack_name):
    """The FORMS_* settings of the deployed function (the keys' ARN, never a key)."""
    return json.loads(stack_outputs(stack_name)[FORMS_ENV_OUTPUT])


def notify(stack_name, out=sys.stdout, err=sys.stderr):
    """Have the stack's NotifyFunction mail the published site's new articles; returns notify's exit code.

    What runs the newsletter is the function, with its own rights: the caller needs only lambda:InvokeFunction.
    """
    from botocore.config import Config

    name = stack_outputs(stack_name)[NOTIFY_OUTPUT]
    # One attempt: a timed-out call is still mailing, and a second invocation would only wait for its claims.
    client = boto3.client(
        "lambda", config=Config(read_timeout=NOTIFY_TIMEOUT_SECONDS + 60, retries={"total_max_attempts": 1})
    )
    reply = client.invoke(FunctionName=name, Payload=b"{}")
    payload = json.loads(reply["Payload"].read() or b"null")
    if reply.get("FunctionError") or not isinstance(payload, dict):
        # Only the type: an error message may quote data, and CI logs are widely readable.
        kind = payload.get("errorType") if isinstance(payload, dict) else "no answer"
        print(f"notify: the function {name} failed ({kind}); its log group /<stack>/notify says why", file=err)
        return 1
    out.write(payload.get("summary", ""))
    return payload.get("exit_code", 1)


def rotate_key(stack_name, forget_previous=False):
    """Put a new signing key in the stack's secret; returns how many older keys stay accepted.

    The old key moves to "previous" so every link already mailed keeps working (unsubscribe links never expire);
    forget_previous drops them all, for a key that leaked.
    """
    arn = stack_outputs(stack_name)[SECRET_OUTPUT]
    client = boto3.client("secretsmanager")
    keys = parse_secret(client.get_secret_value(SecretId=arn)["SecretString"])  # oldest first, signing key last
    previous = [] if forget_previous else list(reversed(keys))
    client.put_secret_value(
        SecretId=arn, SecretString=json.dumps({"key": secrets.token_urlsafe(48), "previous": previous})
    )
    return len(previous)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m deploy.stack",
        description=__doc__.splitlines()[0],
        usage="python -m deploy.stack {outputs,run,notify,rotate-key} [--stack NAME] "
        "[--key OUTPUT] [--forget-previous] [-- COMMAND ...]",
    )
    parser.add_argument("what", choices=["outputs", "run", "notify", "rotate-key"])
    parser.add_argument("--stack", default=os.environ.get("DEPLOY_STACK"), help="CloudFormation stack name")
    parser.add_argument("--key", help="with outputs: print only this output's value")
    parser.add_argument(
        "--forget-previous",
        action="store_true",
        help="with rotate-key: stop accepting every older key (after a leak; breaks old links)",
    )
    argv = sys.argv[1:] if argv is None else argv
    command = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    if not args.stack:
        parser.error("no stack: pass --stack or set DEPLOY_STACK")
    if args.what == "outputs":
        outputs = stack_outputs(args.stack)
        if args.key:
            if args.key not in outputs:
                parser.error(f"stack {args.stack} has no output {args.key}")
            print(outputs[args.key])
            return 0
        for key, value in sorted(outputs.items()):
            print(f"{key}={value}")
        return 0
    if args.what == "notify":
        return notify(args.stack)
    if args.what == "rotate-key":
        kept = rotate_key(args.stack, forget_previous=args.forget_previous)
        print(f"new signing key in place; {kept} older key(s) still accepted")
        return 0
    if not command:
        parser.error("run needs a command after --")
    os.execvpe(command[0], command, {**os.environ, **forms_environment(args.stack)})


if __name__ == "__main__":
    sys.exit(main())
