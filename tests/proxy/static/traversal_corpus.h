#pragma once

#include <string>
#include <vector>

namespace fulcrum::proxy::static_files::testing {

// The request paths of traversal_corpus.txt, with \xNN escapes turned into raw bytes.
std::vector<std::string> load_traversal_corpus();

// Builds the directory tree the corpus is aimed at under `base` (which must exist and be
// empty): base/secret.txt outside, base/www the root, with files, dotfiles, symlinks in and
// out, a FIFO and precompressed siblings. Returns base/www.
std::string make_static_tree(const std::string& base);

}  // namespace fulcrum::proxy::static_files::testing
