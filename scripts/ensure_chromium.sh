#!/bin/sh
# Installs Debian's Chromium for the report's browser tests (tests/report/test_browser.py).
# Never fails: where it cannot install, the browser tests skip and say why.
# Set DARKFLEET_CHROMIUM to use another Chromium/Chrome binary; DARKFLEET_NO_BROWSER=1 skips this.
[ -n "$DARKFLEET_NO_BROWSER" ] && exit 0
if [ -n "$DARKFLEET_CHROMIUM" ] && [ -x "$DARKFLEET_CHROMIUM" ]; then exit 0; fi
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then exit 0; fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_chromium: installing Debian's chromium for the browser tests (apt-get) ..."
  export DEBIAN_FRONTEND=noninteractive
  if (apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 &&
        apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; }); then
    echo "ensure_chromium: $(chromium --version 2>/dev/null)"
    exit 0
  fi
  echo "ensure_chromium: apt-get could not install chromium; the browser tests will skip."
  exit 0
fi
echo "ensure_chromium: no chromium found and not root with apt-get; the browser tests will skip."
echo "ensure_chromium: install it (Debian: apt-get install chromium) or set DARKFLEET_CHROMIUM."
exit 0
