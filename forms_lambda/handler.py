"""AWS Lambda entry: the same Flask app behind API Gateway (HTTP API payload 2.0 or REST 1.0)."""
from apig_wsgi import make_lambda_handler

from . import create_app

_lambda_handler = None


def handler(event, context):
    global _lambda_handler
    if _lambda_handler is None:
        # Built on the first event, after the environment is final; warm invocations reuse it.
        _lambda_handler = make_lambda_handler(create_app(), binary_support=True)
    return _lambda_handler(event, context)
