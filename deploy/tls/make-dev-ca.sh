#!/usr/bin/env bash
# Makes a development CA and the certificates the configs in deploy/nats expect,
# with Debian's openssl. NOT for production: the CA key sits next to the
# certificates and nothing is protected by a passphrase.
#
#   deploy/tls/make-dev-ca.sh OUT_DIR [SERVER_NAME...]
#
# OUT_DIR (created, mode 0700) receives:
#   ca.pem, ca-key.pem                      the dev CA (10 years)
#   server/<name>.pem, server/<name>-key.pem  one per server; SANs: <name>,
#       <name>.$RELAY_NATS_DOMAIN, localhost, 127.0.0.1, ::1; usable for client
#       connections, routes, gateways and leaf nodes (serverAuth + clientAuth)
#   client/<name>.pem, client/<name>-key.pem  mutual-TLS client certificates for
#       the services, an operator and the example hotline leaf node, plus the
#       names in $RELAY_TLS_EXTRA_CLIENTS (space-separated, e.g. hotline-eokm police-nl)
# Default servers: the 3-node cluster (n1 n2 n3) and the multi-region examples.
# Running it again keeps an existing CA and re-issues the leaf certificates
# (that is the dev version of certificate rotation, see docs/operations.md).
set -euo pipefail

if [ $# -lt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
out=$1
shift
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(n1 n2 n3 eu-n1 us-n1)
# shellcheck disable=SC2206 # word splitting of the extra names is intended
clients=(gateway locator dispatcher operator leaf-eokm ${RELAY_TLS_EXTRA_CLIENTS:-})
domain=${RELAY_NATS_DOMAIN:-nats.relay.internal}
days=${RELAY_CERT_DAYS:-397}
openssl=${OPENSSL:-openssl}

umask 077
mkdir -p "$out/server" "$out/client"
chmod 700 "$out"
chmod 755 "$out/server" "$out/client"

if [ ! -s "$out/ca.pem" ] || [ ! -s "$out/ca-key.pem" ]; then
  "$openssl" req -x509 -new -nodes -sha256 -days 3650 \
    -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$out/ca-key.pem" -out "$out/ca.pem" \
    -subj "/O=Hotline Relay (dev)/CN=Hotline Relay dev CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

# issue KIND NAME EXT: a P-256 key and a certificate signed by the dev CA.
issue() {
  local kind=$1 name=$2 ext=$3
  local key="$out/$kind/$name-key.pem" crt="$out/$kind/$name.pem" csr extfile
  csr=$(mktemp) extfile=$(mktemp)
  printf '%s\n' "$ext" >"$extfile"
  "$openssl" req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$key" -out "$csr" -subj "/O=Hotline Relay (dev)/CN=$name" 2>/dev/null
  "$openssl" x509 -req -sha256 -days "$days" -in "$csr" \
    -CA "$out/ca.pem" -CAkey "$out/ca-key.pem" -CAcreateserial -CAserial "$out/ca.srl" \
    -extfile "$extfile" -out "$crt" 2>/dev/null
  rm -f "$csr" "$extfile"
  # nats-server and the services read their own key; the certificate is public.
  chmod 600 "$key"
  chmod 644 "$crt"
}

for s in "${servers[@]}"; do
  issue server "$s" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:$s,DNS:$s.$domain,DNS:localhost,IP:127.0.0.1,IP:::1"
done
for c in "${clients[@]}"; do
  issue client "$c" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
done
chmod 644 "$out/ca.pem"

echo "dev CA and certificates in $out: servers ${servers[*]}; clients ${clients[*]}"
