#pragma once

#include <string_view>

namespace fulcrum::proxy::static_files {

// Content-Type for a file name, chosen by its extension (case-insensitive); text types carry
// charset=utf-8. Unknown extensions are application/octet-stream, as nginx's default_type.
std::string_view mime_type_for(std::string_view file_name);

}  // namespace fulcrum::proxy::static_files
