"""The fair peer of a cold contact POST on Lambda: a bare Flask app behind apig-wsgi that stores the posted form as
one DynamoDB item through boto3 (one client, one PutItem) and answers JSON.

It does the durable work a cold invocation of ours cannot skip, and nothing else: no settings, validation, rate
limit, logs or resource layer. BENCH_DURABLE_TABLE names the table (the submissions table `init` made).
"""

import json
import os
import uuid

import boto3
from flask import Flask, jsonify, request

app = Flask(__name__)
TABLE = os.environ.get("BENCH_DURABLE_TABLE", "bench-submissions")
client = boto3.client("dynamodb")


@app.post("/api/contact")
def contact():
    item = {
        "pk": {"S": f"durable#{uuid.uuid4().hex}"},
        "sk": {"S": "submission"},
        "payload": {"S": json.dumps(request.form)},
    }
    client.put_item(TableName=TABLE, Item=item)
    return jsonify(ok=True)
