#!/bin/sh
# Adds Lifeboat to this user's applications menu (freedesktop: a .desktop
# file and hicolor icons under ~/.local/share), pointing at this folder.
#   ./install.sh            register the launcher
#   ./install.sh --remove   take it out again (this folder is left alone)
# No root needed; move the folder first if you want it elsewhere, then run
# this again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps="$data/applications"
icons="$data/icons/hicolor"
sizes="16 24 32 48 64 128 256 512"

if [ "${1:-}" = "--remove" ]; then
    rm -f "$apps/lifeboat.desktop"
    for size in $sizes; do rm -f "$icons/${size}x$size/apps/lifeboat.png"; done
    rm -f "$icons/scalable/apps/lifeboat.svg"
else
    mkdir -p "$apps" "$icons/scalable/apps"
    for size in $sizes; do
        mkdir -p "$icons/${size}x$size/apps"
        cp "$here/_internal/resources/icons/lifeboat-$size.png" "$icons/${size}x$size/apps/lifeboat.png"
    done
    cp "$here/_internal/resources/icons/lifeboat.svg" "$icons/scalable/apps/lifeboat.svg"
    # '|' as the separator: the folder may contain '/' but not a newline or '|'.
    sed "s|@BUNDLE@|$here|g" "$here/lifeboat.desktop" >"$apps/lifeboat.desktop.partial"
    mv "$apps/lifeboat.desktop.partial" "$apps/lifeboat.desktop"
fi
# Menus and icon caches pick the change up sooner; both tools are optional.
command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$icons" || true
if [ "${1:-}" = "--remove" ]; then
    echo "Lifeboat was removed from the applications menu."
else
    echo "Lifeboat is in the applications menu (it starts $here/lifeboat)."
fi
