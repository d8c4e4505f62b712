#!/bin/sh
# Make a disk image of the macOS app: dist/Venvdesk-<version>-macos-<arch>.dmg.
# NOT RUN OR TESTED in this repository (it has no Mac); see installer/README.md.
#
# On a Mac, from the repository root:
#     python3 installer/build.py                          -> dist/Venvdesk.app
#     dist/Venvdesk.app/Contents/MacOS/venvdesk --self-test
#     installer/macos/build-dmg.sh                        -> the .dmg, unsigned
#
# To sign and notarize (needs an Apple Developer ID and Xcode's command line tools):
#     CODESIGN_IDENTITY="Developer ID Application: Your Name (TEAMID)" \
#     NOTARY_PROFILE=venvdesk-notary \
#     installer/macos/build-dmg.sh
# where the notary profile was stored once with:
#     xcrun notarytool store-credentials venvdesk-notary --apple-id you@example.com --team-id TEAMID
set -eu

root=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd -P)
app="$root/dist/Venvdesk.app"
entitlements="$root/installer/macos/entitlements.plist"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/pyproject.toml" | head -n 1)
arch=$(uname -m)
dmg="$root/dist/Venvdesk-$version-macos-$arch.dmg"

if [ ! -d "$app" ]; then
    echo "$app is missing: build it first with: python3 installer/build.py" >&2
    exit 1
fi

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    # Hardened runtime (required for notarization), a secure timestamp, and the entitlements
    # an embedded Python needs.  --deep signs every library inside the bundle.
    codesign --force --deep --options runtime --timestamp \
        --entitlements "$entitlements" --sign "$CODESIGN_IDENTITY" "$app"
    codesign --verify --deep --strict --verbose=2 "$app"
fi

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT INT TERM
ditto "$app" "$staging/Venvdesk.app"
ln -s /Applications "$staging/Applications"   # drag the app onto it to install
rm -f "$dmg"
hdiutil create -volname "Venvdesk $version" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$dmg"

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$dmg"
fi
if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose "$dmg"
fi
echo "Made $dmg"
