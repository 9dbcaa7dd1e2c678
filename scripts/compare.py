#!/usr/bin/env python3
"""One run, one machine: this crate against the real Python libraries.

1. Codec: Flask 3.1 / itsdangerous 2.2, Django 5.2 and Starlette (the pinned venvs of
   tests/interop/setup_venvs.sh) sign the sessions of benches/sessions.json and verify their own
   tokens; examples/codec_timing.rs (release build) verifies those very tokens, checks that it
   signs the same bytes, and times both operations. Both sides report the median CPU time of the
   measuring thread per operation (5 batches), one core each; rounds alternate the two sides
   and each keeps its lowest median, so other work on the machine skews neither. Ratio =
   Python time / Rust time.
2. Crack: flask-unsign 1.2.1 at its best (`--no-literal-eval -t 1`) and `signed-cookie crack`
   (every core) on the same generated wordlist and the same Flask cookie (signed by Flask), key
   near the end. Rate = the key's line number / wall time of the whole command.

Usage: scripts/compare.py [--lines N] [--batch-seconds S] [--rounds R] [--skip-crack]
                          [--skip-codec] [--json FILE] [--markdown]
       scripts/compare.py --render FILE...   (README tables from earlier --json files)
Needs: python3.11 (venv), cargo, network access to PyPI the first time (venvs).
"""

import argparse
import json
import os
import random
import re
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
VENVS = Path(os.environ.get("INTEROP_VENV_DIR", TARGET / "interop"))
WORK = TARGET / "compare"
SECRET = "bench-secret-key-0123456789"
SESSIONS = REPO / "benches" / "sessions.json"

# The bar, per (peer, operation, size): Rust must be at least this many times faster.
BAR = {
    ("flask", "verify"): 30, ("flask", "sign"): 15,
    ("django", "verify"): 15, ("django", "sign"): 8,
}
LARGE_BAR = 5  # every operation on the 3 KB session
CRACK_BAR = 250


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, **kw)


def load():
    return os.getloadavg()[0]


def kernel():
    """The crack kernel this CPU gets (signed_cookie::audit picks the widest)."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return "unknown"
    return "avx512" if "avx512f" in flags else "avx2" if "avx2" in flags else "portable"


def machine():
    model, cores = "unknown", os.cpu_count()
    try:
        out = run(["lscpu"], capture_output=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return f"{model}, {cores} cores"


def setup_bench_venv():
    """A venv with flask-unsign, pinned in scripts/requirements-bench.txt."""
    req = REPO / "scripts" / "requirements-bench.txt"
    venv = VENVS / "bench"
    stamp = venv / ".requirements"
    if stamp.exists() and stamp.read_text() == req.read_text() and (venv / "bin/python").exists():
        return venv
    log("compare: building the flask-unsign venv")
    run([os.environ.get("PYTHON", "python3"), "-m", "venv", "--clear", str(venv)])
    run([str(venv / "bin/python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", "--no-input", "-r", str(req)])
    stamp.write_text(req.read_text())
    return venv


def build():
    log("compare: building the Rust side (release)")
    run(["cargo", "build", "--quiet", "--release", "--example", "codec_timing"], cwd=REPO)
    run(["cargo", "build", "--quiet", "--release", "--features", "cli", "--bin",
         "signed-cookie"], cwd=REPO)
    return TARGET / "release/examples/codec_timing", TARGET / "release/signed-cookie"


def codec_round(batch_seconds, timing_bin, round_no):
    """One round: every Python peer, then this crate on the tokens the peers just made."""
    peers = []
    for env in ("flask31", "django52", "starlette"):
        log(f"compare: round {round_no}: timing the Python peers in {env}")
        out = run([str(VENVS / env / "bin/python"), str(REPO / "scripts/peer_timing.py"),
                   str(SESSIONS), SECRET, str(batch_seconds)], capture_output=True).stdout
        peers += [json.loads(line) for line in out.splitlines() if line.strip()]
    cases = {"now": int(time.time()), "cases": [
        {k: p[k] for k in ("profile", "size", "now", "token", "value")} | {"secret": SECRET}
        for p in peers]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cases, f)
    log(f"compare: round {round_no}: timing this crate on the same tokens")
    out = run([str(timing_bin), f.name, str(batch_seconds)], capture_output=True).stdout
    os.unlink(f.name)
    return peers, {(r["profile"], r["size"]): r for r in map(json.loads, out.splitlines())}


def codec(batch_seconds, timing_bin, rounds):
    run([str(REPO / "tests/interop/setup_venvs.sh"), "flask31", "django52", "starlette"],
        stdout=subprocess.DEVNULL)
    # Rounds alternate the two sides; each side keeps its least disturbed (lowest) median, so
    # other work on the machine during one round does not skew the ratio.
    results = [codec_round(batch_seconds, timing_bin, n + 1) for n in range(rounds)]
    peers = results[0][0]
    for other, _ in results[1:]:
        for p, q in zip(peers, other):
            for op in ("sign_ns", "verify_ns"):
                p[op] = min(p[op], q[op])
    ours = results[0][1]
    for _, other in results[1:]:
        for key, r in ours.items():
            for op in ("sign_ns", "verify_ns"):
                r[op] = min(r[op], other[key][op])
            r["identical"] = r["identical"] and other[key]["identical"]
    rows = []
    for p in peers:
        r = ours[(p["profile"], p["size"])]
        for op in ("verify", "sign"):
            py, rs = p[f"{op}_ns"], r[f"{op}_ns"]
            peer = p["profile"].split("-")[0]
            bar = BAR.get((peer, op))
            if bar and p["size"] == "3k":
                bar = LARGE_BAR
            rows.append({"profile": p["profile"], "size": p["size"], "op": op,
                         "python_us": py / 1e3, "rust_us": rs / 1e3, "ratio": py / rs,
                         "bar": bar, "identical_token": r["identical"],
                         "token_len": r["token_len"]})
    return rows


def wordlist(lines):
    """A reproducible wordlist with the key on line `lines - 10` (1-based)."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"wordlist-{lines}.txt"
    key = "zq-the-key-7f3a9c"
    position = lines - 10
    if not path.exists():
        log(f"compare: writing a {lines}-line wordlist")
        rng = random.Random(20240611)
        alphabet = string.ascii_lowercase + string.digits
        with open(path.with_suffix(".tmp"), "w") as f:
            for i in range(1, lines + 1):
                if i == position:
                    f.write(key + "\n")
                else:
                    f.write("".join(rng.choices(alphabet, k=rng.randint(6, 14))) + "\n")
        path.with_suffix(".tmp").rename(path)
    return path, key, position


def crack(lines, cli_bin, repeats=5):
    bench = setup_bench_venv()
    path, key, position = wordlist(lines)
    session = json.loads(SESSIONS.read_text())["small"]
    # The cookie, signed by Flask itself.
    token = run([str(VENVS / "flask31/bin/python"), "-c", (
        "import json, sys\n"
        "from flask import Flask\n"
        "from flask.sessions import SecureCookieSessionInterface\n"
        "app = Flask('x'); app.secret_key = sys.argv[1]\n"
        "s = SecureCookieSessionInterface().get_signing_serializer(app)\n"
        "with app.app_context(): print(s.dumps(json.loads(sys.argv[2])))\n"),
        key, json.dumps(session)], capture_output=True).stdout.strip()
    log(f"compare: flask-unsign --no-literal-eval -t 1 over {lines} lines (slow: one core)")
    t0 = time.perf_counter()
    done = run([str(bench / "bin/flask-unsign"), "--unsign", "--cookie", token, "--wordlist",
                str(path), "--no-literal-eval", "-t", "1"], capture_output=True)
    py_wall = time.perf_counter() - t0
    # The key goes to stdout; "Found secret key after N attempts" to stderr.
    found = re.search(r"Found secret key after (\d+) attempts", done.stderr + done.stdout)
    assert found and key in done.stdout, "flask-unsign did not find the key"
    py_guesses = int(found.group(1))
    log("compare: signed-cookie crack (every core)")
    walls = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = run([str(cli_bin), "crack", "--profile", "flask", "--wordlist", str(path), token],
                  capture_output=True).stdout
        walls.append(time.perf_counter() - t0)
        assert out.strip() == key, out
    rs_wall = statistics.median(walls)
    return {"lines": lines, "key_line": position, "token_len": len(token),
            "flask_unsign_guesses": py_guesses, "flask_unsign_s": py_wall,
            "flask_unsign_rate": py_guesses / py_wall,
            "rust_s_median": rs_wall, "rust_runs_s": walls, "rust_rate": position / rs_wall,
            "ratio": (position / rs_wall) / (py_guesses / py_wall), "bar": CRACK_BAR,
            "kernel": kernel()}


def fmt_rate(r):
    return f"{r / 1e6:.2f} M/s" if r >= 1e6 else f"{r / 1e3:.1f} k/s"


PEER_LABEL = {
    "flask": "Flask 3.1",
    "django": "Django 5.2 `signing` (compress)",
    "django-cookie": "Django 5.2 signed_cookies session",
    "itsdangerous": "itsdangerous 2.2",
    "starlette": "Starlette SessionMiddleware",
}

SIZE_LABEL = {"small": "small (102 B JSON)", "1k": "1 KB", "3k": "3 KB"}


def markdown(result):
    """The README's tables (ratios first) for one run's results."""
    lines = []
    if "crack" in result:
        c = result["crack"]
        lines += [
            f"Secret-key audit (`signed-cookie crack`), Flask cookie, {c['lines']:,}-line wordlist,"
            f" key on line {c['key_line']:,}:", "",
            "| tool | guesses/s | ratio (bar) |", "|---|---|---|",
            f"| **signed-cookie crack** (all cores, {c['kernel']} kernel) | "
            f"**{fmt_rate(c['rust_rate'])}** (median of {len(c['rust_runs_s'])} runs) | "
            f"**{c['ratio']:.0f}×** ({c['bar']}×) |",
            f"| flask-unsign 1.2.1 `--no-literal-eval -t 1` | {fmt_rate(c['flask_unsign_rate'])}"
            " | 1× |", ""]
    if "codec" in result:
        sizes = list(dict.fromkeys(r["size"] for r in result["codec"]))
        lines += ["Sign and verify (ratio / bar, then Python / Rust time):", "",
                  "| peer | op | " + " | ".join(SIZE_LABEL.get(s, s) for s in sizes) + " |",
                  "|---|---|" + "---|" * len(sizes)]
        rows = {}
        for r in result["codec"]:
            met = "met" if r["bar"] and r["ratio"] >= r["bar"] else "not met"
            bar = f" / {r['bar']}× {met}" if r["bar"] else ""
            ratio = f"**{r['ratio']:.1f}×**" if r["bar"] else f"{r['ratio']:.1f}×"
            cell = f"{ratio}{bar} ({r['python_us']:.1f} / {r['rust_us']:.2f} µs)"
            rows.setdefault((r["profile"], r["op"]), {})[r["size"]] = cell
        for (profile, op), cells in rows.items():
            label = PEER_LABEL.get(profile, profile)
            lines.append(f"| {label} | {op} | " + " | ".join(cells.get(s, "-") for s in sizes)
                         + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=2_000_000, help="wordlist lines (2 M)")
    ap.add_argument("--batch-seconds", type=float, default=0.2,
                    help="CPU seconds per timing batch, 5 batches per operation")
    ap.add_argument("--rounds", type=int, default=2,
                    help="alternating Python/Rust codec rounds; the lowest median counts")
    ap.add_argument("--skip-crack", action="store_true")
    ap.add_argument("--skip-codec", action="store_true")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--markdown", action="store_true",
                    help="also print the results as the README's tables")
    ap.add_argument("--render", nargs="+", metavar="FILE",
                    help="print the README's tables from --json files of earlier runs, and exit")
    args = ap.parse_args()
    if args.render:
        print("\n\n".join(markdown(json.loads(Path(p).read_text())).strip()
                          for p in args.render))
        return
    timing_bin, cli_bin = build()
    result = {"machine": machine(), "load_before": load(),
              "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:])}
    if not args.skip_codec:
        result["codec"] = codec(args.batch_seconds, timing_bin, args.rounds)
    if not args.skip_crack:
        result["crack"] = crack(args.lines, cli_bin)
    result["load_after"] = load()

    print(f"Machine: {result['machine']}; load average {result['load_before']:.2f} before, "
          f"{result['load_after']:.2f} after")
    if "codec" in result:
        print("\nCodec (CPU time per operation, one core each, lowest of the rounds' medians;"
              " ratio = Python / Rust)")
        print(f"{'profile':14} {'size':5} {'op':6} {'ratio':>8} {'bar':>5} {'Python':>10} "
              f"{'Rust':>10}  same token")
        for r in result["codec"]:
            bar = f"{r['bar']}x" if r["bar"] else "-"
            mark = "" if not r["bar"] else (" ok" if r["ratio"] >= r["bar"] else " BELOW")
            same = {True: "yes", False: "NO", None: "-"}[r["identical_token"]] \
                if r["op"] == "sign" else ""
            print(f"{r['profile']:14} {r['size']:5} {r['op']:6} {r['ratio']:7.1f}x {bar:>5} "
                  f"{r['python_us']:8.1f}us {r['rust_us']:8.2f}us  {same}{mark}")
    if "crack" in result:
        c = result["crack"]
        print(f"\nCrack (Flask cookie of {c['token_len']} bytes, {c['lines']} lines, key on "
              f"line {c['key_line']})")
        print(f"  ratio {c['ratio']:.0f}x (bar {c['bar']}x)"
              f"{' ok' if c['ratio'] >= c['bar'] else ' BELOW'}")
        print(f"  flask-unsign 1.2.1 --no-literal-eval -t 1: {fmt_rate(c['flask_unsign_rate'])}"
              f" ({c['flask_unsign_s']:.1f} s)")
        print(f"  signed-cookie crack (all cores):          {fmt_rate(c['rust_rate'])}"
              f" (median of {len(c['rust_runs_s'])} runs, {c['rust_s_median']:.3f} s,"
              f" {c['kernel']} kernel)")
    if args.markdown:
        print("\n" + markdown(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
