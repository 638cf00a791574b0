# clinic.sh: what the clinic tests share (after center.sh): the clinic's
# TLS certificates (signed by the test queue CA; the common name ends in
# the 医療機関コード), the center's registrations, and a runner.
#
#   clinic_certs      clinic.crt/key (code 1311234569, registered) and
#                     other.crt/key (1311234578: valid, not registered)
#   clinic_register   register the clinic, the test municipality's key and
#                     the insurer's name at the center (center.db)
#   clinic ARGS       nhicard-clinic on $CLINIC_URL (default $CENTER_URL);
#                     $out and $rc

CLINIC=${CLINIC:-$top_builddir/clinic/nhicard-clinic}
[ -x "$CLINIC" ] || bail "clinic/nhicard-clinic not built"

_clinic_cert() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/O=nhicard TEST/CN=nhicard TEST clinic $2" -keyout "$1.key" \
	    -out "$1.csr" 2>/dev/null &&
	printf 'extendedKeyUsage=clientAuth\n' > "$1.ext" &&
	openssl x509 -req -in "$1.csr" -CA "$KEYS/test-queue-ca.crt" \
	    -CAkey "$KEYS/test-queue-ca.key" -set_serial "$3" -days 2 \
	    -extfile "$1.ext" -out "$1.crt" 2>/dev/null ||
	    bail "cannot make the clinic certificate $1"
}

clinic_certs() {
	_clinic_cert clinic 1311234569 5151
	_clinic_cert other 1311234578 5152
}

clinic_register() {
	"$CENTER" --db "$CENTER_DB" clinic add 1311234569 "TEST clinic" >/dev/null &&
	"$CENTER" --db "$CENTER_DB" trust add 131016 "$KEYS/test-municipality.key" >/dev/null &&
	"$CENTER" --db "$CENTER_DB" insurer add 133116 "千代田区" >/dev/null ||
	    bail "cannot register the clinic at the center"
}

clinic() {
	run "$CLINIC" --center "${CLINIC_URL:-$CENTER_URL}" --cert clinic.crt \
	    --key clinic.key --ca "$KEYS/test-queue-ca.crt" \
	    --center-cert "$KEYS/test-center.crt" --state "$TEST_TMP/cstate" \
	    --out "$TEST_TMP/visits" --reader "$PCSC_READER" --wait 10 "$@"
}
