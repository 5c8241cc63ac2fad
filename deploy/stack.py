"""Read what the deployed CloudFormation stack knows, so that nobody copies ids by hand.

    python -m deploy.stack outputs --stack clinic                 # every output, KEY=value
    python -m deploy.stack outputs --stack clinic --key SiteUrl   # one output's value
    python -m deploy.stack run --stack clinic -- python -m forms_lambda notify --site output/

`run` starts the command with the deployed function's FORMS_* settings (store, mailer, sender, secret key) in
its environment, so `notify` on a laptop or in CI talks to the same tables and SES as the site, and the secret
never passes through a file, a shell variable or a log.
"""
import argparse
import json
import os
import sys

import boto3

# Output names of deploy/template.yaml that the tools here rely on.
BUCKET_OUTPUT = "SiteBucketName"
DISTRIBUTION_OUTPUT = "DistributionId"
FORMS_ENV_OUTPUT = "FormsEnvironment"
SECRET_OUTPUT = "FormsSecretArn"


def stack_outputs(stack_name):
    """The stack's outputs as a dict {OutputKey: OutputValue}."""
    stack = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def forms_environment(stack_name):
    """The FORMS_* settings of the deployed function, so `notify` run by CI talks to the same store and mailer."""
    outputs = stack_outputs(stack_name)
    env = json.loads(outputs[FORMS_ENV_OUTPUT])
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=outputs[SECRET_OUTPUT])
    env["FORMS_SECRET_KEY"] = json.loads(secret["SecretString"])["key"]
    return env


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m deploy.stack", description=__doc__.splitlines()[0],
                                     usage="python -m deploy.stack {outputs,run} [--stack NAME] [--key OUTPUT] [-- COMMAND ...]")
    parser.add_argument("what", choices=["outputs", "run"])
    parser.add_argument("--stack", default=os.environ.get("DEPLOY_STACK"), help="CloudFormation stack name")
    parser.add_argument("--key", help="with outputs: print only this output's value")
    argv = sys.argv[1:] if argv is None else argv
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
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
    if not command:
        parser.error("run needs a command after --")
    os.execvpe(command[0], command, {**os.environ, **forms_environment(args.stack)})


if __name__ == "__main__":
    sys.exit(main())
