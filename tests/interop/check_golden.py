#!/usr/bin/env python3
"""Replay a golden file through peer.py over its JSON-lines protocol.

    python3 tests/interop/check_golden.py <venv>/bin/python tests/golden/<env>.json

Starts `<python> tests/interop/peer.py` as a subprocess and checks that
  * every vector: sign(value) at `now` gives `token`, verify(token) gives `value`;
  * every accepted entry: verify gives `value`;
  * every rejection: verify fails with the recorded exception class.
Exits 1 on any mismatch.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS = ["profile", "secret", "fallbacks", "salt", "digest", "key_derivation", "separator",
          "cookie_name", "compress", "algorithm", "legacy", "now"]


def main():
    python, path = sys.argv[1], sys.argv[2]
    doc = json.load(open(path, encoding="utf-8"))
    proc = subprocess.Popen([python, os.path.join(HERE, "peer.py")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def ask(req):
        proc.stdin.write(json.dumps(req) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    info = ask({"op": "info"})
    assert info["ok"] and info["version"] == doc["version"], (info, doc["version"])
    bad = 0
    for v in doc["vectors"]:
        req = {k: v.get(k) for k in FIELDS}
        s = ask(dict(req, op="sign", value=v["value"]))
        r = ask(dict(req, op="verify", token=v["token"], max_age=None))
        if s.get("token") != v["token"] or r.get("value") != v["value"]:
            bad += 1
            print("VECTOR MISMATCH", v["profile"], v["case"], s, r)
    for a in doc["accepted"]:
        r = ask(a["request"])
        if r.get("value") != a["value"]:
            bad += 1
            print("ACCEPTED MISMATCH", a["profile"], a["case"], r)
    for j in doc["rejections"]:
        r = ask(j["request"])
        if r.get("ok") or r.get("error") != j["error"]:
            bad += 1
            print("REJECTION MISMATCH", j["profile"], j["case"], r)
    proc.stdin.close()
    proc.wait()
    n = len(doc["vectors"]) + len(doc["accepted"]) + len(doc["rejections"])
    print("%s: %d passed, %d failed" % (os.path.basename(path), n - bad, bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
