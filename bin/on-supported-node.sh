#!/bin/sh
# Runs one shell command (its first argument) on a Node this project supports (package.json `engines`).
#
# npm puts node_modules/.bin first on a script's PATH, and there `node` is the pinned runtime
# (the `node` dependency, a supported Node brought by `npm ci`). When the Node that runs npm is
# itself supported, its directory goes first instead: `.ci/run` puts 22 and then 24 on PATH,
# and each must really run the suite. On any other Node (a machine whose own Node is 20) the
# pinned runtime runs. Native modules are Node-API prebuilds, so they load on either.
set -e
current="${npm_node_execpath:-}"
if [ -n "$current" ] && [ -f dist/cli/node-version.js ] &&
  "$current" --input-type=module -e "import { isSupportedNode } from './dist/cli/node-version.js'; process.exit(isSupportedNode(process.version) ? 0 : 1)" 2>/dev/null; then
  PATH="$(dirname "$current"):$PATH"
  export PATH
fi
command=$1
shift
# The arguments npm appends to the script (`npm test -- file`) reach the command as "$@".
exec sh -c "$command" on-supported-node "$@"
