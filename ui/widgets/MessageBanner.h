#pragma once
// An inline message where the problem happened (KMessageWidget-style): what went wrong in
// plain words, what to do, and an optional action button. Errors never go only to a log.

#include <QFrame>
#include <functional>

class QLabel;
class QHBoxLayout;
class QToolButton;
class QPushButton;

namespace fulcrum::ui {

class MessageBanner : public QFrame {
    Q_OBJECT
public:
    enum class Level { Info, Positive, Warning, Error };

    explicit MessageBanner(QWidget* parent = nullptr);

    // Shows the banner; an empty `details` hides the second line.
    void showMessage(Level level, const QString& text, const QString& details = {});
    // Adds a button that runs `slot`; buttons are cleared by the next showMessage().
    QPushButton* addAction(const QString& text, std::function<void()> slot);
    void setClosable(bool closable);
    QString text() const;
    Level level() const { return m_level; }

signals:
    void closed();

private:
    void clearActions();

    Level m_level = Level::Info;
    QLabel* m_icon;
    QLabel* m_text;
    QLabel* m_details;
    QHBoxLayout* m_actions;
    QToolButton* m_close;
};

}  // namespace fulcrum::ui
