"""Exit 0 when the PostgreSQL server of the given URL accepts connections."""

import sys

import psycopg

url = sys.argv[1]
# Connect to the maintenance database: the named one may not exist yet.
base = url.rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(base, connect_timeout=3).close()
except Exception as exc:  # any failure means "not reachable" here
    print(f"PostgreSQL check failed: {exc}", file=sys.stderr)
    sys.exit(1)
