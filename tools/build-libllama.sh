#!/usr/bin/env bash
# Builds a site-specific libllama (shared) for the workbench's Inference:NativeLibraryPath — for this CPU
# (-march=native via GGML_NATIVE) or for CUDA — from a llama.cpp source tree, a git bundle, or the llama.cpp source that
# the npm package node-llama-cpp ships (llama/gitRelease.bundle; llama/binariesGithubRelease.json names the release).
# No GitHub needed: Debian's cmake, g++ and git (and nvcc for --cuda).
#
#   tools/build-libllama.sh [--cpu | --cuda] [--source DIR | --bundle FILE | --npm VERSION] [--out DIR] [--tools] [--jobs N] [--nice N]
#
#   --cpu          (default) GGML_NATIVE=ON: every instruction set this CPU has (build on the machine that serves)
#   --cuda         GGML_CUDA=ON as well (needs the CUDA toolkit); the route for GPU sites whose package mirror lacks
#                  LLamaSharp.Backend.Cuda12
#   --source DIR   an unpacked llama.cpp tree (its CMakeLists.txt at DIR)
#   --bundle FILE  a git bundle of llama.cpp (e.g. node-llama-cpp's llama/gitRelease.bundle)
#   --npm VERSION  node-llama-cpp VERSION from the npm cache or registry (`npm pack`); default 3.19.0 (llama.cpp b9842,
#                  the release whose ABI matches LLamaSharp 0.30.0 — see README "Site-built libllama")
#   --out DIR      where the build goes (default ~/.cache/axwb/llama.cpp); DIR/bin holds libllama.so and its ggml
#                  libraries (and llama-batched-bench with --tools); DIR/BUILD-INFO says what was built
#   --tools        also build llama-batched-bench and llama-server (the benchmark's native anchor)
#   --jobs N       parallel compile jobs (default: the number of cores)
#   --nice N       run the compiler at this niceness (default 10: a build must not starve a serving engine)
#
# Then set Inference:NativeLibraryPath to DIR/bin/libllama.so (it takes effect at the next start).
set -euo pipefail

flavor=cpu
source_dir=""
bundle=""
npm_version=""
out="${XDG_CACHE_HOME:-$HOME/.cache}/axwb/llama.cpp"
tools=0
jobs="$(nproc)"
niceness=10

while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) flavor=cpu ;;
    --cuda) flavor=cuda ;;
    --source) source_dir="$2"; shift ;;
    --bundle) bundle="$2"; shift ;;
    --npm) npm_version="$2"; shift ;;
    --out) out="$2"; shift ;;
    --tools) tools=1 ;;
    --jobs) jobs="$2"; shift ;;
    --nice) niceness="$2"; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "build-libllama: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

for tool in cmake git c++; do
  command -v "$tool" >/dev/null || { echo "build-libllama: '$tool' is not installed (apt-get install cmake g++ git)" >&2; exit 2; }
done
if [ "$flavor" = cuda ] && ! command -v nvcc >/dev/null; then
  echo "build-libllama: --cuda needs the CUDA toolkit's nvcc on PATH" >&2; exit 2
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"
release=""

if [ -z "$source_dir" ] && [ -z "$bundle" ]; then
  npm_version="${npm_version:-3.19.0}"
  work="$out/npm-$npm_version"
  if [ ! -f "$work/package/llama/gitRelease.bundle" ]; then
    command -v npm >/dev/null || { echo "build-libllama: no --source/--bundle given and npm is not installed" >&2; exit 2; }
    mkdir -p "$work"
    tgz="$(cd "$work" && npm pack --silent --prefer-offline "node-llama-cpp@$npm_version" | tail -n 1)"
    tar -xzf "$work/$tgz" -C "$work" package/llama/gitRelease.bundle package/llama/binariesGithubRelease.json
    rm -f "$work/$tgz"
  fi
  bundle="$work/package/llama/gitRelease.bundle"
fi

if [ -n "$bundle" ]; then
  [ -f "$bundle" ] || { echo "build-libllama: bundle '$bundle' not found" >&2; exit 2; }
  info="$(dirname "$bundle")/binariesGithubRelease.json"
  if [ -f "$info" ]; then
    release="$(sed -n 's/.*"release"[^"]*"\([^"]*\)".*/\1/p' "$info")"
  fi
  source_dir="$out/src"
  if [ ! -f "$source_dir/CMakeLists.txt" ]; then
    rm -rf "$source_dir"
    git -c advice.detachedHead=false clone --quiet "$bundle" "$source_dir"
    head="$(git bundle list-heads "$bundle" | awk 'NR==1 {print $1}')"
    git -C "$source_dir" -c advice.detachedHead=false checkout --quiet "$head"
  fi
fi

[ -f "$source_dir/CMakeLists.txt" ] || { echo "build-libllama: '$source_dir' is not a llama.cpp source tree" >&2; exit 2; }
source_dir="$(cd "$source_dir" && pwd)"
commit="$(git -C "$source_dir" rev-parse --short HEAD 2>/dev/null || echo unknown)"

flags=(
  -DCMAKE_BUILD_TYPE=Release
  -DBUILD_SHARED_LIBS=ON
  -DGGML_NATIVE=ON
  -DLLAMA_CURL=OFF
  -DLLAMA_BUILD_TESTS=OFF
  -DLLAMA_BUILD_EXAMPLES=OFF
)
if [ "$flavor" = cuda ]; then
  flags+=(-DGGML_CUDA=ON)
fi
targets=(--target llama)
if [ "$tools" = 1 ]; then
  targets+=(--target llama-batched-bench --target llama-server)
else
  flags+=(-DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=OFF)
fi

echo "build-libllama: $flavor build of llama.cpp ${release:-(release unknown)} commit $commit from $source_dir into $out"
nice -n "$niceness" cmake -S "$source_dir" -B "$out/build" "${flags[@]}" >"$out/cmake.log"
nice -n "$niceness" cmake --build "$out/build" --config Release -j "$jobs" "${targets[@]}" >"$out/build.log" 2>&1 \
  || { tail -n 40 "$out/build.log" >&2; echo "build-libllama: build failed (log: $out/build.log)" >&2; exit 1; }

ln -sfn "$out/build/bin" "$out/bin"
[ -f "$out/bin/libllama.so" ] || { echo "build-libllama: no libllama.so in $out/bin" >&2; exit 1; }
{
  echo "release=${release:-unknown}"
  echo "commit=$commit"
  echo "flavor=$flavor"
  echo "source=$source_dir"
  echo "flags=${flags[*]}"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m), $(nproc) cores"
} >"$out/BUILD-INFO"

echo "build-libllama: done. Set Inference:NativeLibraryPath to $out/bin/libllama.so"
