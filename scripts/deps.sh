#!/usr/bin/env bash
# Installs the system packages wslab needs, quietly, when they are missing.
# Usage: scripts/deps.sh [--with-chromium]
# Where it cannot install (not root, or not Debian/Ubuntu), it prints exactly
# what to install and exits non-zero.
set -euo pipefail

want_chromium=0
for arg in "$@"; do
  case "$arg" in
    --with-chromium) want_chromium=1 ;;
    *) echo "deps.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

# binary -> apt package -> Homebrew formula
missing_apt=()
missing_brew=()
need() {
  local bin="$1" apt_pkg="$2" brew_pkg="$3"
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then
    missing_apt+=("$apt_pkg")
    missing_brew+=("$brew_pkg")
  fi
}
need redis-server redis-server redis
need redis-cli redis-tools redis
need haproxy haproxy haproxy
need nginx nginx nginx
need openssl openssl openssl
# lab hosts (runtime/hosts/) are Linux network namespaces: ip, tc (iproute2), nft, nsenter;
# on macOS they cannot run, so there is no formula to name and nothing is asked there
if [ "$(uname -s)" = Linux ]; then
  need ip iproute2 ""
  need tc iproute2 ""
  need nft nftables ""
  need nsenter util-linux ""
fi
if [ "$want_chromium" = 1 ]; then need chromium chromium chromium; fi

[ "${#missing_apt[@]}" -eq 0 ] && exit 0

# De-duplicate (redis-server and redis-cli share a Homebrew formula).
mapfile -t missing_apt < <(printf '%s\n' "${missing_apt[@]}" | sort -u)
mapfile -t missing_brew < <(printf '%s\n' "${missing_brew[@]}" | grep -v '^$' | sort -u)

is_debian=0
if [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; then is_debian=1; fi

if [ "$is_debian" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "deps.sh: installing ${missing_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d exit 101 keeps the packages' services from starting on install:
  # wslab starts its own redis/haproxy/nginx on free loopback ports.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created_policy=1
  fi
  log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing_apt[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    [ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    echo "deps.sh: apt-get failed to install: ${missing_apt[*]}" >&2
    exit 1
  fi
  rm -f "$log"
  [ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  exit 0
fi

{
  echo "deps.sh: wslab needs these system packages and cannot install them here"
  if [ "$is_debian" = 1 ]; then echo "  (not running as root)"; else echo "  (not a Debian/Ubuntu system)"; fi
  echo "  Debian/Ubuntu:  sudo apt-get install -y ${missing_apt[*]}"
  echo "  macOS:          brew install ${missing_brew[*]}"
} >&2
exit 1
