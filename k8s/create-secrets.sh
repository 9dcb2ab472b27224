#!/bin/sh
# Creates the Secrets that k8s/base refers to, in the namespace alora (or $1), with random values and a new CA
# (k8s/README.md, "Secrets"). A Secret that exists already is left alone: delete it to create it again.
#   alora-redis          password                     Redis' requirepass and the silos' Redis connection string
#   alora-grafana-admin  admin-user, admin-password   Grafana's administrator
#   alora-tls            tls.crt, tls.key, ca.crt     the silos' certificate and key, and the CA that signed it
#   alora-client-token   token                        the token clients present to the gateway
# Needs kubectl (with access to the cluster) and openssl. Nothing secret is printed or passed on a command line; the
# files are written to a private temporary folder that is deleted at the end (the CA's key with them: keep your own
# CA and create alora-tls by hand to issue more certificates from it).
set -eu
ns=${1:-alora}
umask 077
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM

exists() { kubectl -n "$ns" get secret "$1" >/dev/null 2>&1; }
# 64 hex characters: no ',' or '=', which the Redis connection string could not hold.
random() { openssl rand -hex 32 | tr -d '\n' > "$1"; }

kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"

if exists alora-redis; then echo "alora-redis exists, kept"; else
  random "$dir/password"
  kubectl -n "$ns" create secret generic alora-redis --from-file=password="$dir/password"
fi

if exists alora-grafana-admin; then echo "alora-grafana-admin exists, kept"; else
  printf 'admin' > "$dir/admin-user"
  random "$dir/admin-password"
  kubectl -n "$ns" create secret generic alora-grafana-admin \
    --from-file=admin-user="$dir/admin-user" --from-file=admin-password="$dir/admin-password"
fi

if exists alora-tls; then echo "alora-tls exists, kept"; else
  openssl req -x509 -newkey rsa:3072 -nodes -days 825 -subj "/CN=alora-ca" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey rsa:3072 -nodes -subj "/CN=alora-silo" -keyout "$dir/tls.key" -out "$dir/tls.csr" 2>/dev/null
  # The names clients and silos use: the gateway Service, the headless Service's pod names, localhost (port-forward).
  san="DNS:alora-gateway,DNS:alora-gateway.$ns,DNS:alora-gateway.$ns.svc,DNS:alora-gateway.$ns.svc.cluster.local"
  san="$san,DNS:alora-silo.$ns.svc,DNS:*.alora-silo.$ns.svc,DNS:*.alora-silo.$ns.svc.cluster.local,DNS:localhost,IP:127.0.0.1"
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n' "$san" > "$dir/ext"
  openssl x509 -req -in "$dir/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 825 \
    -extfile "$dir/ext" -out "$dir/tls.crt" 2>/dev/null
  kubectl -n "$ns" create secret generic alora-tls \
    --from-file=tls.crt="$dir/tls.crt" --from-file=tls.key="$dir/tls.key" --from-file=ca.crt="$dir/ca.crt"
fi

if exists alora-client-token; then echo "alora-client-token exists, kept"; else
  random "$dir/token"
  kubectl -n "$ns" create secret generic alora-client-token --from-file=token="$dir/token"
fi
