"""Calls ECS `CancelImagePipelineExecution` through the official Alibaba Cloud Python SDK, for
the end-to-end tests of `ramcheck serve` (tests/it/serve_e2e.rs).

Reads one JSON object on standard input:

    {"parallel": false,
     "calls": [{"endpoint": "127.0.0.1:PORT", "key_id": "...", "secret": "...",
                "security_token": "..." (optional), "signature": "acs3" | "v2",
                "region": "cn-hangzhou", "execution": "exec-1",
                "repeat": N (optional: N calls, `{i}` in `execution` replaced by 0..N-1),
                "replay_to": ["127.0.0.1:PORT2", ...] (optional)}]}

and prints one JSON object per line for every call made, in order:
`{"call", "status", "code", "message", "request_id", "access_denied_detail", "exception",
"data"}`. `exception` is the class the SDK raised (`ClientException` for a 4xx,
`ServerException` for a 5xx, anything else for a broken answer), or null on success; `data`
is the error body the SDK parsed (or the success body). `signature: "v2"` makes the SDK sign
with the RPC signature (HMAC-SHA1) instead of ACS3-HMAC-SHA256.

`replay_to` sends the very request the SDK signed (same method, path, query, headers and body,
`Host` included) once more to each listed endpoint, with the standard library's HTTP client:
what an attacker who captured it would do. Those answers are printed with `"replay": ENDPOINT`
and `exception` null, their fields read from the JSON body.

Proxies are unset first: every call goes to loopback, and a proxy set for the machine would
otherwise carry it away.
"""

import http.client
import json
import os
import sys
import threading
import urllib.parse

for _name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_name, None)

from alibabacloud_ecs20140526.client import Client  # noqa: E402
from alibabacloud_ecs20140526 import models as ecs_models  # noqa: E402
from alibabacloud_tea_openapi import models as open_api_models  # noqa: E402
from darabonba.core import DaraCore  # noqa: E402

TIMEOUT_MS = 20000

# The last request each thread's SDK put on the wire, for `replay_to`.
_sent = threading.local()
_do_action = DaraCore.do_action


def _recording_do_action(request, runtime_option=None):
    url = urllib.parse.urlsplit(DaraCore.compose_url(request))
    target = url.path + ("?" + url.query if url.query else "")
    body = request.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    _sent.request = (request.method.upper(), target, dict(request.headers), body)
    return _do_action(request, runtime_option)


DaraCore.do_action = staticmethod(_recording_do_action)


def sdk_call(index, call):
    config = open_api_models.Config(
        access_key_id=call["key_id"],
        access_key_secret=call["secret"],
        security_token=call.get("security_token"),
        endpoint=call["endpoint"],
        protocol="http",
        region_id=call["region"],
        read_timeout=TIMEOUT_MS,
        connect_timeout=TIMEOUT_MS,
    )
    signature = call.get("signature", "acs3")
    if signature == "v2":
        config.signature_algorithm = "v2"
    elif signature != "acs3":
        raise SystemExit(f"unknown signature `{signature}`: expected `acs3` or `v2`")
    client = Client(config)
    request = ecs_models.CancelImagePipelineExecutionRequest(
        region_id=call["region"], execution_id=call["execution"]
    )
    out = {"call": index}
    try:
        response = client.cancel_image_pipeline_execution(request)
        body = response.body.to_map() if response.body is not None else None
        out.update(
            status=response.status_code,
            code=None,
            message=None,
            request_id=(body or {}).get("RequestId"),
            access_denied_detail=None,
            exception=None,
            data=body,
        )
    except Exception as e:  # the SDK's exceptions, and whatever a broken answer raises
        out.update(
            status=getattr(e, "status_code", None),
            code=getattr(e, "code", None),
            message=getattr(e, "message", None) or str(e),
            request_id=getattr(e, "request_id", None),
            access_denied_detail=getattr(e, "access_denied_detail", None),
            exception=type(e).__name__,
            data=getattr(e, "data", None),
        )
    return out


def replay(index, endpoint, sent):
    method, target, headers, body = sent
    host, _, port = endpoint.rpartition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT_MS / 1000)
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        status = response.status
    finally:
        connection.close()
    try:
        data = json.loads(raw)
    except ValueError:
        data = {"unparsed": raw.decode("utf-8", "replace")}
    return {
        "call": index,
        "replay": endpoint,
        "status": status,
        "code": data.get("Code"),
        "message": data.get("Message"),
        "request_id": data.get("RequestId"),
        "access_denied_detail": data.get("AccessDeniedDetail"),
        "exception": None,
        "data": data,
    }


def run(index, call):
    results = [sdk_call(index, call)]
    for endpoint in call.get("replay_to", []):
        results.append(replay(index, endpoint, _sent.request))
    return results


def expand(calls):
    for call in calls:
        repeat = call.get("repeat")
        if repeat is None:
            yield call
            continue
        for i in range(repeat):
            one = dict(call, execution=call["execution"].replace("{i}", str(i)))
            del one["repeat"]
            yield one


def main():
    job = json.load(sys.stdin)
    calls = list(expand(job["calls"]))
    results = [None] * len(calls)
    if job.get("parallel"):

        def worker(i, call):
            results[i] = run(i, call)

        threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for i, call in enumerate(calls):
            results[i] = run(i, call)
            # One line per call as soon as it is answered, so a test can follow the traffic.
            for line in results[i]:
                print(json.dumps(line), flush=True)
        return
    for lines in results:
        for line in lines:
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
