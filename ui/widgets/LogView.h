#pragma once
// A live log: lines stream in; Follow keeps the newest line in view, Pause holds new lines
// back (and counts them) so a line can be read while the process keeps logging, and the
// search box highlights and jumps between matches. Memory is bounded.

#include <QStringList>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QToolButton;

namespace fulcrum::ui {

class LogView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxLines = 5000;
    static constexpr int kMaxHeldLines = 20000;

    explicit LogView(QWidget* parent = nullptr);

    void appendLines(const QStringList& lines);
    void clear();
    void setTitle(const QString& title);
    bool isPaused() const;
    bool isFollowing() const;
    int heldLineCount() const { return m_held.size(); }
    QString text() const;

public slots:
    void setPaused(bool paused);
    void setFollowing(bool follow);
    bool findNext();
    bool findPrevious();

private:
    void write(const QStringList& lines);
    void updateHeldLabel();
    void highlightMatches();

    QLabel* m_title;
    QPlainTextEdit* m_text;
    QLineEdit* m_search;
    QToolButton* m_follow;
    QToolButton* m_pause;
    QLabel* m_heldLabel;
    QStringList m_held;
    int m_dropped = 0;
};

}  // namespace fulcrum::ui
