#!/usr/bin/env bash
# The one test command (README): installs the browser when missing, builds, runs the unit and
# component tests, then the Playwright tests inside a network namespace that has only loopback.
# Ends with "tests: N passed, N failed" and a non-zero exit status when anything failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
CONFIGURATION="${CONFIGURATION:-Release}"
CHROMIUM=/usr/lib/chromium/chromium
RESULTS="$ROOT/TestResults/run"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

# (a) Debian's chromium (Playwright never downloads a browser) and fonts; iproute2 for `ip`.
if [ ! -x "$CHROMIUM" ] || ! dpkg -s fonts-liberation >/dev/null 2>&1; then
    echo "== installing chromium and fonts-liberation"
    apt_install chromium fonts-liberation
fi
# OCR (tesseract with Korean and English, poppler's pdftoppm/pdftotext); img2pdf, ImageMagick and a CJK font make the
# scans the OCR tests read. dpkg, not `command -v convert`: a stand-in convert may sit on PATH without ImageMagick.
if ! command -v tesseract >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 || ! command -v img2pdf >/dev/null 2>&1 \
    || ! dpkg -s tesseract-ocr-kor tesseract-ocr-eng imagemagick fonts-noto-cjk >/dev/null 2>&1; then
    echo "== installing tesseract-ocr (kor, eng), poppler-utils, img2pdf, imagemagick and fonts-noto-cjk"
    apt_install tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng poppler-utils img2pdf imagemagick fonts-noto-cjk \
        || echo "!! could not install the OCR tools: the OCR tests will fail, naming what is missing"
fi
if ! command -v ip >/dev/null 2>&1; then
    echo "== installing iproute2 (for the loopback-only network namespace)"
    apt_install iproute2 || echo "!! could not install iproute2"
fi

# (b) Restore and build with the network; everything after this runs without it where possible.
echo "== restore and build ($CONFIGURATION)"
if ! dotnet restore AxWorkbench.sln || ! dotnet build AxWorkbench.sln -c "$CONFIGURATION" --no-restore; then
    echo "!! restore or build failed"
    echo "tests: 0 passed, 1 failed"
    exit 1
fi

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
status=0

# (b2) Throw-away servers (tests/services.sh: PostgreSQL today), always stopped on exit. They listen in THIS network
# namespace, so only the unit tests reach them (the Core tests run on SQLite and on PostgreSQL via AXWB_TEST_POSTGRES);
# the E2E tests below run inside `unshare -n` and would need their own servers started in there.
trap '"$ROOT/tests/services.sh" down >/dev/null 2>&1 || true' EXIT
echo "== test services (tests/services.sh up)"
if service_exports=$("$ROOT/tests/services.sh" up); then
    eval "$service_exports"
else
    echo "!! tests/services.sh up failed: the PostgreSQL variants of the Core tests will fail, naming AXWB_TEST_POSTGRES"
    status=1
fi

# (c) Unit and component tests (everything except the E2E project).
echo "== unit and component tests"
dotnet test AxWorkbench.sln -c "$CONFIGURATION" --no-build \
    --filter "FullyQualifiedName!~AxWorkbench.E2E" \
    --results-directory "$RESULTS/unit" --logger "trx" 2>&1 | tee "$RESULTS/unit.log" || status=1

# (d) Playwright tests against the real app, in a network namespace with only loopback up. The MultiNode tests need
# PostgreSQL and HAProxy IN that namespace: installed here (apt-get needs the network), started in there by the inner
# shell with a state folder of its own (the MultiNode tests start HAProxy themselves, with their two node ports), and
# stopped when it exits.
echo "== end-to-end tests (Playwright, Chromium)"
"$ROOT/tests/services.sh" install postgres haproxy >&2 || echo "!! could not install postgresql/haproxy: the MultiNode E2E tests will fail"
e2e=(dotnet test tests/AxWorkbench.E2E -c "$CONFIGURATION" --no-build
     --results-directory "$RESULTS/e2e" --logger "trx")
if command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 \
    && unshare -n sh -c 'ip link set lo up' >/dev/null 2>&1; then
    echo "   (inside a network namespace with only loopback: nothing can reach another host)"
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare -n bash -c 'ip link set lo up
        export AXWB_SERVICES_STATE="${TMPDIR:-/tmp}/axwb-services-e2e-$$"
        trap "\"$0\" down >/dev/null 2>&1 || true" EXIT
        exports=$("$0" up postgres) && eval "$exports" || echo "!! PostgreSQL did not start in the namespace: the MultiNode tests will fail"
        "$@"' "$ROOT/tests/services.sh" "${e2e[@]}" 2>&1 | tee "$RESULTS/e2e.log" || status=1
else
    echo "!! network namespaces are not permitted here (unshare -n or ip missing or refused):"
    echo "!! running the E2E tests WITHOUT network isolation; they still fail on any request to another origin."
    "${e2e[@]}" 2>&1 | tee "$RESULTS/e2e.log" || status=1
fi

shot="tests/AxWorkbench.E2E/bin/$CONFIGURATION/net10.0/TestResults/screenshots/shell-analyst.png"
if [ -f "$shot" ]; then
    mkdir -p "$RESULTS/screenshots" && cp "$shot" "$RESULTS/screenshots/"
    echo "   screenshot of the signed-in shell: $RESULTS/screenshots/shell-analyst.png"
fi

# (e) Sum the counters of every trx file.
passed=0
failed=0
while IFS= read -r trx; do
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
done < <(find "$RESULTS" -name '*.trx' -type f)

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # A run failed without a failed test (build, crash, no result file): count it as a failure.
    failed=1
fi
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
