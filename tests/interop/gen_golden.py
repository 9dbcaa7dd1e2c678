#!/usr/bin/env python3
"""Write tests/golden/<env>.json from the real library installed in this venv.

    <venv>/bin/python tests/interop/gen_golden.py [ENV]

ENV defaults to the name derived from the installed library (flask31,
flask11, flask012, django22, django32, django42, django52, starlette).
Everything goes through peer.handle(), i.e. the real library APIs, with the
clock frozen by peer.frozen_time.  Every vector is checked on the way: its
token, verified in this same env (max_age null), gives back its value.

Output (deterministic: fixed secrets, times and random seed):
  vectors       sign(value) at `now` == token, and verify(token) == value
  accepted      verify requests that the real library accepts although they
                differ from how the token was signed (fallback keys, future
                timestamps, legacy SHA-1, SHA-512 fallback, ...), with the value.
                "lenient_only": true marks tokens only Python's lenient base64
                decoder accepts: the Rust crate rejects those on purpose (CLI.md).
  rejections    verify requests that the real library rejects, with the
                Python exception class name ("error") and str(exc) ("message").
  non_roundtrip values whose token does not verify back to the same JSON
                (e.g. Flask 0.12 has no " di" escaping); not test vectors.
"""

import datetime as dt
import json
import os
import random
import sys
import uuid
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import peer  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
GOLDEN_DIR = os.path.join(REPO, "tests", "golden")

SECRET = "golden-secret-key"
OLD_KEY = "golden-old-key"
OLDER_KEY = "golden-older-key"
T0 = 1700000000
TIMESTAMPS = [0, 1, 1700000000, 2**32 - 1, 4102444800, 2**40 + 5]
MAX_AGE = 1000


def env_name():
    if len(sys.argv) > 1:
        return sys.argv[1]
    v = peer._vtuple(peer.VERSION)
    if peer.LIBRARY == "flask":
        return {(3, 1): "flask31", (1, 1): "flask11", (0, 12): "flask012"}[v[:2]]
    if peer.LIBRARY == "django":
        return "django%d%d" % v[:2]
    return "starlette"


ENV = env_name()


def compat_for(profile):
    v = peer._vtuple(peer.VERSION)
    if peer.LIBRARY == "flask":
        if profile == "flask":
            return "flask-%d.%d" % v[:2]
        iv = peer.ITS_V
        return "itsdangerous-%d.%d" % iv[:2]
    if peer.LIBRARY == "django":
        return "django-%d.%d" % v[:2]
    return "starlette-%d.%d" % v[:2]


def profiles():
    ps = peer.supported_profiles()
    if peer.LIBRARY == "flask" and peer.ITS_V < (1, 0):
        # itsdangerous 0.24 is not a --compat value of the CLI: only the flask profile.
        ps = ["flask"]
    return ps


# ---------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------

CSRF = "5f4dcc3b5aa765d61d8327deb882cf99a1b2c3d4"
SESSION = {"user_id": 42, "csrf_token": CSRF, "_fresh": True, "_permanent": True}
KEY_ORDER = {}
for i, k in enumerate(["é", "b", "a", "_", "C", "9", "10", " x", ""]):
    KEY_ORDER[k] = i
BIG_SESSION = {
    "user_id": 7,
    "items": [{"id": i, "name": "item number %d" % i, "tags": ["alpha", "beta", "gamma"]} for i in range(50)],
}


def _threshold_strings():
    """{"k": s} whose compact JSON zlib shortens by exactly 1 and by exactly 2 bytes."""
    r = random.Random(1234)
    found = {}
    while len(found) < 2:
        s = "".join(r.choice("ab") for _ in range(r.randint(20, 90)))
        raw = ('{"k":"%s"}' % s).encode()
        d = len(raw) - len(zlib.compress(raw))
        if d in (1, 2) and d not in found:
            found[d] = s
    return found[1], found[2]


SAVE1, SAVE2 = _threshold_strings()

JSON_VALUES = [
    ("session", SESSION),
    ("empty", {}),
    ("empty_dict_value", {"a": {}}),
    ("empty_list_value", {"a": []}),
    ("empty_key", {"": ""}),
    ("null", {"n": None}),
    ("nested", {"l": [1, [2, [3, {}]]], "d": {"e": {"f": None, "g": [True, False]}}}),
    ("key_order", KEY_ORDER),
    ("big_compressible", BIG_SESSION),
    ("compress_saves_1", {"k": SAVE1}),
    ("compress_saves_2", {"k": SAVE2}),
]
for _n, _x in [("0", 0), ("-1", -1), ("2**53+1", 2**53 + 1), ("2**64", 2**64), ("2**70", 2**70),
               ("-2**64-1", -(2**64) - 1), ("10**30", 10**30)]:
    JSON_VALUES.append(("int " + _n, {"i": _x}))
for _x in [0.1, 1e16, 1e-05, 1e-4, 123456789012345678.0, -0.0, 5e-324, 1.7976931348623157e308,
           float("nan"), float("inf"), float("-inf")]:
    JSON_VALUES.append(("float " + repr(_x), {"f": _x}))
for _n, _x in [("e-acute", "é"), ("astral", "😀"), ("U+2028", "\u2028"), ("DEL", "\x7f"),
               ("controls", "\x00\x1f"), ("quotes", 'say "hi" \\ back\\slash'), ("slash", "/"),
               ("mixed", "naïve 😀 \u2028\t\n")]:
    JSON_VALUES.append(("string " + _n, {"s": _x}))

NON_DICT_VALUES = [("list", [1, 2, 3]), ("string", "just a string"), ("int", 42), ("null", None)]

try:
    from markupsafe import Markup
except ImportError:  # pragma: no cover
    Markup = None

FLASK_VALUES = [] if Markup is None else [
    ("tuple", {"t": (1, 2)}),
    ("nested tuple", {"t": ((1, (2, 3)), [4, (5,)])}),
    ("bytes empty", {"b": b""}),
    ("bytes 00ff", {"b": b"\x00\xff"}),
    ("markup", {"m": Markup("<b>bold</b> &amp; é")}),
    ("uuid", {"u": uuid.UUID("12345678-1234-5678-1234-567812345678")}),
    ("datetime naive", {"d": dt.datetime(2020, 1, 2, 3, 4, 5, 678901)}),
    ("datetime aware", {"d": dt.datetime(2020, 1, 2, 3, 4, 5, 678901,
                                          tzinfo=dt.timezone(dt.timedelta(hours=2)))}),
    ("di escape", {"x": {" t": [1, 2]}}),
    ("di nested", {" t": (1, {" b": b"z"})}),
    ("top-level tag key dict", {" di": 1}),
    ("not a tag", {" z": 1}),
]

RAW_VALUES = [
    ("plain", "hello"),
    ("empty", ""),
    ("unicode", "é😀\u2028"),
    ("separators", "a.b:c|d"),
    ("quotes spaces", 'a b"c\\d'),
    ("controls", "\x00\x7f"),
]

# ---------------------------------------------------------------------------
# machinery
# ---------------------------------------------------------------------------

VECTOR_FIELDS = ["profile", "compat", "secret", "fallbacks", "salt", "digest", "key_derivation",
                 "separator", "cookie_name", "compress", "algorithm", "legacy", "now"]

out = {"vectors": [], "accepted": [], "rejections": [], "non_roundtrip": [], "skipped": []}


def call(req):
    return peer.handle(req)


def base_req(profile, **kw):
    r = {f: None for f in VECTOR_FIELDS}
    r.update(profile=profile, compat=compat_for(profile), secret=SECRET, now=T0)
    if profile == "django-signed-cookie":
        r["cookie_name"] = "sessionid"
    r.update(kw)
    return r


def peer_req(op, r, **kw):
    q = {k: v for k, v in r.items() if k != "compat"}
    q["op"] = op
    q.update(kw)
    return q


def add_vector(case, r, value):
    """Sign value with request r; verify it back; record. Returns the token or None."""
    resp = call(peer_req("sign", r, value=value))
    if not resp["ok"]:
        out["skipped"].append({"case": case, "profile": r["profile"], "now": r["now"], "value": value,
                               "error": resp["error"], "message": resp["message"]})
        return None
    token = resp["token"]
    back = call(peer_req("verify", r, token=token, max_age=None))
    if not back["ok"]:
        # the library signs it but cannot read it back (e.g. itsdangerous: a timestamp past
        # year 9999 -> bare ValueError from timestamp_to_datetime)
        q = peer_req("verify", r, token=token, max_age=None)
        out["rejections"].append({"case": "signed by the library, rejected on verify: " + case,
                                  "profile": r["profile"], "compat": r["compat"], "request": q,
                                  "error": back["error"], "message": back["message"]})
        return None
    if back["value"] != value:
        out["non_roundtrip"].append({"case": case, "profile": r["profile"], "value_signed": value,
                                     "token": token, "verify": back})
        return None
    v = {"case": case}
    v.update(r)
    v["value"] = value
    v["token"] = token
    out["vectors"].append(v)
    return token


def check(case, r, token, lenient=False, **verify_kw):
    """Verify a modified request/token; file it under accepted or rejections."""
    q = peer_req("verify", r, token=token)
    q.pop("value", None)
    q.update(verify_kw)
    q.setdefault("max_age", None)
    resp = call(q)
    entry = {"case": case, "profile": r["profile"], "compat": r["compat"], "request": q}
    if resp["ok"]:
        entry["value"] = resp["value"]
        entry["lenient_only"] = bool(lenient)
        out["accepted"].append(entry)
    else:
        entry["error"] = resp["error"]
        entry["message"] = resp["message"]
        if lenient:
            entry["lenient_only"] = True
        out["rejections"].append(entry)


def dump(profile, obj):
    return peer.dump_value(profile, obj)


B64U = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def sep_of(profile, r):
    if r.get("separator"):
        return r["separator"]
    return ":" if profile.startswith("django") else "."


def split_sig(profile, r, token):
    s = sep_of(profile, r)
    i = token.rindex(s)
    return token[:i + len(s)], token[i + len(s):]


def other_char(c):
    return "B" if c != "B" else "C"


def noncanonical_variants(sig):
    """Signature spellings that Python's lenient urlsafe_b64decode still decodes the same."""
    out_ = []
    n = len(sig)
    spare = (6 * n) % 8  # bits of the last char that carry no data
    if spare:
        idx = B64U.index(sig[-1])
        base = idx & ~((1 << spare) - 1)
        for j in range(base, base + (1 << spare)):
            if j != idx:
                out_.append(("last char spare bits", sig[:-1] + B64U[j]))
                break
    out_.append(("extra == padding", sig + "=="))
    if "-" in sig or "_" in sig:
        out_.append(("+/ alphabet", sig.replace("-", "+").replace("_", "/")))
    out_.append(("junk !! inside", sig[:5] + "!!" + sig[5:]))
    return out_


# ---------------------------------------------------------------------------
# per-profile generation
# ---------------------------------------------------------------------------


def json_values_for(profile):
    vals = list(JSON_VALUES)
    if profile in ("itsdangerous", "itsdangerous-untimed", "django"):
        vals += NON_DICT_VALUES
    if profile == "flask":
        vals += FLASK_VALUES
    if profile == "starlette":
        vals = [(n, v) for n, v in vals if v]  # Starlette never writes an empty session
    return vals


TIMED = {"flask", "itsdangerous", "itsdangerous-signer", "django", "django-timestamp-signer",
         "django-cookie", "django-signed-cookie", "starlette"}


def gen_profile(p):
    raw = p in peer.RAW_PROFILES
    dj = p.startswith("django")
    vals = RAW_VALUES if raw else json_values_for(p)

    def val(v):
        return v if raw else dump(p, v)

    # 1. every value, default options, now = T0
    extra = {}
    if p == "django-db" and peer.DJ_V < (3, 1):
        extra["legacy"] = True  # 2.2 only writes the legacy format
    for name, v in vals:
        add_vector(name, base_req(p, **extra), val(v))

    session_val = val(SESSION) if not raw else "hello"

    # 2. timestamps
    if p in TIMED or p == "django-db":
        for ts in TIMESTAMPS:
            add_vector("timestamp %d" % ts, base_req(p, now=ts, **extra), session_val)

    # 3. options
    if p.startswith("itsdangerous"):
        for digest in ["sha1", "sha224", "sha256", "sha384", "sha512"]:
            for kd in ["concat", "django-concat", "hmac", "none"]:
                add_vector("digest %s kd %s" % (digest, kd), base_req(p, digest=digest, key_derivation=kd),
                           session_val)
        for salt in ["custom-salt", ""]:
            add_vector("salt %r" % salt, base_req(p, salt=salt), session_val)
        for sep in ["|", "~", "$"]:
            add_vector("separator %r" % sep, base_req(p, separator=sep), session_val)
        add_vector("all overrides", base_req(p, salt="s", digest="sha256", key_derivation="hmac", separator="|"),
                   session_val)
    if p == "django":
        for name, v in [("session", SESSION), ("big_compressible", BIG_SESSION), ("compress_saves_1", {"k": SAVE1}),
                        ("compress_saves_2", {"k": SAVE2}), ("string é", {"s": "é😀"})]:
            add_vector("compress " + name, base_req(p, compress=True), dump(p, v))
        add_vector("salt custom", base_req(p, salt="my.salt"), session_val)
        add_vector("salt custom compress", base_req(p, salt="my.salt", compress=True), dump(p, BIG_SESSION))
    if p in ("django-signer", "django-timestamp-signer"):
        add_vector("salt custom", base_req(p, salt="my.salt"), session_val)
        add_vector("salt empty (falls back to default)", base_req(p, salt=""), session_val)
        for sep in ["/", "|", "~"]:
            add_vector("separator %r" % sep, base_req(p, separator=sep), session_val)
    if dj and p != "django-db" and peer.DJ_V >= (3, 1):
        if p in ("django-signer", "django-timestamp-signer", "django"):
            algs = ["sha1", "sha256", "sha512"]
        else:  # the algorithm comes from DEFAULT_HASHING_ALGORITHM (3.1/3.2 only)
            algs = ["sha1"] if peer.DJ_V < (4, 0) else []
        for alg in algs:
            add_vector("algorithm %s" % alg, base_req(p, algorithm=alg), session_val)
    if p == "django-db" and peer.DJ_V[:2] == (3, 2):
        for name, v in JSON_VALUES[:8]:
            add_vector("legacy " + name, base_req(p, legacy=True), dump(p, v))
    if p == "django-signed-cookie":
        for name, salt in [("a", "bc"), ("ab", "c"), ("sessionid", ""), ("c", "salt"), ("__Host-x", "s")]:
            for rv_name, rv in RAW_VALUES[:3]:
                add_vector("cookie %r salt %r %s" % (name, salt, rv_name), base_req(p, cookie_name=name, salt=salt), rv)

    gen_checks(p, session_val, extra)


def gen_checks(p, value, extra):
    r = base_req(p, **extra)
    signed = call(peer_req("sign", r, value=value))
    if not signed["ok"]:
        out["skipped"].append({"case": "checks", "profile": p, "error": signed["error"]})
        return
    tok = signed["token"]
    timed = p in TIMED
    legacy_db = p == "django-db" and peer.DJ_V < (3, 1)
    if not legacy_db:
        head, sig = split_sig(p, r, tok)

    if timed:
        check("expired (age = max_age + 1)", r, tok, now=T0 + MAX_AGE + 1, max_age=MAX_AGE)
        check("age == max_age", r, tok, now=T0 + MAX_AGE, max_age=MAX_AGE)
        check("max_age 0, same second", r, tok, now=T0, max_age=0)
        fut = call(peer_req("sign", r, value=value, now=T0 + 100))["token"]
        check("future timestamp (signed now+100, max_age set)", r, fut, now=T0, max_age=MAX_AGE)
        check("future timestamp (max_age null)", r, fut, now=T0, max_age=None)
        check("ancient token, max_age null", r, tok, now=T0 + 10**8, max_age=None)

    if not legacy_db:
        # tampered payload: change one character of the value part
        body = head
        start = 1 if body.startswith(".") else 0
        c = body[start] if body else "x"
        tampered = body[:start] + other_char(c) + body[start + 1:] + sig
        check("tampered payload", r, tampered)
        check("tampered signature (first char)", r, head + other_char(sig[0]) + sig[1:])
        check("signature removed", r, head)
        check("no separator at all", r, "garbage")
        for name, variant in noncanonical_variants(sig):
            check("non-canonical base64 signature: " + name, r, head + variant, lenient=True)
    else:
        import base64
        rawb = base64.b64decode(tok)
        check("legacy row: tampered hash", r, base64.b64encode(b"0" + rawb[1:]).decode())
        check("legacy row: tampered json", r, base64.b64encode(rawb[:-2] + b"1}").decode())
        check("legacy row: not base64", r, tok[:-1] + "!")

    check("wrong key", r, tok, secret="wrong-key")
    if p not in ("flask", "starlette", "django-cookie", "django-db"):
        check("wrong salt", r, tok, salt="other-salt")
    if p == "django-signed-cookie":
        check("wrong cookie name", r, tok, cookie_name="other")
        # ("a","bc") vs ("ab","c"): the same name+salt under the legacy salt
        t2 = call(peer_req("sign", base_req(p, cookie_name="a", salt="bc"), value="x"))["token"]
        check("cookie ('a','bc') read as ('ab','c')", base_req(p, cookie_name="ab", salt="c"), t2)
        if peer.DJ_V >= (5, 2):
            from django.core import signing
            from django.test.utils import override_settings
            with override_settings(SECRET_KEY=SECRET), peer.frozen_time(T0):
                legacy_tok = signing.get_cookie_signer(salt="sessionid" + "").sign("hello")
            check("pre-5.2.19 cookie salt (name+salt) accepted by the fallback", base_req(p), legacy_tok)

    # key rotation: token signed with an old key, verified with secret + fallbacks
    old = call(peer_req("sign", base_req(p, secret=OLD_KEY, **extra), value=value))["token"]
    check("signed with fallback key", r, old, fallbacks=[OLDER_KEY, OLD_KEY])
    check("signed with old key, no fallbacks", r, old)

    # Django 3.1/3.2 accept SHA-1 whatever the algorithm
    if p.startswith("django") and p != "django-db" and peer.DJ_V >= (3, 1) and (
            p in ("django", "django-signer", "django-timestamp-signer") or peer.DJ_V < (4, 0)):
        t1 = call(peer_req("sign", base_req(p, algorithm="sha1"), value=value))["token"]
        check("SHA-1 token verified with the default algorithm", r, t1)
        if p in ("django-signer", "django-timestamp-signer"):
            check("SHA-1 token verified by an algorithm='sha512' signer", r, t1, algorithm="sha512")
    if p == "django-db" and peer.DJ_V[:2] == (3, 2):
        t1 = call(peer_req("sign", base_req(p, legacy=True), value=value))["token"]
        check("legacy row written with DEFAULT_HASHING_ALGORITHM=sha1, read by default 3.2", r, t1)

    if p == "flask":
        gen_flask_sha512(r, value)
    if p == "itsdangerous-signer":
        # an untimed Signer token (same salt) given to a TimestampSigner
        untimed = call(peer_req("sign", base_req("itsdangerous-signer-untimed"), value="hello"))["token"]
        check("untimed token to a timed signer (timestamp missing)", r, untimed)


def gen_flask_sha512(r, value):
    """Flask 1.1 (itsdangerous 1.1) also accepts SHA-512 django-concat tokens."""
    import hashlib
    import itsdangerous
    app, ser = peer.flask_serializer({"secret": SECRET})
    with app.app_context(), peer.frozen_time(T0):
        s512 = itsdangerous.URLSafeTimedSerializer(
            SECRET, salt="cookie-session", serializer=ser.serializer,
            signer_kwargs={"digest_method": hashlib.sha512})
        # only the default fallback of itsdangerous 1.1 should accept this
        tok = peer._text(s512.dumps(ser.serializer.loads(value)))
    check("SHA-512 django-concat token (itsdangerous 1.1 default fallback signer)", r, tok)


def main():
    for p in profiles():
        gen_profile(p)
    doc = {
        "env": ENV,
        "library": peer.LIBRARY,
        "version": peer.VERSION,
        "itsdangerous": peer.ITSDANGEROUS_VERSION if peer.LIBRARY != "django" else None,
        "generated_by": "tests/interop/gen_golden.py",
        "python": "%d.%d.%d" % sys.version_info[:3],
        "constants": {"T0": T0, "MAX_AGE": MAX_AGE, "secret": SECRET, "old_key": OLD_KEY,
                      "older_key": OLDER_KEY},
    }
    doc.update(out)
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    path = os.path.join(GOLDEN_DIR, ENV + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print("%s: %d vectors, %d accepted, %d rejections, %d non_roundtrip, %d skipped -> %s (%d bytes)" % (
        ENV, len(out["vectors"]), len(out["accepted"]), len(out["rejections"]), len(out["non_roundtrip"]),
        len(out["skipped"]), os.path.relpath(path, REPO), os.path.getsize(path)))


if __name__ == "__main__":
    main()
