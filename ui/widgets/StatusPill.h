#pragma once
// A small rounded "● Connected" badge in a state's colour.

#include <QColor>
#include <QWidget>

namespace fulcrum::ui {

class StatusPill : public QWidget {
    Q_OBJECT
public:
    explicit StatusPill(QWidget* parent = nullptr);
    void setStatus(const QString& text, const QColor& color);
    QString text() const { return m_text; }
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QString m_text;
    QColor m_color;
};

}  // namespace fulcrum::ui
