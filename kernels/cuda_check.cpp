// Device error message formatting for the check macros.
#include "kernels/cuda_check.h"

namespace dnncost {

void throw_device_error(const char* library, const char* statement, const std::string& status, const char* file,
                        int line) {
  throw DeviceError(std::string(library) + " call failed: " + statement + " -> " + status + " (" + file + ":" +
                    std::to_string(line) + ")");
}

}  // namespace dnncost
