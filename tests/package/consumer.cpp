// A downstream program: it only includes the umbrella header and uses a little of the API.
#include <symphonic/symphonic.hpp>

#include <cstdio>

int main() {
  std::printf("symphonic %s\n", symphonic::version_string);
  try {
    throw symphonic::midi::ParseError(3, 0, "expected a status byte");
  } catch (const symphonic::Error& error) {
    std::printf("%s\n", error.what());
    return symphonic::version.major == SYMPHONIC_VERSION_MAJOR ? 0 : 1;
  }
}
