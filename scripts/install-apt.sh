#!/usr/bin/env bash
# Install the Debian packages the test suite needs: Chromium for the browser tests
# (Playwright drives /usr/bin/chromium; we never run `playwright install`, which would
# download a browser build from outside the package registries) and a basic font set
# so screenshots render text instead of empty boxes.
#
# Idempotent: does nothing when /usr/bin/chromium is already there.
# Works as root, or through sudo when it is available.
set -euo pipefail

PACKAGES=(chromium fonts-dejavu-core fonts-liberation2)

if [[ -x /usr/bin/chromium ]]; then
    echo "install-apt: /usr/bin/chromium present, nothing to do"
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
else
    echo "install-apt: need root or sudo to install: ${PACKAGES[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"

/usr/bin/chromium --version
