// The style sheet draws what Fusion no longer can once boxes get borders and radii: the
// arrows of spin boxes, combo boxes and menu buttons, in the palette's own arrow colour, in
// light and dark. Checked on the rendered pixels (offscreen), as a screenshot would show.
#include "tests/ui/gui_test_support.h"
#include "ui/Settings.h"
#include "ui/Theme.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QImage>
#include <QLabel>
#include <QScrollArea>
#include <QScrollBar>
#include <QStyleOptionButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace fulcrum::ui;

namespace {

// Pixels of `image` inside `area` within a small distance of `color` (antialiasing blends).
int pixelsNear(const QImage& image, const QRect& area, const QColor& color) {
    int count = 0;
    for (int y = area.top(); y <= area.bottom(); ++y) {
        for (int x = area.left(); x <= area.right(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (std::abs(c.red() - color.red()) + std::abs(c.green() - color.green()) + std::abs(c.blue() - color.blue()) < 40)
                ++count;
        }
    }
    return count;
}

// A scroll area with content much taller than itself, shown: its vertical bar at the top.
void showTall(QScrollArea& area) {
    area.setFrameShape(QFrame::NoFrame);  // as the sheet's "border: none" has it, so it lays out alike without it
    auto* content = new QLabel(QStringLiteral("tall"));
    content->setFixedSize(150, 2000);
    area.setWidget(content);
    area.resize(200, 300);
    area.show();
    QCoreApplication::processEvents();
}

QImage render(QWidget& widget) {
    widget.resize(160, widget.sizeHint().height() + 4);
    widget.show();
    QCoreApplication::processEvents();
    return widget.grab().toImage().convertToFormat(QImage::Format_RGB32);
}

// The arrow colours of resources/icons/style/*.svg.
QColor arrowColor(Appearance appearance) { return appearance == Appearance::Dark ? QColor("#9da7b3") : QColor("#57606a"); }

}  // namespace

class TestTheme : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        Settings::useFile(m_dir.filePath(QStringLiteral("settings.ini")));
        Theme::instance()->install(*qApp);
    }

    void spinBoxArrowsAreDrawnInBothPalettes_data() {
        QTest::addColumn<int>("appearance");
        QTest::newRow("light") << int(Appearance::Light);
        QTest::newRow("dark") << int(Appearance::Dark);
    }
    void spinBoxArrowsAreDrawnInBothPalettes() {
        QFETCH(int, appearance);
        Theme::instance()->setAppearance(Appearance(appearance));
        QSpinBox spin;
        spin.setRange(0, 100);
        spin.setValue(50);  // both arrows enabled
        const QImage image = render(spin);
        const QColor arrow = arrowColor(Appearance(appearance));
        // The buttons sit in the right 22 px; each half holds one chevron.
        const int left = image.width() - 22;
        const QRect up(left, 1, 20, image.height() / 2 - 1);
        const QRect down(left, image.height() / 2, 20, image.height() / 2 - 1);
        QVERIFY2(pixelsNear(image, up, arrow) >= 4, "no up arrow");
        QVERIFY2(pixelsNear(image, down, arrow) >= 4, "no down arrow");
    }

    void spinBoxAtItsMinimumShowsBothArrows_data() { spinBoxArrowsAreDrawnInBothPalettes_data(); }
    // The add-host wizard's Port starts at its minimum ("from ~/.ssh/config, else 22"): the
    // down arrow, which cannot step there, once vanished and left a lone up arrow that looked
    // broken. It is drawn faint instead, the up arrow as usual.
    void spinBoxAtItsMinimumShowsBothArrows() {
        QFETCH(int, appearance);
        Theme::instance()->setAppearance(Appearance(appearance));
        QSpinBox spin;
        spin.setRange(0, 65535);
        spin.setSpecialValueText(QStringLiteral("from ~/.ssh/config, else 22"));
        spin.setValue(0);
        const QImage image = render(spin);
        const bool dark = Appearance(appearance) == Appearance::Dark;
        const int left = image.width() - 22;
        const QRect up(left, 1, 20, image.height() / 2 - 1);
        const QRect down(left, image.height() / 2, 20, image.height() / 2 - 1);
        QVERIFY2(pixelsNear(image, up, arrowColor(Appearance(appearance))) >= 4, "no up arrow");
        const QColor faint = dark ? QColor("#484f58") : QColor("#afb8c1");
        QVERIFY2(pixelsNear(image, down, faint) >= 4, "no down arrow at the minimum");
        // Faint, so it does not look like it could step.
        QVERIFY(pixelsNear(image, down, arrowColor(Appearance(appearance))) < 4);
    }

    void comboBoxArrowIsDrawn() {
        Theme::instance()->setAppearance(Appearance::Light);
        QComboBox combo;
        combo.addItems({QStringLiteral("Round robin"), QStringLiteral("Least connections")});
        const QImage image = render(combo);
        QVERIFY(pixelsNear(image, QRect(image.width() - 24, 2, 22, image.height() - 4), arrowColor(Appearance::Light)) >= 4);
    }

    void scrollBarsOfScrollAreasAreTheStylesOwn_data() { spinBoxArrowsAreDrawnInBothPalettes_data(); }
    // A scroll area's bar must be drawn by the style alone, exactly as without the style
    // sheet: no rule for the scrolled content may leak onto it (a broad one once did).
    void scrollBarsOfScrollAreasAreTheStylesOwn() {
        QFETCH(int, appearance);
        Theme::instance()->setAppearance(Appearance(appearance));
        QScrollArea area;
        showTall(area);
        QScrollBar* bar = area.verticalScrollBar();
        QVERIFY(bar->isVisible());
        const QImage themed = bar->grab().toImage().convertToFormat(QImage::Format_RGB32);
        const QString sheet = qApp->styleSheet();
        qApp->setStyleSheet(QString());
        QCoreApplication::processEvents();
        const QImage plain = bar->grab().toImage().convertToFormat(QImage::Format_RGB32);
        qApp->setStyleSheet(sheet);
        QCOMPARE(themed.size(), plain.size());
        QVERIFY2(themed == plain, "the style sheet changes how a scroll area's bar is drawn");
    }

    void scrollBarHandleStandsOutFromItsGroove_data() { spinBoxArrowsAreDrawnInBothPalettes_data(); }
    // Fusion's handle was white on a near-white groove in the light palette: found only by
    // trying. At least 3:1 (WCAG's minimum for parts of a control) in both palettes.
    void scrollBarHandleStandsOutFromItsGroove() {
        QFETCH(int, appearance);
        Theme::instance()->setAppearance(Appearance(appearance));
        QScrollArea area;
        showTall(area);
        QString colours;
        const double contrast = fulcrum::ui::test::handleContrast(area.verticalScrollBar(), &colours);
        QVERIFY2(contrast >= 3.0, qPrintable(QStringLiteral("%1: %2:1").arg(colours).arg(contrast, 0, 'f', 2)));
    }

    void disabledCheckBoxesAreVisible_data() {
        QTest::addColumn<int>("appearance");
        QTest::addColumn<bool>("checked");
        for (const bool checked : {false, true}) {
            QTest::newRow(checked ? "light checked" : "light") << int(Appearance::Light) << checked;
            QTest::newRow(checked ? "dark checked" : "dark") << int(Appearance::Dark) << checked;
        }
    }
    // The box of a disabled check box must stand out from the window around it, or the
    // option looks like a plain label.
    void disabledCheckBoxesAreVisible() {
        QFETCH(int, appearance);
        QFETCH(bool, checked);
        Theme::instance()->setAppearance(Appearance(appearance));
        QCheckBox box(QStringLiteral("Rolling reboot"));
        box.setChecked(checked);
        box.setEnabled(false);
        const QImage image = render(box);
        QStyleOptionButton option;
        option.initFrom(&box);
        const QRect indicator = box.style()->subElementRect(QStyle::SE_CheckBoxIndicator, &option, &box);
        QVERIFY(!indicator.isEmpty());
        const QColor window = box.palette().color(QPalette::Disabled, QPalette::Window);
        const int distinct = indicator.width() * indicator.height() - pixelsNear(image, indicator, window);
        // At least the outline (four edges, rounded corners) differs clearly from the window.
        const int outline = 2 * (indicator.width() + indicator.height()) - 12;
        QVERIFY2(distinct >= outline,
                 qPrintable(QStringLiteral("only %1 pixels of the box stand out, want %2").arg(distinct).arg(outline)));
        if (checked) {
            // The check mark is white on the (disabled) accent colour.
            QVERIFY2(pixelsNear(image, indicator, Qt::white) >= 4, "no check mark");
        }
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestTheme)
#include "test_theme.moc"
