#pragma once
// Base of the host sections: a message banner at the top for errors that happened on this
// page, and the page's content, which is replaced by an explanation while the host is not
// connected (instead of a page of dead widgets). The content scrolls: a page that needs more
// room than the window (six charts and a banner on a 768-px laptop screen) must not grow the
// window past the screen. The banner stays above the scrolled part, where an error is seen.

#include <QWidget>

class QScrollArea;
class QStackedWidget;
class QToolButton;
class QVBoxLayout;

namespace fulcrum::ui {

class EmptyState;
class MessageBanner;

class SectionPage : public QWidget {
    Q_OBJECT
public:
    SectionPage(const QString& objectName, const QString& icon, QWidget* parent = nullptr);

    void setConnected(bool connected);
    // "This computer" is managed without SSH; the not-connected text says so.
    void setLocal(bool local);
    // What the page says instead of its content while the host is not live: why, and what to
    // do. setLocal's text (how to connect) until this is called; an empty title goes back to it.
    void setOfflineText(const QString& title, const QString& text);
    bool isConnected() const { return m_connected; }
    // What shows while the host is not live (setOfflineText).
    EmptyState* disconnectedState() const { return m_disconnected; }
    MessageBanner* banner() const { return m_banner; }
    QScrollArea* scrollArea() const { return m_scrollArea; }
    // Plain-language error on this page: what failed, why, what to do.
    void showError(const QString& what, const QString& details);
    void showInfo(const QString& text, const QString& details = {});

signals:
    // showError() was called: a failed action, for the host's recent events.
    void errorShown(const QString& what);

protected:
    // A text-beside-icon tool button for the pages' toolbars, named for tests.
    static QToolButton* toolButton(const QString& icon, const QString& text, const QString& objectName,
                                   const QString& toolTip);
    // The page's real content; call once from the subclass constructor.
    QVBoxLayout* contentLayout() const { return m_contentLayout; }

private:
    bool m_connected = false;
    MessageBanner* m_banner;
    QScrollArea* m_scrollArea;
    QStackedWidget* m_stack;
    QWidget* m_content;
    QVBoxLayout* m_contentLayout;
    EmptyState* m_disconnected;
    bool m_local = false;
};

}  // namespace fulcrum::ui
