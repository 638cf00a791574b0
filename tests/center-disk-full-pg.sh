#!/bin/sh
# center-disk-full.sh with the center's store on PostgreSQL (issue 22): the
# whole throwaway cluster (data and WAL) on the small tmpfs.
CENTER_ENGINE=pg
export CENTER_ENGINE
exec ${SHELL:-/bin/sh} "${top_srcdir:-$(dirname "$0")/..}/tests/center-disk-full.sh"
