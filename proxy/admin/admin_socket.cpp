#include "proxy/admin/admin_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <cerrno>
#include <cstring>

namespace fulcrum::proxy::admin {

namespace {

using Socket = asio::local::stream_protocol::socket;

// One client: read a line, answer it, repeat. Owned by its own shared_ptr chain.
class AdminConnection : public std::enable_shared_from_this<AdminConnection> {
public:
    AdminConnection(Socket socket, const AdminSocketServer::Handler& handler, const AdminLimits& limits)
        : m_socket(std::move(socket)), m_handler(handler), m_buffer(limits.max_line_bytes + 1) {}

    void read_next() {
        asio::async_read_until(m_socket, m_buffer, '\n',
                               [self = shared_from_this()](const asio::error_code& error, std::size_t length) {
                                   self->on_line(error, length);
                               });
    }

private:
    void on_line(const asio::error_code& error, std::size_t length) {
        if (error == asio::error::not_found) {  // the buffer filled without a newline
            write_and_close(error_line(nullptr, "request line too long"));
            return;
        }
        if (error) return;  // peer closed or we are stopping
        std::string line(asio::buffers_begin(m_buffer.data()),
                         asio::buffers_begin(m_buffer.data()) + static_cast<std::ptrdiff_t>(length - 1));
        m_buffer.consume(length);
        std::string answer;
        try {
            answer = m_handler(line);
        } catch (const std::exception& e) {
            answer = error_line(nullptr, std::string("internal error: ") + e.what());
        }
        answer.push_back('\n');
        m_answer = std::move(answer);
        asio::async_write(m_socket, asio::buffer(m_answer),
                          [self = shared_from_this()](const asio::error_code& write_error, std::size_t) {
                              if (!write_error) self->read_next();
                          });
    }

    void write_and_close(std::string answer) {
        m_answer = std::move(answer) + "\n";
        asio::async_write(m_socket, asio::buffer(m_answer),
                          [self = shared_from_this()](const asio::error_code&, std::size_t) {
                              asio::error_code ignored;
                              self->m_socket.close(ignored);
                          });
    }

    Socket m_socket;
    const AdminSocketServer::Handler& m_handler;
    asio::streambuf m_buffer;
    std::string m_answer;
};

bool same_user(int fd) {
    ucred peer{};
    socklen_t size = sizeof(peer);
    return ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0 && peer.uid == ::geteuid();
}

}  // namespace

AdminSocketServer::AdminSocketServer(std::string path, Handler handler, AdminLimits limits)
    : m_path(std::move(path)), m_handler(std::move(handler)), m_limits(limits) {}

AdminSocketServer::~AdminSocketServer() { stop(); }

std::string AdminSocketServer::start() {
    if (m_path.size() >= sizeof(sockaddr_un::sun_path)) return "admin socket path too long: " + m_path;
    struct stat existing {};
    if (::lstat(m_path.c_str(), &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode)) return "admin socket path exists and is not a socket: " + m_path;
        // A socket nobody answers on is left over from a crash; one that answers is in use.
        Socket probe(m_io);
        asio::error_code probe_error;
        probe.connect(asio::local::stream_protocol::endpoint(m_path), probe_error);
        if (!probe_error) return "another process is serving the admin socket " + m_path;
        ::unlink(m_path.c_str());
    }
    // Bind under a temporary name, restrict it, then rename: the final path is never
    // connectable with a wider mode, whatever the umask.
    const std::string temp = m_path + ".tmp" + std::to_string(::getpid());
    ::unlink(temp.c_str());
    asio::error_code error;
    auto acceptor = std::make_unique<asio::local::stream_protocol::acceptor>(m_io);
    acceptor->open(asio::local::stream_protocol(), error);
    if (!error) acceptor->bind(asio::local::stream_protocol::endpoint(temp), error);
    if (error) return "cannot bind admin socket " + m_path + ": " + error.message();
    if (::chmod(temp.c_str(), 0600) != 0 || ::rename(temp.c_str(), m_path.c_str()) != 0) {
        const std::string message = std::strerror(errno);
        ::unlink(temp.c_str());
        return "cannot place admin socket " + m_path + ": " + message;
    }
    acceptor->listen(16, error);
    if (error) return "cannot listen on admin socket " + m_path + ": " + error.message();
    m_acceptor = std::move(acceptor);
    accept_next();
    m_thread = std::thread([this] { m_io.run(); });
    return {};
}

void AdminSocketServer::accept_next() {
    m_acceptor->async_accept([this](const asio::error_code& error, Socket socket) {
        if (error == asio::error::operation_aborted || !m_acceptor->is_open()) return;
        if (!error && same_user(socket.native_handle())) {
            std::make_shared<AdminConnection>(std::move(socket), m_handler, m_limits)->read_next();
        }
        accept_next();
    });
}

void AdminSocketServer::stop() {
    if (!m_thread.joinable()) return;
    asio::post(m_io, [this] {
        asio::error_code ignored;
        m_acceptor->close(ignored);
        m_io.stop();
    });
    m_thread.join();
    ::unlink(m_path.c_str());
}

}  // namespace fulcrum::proxy::admin
