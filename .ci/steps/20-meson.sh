# The same suites built and run by meson.
set -euo pipefail
rm -rf build/meson
meson setup build/meson --buildtype=release >/dev/null
meson compile -C build/meson
meson test -C build/meson --print-errorlogs
