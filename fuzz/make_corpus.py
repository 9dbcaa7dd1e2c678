#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, extracted from the golden vectors (tests/golden/*.json).

Writes fuzz/corpus/<target>/<sha1> (git-ignored; a few hundred KB in all) in each target's byte
layout (see the header of each fuzz_targets/*.rs). Run from anywhere:

    python3 fuzz/make_corpus.py [--out DIR]
"""
import argparse
import base64
import hashlib
import json
import pathlib
import re
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Profile::NAMES × Profile::compats, in the order of fuzz/src/lib.rs `entries()`.
ITS = ["itsdangerous-2.2", "itsdangerous-1.1"]
DJ = ["django-5.2", "django-4.2", "django-3.2", "django-2.2"]
NAMES = [
    ("flask", ["flask-3.1", "flask-1.1", "flask-0.12"]),
    ("itsdangerous", ITS),
    ("itsdangerous-untimed", ITS),
    ("itsdangerous-signer", ITS),
    ("itsdangerous-signer-untimed", ITS),
    ("django", DJ),
    ("django-signer", DJ),
    ("django-timestamp-signer", DJ),
    ("django-cookie", DJ),
    ("django-signed-cookie", DJ),
    ("django-db", DJ),
    ("starlette", ["starlette-1.10"]),
]
ENTRIES = [(n, c) for n, cs in NAMES for c in cs]
UNTIMED = {"itsdangerous-untimed", "itsdangerous-signer-untimed", "django-signer"}


def cases():
    """(profile, compat, request) for every token in the golden files."""
    for path in sorted((ROOT / "tests" / "golden").glob("*.json")):
        golden = json.loads(path.read_text())
        for v in golden.get("vectors", []):
            yield v["profile"], v["compat"], v
        for section in ("accepted", "rejections"):
            for a in golden.get(section, []):
                req = dict(a["request"])
                if "token" in req:
                    req.setdefault("value", a.get("value"))
                    yield a["profile"], a["compat"], req


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(ROOT / "fuzz" / "corpus"))
    out = pathlib.Path(ap.parse_args().out)
    seeds = {}

    def add(target, data):
        if isinstance(data, str):
            data = data.encode()
        seeds.setdefault(target, set()).add(bytes(data))

    for profile, compat, req in cases():
        token = req.get("token")
        value = req.get("value")
        if not isinstance(token, str):
            continue
        django = profile.startswith("django")
        sep = ":" if django else "."
        t = token.encode()
        add("inspect", t)
        if (profile, compat) in ENTRIES:
            idx = ENTRIES.index((profile, compat))
            for flags in (0, 7):
                add("loads", bytes([idx, flags]) + t)
        # unsign: digest/derivation/separator bits close to the profile's own.
        config = (2 if django else 0) | (1 << 3) | (0x20 if django else 0)
        if profile == "flask":
            config = 2 << 3
        for flags in (0, 1):
            add("unsign", bytes([config, flags]) + t)
        if profile not in UNTIMED:
            fmt = 2 if django else (1 if compat == "flask-0.12" else 0)
            tconfig = fmt | ((2 << 2) if django else 0) | (0x20 if django else 0)
            when = (1_700_000_000).to_bytes(4, "big")
            for flags in (0, 7):
                add("timed_unsign", bytes([tconfig, flags]) + (1000).to_bytes(4, "big") + when + t)
        if profile == "django-db":
            add("django_rows", bytes([DJ.index(compat), 0]) + t)
            if isinstance(value, str):
                add("django_rows", bytes([DJ.index(compat), 2]) + value.encode())
        if isinstance(value, str) and profile not in UNTIMED | {
            "itsdangerous-signer", "django-timestamp-signer", "django-signed-cookie"
        }:
            add("json_python", b"\x00" + value.encode())
            add("json_python", b"\x01" + value.encode())
            if profile == "flask":
                add("json_tagged", bytes([compat == "flask-0.12"]) + value.encode())
            add("round_trip", value.encode())
            add("encoding", b"\x08\x00\x00\x00\x00" + value.encode())
            for m in re.finditer(r'" d":"([^"]*)"', value):
                add("encoding", b"\x07\x00\x00\x00\x00" + m.group(1).encode())
            for m in re.finditer(r'" b":"([^"]*)"', value):
                add("encoding", b"\x06\x00\x00\x00\x00" + m.group(1).encode())
        # The fields of the token for the byte decoders.
        limit = (1 << 20).to_bytes(4, "big")
        parts = token.split(sep)
        for part in parts:
            if not part:
                continue
            add("encoding", b"\x00" + limit + part.encode())
            if django:
                add("encoding", b"\x02" + limit + part.encode())
            try:
                raw = b64url(part)
            except Exception:
                continue
            if len(raw) <= 8:
                add("encoding", b"\x03" + limit + raw)
        if token.startswith("."):
            try:
                deflated = b64url(parts[1])
                zlib.decompress(deflated)
                add("encoding", b"\x04" + limit + deflated)
                add("encoding", b"\x04" + (64).to_bytes(4, "big") + deflated)
                add("inflate", limit + deflated)
                add("inflate", (100).to_bytes(4, "big") + deflated)
            except Exception:
                pass
        if profile == "starlette":
            add("encoding", b"\x01" + limit + parts[0].encode())

    total = 0
    for target, items in sorted(seeds.items()):
        d = out / target
        d.mkdir(parents=True, exist_ok=True)
        for data in items:
            (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
            total += len(data)
        print(f"{target}: {len(items)} seeds")
    print(f"{total} bytes in {out}")


if __name__ == "__main__":
    main()
