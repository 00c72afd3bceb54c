#pragma once
// A rounded panel with a title row (icon, title, optional widget on the right) and a body.
// The pages are built from these so that every page reads as a few calm blocks.

#include <QFrame>
#include <QHash>
#include <QLabel>

class QHBoxLayout;
class QVBoxLayout;
class QGridLayout;

namespace fulcrum::ui {

// A card's title: one line wherever there is room, wrapped between words in a narrow window
// rather than making the page scroll sideways ("Starts after a reboot" and its pill did on the
// Overview). A plain word-wrapped QLabel asks for a golden-ratio box, two lines even at 1280 px.
class CardTitle : public QLabel {
    Q_OBJECT
public:
    explicit CardTitle(const QString& text, QWidget* parent = nullptr);
    QSize sizeHint() const override;
};

// An icon drawn as a picture in the palette's text colour, drawn again when the appearance
// changes: a pixmap taken once stayed in the old colour (dark on dark after View → Dark).
class ThemedIcon : public QLabel {
    Q_OBJECT
public:
    ThemedIcon(const QString& icon, int size, QWidget* parent = nullptr);

private:
    void render();
    QString m_icon;
    int m_size;
};

class Card : public QFrame {
    Q_OBJECT
public:
    explicit Card(const QString& title, const QString& icon = {}, QWidget* parent = nullptr);

    QVBoxLayout* body() const { return m_body; }
    // Widgets placed to the right of the title (a button, a pill).
    void addHeaderWidget(QWidget* widget);
    void setTitle(const QString& title);

private:
    QLabel* m_title;
    QHBoxLayout* m_header;
    QVBoxLayout* m_body;
};

// A "label: value" grid row helper for fact lists inside cards.
class FactList : public QWidget {
    Q_OBJECT
public:
    explicit FactList(QWidget* parent = nullptr);
    // Adds or updates the row named `key`; the value label gets objectName `objectName`.
    QLabel* setFact(const QString& key, const QString& label, const QString& value,
                    const QString& objectName = {});
    void clear();

private:
    QGridLayout* m_grid;
    QHash<QString, QLabel*> m_values;
};

}  // namespace fulcrum::ui
