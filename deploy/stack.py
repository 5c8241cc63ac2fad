"""Read what the deployed CloudFormation stack knows, so that nobody copies ids by hand.

    python -m deploy.stack outputs --stack clinic     # every output, KEY=value
    python -m deploy.stack forms-env --stack clinic   # the FORMS_* variables `notify` needs, KEY=value

The second prints the form service's secret key: pipe it into $GITHUB_ENV after masking it, never into a log.
"""
import argparse
import json
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
    parser = argparse.ArgumentParser(prog="python -m deploy.stack", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["outputs", "forms-env"])
    parser.add_argument("--stack", required=True, help="CloudFormation stack name")
    args = parser.parse_args(argv)
    values = stack_outputs(args.stack) if args.what == "outputs" else forms_environment(args.stack)
    for key, value in sorted(values.items()):
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
