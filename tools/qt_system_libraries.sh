#!/usr/bin/env bash
# Checks for the system libraries Qt (PySide6) needs on Debian/Ubuntu and installs the missing
# ones with apt when run as root; otherwise prints the exact apt-get line and fails.
# Each line: the shared library Qt loads, then the Debian package that ships it.
set -u
libraries="
libEGL.so.1 libegl1
libGL.so.1 libgl1
libOpenGL.so.0 libopengl0
libfontconfig.so.1 libfontconfig1
libfreetype.so.6 libfreetype6
libxkbcommon.so.0 libxkbcommon0
libxkbcommon-x11.so.0 libxkbcommon-x11-0
libdbus-1.so.3 libdbus-1-3
libglib-2.0.so.0 libglib2.0-0
libX11.so.6 libx11-6
libX11-xcb.so.1 libx11-xcb1
libxcb-cursor.so.0 libxcb-cursor0
libxcb-icccm.so.4 libxcb-icccm4
libxcb-keysyms.so.1 libxcb-keysyms1
libxcb-shape.so.0 libxcb-shape0
libxcb-randr.so.0 libxcb-randr0
libxcb-render-util.so.0 libxcb-render-util0
libxcb-image.so.0 libxcb-image0
libxcb-xinerama.so.0 libxcb-xinerama0
libxcb-xkb.so.1 libxcb-xkb1
"
if ! command -v apt-get >/dev/null 2>&1 || ! command -v ldconfig >/dev/null 2>&1; then
    exit 0  # not Debian/Ubuntu: nothing we know how to check
fi
cache=$(ldconfig -p 2>/dev/null)
missing=""
while read -r library package; do
    [ -n "$library" ] || continue
    case "$cache" in *"$library "*) ;; *) missing="$missing $package" ;; esac
done <<<"$libraries"
python=${1:-python3}
if command -v "$python" >/dev/null 2>&1 && ! "$python" -c "import ensurepip, venv" >/dev/null 2>&1; then
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    missing="$missing python${version}-venv"
fi
[ -n "$missing" ] || exit 0
if [ "$(id -u)" = 0 ]; then
    echo "Installing the system libraries Qt needs:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing
else
    echo "Qt needs system libraries that are missing. Install them with:" >&2
    echo "    sudo apt-get install$missing" >&2
    exit 1
fi
