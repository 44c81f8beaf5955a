#!/bin/sh
# Builds scripts/govmomi-tasks (govmomi's view.CreateTaskView, as `govc tasks` uses it) into
# .govmomi-tasks/govmomi-tasks for the vendor-client tests (test/vendor-clients). Same way as
# scripts/vcsim/build.sh: Debian's packaged govmomi source in GOPATH mode:
#   apt-get install -y golang-go golang-github-vmware-govmomi-dev
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
gocode=/usr/share/gocode
out="$root/.govmomi-tasks"

if ! command -v go >/dev/null 2>&1; then
  echo "scripts/govmomi-tasks/build.sh: Go is not installed (apt-get install -y golang-go)" >&2
  exit 2
fi
if [ ! -d "$gocode/src/github.com/vmware/govmomi/view" ]; then
  echo "scripts/govmomi-tasks/build.sh: govmomi source is missing in $gocode (apt-get install -y golang-github-vmware-govmomi-dev)" >&2
  exit 3
fi

mkdir -p "$out/gopath" "$out/cache"
cd "$root/scripts/govmomi-tasks"
GO111MODULE=off GOPATH="$out/gopath:$gocode" GOCACHE="$out/cache" GOFLAGS= \
  go build -o "$out/govmomi-tasks" .
echo "built $out/govmomi-tasks"
