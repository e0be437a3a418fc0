#!/usr/bin/env bash
# Creates throwaway certificates for testing the nginx mTLS front of WABA Journal
# (deploy/nginx/waba-journal.conf.template). Test use only: keys are unencrypted.
#
#   deploy/nginx/make-test-certs.sh OUTDIR
#
# Writes into OUTDIR (created if missing; existing files are overwritten):
#   ca.pem, ca.key                      test CA (what WJ_CLIENT_CA points to; also signs server.pem)
#   server.pem, server.key              CN=localhost, SAN DNS:localhost, IP:127.0.0.1, serverAuth
#   meta-client.pem, meta-client.key    CN=client.webhooks.fbclientcerts.com, clientAuth, signed by ca
#   other-cn-client.pem/.key            CN=client.webhooks.example.com, clientAuth, signed by ca
#   rogue-ca.pem, rogue-ca.key          a second, untrusted CA
#   rogue-client.pem/.key               CN=client.webhooks.fbclientcerts.com, signed by rogue-ca
#
# EC P-256 keys (fast), no prompts, validity 2 days (tests only need "now").
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
mkdir -p -- "$out"
cd -- "$out"
umask 077

readonly META_CN=client.webhooks.fbclientcerts.com
readonly DAYS=2

key() {  # key FILE: a fresh EC P-256 private key
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

ca() {  # ca NAME SUBJECT: self-signed CA NAME.pem / NAME.key
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -out "$1.pem" -days "$DAYS" -sha256 -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
}

leaf() {  # leaf NAME SUBJECT ISSUER EXTENSIONS: NAME.pem / NAME.key signed by ISSUER.pem
  local name=$1 subject=$2 issuer=$3 extensions=$4
  key "$name.key"
  openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr" 2>/dev/null
  # A random 128-bit serial: no .srl file left behind, distinct serials across runs.
  openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days "$DAYS" -sha256 -out "$name.pem" \
    -extfile <(printf '%s\n' "$extensions") 2>/dev/null
  rm -f -- "$name.csr"
}

readonly CLIENT_EXT='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
authorityKeyIdentifier=keyid'

ca ca "/O=WABA Journal Test/CN=WABA Journal Test CA"
ca rogue-ca "/O=Rogue Test/CN=Rogue Test CA"

leaf server "/CN=localhost" ca 'basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
authorityKeyIdentifier=keyid'

# Subject laid out like Meta's (C, ST, L, O, CN): RFC 2253 output then starts with CN=,
# and the comma inside "Meta Platforms, Inc." is printed escaped ("\,").
leaf meta-client "/C=US/ST=California/L=Menlo Park/O=Meta Platforms, Inc./CN=$META_CN" ca "$CLIENT_EXT"
leaf other-cn-client "/C=US/O=Example/CN=client.webhooks.example.com" ca "$CLIENT_EXT"
leaf rogue-client "/C=US/ST=California/L=Menlo Park/O=Meta Platforms, Inc./CN=$META_CN" rogue-ca \
  "$CLIENT_EXT"

# Certificates are public; keys stay 0600.
chmod 0644 ./*.pem
for name in server meta-client other-cn-client rogue-client; do
  openssl verify -CAfile "$([[ $name == rogue-client ]] && echo rogue-ca || echo ca).pem" \
    "$name.pem" >/dev/null
done
