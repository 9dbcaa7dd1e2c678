"""A real Django app with the signed_cookies session backend, sharing its session with the Rust
examples.

Driven by tests/session_e2e.rs. Environment: SECRET_KEY, optional SECRET_KEY_FALLBACKS
(comma-separated, tried in order, as Django's list), PORT (0: any free port). Served by
wsgiref through Django's WSGI handler and SessionMiddleware. Prints
"listening on http://127.0.0.1:<port>" once it accepts connections.
"""

import os
import sys

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ["SECRET_KEY"],
    SECRET_KEY_FALLBACKS=[k for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k],
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
    SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
    USE_TZ=True,
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from wsgiref.simple_server import WSGIRequestHandler, make_server  # noqa: E402


def login(request):
    request.session["user_id"] = request.POST["user_id"]
    return HttpResponse("logged in")


def whoami(request):
    user_id = request.session.get("user_id")
    if user_id is None:
        return HttpResponse("not logged in", status=401)
    return HttpResponse(str(user_id))


def visits(request):
    return HttpResponse(str(request.session.get("visits", 0)))


def visit(request):
    request.session["visits"] = request.session.get("visits", 0) + 1
    return HttpResponse(str(request.session["visits"]))


def logout(request):
    request.session.flush()
    return HttpResponse("logged out")


def fail(request):
    request.session["failed"] = True
    return HttpResponse("failed", status=503)


urlpatterns = [
    path("login", login),
    path("whoami", whoami),
    path("visits", visits),
    path("visit", visit),
    path("logout", logout),
    path("fail", fail),
]


class Handler(WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("%s\n" % (format % args))


if __name__ == "__main__":
    server = make_server(
        "127.0.0.1", int(os.environ.get("PORT", "0")), get_wsgi_application(), handler_class=Handler
    )
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
