#!/bin/sh
# Builds VMware's vCenter simulator (vcsim, from govmomi) into .vcsim/vcsim for the
# vsphere-soap integration tests. Uses Debian's packaged govmomi source in GOPATH mode:
#   apt-get install -y golang-go golang-github-vmware-govmomi-dev
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
gocode=/usr/share/gocode
out="$root/.vcsim"

if ! command -v go >/dev/null 2>&1; then
  echo "scripts/vcsim/build.sh: Go is not installed (apt-get install -y golang-go)" >&2
  exit 2
fi
if [ ! -d "$gocode/src/github.com/vmware/govmomi/simulator" ]; then
  echo "scripts/vcsim/build.sh: govmomi source is missing in $gocode (apt-get install -y golang-github-vmware-govmomi-dev)" >&2
  exit 3
fi

mkdir -p "$out/gopath" "$out/cache"
cd "$root/scripts/vcsim"
GO111MODULE=off GOPATH="$out/gopath:$gocode" GOCACHE="$out/cache" GOFLAGS= \
  go build -o "$out/vcsim" .
echo "built $out/vcsim"
