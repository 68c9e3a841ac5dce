#!/usr/bin/env python3
"""Captures known-answer signature vectors from the official Alibaba Cloud Python SDK.

Starts a tiny HTTP server on loopback that records every raw request (method, path, raw
query, headers in the order and case sent, body) and answers {"RequestId": "x"}, then calls
the ECS API through `alibabacloud_ecs20140526` (and the generic `call_api` for requests with
a form body), signed with ACS3-HMAC-SHA256 (the SDK's default) and with the RPC signature
(`signature_algorithm='v2'`), with a plain and an STS credential. Each captured request is
written as JSON to tests/fixtures/signature/<name>.json, with the key that signed it, so the
Rust tests (src/signature/tests.rs) verify exactly what the SDK sends.

Not run by CI: run it by hand in a virtual environment with `alibabacloud-ecs20140526`
installed, from the repository root:

    python tests/e2e/signature_vectors.py

The secrets below are made up for the vectors; they sign nothing real.
"""

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path

for proxy in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(proxy, None)
os.environ["NO_PROXY"] = "127.0.0.1"

from alibabacloud_ecs20140526 import models as ecs_models  # noqa: E402
from alibabacloud_ecs20140526.client import Client as EcsClient  # noqa: E402
from alibabacloud_tea_openapi import utils_models as open_api_models  # noqa: E402
from darabonba.runtime import RuntimeOptions  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "signature"

ACCESS_KEY_ID = "LTAI5tVectorPlainKey01"
SECRET = "vector-secret-0123456789abcdef"
STS_ACCESS_KEY_ID = "STS.NVectorTemporaryKey02"
STS_SECRET = "vector-sts-secret-fedcba9876543210"
STS_TOKEN = "CAIS+vector/token==with+plus/and=equals"

CAPTURED = []


class Recorder(BaseHTTPRequestHandler):
    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        CAPTURED.append(
            {
                "method": self.command,
                "path": path,
                "query": query,
                "headers": [[name, value] for name, value in self.headers.items()],
                "body": body.decode("utf-8"),
            }
        )
        answer = json.dumps({"RequestId": "x"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = _record
    do_POST = _record

    def log_message(self, *args):
        pass


def config(port, sts, rpc):
    return open_api_models.Config(
        endpoint=f"127.0.0.1:{port}",
        protocol="http",
        access_key_id=STS_ACCESS_KEY_ID if sts else ACCESS_KEY_ID,
        access_key_secret=STS_SECRET if sts else SECRET,
        security_token=STS_TOKEN if sts else None,
        signature_algorithm="v2" if rpc else None,
        region_id="cn-hangzhou",
    )


# Values that exercise the encodings: a space (`+` on the wire, `%20` when signed), `*`, `~`,
# `/`, `=`, `&`, and text that is not ASCII.
TAG_VALUE = "a b*c~d/e=f&g+h é"
CANCEL_PARAMETERS = {
    "ExecutionId": "exec-1",
    "RegionId": "cn-hangzhou",
    "TemplateTag.1.Key": "team",
    "TemplateTag.1.Value": TAG_VALUE,
}


def cancel(port, sts, rpc):
    client = EcsClient(config(port, sts, rpc))
    request = ecs_models.CancelImagePipelineExecutionRequest(
        execution_id="exec-1",
        region_id="cn-hangzhou",
        template_tag=[
            ecs_models.CancelImagePipelineExecutionRequestTemplateTag(key="team", value=TAG_VALUE)
        ],
    )
    client.cancel_image_pipeline_execution_with_options(request, RuntimeOptions())
    return CANCEL_PARAMETERS


FORM_QUERY = {"RegionId": "cn-hangzhou"}
FORM_BODY = {"ExecutionId": "exec 2/ü", "TemplateTag.1.Value": TAG_VALUE}


def cancel_with_form_body(port, sts, rpc):
    """The generic `call_api`, as for an action whose parameters travel in a form body."""
    client = EcsClient(config(port, sts, rpc))
    params = open_api_models.Params(
        action="CancelImagePipelineExecution",
        version="2014-05-26",
        protocol="HTTP",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    request = open_api_models.OpenApiRequest(query=dict(FORM_QUERY), body=dict(FORM_BODY))
    client.call_api(params, request, RuntimeOptions())
    return {**FORM_QUERY, **FORM_BODY}


VECTORS = [
    ("acs3_plain", cancel, False, False),
    ("acs3_sts", cancel, True, False),
    ("acs3_form", cancel_with_form_body, False, False),
    ("rpc_plain", cancel, False, True),
    ("rpc_sts", cancel, True, True),
    ("rpc_form", cancel_with_form_body, False, True),
]


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    OUT.mkdir(parents=True, exist_ok=True)
    versions = {
        package: metadata.version(package)
        for package in ("alibabacloud-ecs20140526", "alibabacloud-tea-openapi", "darabonba-core")
    }
    for name, call, sts, rpc in VECTORS:
        CAPTURED.clear()
        parameters = call(port, sts, rpc)
        if len(CAPTURED) != 1:
            sys.exit(f"{name}: expected one request, captured {len(CAPTURED)}")
        vector = {
            "name": name,
            "algorithm": "RPC-HMAC-SHA1" if rpc else "ACS3-HMAC-SHA256",
            "sdk": versions,
            "port": port,
            "access_key_id": STS_ACCESS_KEY_ID if sts else ACCESS_KEY_ID,
            "secret": STS_SECRET if sts else SECRET,
            "security_token": STS_TOKEN if sts else None,
            "parameters": parameters,
            "request": CAPTURED[0],
        }
        path = OUT / f"{name}.json"
        path.write_text(json.dumps(vector, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(OUT.parent.parent.parent)}")
    server.shutdown()


if __name__ == "__main__":
    main()
