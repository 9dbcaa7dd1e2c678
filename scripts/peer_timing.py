"""Times the real Python libraries signing and verifying the benchmark sessions.

Run by scripts/compare.py inside one interop venv (flask31, django52 or starlette); prints one
JSON object per (profile, size) with the token made, the Unix time it was made at, and the
median CPU time per operation of the measuring thread (time.thread_time_ns), as the Rust side
(examples/codec_timing.rs) measures it.

Usage: python peer_timing.py SESSIONS.json SECRET BATCH_SECONDS
"""

import json
import sys
import time
from base64 import b64decode, b64encode

SESSIONS_PATH, SECRET, BATCH_SECONDS = sys.argv[1], sys.argv[2], float(sys.argv[3])
with open(SESSIONS_PATH) as f:
    SESSIONS = json.load(f)


def per_op_ns(fn):
    """Median ns per call over 5 batches of about BATCH_SECONDS of CPU time each."""
    n = 1
    while True:
        t0 = time.thread_time_ns()
        for _ in range(n):
            fn()
        dt = (time.thread_time_ns() - t0) / 1e9
        if dt > BATCH_SECONDS / 10:
            n = max(1, int(n * BATCH_SECONDS / dt))
            break
        n *= 2
    samples = []
    for _ in range(5):
        t0 = time.thread_time_ns()
        for _ in range(n):
            fn()
        samples.append((time.thread_time_ns() - t0) / n)
    samples.sort()
    return samples[2]


def stable_token(sign):
    """A token and the whole second it was signed in (retried across a second boundary)."""
    while True:
        before = int(time.time())
        token = sign()
        if int(time.time()) == before:
            return token, before


def emit(profile, size, session, sign, verify):
    token, now = stable_token(sign)
    verify_token = lambda: verify(token)  # noqa: E731
    assert verify_token() == session, (profile, size)
    print(json.dumps({
        "profile": profile,
        "size": size,
        "now": now,
        "token": token,
        "value": session,
        "sign_ns": per_op_ns(sign),
        "verify_ns": per_op_ns(verify_token),
    }), flush=True)


def flask_profiles():
    import itsdangerous
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    app = Flask("bench")
    app.secret_key = SECRET
    # Built once, as the issue states; Flask's save_session calls exactly .dumps(dict(session)),
    # open_session .loads(val, max_age=permanent_session_lifetime).
    ser = SecureCookieSessionInterface().get_signing_serializer(app)
    max_age = int(app.permanent_session_lifetime.total_seconds())
    plain = itsdangerous.URLSafeTimedSerializer(SECRET)
    with app.app_context():
        for size, session in SESSIONS.items():
            emit("flask", size, session, lambda: ser.dumps(dict(session)),
                 lambda t: ser.loads(t, max_age=max_age))
    for size, session in SESSIONS.items():
        emit("itsdangerous", size, session, lambda: plain.dumps(session), plain.loads)


def django_profiles():
    import django
    from django.conf import settings

    settings.configure(SECRET_KEY=SECRET, INSTALLED_APPS=["django.contrib.sessions"])
    django.setup()
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.contrib.sessions.serializers import JSONSerializer
    from django.core import signing

    for size, session in SESSIONS.items():
        emit("django", size, session, lambda: signing.dumps(session, compress=True),
             signing.loads)
    # What the signed_cookies session backend calls (its _get_session_key / load).
    store = SessionStore()
    salt = "django.contrib.sessions.backends.signed_cookies"
    age = store.get_session_cookie_age()
    for size, session in SESSIONS.items():
        emit("django-cookie", size, session,
             lambda: signing.dumps(session, compress=True, salt=salt, serializer=JSONSerializer),
             lambda t: signing.loads(t, serializer=JSONSerializer, max_age=age, salt=salt))


def starlette_profiles():
    from starlette.middleware.sessions import SessionMiddleware

    async def app(scope, receive, send):  # pragma: no cover - never called
        pass

    mw = SessionMiddleware(app, secret_key=SECRET)

    # The lines of SessionMiddleware.__call__ that write and read the cookie.
    def sign(session):
        data = b64encode(json.dumps(session).encode("utf-8"))
        return mw.signer.sign(data).decode("utf-8")

    def verify(token):
        data = mw.signer.unsign(token.encode("utf-8"), max_age=mw.max_age)
        return json.loads(b64decode(data))

    for size, session in SESSIONS.items():
        emit("starlette", size, session, lambda: sign(session), verify)


def main():
    import importlib.util

    if importlib.util.find_spec("flask"):
        flask_profiles()
    elif importlib.util.find_spec("django"):
        django_profiles()
    elif importlib.util.find_spec("starlette"):
        starlette_profiles()
    else:
        raise SystemExit("peer_timing.py: no flask, django or starlette in this venv")


main()
