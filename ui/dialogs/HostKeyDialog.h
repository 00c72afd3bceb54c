#pragma once
// Asked the first time Fulcrum meets a host: here is the key it presented, its type and its
// SHA256 fingerprint (as `ssh-keygen -lf` prints it); trust it only if it matches. A changed
// key is never offered here: it is refused with an explanation (see showChangedKey()).

#include <QDialog>

namespace fulcrum::ui {

class HostKeyDialog : public QDialog {
    Q_OBJECT
public:
    HostKeyDialog(const QString& host, const QString& keyType, const QString& fingerprint, QWidget* parent = nullptr);

    // A key different from the one in known_hosts: possibly an attack, possibly a reinstall.
    // Explains both and what to do; offers no way to continue.
    static void showChangedKey(QWidget* parent, const QString& host, const QString& keyType,
                               const QString& fingerprint, const QString& knownHostsLine);
};

}  // namespace fulcrum::ui
