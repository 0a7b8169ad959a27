#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for tests and benchmarks (Debian's package; installs it
# when missing). initdb refuses to run as root, so the cluster belongs to the `postgres` user.
# Prints the DATABASE_URL to use on its last line.
set -euo pipefail
PGPORT=${PGPORT:-55432}
PGDIR=${PGDIR:-/tmp/rastro-pg-$PGPORT}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "installing postgresql (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

if ! as_pg "$bindir/pg_isready -q -h 127.0.0.1 -p $PGPORT"; then
  if [ ! -f "$PGDIR/PG_VERSION" ]; then
    mkdir -p "$PGDIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PGDIR"
    as_pg "$bindir/initdb -D $PGDIR -U postgres --auth=trust -E UTF8 >/dev/null"
  fi
  # Tuned for a disposable test server: durable commits stay on (fsync), sizes fit 2 cores.
  as_pg "$bindir/pg_ctl -D $PGDIR -l $PGDIR/server.log -w -o \"-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=512MB\" start >/dev/null"
fi
echo "postgres://postgres@127.0.0.1:$PGPORT/postgres"
