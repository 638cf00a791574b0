# jpki.sh: a TEST JPKI CA made by the tests, never shipped (after
# common.sh): its certificate names "nhicard TEST" like every test key, so
# a production station refuses it (crypto-testkeys.c). Sourced by the My
# Number tests and tools/demo-run.
#
#   jpki_ca DIR              make the CA in DIR (ca.crt, ca.key, crl.pem)
#   jpki_user DIR NAME [-startdate YYMMDDhhmmssZ -enddate YYMMDDhhmmssZ]
#                            issue a user-authentication certificate
#                            DIR/NAME.crt for a new RSA key DIR/NAME.key
#   jpki_revoke DIR NAME     revoke DIR/NAME.crt and rewrite DIR/crl.pem
#   jpki_other_ca DIR        another CA (not configured at the station)
# Each exits the test (bail) when openssl fails.

: "${OPENSSL:=openssl}"

_jpki_fail() {
	if command -v bail >/dev/null 2>&1; then
		bail "jpki test CA: $*"
	fi
	echo "jpki test CA: $*" >&2
	exit 1
}

_jpki_conf() {
	cat >"$1/ca.cnf" <<EOC
[ca]
default_ca = test
[test]
dir = $1
database = $1/index.txt
new_certs_dir = $1/new
serial = $1/serial
crlnumber = $1/crlnumber
certificate = $1/ca.crt
private_key = $1/ca.key
default_md = sha256
default_days = 1825
default_crl_days = 30
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
[user_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
EOC
}

# jpki_ca DIR [CN]
jpki_ca() {
	_d=$1
	_cn=${2:-nhicard TEST JPKI user-authentication CA}
	mkdir -p "$_d/new" || _jpki_fail "mkdir $_d"
	: >"$_d/index.txt"
	echo 1000 >"$_d/serial"
	echo 01 >"$_d/crlnumber"
	_jpki_conf "$_d"
	"$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout "$_d/ca.key" \
	    -out "$_d/ca.crt" -days 3650 -subj "/C=JP/O=nhicard TEST/CN=$_cn" \
	    >/dev/null 2>&1 || _jpki_fail "cannot make the CA in $_d"
	"$OPENSSL" ca -batch -config "$_d/ca.cnf" -gencrl -out "$_d/crl.pem" \
	    >/dev/null 2>&1 || _jpki_fail "cannot make the CRL in $_d"
}

# jpki_user DIR NAME [openssl ca date options...]
jpki_user() {
	_d=$1
	_n=$2
	shift 2
	"$OPENSSL" req -newkey rsa:2048 -nodes -keyout "$_d/$_n.key" \
	    -out "$_d/$_n.csr" -subj "/CN=$_n" >/dev/null 2>&1 ||
		_jpki_fail "cannot make the key $_n"
	"$OPENSSL" ca -batch -config "$_d/ca.cnf" -extensions user_ext \
	    -in "$_d/$_n.csr" -out "$_d/$_n.crt" -notext "$@" >/dev/null 2>&1 ||
		_jpki_fail "cannot issue $_n"
}

# jpki_revoke DIR NAME
jpki_revoke() {
	"$OPENSSL" ca -batch -config "$1/ca.cnf" -revoke "$1/$2.crt" \
	    -crl_reason keyCompromise >/dev/null 2>&1 || _jpki_fail "cannot revoke $2"
	"$OPENSSL" ca -batch -config "$1/ca.cnf" -gencrl -out "$1/crl.pem" \
	    >/dev/null 2>&1 || _jpki_fail "cannot rewrite the CRL"
}

# jpki_serial FILE: the certificate's serial, lower-case hex
jpki_serial() {
	"$OPENSSL" x509 -in "$1" -noout -serial | sed 's/^serial=//' |
	    tr 'A-F' 'a-f' | sed 's/^0*//'
}
