#!/usr/bin/env bash
# Records the libraries' public API as it is now: rewrites PublicAPI.Unshipped.txt in every project that has a
# PublicAPI.Shipped.txt (src/StreamingGreeter.Contracts, .AspNetCore, .Hub, .Hub.Redis), so that it lists each public
# symbol not in PublicAPI.Shipped.txt. Run it after changing a public API (or greeter.proto, whose generated C# is
# public API of StreamingGreeter.Contracts too), then review and commit the diff of the PublicAPI.*.txt files.
#
#   eng/update-public-api.sh            # every tracked project
#   eng/update-public-api.sh src/StreamingGreeter.Hub
#
# The build fails (RS0016, RS0017) while the files and the code disagree. At a release, move the lines of each
# PublicAPI.Unshipped.txt into its PublicAPI.Shipped.txt; a shipped symbol removed later is kept in
# PublicAPI.Unshipped.txt as a "*REMOVED*" line, which this script keeps.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -gt 0 ]; then
  dirs=("$@")
else
  mapfile -t dirs < <(find src -name PublicAPI.Shipped.txt -not -path '*/obj/*' -printf '%h\n' | sort)
fi

for dir in "${dirs[@]}"; do
  dir=${dir%/}
  unshipped="$dir/PublicAPI.Unshipped.txt"
  project=$(find "$dir" -maxdepth 1 -name '*.csproj' | head -n 1)
  if [ -z "$project" ] || [ ! -f "$dir/PublicAPI.Shipped.txt" ]; then
    echo "$dir: no project with a PublicAPI.Shipped.txt" >&2
    exit 1
  fi

  # Start again from what shipped, so symbols that are gone leave the file too; removals of shipped API stay.
  {
    echo '#nullable enable'
    grep '^\*REMOVED\*' "$unshipped" 2>/dev/null || true
  } > "$unshipped.new"
  mv "$unshipped.new" "$unshipped"

  echo "$project"
  # The analyzer's own code fix writes the entries. --include-generated: the protobuf messages and gRPC stubs that
  # Grpc.Tools generates are public API of the package as much as hand-written code.
  dotnet format analyzers "$project" --diagnostics RS0016 RS0017 --severity warn --include-generated
done
