"""Runs session cases through a real framework's session middleware, in process.

Driven by tests/session_decisions.rs, which compares what Flask, Django and Starlette do with
what `signed_cookie::session::Policy` decides. Reads one JSON document on stdin:

    {"secret": "...", "fallbacks": ["..."],
     "cases": [{"cookie": null | "<value>", "op": "none|read|insert|clear|flush|pop_missing",
                "status": 200}, ...]}

and writes one JSON list on stdout, per case {"set_cookie": [...], "vary": "..." | null}.
The framework is whichever one the interpreter's venv has (Flask, Django or Starlette).
"""

import asyncio
import json
import sys


def flask_runner(secret, fallbacks):
    from flask import Flask, request, session

    app = Flask(__name__)
    app.config["SECRET_KEY"] = secret
    app.config["SECRET_KEY_FALLBACKS"] = list(reversed(fallbacks))

    @app.route("/")
    def view():
        # The `session` proxy marks the session accessed: only touch it when the op does.
        if request.args["op"] != "none":
            apply(session, request.args["op"])
        status = int(request.args["status"])
        if status == 500:
            # An unhandled exception: Flask's own error path (handle_exception).
            raise RuntimeError("failing view")
        return "", status

    # No cookie jar: each case sends exactly its own cookie.
    client = app.test_client(use_cookies=False)

    def run(case):
        headers = {}
        if case["cookie"] is not None:
            headers["Cookie"] = "session=" + case["cookie"]
        resp = client.get("/", query_string={"op": case["op"], "status": case["status"]},
                          headers=headers)
        return {"set_cookie": resp.headers.getlist("Set-Cookie"), "vary": resp.headers.get("Vary"),
                "status": resp.status_code}

    return run


def django_runner(secret, fallbacks):
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY=secret,
        SECRET_KEY_FALLBACKS=fallbacks,
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        USE_TZ=True,
    )
    django.setup()
    from django.http import HttpResponse
    from django.test import Client
    from django.urls import path

    def view(request):
        if request.GET["op"] != "none":
            apply(request.session, request.GET["op"], flush=True)
        return HttpResponse("", status=int(request.GET["status"]))

    global urlpatterns
    urlpatterns = [path("", view)]

    def run(case):
        client = Client()
        if case["cookie"] is not None:
            client.cookies["sessionid"] = case["cookie"]
        resp = client.get("/", {"op": case["op"], "status": case["status"]})
        set_cookie = [m.OutputString() for m in resp.cookies.values()]
        return {"set_cookie": set_cookie, "vary": resp.get("Vary"), "status": resp.status_code}

    return run


def starlette_runner(secret, fallbacks):
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.requests import Request
    from starlette.responses import Response

    async def endpoint(scope, receive, send):
        request = Request(scope, receive)
        # `request.session` marks the session accessed: only touch it when the op does.
        if request.query_params["op"] != "none":
            apply(request.session, request.query_params["op"])
        await Response("", status_code=int(request.query_params["status"]))(scope, receive, send)

    app = SessionMiddleware(endpoint, secret_key=secret)

    async def call(case):
        headers = []
        if case["cookie"] is not None:
            headers.append((b"cookie", ("session=" + case["cookie"]).encode()))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": "/", "raw_path": b"/", "root_path": "",
            "query_string": f"op={case['op']}&status={case['status']}".encode(),
            "headers": headers, "client": ("127.0.0.1", 1), "server": ("testserver", 80),
        }
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        await app(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        hs = [(k.decode().lower(), v.decode()) for k, v in start.get("headers", [])]
        vary = [v for k, v in hs if k == "vary"]
        return {"set_cookie": [v for k, v in hs if k == "set-cookie"],
                "vary": ", ".join(vary) if vary else None, "status": start["status"]}

    def run(case):
        return asyncio.run(call(case))

    return run


def apply(session, op, flush=False):
    if op == "none":
        return
    if op == "read":
        session.get("user_id")
    elif op == "insert":
        session["visits"] = 1
    elif op == "clear":
        session.clear()
    elif op == "flush":
        if flush:
            session.flush()
        else:
            session.clear()
    elif op == "pop_missing":
        session.pop("no-such-key", None)
    else:
        raise ValueError(op)


def main():
    request = json.load(sys.stdin)
    secret, fallbacks = request["secret"], request.get("fallbacks", [])
    try:
        import flask  # noqa: F401
        run = flask_runner(secret, fallbacks)
    except ImportError:
        try:
            import django  # noqa: F401
            run = django_runner(secret, fallbacks)
        except ImportError:
            run = starlette_runner(secret, fallbacks)
    json.dump([run(case) for case in request["cases"]], sys.stdout)


if __name__ == "__main__":
    main()
