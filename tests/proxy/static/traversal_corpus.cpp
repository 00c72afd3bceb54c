#include "tests/proxy/static/traversal_corpus.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fulcrum::proxy::static_files::testing {

namespace {

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::runtime_error("bad \\x escape in traversal corpus");
}

void write(const std::filesystem::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

std::vector<std::string> load_traversal_corpus() {
    std::ifstream in(FULCRUM_TRAVERSAL_CORPUS);
    if (!in) throw std::runtime_error("cannot read " FULCRUM_TRAVERSAL_CORPUS);
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() == '#') continue;
        std::string raw;
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (line[i] == '\\' && i + 3 < line.size() && line[i + 1] == 'x') {
                raw.push_back(static_cast<char>(hex(line[i + 2]) * 16 + hex(line[i + 3])));
                i += 3;
            } else {
                raw.push_back(line[i]);
            }
        }
        out.push_back(raw);
    }
    return out;
}

std::string make_static_tree(const std::string& base_dir) {
    namespace fs = std::filesystem;
    const fs::path base(base_dir);
    const fs::path www = base / "www";
    fs::create_directories(www / "sub" / "empty_dir");
    fs::create_directories(www / ".git");
    write(base / "secret.txt", "SECRET OUTSIDE THE ROOT\n");
    write(www / "index.html", "<h1>root index</h1>\n");
    write(www / "a.txt", "hello static world\n");
    write(www / "a.txt.gz", "GZIP-BYTES-OF-A");
    write(www / "a.txt.br", "BROTLI-BYTES-OF-A");
    write(www / "only_gz.css", "body{}\n");
    write(www / "only_gz.css.gz", "GZIP-CSS");
    write(www / "sub" / "index.html", "<h1>sub index</h1>\n");
    write(www / "sub" / "page.html", "<p>page</p>\n");
    write(www / "sub" / ".hidden", "hidden\n");
    write(www / ".env", "PASSWORD=hunter2\n");
    write(www / ".git" / "config", "[core]\n");
    write(www / "caf\xc3\xa9.txt", "utf-8 name\n");
    std::string big(100000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    write(www / "big.bin", big);
    fs::create_symlink("a.txt", www / "link_in");
    fs::create_symlink("../secret.txt", www / "link_out");
    fs::create_symlink(base / "secret.txt", www / "link_out_abs");
    fs::create_symlink("..", www / "link_dir_out");
    fs::create_symlink("../..", www / "sub" / "link_up");
    fs::create_symlink("/proc/self/root", www / "proc_self");
    if (::mkfifo((www / "fifo").c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
    return www.string();
}

}  // namespace fulcrum::proxy::static_files::testing
