// The access log's buffering and file handling, without a proxy: lines from several
// threads arrive whole, a hand-off happens by size and by tick, reopen follows renames.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "proxy/log/access_log.h"

using namespace fulcrum::proxy::logging;

namespace {

struct TempDir {
    TempDir() {
        char pattern[] = "/tmp/fulcrum-log-test-XXXXXX";
        path = ::mkdtemp(pattern) ? pattern : "";
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
};

std::size_t count_lines(const std::string& path) {
    std::ifstream in(path);
    std::size_t n = 0;
    std::string line;
    while (std::getline(in, line)) ++n;
    return n;
}

void open_log(AccessLog& log, const std::string& path, AccessLogFormat format = AccessLogFormat::combined) {
    AccessLog::Prepared prepared;
    std::string error;
    ASSERT_TRUE(AccessLog::prepare(AccessLogSettings{path, format}, prepared, error)) << error;
    log.commit(std::move(prepared));
}

AccessRecord record(const RequestFields& fields) {
    AccessRecord r;
    r.client = "127.0.0.1";
    r.listener = "l";
    r.request = &fields;
    r.status = 200;
    return r;
}

}  // namespace

TEST(AccessLog, OffByDefaultAndRefusesWhatIsNotAFile) {
    TempDir dir;
    AccessLog log(2);
    EXPECT_FALSE(log.enabled());
    AccessLog::Prepared prepared;
    std::string error;
    EXPECT_FALSE(AccessLog::prepare(AccessLogSettings{dir.path, AccessLogFormat::json}, prepared, error));
    EXPECT_NE(error.find("Is a directory"), std::string::npos) << error;
    // A FIFO would block the writer (or, opened without O_NONBLOCK, the control thread).
    ASSERT_EQ(::mkfifo((dir.path + "/fifo").c_str(), 0600), 0);
    EXPECT_FALSE(AccessLog::prepare(AccessLogSettings{dir.path + "/fifo", AccessLogFormat::json}, prepared, error));
    ASSERT_EQ(::symlink("/dev/null", (dir.path + "/null").c_str()), 0);
    EXPECT_FALSE(AccessLog::prepare(AccessLogSettings{dir.path + "/null", AccessLogFormat::json}, prepared, error));
    EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
    EXPECT_FALSE(AccessLog::prepare(AccessLogSettings{dir.path + "/no/such/dir", AccessLogFormat::json}, prepared, error));
    EXPECT_NE(error.find("No such file"), std::string::npos) << error;
    ASSERT_TRUE(AccessLog::prepare(AccessLogSettings{dir.path + "/a.log", AccessLogFormat::json}, prepared, error));
    struct stat info {};
    ASSERT_EQ(::stat((dir.path + "/a.log").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0640u);
}

TEST(AccessLog, ThreadsWriteWholeLinesBySizeAndByTick) {
    TempDir dir;
    const auto path = dir.path + "/a.log";
    AccessLog log(4);
    open_log(log, path);
    ASSERT_TRUE(log.enabled());
    RequestFields one;
    one.capture("GET", "/one", "HTTP/1.1", "", "", "");
    log.append(0, record(one));
    // Below the size threshold nothing is handed over until the loop's tick.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(count_lines(path), 0u);
    log.tick(0);
    for (int i = 0; i < 100 && count_lines(path) < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(count_lines(path), 1u);

    constexpr int kPerThread = 5000;
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            RequestFields fields;
            for (int i = 0; i < kPerThread; ++i) {
                fields.capture("GET", "/t" + std::to_string(t) + "/" + std::to_string(i), "HTTP/1.1", "h", "", "ua");
                log.append(t, record(fields));
            }
        });
    }
    for (auto& t : threads) t.join();
    // Size-triggered hand-offs already wrote most of it; the rest on flush.
    EXPECT_GT(count_lines(path), 1u);
    log.flush_all_stopped();
    EXPECT_EQ(count_lines(path), 1u + 4 * kPerThread);
    EXPECT_EQ(log.lines_dropped(), 0u);
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) ASSERT_EQ(line.rfind("127.0.0.1 - - [", 0), 0u) << line;
}

TEST(AccessLog, ReopenFollowsARenameAndOffStopsWriting) {
    TempDir dir;
    const auto path = dir.path + "/a.log";
    AccessLog log(1);
    open_log(log, path, AccessLogFormat::json);
    RequestFields fields;
    fields.capture("GET", "/", "HTTP/1.1", "", "", "");
    log.append(0, record(fields));
    log.flush_all_stopped();
    ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
    open_log(log, path, AccessLogFormat::json);
    log.append(0, record(fields));
    log.append(0, record(fields));
    log.flush_all_stopped();
    EXPECT_EQ(count_lines(path + ".1"), 1u);
    EXPECT_EQ(count_lines(path), 2u);
    AccessLog::Prepared off;
    std::string error;
    ASSERT_TRUE(AccessLog::prepare(std::nullopt, off, error));
    log.commit(std::move(off));
    EXPECT_FALSE(log.enabled());
    log.flush_all_stopped();
    EXPECT_EQ(count_lines(path), 2u);
}
