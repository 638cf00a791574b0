#!/bin/sh
# center-revoked.sh with the center's store on PostgreSQL (issue 22): the
# same test, in a throwaway cluster of its own (tests/lib/pg.sh).
CENTER_ENGINE=pg
export CENTER_ENGINE
exec ${SHELL:-/bin/sh} "${top_srcdir:-$(dirname "$0")/..}/tests/center-revoked.sh"
