#pragma once
// What a page shows when there is nothing yet: an icon, one line that says why, one that says
// what to do, and the button that does it.

#include <QWidget>

class QLabel;
class QPushButton;

namespace fulcrum::ui {

class EmptyState : public QWidget {
    Q_OBJECT
public:
    EmptyState(const QString& icon, const QString& title, const QString& text, QWidget* parent = nullptr);
    QPushButton* setAction(const QString& text, const QString& icon = {});
    void setText(const QString& title, const QString& text);
    QString title() const;
    QString text() const;

signals:
    void actionTriggered();

private:
    QLabel* m_title;
    QLabel* m_text;
    QPushButton* m_button = nullptr;
};

}  // namespace fulcrum::ui
