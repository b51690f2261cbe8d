#!/usr/bin/env bash
# Installs the Debian packages Carve's tests and demos read, only those missing:
#   dataset-fashion-mnist  the real Fashion-MNIST IDX files (/usr/share/datasets/fashion-mnist)
#   chromium               the browser the dashboard's end-to-end tests drive (/usr/bin/chromium); skip it with
#                          --no-browser (those tests then fail, saying the browser is missing)
# Uses sudo when not root. Safe to run again: it does nothing when everything is present.
set -euo pipefail
browser=1
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;; # the default; accepted for scripts written when it was opt-in
    --no-browser) browser=0 ;;
    *)
      echo "install-system-deps: unknown option $arg (expected --no-browser)" >&2
      exit 2
      ;;
  esac
done
need=()
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
[ "$browser" -eq 0 ] || [ -x /usr/bin/chromium ] || need+=(chromium)
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
