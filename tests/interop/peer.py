#!/usr/bin/env python3
"""JSON-lines peer for the signed-cookie interoperability tests.

Run with the interpreter of one of the virtualenvs made by setup_venvs.sh:

    <venv>/bin/python tests/interop/peer.py

Each line on stdin is one JSON request, each line on stdout is exactly one
JSON response (flushed).  See README.md in this folder for the schema.

Every token is produced and checked by the *real* library installed in the
venv (itsdangerous, Flask, Django or Starlette); nothing here re-implements
signing.  The clock is controlled by replacing ``time.time`` for the
duration of one request (itsdangerous, Flask, Django and Starlette all call
``time.time()`` through the ``time`` module).

No compatibility shim is needed: every pinned environment imports cleanly on
Python 3.11 (see README.md).
"""

import contextlib
import hashlib
import importlib.metadata as _md
import json
import sys
import time
import warnings

warnings.simplefilter("ignore")  # old libraries warn loudly on 3.11; stdout stays clean anyway

_REAL_TIME = time.time


def _dist_version(name):
    try:
        return _md.version(name)
    except _md.PackageNotFoundError:
        return None


def _vtuple(v):
    out = []
    for part in v.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


FLASK_VERSION = _dist_version("flask")
DJANGO_VERSION = _dist_version("django")
STARLETTE_VERSION = _dist_version("starlette")
ITSDANGEROUS_VERSION = _dist_version("itsdangerous")

if FLASK_VERSION:
    LIBRARY, VERSION = "flask", FLASK_VERSION
elif DJANGO_VERSION:
    LIBRARY, VERSION = "django", DJANGO_VERSION
elif STARLETTE_VERSION:
    LIBRARY, VERSION = "starlette", STARLETTE_VERSION
elif ITSDANGEROUS_VERSION:
    LIBRARY, VERSION = "itsdangerous", ITSDANGEROUS_VERSION
else:  # pragma: no cover
    raise SystemExit("peer.py: none of flask, django, starlette, itsdangerous is installed")

ITS_V = _vtuple(ITSDANGEROUS_VERSION) if ITSDANGEROUS_VERSION else None
DJ_V = _vtuple(DJANGO_VERSION) if DJANGO_VERSION else None
FL_V = _vtuple(FLASK_VERSION) if FLASK_VERSION else None

ITSDANGEROUS_PROFILES = (
    "itsdangerous",
    "itsdangerous-untimed",
    "itsdangerous-signer",
    "itsdangerous-signer-untimed",
)
DJANGO_PROFILES = (
    "django",
    "django-signer",
    "django-timestamp-signer",
    "django-cookie",
    "django-signed-cookie",
    "django-db",
)
RAW_PROFILES = (
    "itsdangerous-signer",
    "itsdangerous-signer-untimed",
    "django-signer",
    "django-timestamp-signer",
    "django-signed-cookie",
)


class Unsupported(Exception):
    """The request asks for something this library version cannot do."""


def supported_profiles():
    out = []
    if ITSDANGEROUS_VERSION and LIBRARY in ("flask", "itsdangerous"):
        out.extend(ITSDANGEROUS_PROFILES)
    if FLASK_VERSION:
        out.insert(0, "flask")
    if DJANGO_VERSION:
        out.extend(DJANGO_PROFILES)
    if STARLETTE_VERSION:
        out.append("starlette")
    return out


@contextlib.contextmanager
def frozen_time(now):
    if now is None:
        yield
        return
    now = float(now)
    time.time = lambda: now
    try:
        yield
    finally:
        time.time = _REAL_TIME


def _text(x):
    return x.decode("utf-8") if isinstance(x, (bytes, bytearray)) else x


# ---------------------------------------------------------------------------
# itsdangerous (all versions) and Flask
# ---------------------------------------------------------------------------

if ITSDANGEROUS_VERSION:
    import itsdangerous


def _its_keys(req):
    """itsdangerous >= 2.0 takes keys oldest -> newest, verifies newest first.

    The CLI tries --secret first, then each --fallback in the order given, so
    the list is reversed(fallbacks) + [secret].  Older versions have a single
    key: fallbacks are ignored.
    """
    secret = req.get("secret")
    fallbacks = req.get("fallbacks") or []
    if ITS_V >= (2, 0) and fallbacks:
        return list(reversed(fallbacks)) + [secret]
    return secret


def _its_signer_kwargs(req):
    kw = {}
    if req.get("digest"):
        kw["digest_method"] = getattr(hashlib, req["digest"])
    if req.get("key_derivation"):
        kw["key_derivation"] = req["key_derivation"]
    if req.get("separator") is not None:
        kw["sep"] = req["separator"]
    return kw


def _its_serializer(req, timed):
    cls = itsdangerous.URLSafeTimedSerializer if timed else itsdangerous.URLSafeSerializer
    kw = {"signer_kwargs": _its_signer_kwargs(req)}
    if req.get("salt") is not None:
        kw["salt"] = req["salt"]
    return cls(_its_keys(req), **kw)


def _its_signer(req, timed):
    cls = itsdangerous.TimestampSigner if timed else itsdangerous.Signer
    kw = _its_signer_kwargs(req)
    if req.get("salt") is not None:
        kw["salt"] = req["salt"]
    return cls(_its_keys(req), **kw)


def _its_dump(ser, obj):
    # The serializer's own JSON module (_CompactJSON): exactly what the token carries.
    return _text(ser.serializer.dumps(obj))


def its_sign(req):
    profile = req["profile"]
    if profile in ("itsdangerous", "itsdangerous-untimed"):
        ser = _its_serializer(req, profile == "itsdangerous")
        obj = ser.serializer.loads(req["value"])
        return _text(ser.dumps(obj))
    signer = _its_signer(req, profile == "itsdangerous-signer")
    return _text(signer.sign(req["value"]))


def its_verify(req):
    profile = req["profile"]
    max_age = req.get("max_age")
    if profile == "itsdangerous":
        ser = _its_serializer(req, True)
        return _its_dump(ser, ser.loads(req["token"], max_age=max_age))
    if profile == "itsdangerous-untimed":
        ser = _its_serializer(req, False)
        return _its_dump(ser, ser.loads(req["token"]))
    if profile == "itsdangerous-signer":
        return _text(_its_signer(req, True).unsign(req["token"], max_age=max_age))
    return _text(_its_signer(req, False).unsign(req["token"]))


_FLASK_APP = None


def _flask_app(req):
    global _FLASK_APP
    import flask

    if _FLASK_APP is None:
        _FLASK_APP = flask.Flask("signed_cookie_peer")
    app = _FLASK_APP
    app.secret_key = req.get("secret")
    if FL_V >= (3, 1):
        # Flask: keys = SECRET_KEY_FALLBACKS + [SECRET_KEY], verified newest first;
        # reversed() makes the try order equal the CLI's (--secret, then --fallback in order).
        app.config["SECRET_KEY_FALLBACKS"] = list(reversed(req.get("fallbacks") or [])) or None
    return app


def flask_serializer(req):
    """(app, URLSafeTimedSerializer) exactly as Flask's session interface builds it."""
    from flask.sessions import SecureCookieSessionInterface

    app = _flask_app(req)
    iface = SecureCookieSessionInterface()
    return app, iface.get_signing_serializer(app)


def flask_dump(obj, req=None):
    """Tagged JSON as Flask writes it inside an app context (sorted, ASCII, compact)."""
    app, ser = flask_serializer(req or {"secret": "x"})
    with app.app_context():
        return _text(ser.serializer.dumps(obj))


def flask_load(value, req=None):
    app, ser = flask_serializer(req or {"secret": "x"})
    with app.app_context():
        return ser.serializer.loads(value)


def flask_sign(req):
    app, ser = flask_serializer(req)
    with app.app_context():
        obj = ser.serializer.loads(req["value"])
        return _text(ser.dumps(obj))


def flask_verify(req):
    # open_session would swallow BadSignature: call the same serializer's loads.
    app, ser = flask_serializer(req)
    with app.app_context():
        max_age = req.get("max_age")
        obj = ser.loads(req["token"]) if max_age is None else ser.loads(req["token"], max_age=max_age)
        return _text(ser.serializer.dumps(obj))


# ---------------------------------------------------------------------------
# Django
# ---------------------------------------------------------------------------

if DJANGO_VERSION:
    import django
    from django.conf import settings as dj_settings

    dj_settings.configure(
        SECRET_KEY="signed-cookie-peer-placeholder",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.sessions"],
        USE_TZ=True,
        DATABASES={},
    )
    django.setup()
    from django.core import signing as dj_signing
    from django.test.utils import override_settings

DJ_DB_SALT = "django.contrib.sessions.SessionStore"
DJ_COOKIE_SALT = "django.contrib.sessions.backends.signed_cookies"


def _dj_settings(req):
    over = {"SECRET_KEY": req.get("secret")}
    if DJ_V >= (4, 1):
        over["SECRET_KEY_FALLBACKS"] = list(req.get("fallbacks") or [])
    if DJ_V[:2] in ((3, 1), (3, 2)):
        # DEFAULT_HASHING_ALGORITHM='sha1' is how 3.1/3.2 write SHA-1 tokens from the APIs that
        # take no algorithm argument (signing.dumps, the session backends, signed cookies).
        legacy_sha1 = bool(req.get("legacy")) or _dj_algorithm(req) == "sha1"
        over["DEFAULT_HASHING_ALGORITHM"] = "sha1" if legacy_sha1 else "sha256"
    return override_settings(**over)


def _dj_algorithm(req):
    return req.get("algorithm") or req.get("digest")


def _dj_signer_kwargs(req, default_salt=True):
    kw = {"key": req.get("secret")}
    if req.get("salt") is not None:
        kw["salt"] = req["salt"]
    if req.get("separator") is not None:
        kw["sep"] = req["separator"]
    alg = _dj_algorithm(req)
    if alg is not None:
        if DJ_V >= (3, 1):
            kw["algorithm"] = alg
        elif alg != "sha1":
            raise Unsupported("Django %s signs with SHA-1 only" % DJANGO_VERSION)
    if DJ_V >= (4, 1):
        kw["fallback_keys"] = list(req.get("fallbacks") or [])
    return kw


def dj_dump(obj):
    # django.core.signing.JSONSerializer: compact, ASCII, insertion order.
    return dj_signing.JSONSerializer().dumps(obj).decode("latin-1")


def _dj_load(value):
    return json.loads(value)


def _dj_dumps_kwargs(req):
    kw = {"key": req.get("secret"), "compress": bool(req.get("compress"))}
    if req.get("salt") is not None:
        kw["salt"] = req["salt"]
    return kw


def _dj_loads_kwargs(req):
    kw = {"key": req.get("secret"), "max_age": req.get("max_age")}
    if req.get("salt") is not None:
        kw["salt"] = req["salt"]
    if DJ_V >= (4, 1):
        kw["fallback_keys"] = list(req.get("fallbacks") or [])
    return kw


def _dj_check_setting_algorithm(req):
    """Profiles whose API takes no algorithm: only what the settings can select."""
    alg = _dj_algorithm(req)
    if alg is None:
        return
    if DJ_V < (3, 1):
        ok = ("sha1",)
    elif DJ_V < (4, 0):
        ok = ("sha1", "sha256")  # via DEFAULT_HASHING_ALGORITHM
    else:
        ok = ("sha256",)
    if alg not in ok:
        raise Unsupported("Django %s %s cannot use algorithm %r" % (DJANGO_VERSION, req["profile"], alg))


def dj_sign(req):
    p = req["profile"]
    if p in ("django-cookie", "django-signed-cookie", "django-db"):
        _dj_check_setting_algorithm(req)
    with _dj_settings(req):
        if p == "django":
            obj = _dj_load(req["value"])
            alg = _dj_algorithm(req)
            if alg is None or DJ_V < (3, 1) or (DJ_V < (4, 0) and alg == "sha1"):
                # signing.dumps itself (3.2 + sha1: via DEFAULT_HASHING_ALGORITHM in _dj_settings)
                if alg not in (None, "sha1"):
                    raise Unsupported("Django %s signs with SHA-1 only" % DJANGO_VERSION)
                return dj_signing.dumps(obj, **_dj_dumps_kwargs(req))
            # signing.dumps == TimestampSigner(key, salt).sign_object(...) in 3.1+
            kw = _dj_signer_kwargs(req)
            kw.setdefault("salt", "django.core.signing")
            kw.pop("fallback_keys", None)
            return dj_signing.TimestampSigner(**kw).sign_object(obj, compress=bool(req.get("compress")))
        if p == "django-signer":
            return dj_signing.Signer(**_dj_signer_kwargs(req)).sign(req["value"])
        if p == "django-timestamp-signer":
            return dj_signing.TimestampSigner(**_dj_signer_kwargs(req)).sign(req["value"])
        if p == "django-cookie":
            from django.contrib.sessions.backends.signed_cookies import SessionStore

            s = SessionStore()
            s.update(_dj_load(req["value"]))
            s.save()  # _get_session_key(): signing.dumps(..., compress=True, salt=DJ_COOKIE_SALT)
            return s.session_key
        if p == "django-signed-cookie":
            from django.http import HttpResponse

            name = req.get("cookie_name")
            resp = HttpResponse()
            resp.set_signed_cookie(name, req["value"], salt=req.get("salt") or "")
            return resp.cookies[name].value
        if p == "django-db":
            from django.contrib.sessions.backends.db import SessionStore

            if req.get("legacy") and DJ_V >= (4, 0):
                raise Unsupported("Django %s cannot write the legacy session format" % DJANGO_VERSION)
            # 2.2 always writes legacy; 3.2 writes legacy when DEFAULT_HASHING_ALGORITHM == 'sha1'
            return SessionStore().encode(_dj_load(req["value"]))
    raise Unsupported(p)


def dj_verify(req):
    p = req["profile"]
    if p in ("django-cookie", "django-signed-cookie", "django-db"):
        _dj_check_setting_algorithm(req)
    with _dj_settings(req):
        if p == "django":
            alg = _dj_algorithm(req)
            if alg is None or DJ_V < (3, 1):
                if alg not in (None, "sha1"):
                    raise Unsupported("Django %s signs with SHA-1 only" % DJANGO_VERSION)
                return dj_dump(dj_signing.loads(req["token"], **_dj_loads_kwargs(req)))
            kw = _dj_signer_kwargs(req)
            kw.setdefault("salt", "django.core.signing")
            return dj_dump(dj_signing.TimestampSigner(**kw).unsign_object(req["token"], max_age=req.get("max_age")))
        if p == "django-signer":
            return dj_signing.Signer(**_dj_signer_kwargs(req)).unsign(req["token"])
        if p == "django-timestamp-signer":
            return dj_signing.TimestampSigner(**_dj_signer_kwargs(req)).unsign(req["token"], max_age=req.get("max_age"))
        if p == "django-cookie":
            # SessionStore.load() swallows every error: call the same signing.loads it calls.
            kw = _dj_loads_kwargs(req)
            kw["salt"] = DJ_COOKIE_SALT
            return dj_dump(dj_signing.loads(req["token"], serializer=dj_signing.JSONSerializer, **kw))
        if p == "django-signed-cookie":
            from django.http import HttpRequest

            name = req.get("cookie_name")
            r = HttpRequest()
            r.COOKIES[name] = req["token"]
            return r.get_signed_cookie(name, salt=req.get("salt") or "", max_age=req.get("max_age"))
        if p == "django-db":
            return _dj_db_verify(req)
    raise Unsupported(p)


def _dj_db_verify(req):
    from django.contrib.sessions.backends.db import SessionStore

    token = req["token"]
    # Legacy rows are standard base64 and never contain ':'; modern rows always do.
    if DJ_V >= (3, 1) and (":" in token or DJ_V >= (4, 0)):
        # SessionStore.decode() swallows errors: call the signing.loads it calls
        # (no max_age in decode; a request max_age is passed through if given).
        kw = _dj_loads_kwargs(req)
        kw["salt"] = DJ_DB_SALT
        return dj_dump(dj_signing.loads(token, serializer=dj_signing.JSONSerializer, **kw))
    # Legacy format (2.2 always; 3.2 when the token has no ':'): the real decode().
    import logging

    captured = []

    class _H(logging.Handler):
        def emit(self, record):
            captured.append(record.getMessage())

    log = logging.getLogger("django.security.SuspiciousSession")
    h = _H()
    log.addHandler(h)
    old_level, old_prop = log.level, log.propagate
    log.setLevel(logging.DEBUG)
    log.propagate = False
    try:
        obj = SessionStore().decode(token)  # 2.2: binascii.Error escapes from here
    finally:
        log.removeHandler(h)
        log.setLevel(old_level)
        log.propagate = old_prop
    if captured:
        return _Err("SuspiciousSession", captured[0])
    if obj == {}:
        import base64

        try:
            raw = base64.b64decode(token.encode("ascii"))
        except Exception as e:  # noqa: BLE001
            return _Err(error_name(e), str(e))
        if not raw.endswith(b":{}"):
            # decode() returned {} after swallowing a non-signature error
            return _Err("DecodeError", "legacy session data did not decode (decode() returned {})")
    return dj_dump(obj)


class _Err:
    def __init__(self, name, message):
        self.name, self.message = name, message


# ---------------------------------------------------------------------------
# Starlette
# ---------------------------------------------------------------------------


def _starlette_mw(req, app=None):
    from starlette.middleware.sessions import SessionMiddleware

    async def noop(scope, receive, send):  # pragma: no cover
        pass

    return SessionMiddleware(app or noop, secret_key=req.get("secret"), max_age=req.get("max_age"))


def starlette_dump(obj):
    # sessions.py ~70: json.dumps(session) with the default separators
    return json.dumps(obj)


def starlette_sign(req):
    """Drive the real SessionMiddleware: an ASGI app that fills the session."""
    import asyncio

    obj = json.loads(req["value"])
    if not isinstance(obj, dict):
        raise Unsupported("a Starlette session is a dict")

    async def app(scope, receive, send):
        scope["session"].update(obj)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    mw = _starlette_mw(req, app)
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(mw(scope, receive, send))
    for name, val in sent[0].get("headers", []):
        if name.lower() == b"set-cookie":
            cookie = val.decode("latin-1").split(";", 1)[0]
            return cookie.split("=", 1)[1]
    raise Unsupported("Starlette wrote no cookie (empty session is never written)")


def starlette_verify(req):
    from base64 import b64decode

    mw = _starlette_mw(req)
    # The two lines of SessionMiddleware.__call__ (starlette/middleware/sessions.py ~52-53),
    # without its `except BadSignature` so the real exception is visible:
    data = req["token"].encode("utf-8")
    data = mw.signer.unsign(data, max_age=req.get("max_age"))
    return starlette_dump(json.loads(b64decode(data)))


# ---------------------------------------------------------------------------
# dispatch
# ---------------------------------------------------------------------------


def dump_value(profile, obj):
    """The canonical JSON text of obj for a profile (what its tokens carry)."""
    if profile == "flask":
        return flask_dump(obj)
    if profile in ("itsdangerous", "itsdangerous-untimed"):
        return _its_dump(_its_serializer({"secret": "x"}, False), obj)
    if profile in DJANGO_PROFILES:
        return dj_dump(obj)
    if profile == "starlette":
        return starlette_dump(obj)
    raise Unsupported(profile)


def _check_profile(profile):
    if profile not in supported_profiles():
        raise Unsupported("profile %r is not available with %s %s" % (profile, LIBRARY, VERSION))


def info():
    return {
        "ok": True,
        "library": LIBRARY,
        "version": VERSION,
        "itsdangerous": ITSDANGEROUS_VERSION,
        "profiles": supported_profiles(),
    }


def handle(req):
    op = req.get("op")
    try:
        if op == "info":
            return info()
        profile = req.get("profile")
        _check_profile(profile)
        with frozen_time(req.get("now")):
            if op == "sign":
                if profile == "flask":
                    tok = flask_sign(req)
                elif profile in ITSDANGEROUS_PROFILES:
                    tok = its_sign(req)
                elif profile in DJANGO_PROFILES:
                    tok = dj_sign(req)
                else:
                    tok = starlette_sign(req)
                return {"ok": True, "token": tok}
            if op == "verify":
                if profile == "flask":
                    val = flask_verify(req)
                elif profile in ITSDANGEROUS_PROFILES:
                    val = its_verify(req)
                elif profile in DJANGO_PROFILES:
                    val = dj_verify(req)
                else:
                    val = starlette_verify(req)
                if isinstance(val, _Err):
                    return {"ok": False, "error": val.name, "message": val.message}
                return {"ok": True, "value": _text(val)}
            raise Unsupported("unknown op %r" % (op,))
    except Exception as e:  # noqa: BLE001 - the class name is the answer
        return {"ok": False, "error": error_name(e), "message": str(e)}


def error_name(e):
    """The exception class name; binascii.Error / zlib.error keep their module."""
    name = type(e).__name__
    mod = type(e).__module__
    if name in ("Error", "error") and mod in ("binascii", "zlib"):
        return mod + "." + name
    return name


def main():
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("request must be a JSON object")
        except Exception as e:  # noqa: BLE001
            resp = {"ok": False, "error": type(e).__name__, "message": str(e)}
        else:
            resp = handle(req)
        out.write(json.dumps(resp) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
