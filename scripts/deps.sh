#!/bin/sh
# Install the Debian packages listed in scripts/deps.txt. Idempotent: does
# nothing when everything is already installed. Needs root (or sudo).
set -eu
here=$(dirname "$0")
pkgs=$(grep -v '^#' "$here/deps.txt" | grep -v '^$')
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: all installed"; exit 0; }
echo "deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
