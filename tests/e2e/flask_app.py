"""A real Flask 3.1 app on Werkzeug's server, sharing its session with the Rust examples.

Driven by tests/session_e2e.rs. Environment: SECRET_KEY, optional SECRET_KEY_FALLBACKS
(comma-separated, oldest first, as Flask's list), PORT (0: any free port). Prints
"listening on http://127.0.0.1:<port>" once it accepts connections. Request logs go to stderr.
"""

import os

from flask import Flask, request, session
from werkzeug.serving import make_server

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
fallbacks = [k for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k]
if fallbacks:
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks


@app.post("/login")
def login():
    session["user_id"] = request.form["user_id"]
    if request.form.get("permanent"):
        session.permanent = True
    return "logged in"


@app.get("/whoami")
def whoami():
    user_id = session.get("user_id")
    if user_id is None:
        return "not logged in", 401
    return str(user_id)


@app.get("/visits")
def visits():
    return str(session.get("visits", 0))


@app.post("/visit")
def visit():
    session["visits"] = session.get("visits", 0) + 1
    return str(session["visits"])


@app.post("/logout")
def logout():
    session.clear()
    return "logged out"


@app.post("/fail")
def fail():
    session["failed"] = True
    raise RuntimeError("a view that fails after changing the session")


if __name__ == "__main__":
    server = make_server("127.0.0.1", int(os.environ.get("PORT", "0")), app)
    print(f"listening on http://127.0.0.1:{server.port}", flush=True)
    server.serve_forever()
