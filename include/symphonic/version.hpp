// symphonic/version.hpp - the library version, as macros and as a constexpr value.
#pragma once

#define SYMPHONIC_VERSION_MAJOR 0
#define SYMPHONIC_VERSION_MINOR 1
#define SYMPHONIC_VERSION_PATCH 0
// One integer that orders versions: 10000 * major + 100 * minor + patch.
#define SYMPHONIC_VERSION \
  (SYMPHONIC_VERSION_MAJOR * 10000 + SYMPHONIC_VERSION_MINOR * 100 + SYMPHONIC_VERSION_PATCH)

namespace symphonic {

struct Version {
  int major;
  int minor;
  int patch;
};

/// The version of the headers this translation unit was compiled against.
inline constexpr Version version{SYMPHONIC_VERSION_MAJOR, SYMPHONIC_VERSION_MINOR,
                                 SYMPHONIC_VERSION_PATCH};

/// "0.1.0": the version as text, as it appears in checkpoints and `--version` output.
inline constexpr const char* version_string = "0.1.0";

}  // namespace symphonic
