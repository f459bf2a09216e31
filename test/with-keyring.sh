#!/bin/sh
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring Secret Service and a throwaway HOME,
# so keychain tests talk to a real OS keychain without ever touching the developer's own keyring or session bus.
# Usage: sh test/with-keyring.sh <command> [args...]    (exits with the command's status)
# Needs the Debian/Ubuntu packages dbus and gnome-keyring (apt-get install -y dbus gnome-keyring).

if [ "$#" -eq 0 ]; then
  echo 'with-keyring.sh: usage: sh test/with-keyring.sh <command> [args...]' >&2
  exit 2
fi

for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-keyring.sh: $tool not found; install the Secret Service test tools with: sudo apt-get install -y dbus gnome-keyring" >&2
    exit 127
  fi
done

sandbox=$(mktemp -d "${TMPDIR:-/tmp}/whoot-keyring.XXXXXX") || exit 1
# The EXIT trap removes the throwaway HOME (and the keyring file in it) on every path; INT and TERM go through exit
# so that the trap runs there too.
trap 'rm -rf "$sandbox"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -m 700 "$sandbox/home" "$sandbox/runtime" || exit 1

# The inner script runs on the private bus. XDG_RUNTIME_DIR and the XDG data dirs point into the sandbox so that
# gnome-keyring-daemon neither finds nor unlocks a keyring daemon of a real desktop session on this machine.
inner='
log="$WHOOT_KEYRING_SANDBOX/gnome-keyring.log"
# --unlock reads the password on stdin and creates the login keyring with it; the keyring is thrown away afterwards,
# so a fixed password is enough.
if ! printf "%s\n" "whoot-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>"$log"; then
  echo "with-keyring.sh: gnome-keyring-daemon failed to start:" >&2
  cat "$log" >&2
  exit 1
fi
# Wait until the daemon owns the Secret Service name: a client that asks earlier makes D-Bus start a second,
# locked daemon, which then waits on an unlock prompt nobody can answer.
tries=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; do
  tries=$((tries + 1))
  if [ "$tries" -gt 50 ]; then
    echo "with-keyring.sh: gnome-keyring-daemon did not register org.freedesktop.secrets within 5 s" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
daemon_pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null |
  sed -n "s/^ *uint32 \([0-9][0-9]*\)$/\1/p")
"$@"
status=$?
# Stop the daemon this script started (by its id) before the sandbox holding its files is removed.
if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null; fi
exit "$status"
'

env -u GNOME_KEYRING_CONTROL -u DBUS_SESSION_BUS_ADDRESS \
  HOME="$sandbox/home" \
  XDG_RUNTIME_DIR="$sandbox/runtime" \
  XDG_DATA_HOME="$sandbox/home/.local/share" \
  XDG_CONFIG_HOME="$sandbox/home/.config" \
  XDG_CACHE_HOME="$sandbox/home/.cache" \
  WHOOT_KEYRING_SANDBOX="$sandbox" \
  dbus-run-session -- sh -c "$inner" with-keyring "$@"
