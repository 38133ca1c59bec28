#!/usr/bin/env bash
# `make dashboard`: a local, Sentry-compatible error and trace dashboard (Bugsink 2.x from
# PyPI) on 127.0.0.1, in its own virtualenv (.dashboard/venv, git-ignored), phone-home off.
# Creates an admin user, an API token and a project "sih28", prints the DSN, then serves
# until Ctrl-C. Data stays in .dashboard/ between runs.
#
# Environment (all optional): DASHBOARD_PORT (8001), DASHBOARD_DIR (.dashboard),
# DASHBOARD_VENV ($DASHBOARD_DIR/venv), DASHBOARD_PROJECT (sih28), PYTHON (python3),
# BUGSINK_SPEC ("bugsink>=2,<3").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${DASHBOARD_DIR:-$ROOT/.dashboard}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
VENV="${DASHBOARD_VENV:-$DIR/venv}"
PORT="${DASHBOARD_PORT:-8001}"
HOST=127.0.0.1
PROJECT="${DASHBOARD_PROJECT:-sih28}"
PYTHON="${PYTHON:-python3}"
BUGSINK_SPEC="${BUGSINK_SPEC:-bugsink>=2,<3}"
URL="http://$HOST:$PORT"

say() { echo "[dashboard] $*" >&2; }

# 1. Bugsink in its own virtualenv (never in the project's .venv).
if [ ! -x "$VENV/bin/bugsink-manage" ]; then
  say "installing $BUGSINK_SPEC into $VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet "$BUGSINK_SPEC"
fi
say "Bugsink $("$VENV/bin/bugsink-show-version")"

# 2. Configuration: Bugsink's "local" template (single user, tasks run eagerly), bound to
#    loopback, with its databases and ingest store under $DIR and phone-home off.
cd "$DIR"
rm -f bugsink_conf.py
"$VENV/bin/bugsink-create-conf" --template=local --host="$HOST" --port="$PORT" \
  --output-file=bugsink_conf.py >/dev/null
cat >> bugsink_conf.py <<EOF

# --- added by sih28/dashboard.sh -----------------------------------------------------
BUGSINK["PHONEHOME"] = False  # never contact bugsink.com
ALLOWED_HOSTS = ["$HOST", "localhost"]
DATABASES["default"]["NAME"] = "$DIR/db.sqlite3"
DATABASES["snappea"]["NAME"] = "$DIR/snappea.sqlite3"
BUGSINK["INGEST_STORE_BASE_DIR"] = "$DIR/ingestion"
EOF
export DJANGO_SETTINGS_MODULE=bugsink_conf PYTHONPATH="$DIR"
manage() { "$VENV/bin/bugsink-manage" "$@"; }

# 3. Databases (the main one and snappea's task queue), an admin user and an API token.
manage migrate --noinput -v 0
manage migrate snappea --database=snappea --noinput -v 0
umask 077
if [ ! -s admin-password ]; then
  "$VENV/bin/python" -c "import secrets; print(secrets.token_urlsafe(18))" > admin-password
fi
if ! manage shell -c "from django.contrib.auth import get_user_model as m; \
import sys; sys.exit(0 if m().objects.filter(username='admin').exists() else 1)" &>/dev/null
then
  DJANGO_SUPERUSER_PASSWORD="$(cat admin-password)" \
    manage createsuperuser --noinput --username admin --email admin@localhost >/dev/null
fi
if [ ! -s api-token ]; then
  manage create_auth_token > api-token
fi

# 4. Serve on loopback (gunicorn, as in Bugsink's own deployments).
if curl -fsS -o /dev/null "$URL/health/ready" 2>/dev/null; then
  say "something already answers on $URL; choose another DASHBOARD_PORT"
  exit 1
fi
"$VENV/bin/gunicorn" --bind "$HOST:$PORT" --workers 2 --access-logfile /dev/null \
  --error-logfile "$DIR/server.log" bugsink.wsgi &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$URL/health/ready" 2>/dev/null && break
  kill -0 "$SERVER" 2>/dev/null || { say "server failed; see $DIR/server.log"; exit 1; }
  sleep 0.2
done

# 5. The project, through Bugsink's API (idempotent): prints its DSN.
DSN="$("$VENV/bin/python" - "$URL" "$(cat api-token)" "$PROJECT" <<'PY'
import json
import sys
import urllib.request

url, token, name = sys.argv[1:4]


def call(method, path, body=None):
    req = urllib.request.Request(
        f"{url}/api/canonical/0/{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


projects = call("GET", "projects/")["results"]
project = next((p for p in projects if p["name"] == name), None)
if project is None:
    teams = call("GET", "teams/")["results"]
    team = next((t for t in teams if t["name"] == "SIH28"), None) or call(
        "POST", "teams/", {"name": "SIH28"})
    call("POST", "projects/", {"team": team["id"], "name": name})
    project = next(p for p in call("GET", "projects/")["results"] if p["name"] == name)
print(project["dsn"])
PY
)"
echo "$DSN" > dsn

cat <<EOF

  Bugsink (Sentry-compatible) is running at $URL/
  Log in as:  admin / $(cat admin-password)     (also in $DIR/admin-password)
  API token:  in $DIR/api-token

  Point SIH28 at it (e.g. in .env), then check:
    SENTRY_DSN=$DSN
    SENTRY_ENVIRONMENT=development
    SENTRY_TRACES_SAMPLE_RATE=1.0
    python manage.py sentry_check

  Ctrl-C stops the dashboard; its data stays in $DIR.
EOF
wait "$SERVER"
