#!/usr/bin/env bash
# Installs the Debian packages Carve's tests and demos read, only those missing:
#   dataset-fashion-mnist  the real Fashion-MNIST IDX files (/usr/share/datasets/fashion-mnist)
# Uses sudo when not root. Safe to run again: it does nothing when everything is present.
set -euo pipefail
need=()
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
for arg in "$@"; do
  case "$arg" in
    --browser) command -v chromium >/dev/null || need+=(chromium) ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "install-system-deps: apt-get not found; install these Debian packages by hand: ${need[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${need[@]}" >/dev/null
echo "install-system-deps: installed ${need[*]}"
