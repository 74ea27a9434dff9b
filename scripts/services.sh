#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1 (start them, or install them from Debian's
# packages when absent), and that the portal's database exists. Used by scripts/test and CI.
set -euo pipefail

PGHOST=${PGHOST:-127.0.0.1}; PGPORT=${PGPORT:-5432}; PGUSER=${PGUSER:-postgres}
PGDATABASE=${PGDATABASE:-skills_portal}
REDIS_PORT=${REDIS_PORT:-6379}
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_updated=""

apt_install() {
  command -v apt-get >/dev/null 2>&1 || { echo "cannot install $*: no apt-get" >&2; exit 1; }
  [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

pg_up() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

wait_for() {  # wait_for <check-function> <name>
  for _ in $(seq 1 60); do "$1" && return 0; sleep 0.5; done
  echo "$2 did not come up" >&2; exit 1
}

# --- PostgreSQL --------------------------------------------------------------------------------
if ! command -v pg_isready >/dev/null 2>&1; then
  echo "PostgreSQL not installed: installing it…"
  apt_install postgresql postgresql-client
fi
if ! pg_up; then
  echo "Starting PostgreSQL…"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  [ -n "$version" ] || { echo "no PostgreSQL cluster found under /etc/postgresql" >&2; exit 1; }
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for pg_up PostgreSQL
fi
# Local development trust: the CI machine and the dev default use the postgres role over TCP.
if ! psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -Atqc "select 1" >/dev/null 2>&1; then
  echo "Allowing password-less local TCP connections for PostgreSQL (development machine)…"
  hba=$(ls /etc/postgresql/*/main/pg_hba.conf | sort -V | tail -1)
  $SUDO sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  $SUDO sed -i -E 's/^(local\s+all\s+postgres\s+)\S+/\1trust/' "$hba"
  version=$(basename "$(dirname "$(dirname "$hba")")")
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  sleep 1
fi
if ! psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -Atqc \
     "select 1 from pg_database where datname='$PGDATABASE'" | grep -q 1; then
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "create database \"$PGDATABASE\""
fi

# --- Redis ---------------------------------------------------------------------------------------
if ! command -v redis-server >/dev/null 2>&1; then
  echo "Redis not installed: installing it…"
  apt_install redis-server
fi
if ! redis_up; then
  echo "Starting Redis…"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/skills-portal.log
  wait_for redis_up Redis
fi
echo "PostgreSQL ($PGHOST:$PGPORT/$PGDATABASE) and Redis (127.0.0.1:$REDIS_PORT) are up."
