#!/bin/sh
# clinic.sh with the center's store on PostgreSQL (issue 22): the clinics'
# queries answered by the one-statement read (center_elig_query_read) and
# the query log sent with the COMMIT, in a throwaway cluster of its own.
CENTER_ENGINE=pg
export CENTER_ENGINE
exec ${SHELL:-/bin/sh} "${top_srcdir:-$(dirname "$0")/..}/tests/clinic.sh"
