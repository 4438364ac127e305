# libFuzzer on every fuzz target (tests/fuzz/targets.hpp: the MIDI reader, the checkpoint loader,
# the vocabulary, the tune text parser and the token decoders) for a bounded time each, clang 14
# with AddressSanitizer and UndefinedBehaviorSanitizer. A finding fails the step and leaves the
# input in build/fuzz/artifacts/TARGET/: add it to tests/data/fuzz/TARGET/.
set -euo pipefail
bash scripts/fuzz.sh all "${SYMPHONIC_FUZZ_SECONDS:-30}"
