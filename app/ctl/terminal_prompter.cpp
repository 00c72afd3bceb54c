#include "app/ctl/terminal_prompter.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>

namespace fulcrum::app::ctl {
namespace {

constexpr int kMaxAnswerBytes = 1024;

struct Tty {
    int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    ~Tty() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

TerminalPrompter::TerminalPrompter() {
    Tty tty;
    m_hasTerminal = tty.fd >= 0 && ::isatty(tty.fd);
}

std::optional<QString> TerminalPrompter::ask(const QString& prompt, bool echo) {
    if (!m_hasTerminal) return std::nullopt;
    Tty tty;
    if (tty.fd < 0) return std::nullopt;
    const QByteArray text = prompt.toUtf8();
    if (::write(tty.fd, text.constData(), size_t(text.size())) < 0) return std::nullopt;
    termios saved{};
    const bool haveTermios = ::tcgetattr(tty.fd, &saved) == 0;
    if (!echo && haveTermios) {
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(tty.fd, TCSAFLUSH, &quiet);
    }
    QByteArray answer;
    char c = 0;
    bool ended = false;
    while (answer.size() < kMaxAnswerBytes) {
        const ssize_t n = ::read(tty.fd, &c, 1);
        if (n <= 0) break;
        if (c == '\n' || c == '\r') {
            ended = true;
            break;
        }
        answer.append(c);
    }
    if (!echo && haveTermios) {
        ::tcsetattr(tty.fd, TCSAFLUSH, &saved);
        if (::write(tty.fd, "\n", 1) < 0) {
            // Nothing to do: the answer was read.
        }
    }
    if (!ended) return std::nullopt;  // EOF (Ctrl-D) cancels
    return QString::fromUtf8(answer);
}

std::optional<QString> TerminalPrompter::keyPassphrase(const QString& keyPath, int attempt) {
    return ask(QStringLiteral("%1Enter passphrase for key '%2': ")
                   .arg(attempt > 1 ? QStringLiteral("Wrong passphrase. ") : QString(), keyPath),
               false);
}

std::optional<QString> TerminalPrompter::password(const QString& userAtHost, int attempt) {
    return ask(QStringLiteral("%1%2's password: ").arg(attempt > 1 ? QStringLiteral("Permission denied, please try again.\n") : QString(), userAtHost),
               false);
}

std::optional<QStringList> TerminalPrompter::keyboardInteractive(const QString& userAtHost, const KeyboardInteractiveRound& round) {
    if (!m_hasTerminal) return std::nullopt;
    QString header;
    if (!round.name.isEmpty()) header += round.name + QLatin1Char('\n');
    if (!round.instruction.isEmpty()) header += round.instruction + QLatin1Char('\n');
    QStringList answers;
    for (qsizetype i = 0; i < round.prompts.size(); ++i) {
        const auto& prompt = round.prompts.at(i);
        const QString text = (i == 0 ? header : QString()) + (prompt.text.isEmpty() ? userAtHost + QStringLiteral(": ") : prompt.text);
        auto answer = ask(text, prompt.echo);
        if (!answer) return std::nullopt;
        answers << *answer;
    }
    return answers;
}

bool TerminalPrompter::confirmUnknownHostKey(const QString& hostToken, const HostKeyInfo& key) {
    if (!m_hasTerminal) return false;
    const QString question = QStringLiteral("The authenticity of host '%1' can't be established.\n"
                                            "%2 key fingerprint is %3.\n"
                                            "Are you sure you want to continue connecting (yes/no)? ")
                                 .arg(hostToken, key.type, key.fingerprint);
    for (int i = 0; i < 3; ++i) {
        const auto answer = ask(i == 0 ? question : QStringLiteral("Please type 'yes' or 'no': "), true);
        if (!answer) return false;
        if (answer->trimmed().compare(QStringLiteral("yes"), Qt::CaseInsensitive) == 0) return true;
        if (answer->trimmed().compare(QStringLiteral("no"), Qt::CaseInsensitive) == 0) return false;
    }
    return false;
}

}  // namespace fulcrum::app::ctl
