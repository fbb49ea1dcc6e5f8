#!/usr/bin/env bash
# Builds the fuzz harness and instruments a copy of it for afl-fuzz (SharpFuzz):
#   bash tests/fuzz/build.sh [work-dir]          (default tests/fuzz/.work)
# Leaves work-dir/bin/AkkaBgp.Fuzz.dll with our assemblies instrumented. The instrumented copies reference
# SharpFuzz.Common, so they never replace the normal build outputs that `dotnet test` uses.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${1:-tests/fuzz/.work}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"

# sharpfuzz (SharpFuzz.CommandLine 2.3.0) is pinned in tests/fuzz/.config/dotnet-tools.json.
(cd tests/fuzz && dotnet tool restore >/dev/null)

dotnet build tests/fuzz/AkkaBgp.Fuzz/AkkaBgp.Fuzz.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
rm -rf "$work/bin"
cp -r tests/fuzz/AkkaBgp.Fuzz/bin/Release/net10.0 "$work/bin"

# What to instrument: only our code, so afl-fuzz's map holds our branches, not Akka's or ASP.NET's.
# AkkaBgp.dll only for the OPEN negotiation the open target runs; AkkaBgp.Service.dll only for the
# configuration reader and the management body parsers.
instrument() {
  (cd tests/fuzz && dotnet tool run sharpfuzz "$work/bin/$1" "${@:2}")
}
instrument AkkaBgp.Wire.dll
instrument AkkaBgp.Hocon.dll
instrument AkkaBgp.dll AkkaBgp.Session
instrument AkkaBgp.Service.dll AkkaBgp.Service.Configuration,AkkaBgp.Service.Management
echo "instrumented harness: $work/bin/AkkaBgp.Fuzz.dll"
