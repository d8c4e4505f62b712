#!/bin/sh
# Add Venvdesk to your applications menu, for you only (no root needed).
#
# Run it from the unpacked folder, after putting that folder where it is to stay
# (for example ~/.local/opt/venvdesk): the menu entry points at this folder.
#
#     ./install-linux.sh              install the menu entry, the icon and ~/.local/bin/venvdesk
#     ./install-linux.sh --uninstall  remove them again (this folder is left alone)
#
# What it writes, all under your home folder:
#     ${XDG_DATA_HOME:-~/.local/share}/applications/venvdesk.desktop
#     ${XDG_DATA_HOME:-~/.local/share}/icons/hicolor/<size>/apps/venvdesk.(png|svg)
#     ~/.local/bin/venvdesk   (a link to the program, unless a file of that name is already there)
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd -P)
program="$here/venvdesk"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
applications="$data/applications"
icons="$data/icons/hicolor"
desktop_file="$applications/venvdesk.desktop"
link="$HOME/.local/bin/venvdesk"

refresh_caches() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$icons/index.theme" ]; then
        gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true
    fi
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$desktop_file"
    find "$icons" -path '*/apps/venvdesk.png' -exec rm -f {} + 2>/dev/null || true
    find "$icons" -path '*/apps/venvdesk.svg' -exec rm -f {} + 2>/dev/null || true
    if [ -L "$link" ] && [ "$(readlink "$link")" = "$program" ]; then
        rm -f "$link"
    fi
    refresh_caches
    echo "Venvdesk was removed from the applications menu. Its folder $here is untouched;"
    echo "delete it yourself if you no longer want it. Your environments are untouched too."
    exit 0
fi
if [ $# -gt 0 ]; then
    echo "usage: $0 [--uninstall]" >&2
    exit 2
fi

if [ ! -x "$program" ]; then
    echo "There is no program $program: run this script from the unpacked Venvdesk folder." >&2
    exit 1
fi
case "$here" in
    *'"'* | *'`'* | *'$'* | *'\'* | *'%'*)
        echo "The folder $here contains a character (\" \` \$ \\ %) that menu entries cannot hold." >&2
        echo "Move the folder somewhere else, for example ~/.local/opt/venvdesk, and run this again." >&2
        exit 1
        ;;
esac

# The menu entry, pointing at this folder.
mkdir -p "$applications"
program_for_sed=$(printf '%s' "$program" | sed -e 's/[&|\\]/\\&/g')
sed -e "s|^Exec=.*|Exec=\"$program_for_sed\"|" -e "s|^TryExec=.*|TryExec=$program_for_sed|" \
    "$here/venvdesk.desktop" >"$desktop_file.tmp"
chmod 644 "$desktop_file.tmp"
mv "$desktop_file.tmp" "$desktop_file"

# The icon, every size the bundle has.
installed_icons=0
if [ -d "$here/share/icons/hicolor" ]; then
    for source in "$here"/share/icons/hicolor/*/apps/venvdesk.*; do
        [ -f "$source" ] || continue
        size_dir=$(basename "$(dirname "$(dirname "$source")")")
        mkdir -p "$icons/$size_dir/apps"
        cp -f "$source" "$icons/$size_dir/apps/"
        installed_icons=$((installed_icons + 1))
    done
fi
if [ "$installed_icons" -eq 0 ] && [ -f "$here/venvdesk.png" ]; then
    mkdir -p "$icons/256x256/apps"
    cp -f "$here/venvdesk.png" "$icons/256x256/apps/venvdesk.png"
    installed_icons=1
fi

# A command for the terminal, if ~/.local/bin is free for it.
linked=""
if [ ! -e "$link" ] || [ -L "$link" ]; then
    mkdir -p "$(dirname "$link")"
    ln -sfn "$program" "$link"
    linked=yes
fi

refresh_caches
echo "Venvdesk is now in your applications menu (under Development)."
echo "    menu entry: $desktop_file"
if [ "$installed_icons" -gt 0 ]; then
    echo "    icon:       $icons/*/apps/venvdesk.*"
else
    echo "    icon:       none in this bundle, the menu shows a generic one"
fi
if [ -n "$linked" ]; then
    echo "    command:    $link (start it with: venvdesk)"
fi
echo "The entry points at $here: if you move that folder, run this script again from its new place."
