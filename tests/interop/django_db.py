"""Drives a real Django `db` session backend over a SQLite file, for tests/django_db.rs.

Run with a Django venv's python (see setup_venvs.sh):

    python django_db.py --db PATH --secret KEY [--sha1] migrate
    python django_db.py --db PATH --secret KEY [--sha1] create JSON_OBJECT
    python django_db.py --db PATH --secret KEY [--sha1] load SESSION_KEY

`--sha1` sets DEFAULT_HASHING_ALGORITHM = 'sha1' (Django 3.2's transitional setting).
Each command prints one JSON object on stdout:

* migrate: {"django": "5.2.19"}
* create:  {"key": ..., "session_data": ..., "expire_date": ...} -- the row Django's ORM wrote
* load:    {"found": bool, "data": <compact JSON text of the loaded session, Django's form>,
            "corrupted": [log messages of django.security.*], "error": null or "Type: message",
            "session_data": raw column or null, "expire_date": ISO text or null,
            "expires_in": seconds from now or null}

Nothing here signs or encodes by hand: every row goes through SessionStore and the ORM.
"""

import argparse
import json
import logging
import sys
import warnings


def configure(args):
    import django
    from django.conf import settings

    options = dict(
        SECRET_KEY=args.secret,
        INSTALLED_APPS=["django.contrib.sessions"],
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": args.db}
        },
        SESSION_ENGINE="django.contrib.sessions.backends.db",
        USE_TZ=True,
        TIME_ZONE="UTC",
    )
    if args.sha1:
        options["DEFAULT_HASHING_ALGORITHM"] = "sha1"
    with warnings.catch_warnings():
        # The sha1 setting is deprecated in 3.2 and says so; that is the point here.
        warnings.simplefilter("ignore")
        settings.configure(**options)
        django.setup()
    return django


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append("%s: %s" % (record.name, record.getMessage()))


def compact(value):
    # Django's JSONSerializer: json.dumps(obj, separators=(",", ":")), ensure_ascii on.
    return json.dumps(value, separators=(",", ":"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--sha1", action="store_true")
    parser.add_argument("command", choices=["migrate", "create", "load"])
    parser.add_argument("arg", nargs="?")
    args = parser.parse_args()
    django = configure(args)

    if args.command == "migrate":
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        out = {"django": django.get_version()}
    elif args.command == "create":
        from django.contrib.sessions.backends.db import SessionStore
        from django.contrib.sessions.models import Session

        store = SessionStore()
        store.update(json.loads(args.arg))
        store.save()
        row = Session.objects.get(session_key=store.session_key)
        out = {
            "key": store.session_key,
            "session_data": row.session_data,
            "expire_date": row.expire_date.isoformat(),
        }
    else:
        from django.contrib.sessions.backends.db import SessionStore
        from django.contrib.sessions.models import Session
        from django.utils import timezone

        collect = Collect()
        security = logging.getLogger("django.security")
        security.addHandler(collect)
        security.setLevel(logging.DEBUG)
        store = SessionStore(session_key=args.arg)
        error = None
        try:
            data = dict(store.items())
        except Exception as e:  # Django 2.2 lets binascii.Error escape from decode.
            data = {}
            error = "%s: %s" % (type(e).__name__, e)
        row = Session.objects.filter(session_key=args.arg).first()
        out = {
            "found": store.session_key is not None and error is None,
            "data": compact(data),
            "corrupted": collect.messages,
            "error": error,
            "session_data": row.session_data if row else None,
            "expire_date": row.expire_date.isoformat() if row else None,
            "expires_in": (row.expire_date - timezone.now()).total_seconds()
            if row
            else None,
        }
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
