# Sourced by `make test` and .ci/run: points DATABASE_URL and REDIS_URL at PostgreSQL and Redis.
# Uses the variables when set, else the standard local addresses when something answers
# there. Under CI=true a missing service is an error; locally the tests that need it skip
# with a loud reason.

_port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

if [ -z "${DATABASE_URL:-}" ]; then
  if _port_open 127.0.0.1 5432; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/compliance"
  elif [ "${CI:-}" = "true" ]; then
    echo "CI=true: PostgreSQL is not reachable at 127.0.0.1:5432 and DATABASE_URL is unset" >&2
    return 1 2>/dev/null || exit 1
  else
    echo "WARNING: no PostgreSQL (DATABASE_URL unset, nothing on 127.0.0.1:5432): tests use SQLite and PostgreSQL-only tests SKIP" >&2
  fi
fi
if [ -z "${REDIS_URL:-}" ]; then
  if _port_open 127.0.0.1 6379; then
    export REDIS_URL="redis://127.0.0.1:6379/0"
  elif [ "${CI:-}" = "true" ]; then
    echo "CI=true: Redis is not reachable at 127.0.0.1:6379 and REDIS_URL is unset" >&2
    return 1 2>/dev/null || exit 1
  else
    echo "WARNING: no Redis (REDIS_URL unset, nothing on 127.0.0.1:6379): pipeline tests SKIP" >&2
  fi
fi
echo "Test services: DATABASE_URL=${DATABASE_URL:-<sqlite>} REDIS_URL=${REDIS_URL:-<none>}"
