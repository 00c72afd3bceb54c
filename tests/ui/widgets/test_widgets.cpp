// The panel's building blocks, driven as a user would: log follow/pause/search, the staged
// changes bar, the reboot timeline, message banners, and the typed settings table.
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/pages/TrafficPage.h"
#include "ui/widgets/Card.h"
#include "ui/widgets/ChartCard.h"
#include "ui/widgets/LogView.h"
#include "ui/widgets/MessageBanner.h"
#include "ui/widgets/StagedChangesBar.h"
#include "ui/widgets/Timeline.h"

#include <QApplication>
#include <QChartView>
#include <QLineSeries>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <algorithm>
#include <cstdlib>

using namespace fulcrum::ui;

class TestWidgets : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        Settings::useFile(m_dir.filePath(QStringLiteral("settings.ini")));
        Theme::instance()->install(*qApp);
    }

    void pausedLogHoldsLinesAndReleasesThemInOrder() {
        LogView log;
        log.show();
        log.appendLines({QStringLiteral("one"), QStringLiteral("two")});
        auto* pause = log.findChild<QToolButton*>(QStringLiteral("pauseLogButton"));
        QVERIFY(pause);
        QTest::mouseClick(pause, Qt::LeftButton);
        QVERIFY(log.isPaused());
        log.appendLines({QStringLiteral("three")});
        QCOMPARE(log.heldLineCount(), 1);
        QVERIFY(!log.text().contains(QStringLiteral("three")));
        auto* held = log.findChild<QLabel*>(QStringLiteral("logHeldLabel"));
        QVERIFY(held->isVisible());
        QTest::mouseClick(pause, Qt::LeftButton);
        QVERIFY(!log.isPaused());
        QCOMPARE(log.text(), QStringLiteral("one\ntwo\nthree"));
        QCOMPARE(log.heldLineCount(), 0);
    }

    void pausedLogIsBoundedAndSaysWhatItDropped() {
        LogView log;
        log.setPaused(true);
        QStringList many;
        for (int i = 0; i < LogView::kMaxHeldLines + 10; ++i) many << QString::number(i);
        log.appendLines(many);
        QCOMPARE(log.heldLineCount(), LogView::kMaxHeldLines);
        log.setPaused(false);
        const int dropped = LogView::kMaxHeldLines + 10 - (LogView::kMaxLines - 1);
        QVERIFY2(log.text().startsWith(QStringLiteral("… %1 older lines dropped while paused").arg(dropped)),
                 qPrintable(log.text().left(80)));
        QVERIFY(log.text().endsWith(QString::number(LogView::kMaxHeldLines + 9)));
        // The view itself keeps at most kMaxLines.
        QVERIFY(log.findChild<QPlainTextEdit*>(QStringLiteral("logText"))->document()->blockCount() <= LogView::kMaxLines);
    }

    void logSearchFindsAndWraps() {
        LogView log;
        log.show();
        log.appendLines({QStringLiteral("GET /a 200"), QStringLiteral("GET /b 500"), QStringLiteral("GET /c 200")});
        auto* search = log.findChild<QLineEdit*>(QStringLiteral("logSearchEdit"));
        QTest::keyClicks(search, QStringLiteral("500"));
        QVERIFY(log.findNext());
        auto* text = log.findChild<QPlainTextEdit*>(QStringLiteral("logText"));
        QCOMPARE(text->textCursor().selectedText(), QStringLiteral("500"));
        QVERIFY(log.findNext());  // wraps to the same, only match
        QCOMPARE(text->textCursor().blockNumber(), 1);
        search->setText(QStringLiteral("absent"));
        QVERIFY(!log.findNext());
    }

    void stagedBarEnablesButtonsOnlyWithChanges() {
        QWidget page;
        auto& bar = *new StagedChangesBar(&page);
        page.show();
        auto* apply = bar.findChild<QPushButton*>(QStringLiteral("applyButton"));
        auto* label = bar.findChild<QLabel*>(QStringLiteral("stagedChangesLabel"));
        QVERIFY(apply && label);
        QVERIFY(!bar.isVisible());
        bar.setChangeCount(2);
        QVERIFY(bar.isVisible());
        QVERIFY(apply->isEnabled());
        QCOMPARE(label->text(), QStringLiteral("2 changes not applied yet"));
        QSignalSpy applied(&bar, &StagedChangesBar::applyRequested);
        QTest::mouseClick(apply, Qt::LeftButton);
        QCOMPARE(applied.count(), 1);
        bar.setBusy(true, QStringLiteral("Applying…"));
        QVERIFY(!apply->isEnabled());
        bar.setBusy(false);
        bar.setStatusText({});
        bar.setChangeCount(0);
        QVERIFY(!bar.isVisible());
    }

    void timelineUpdatesStepsInPlaceAndShowsEvidence() {
        Timeline timeline;
        timeline.show();
        timeline.setStep(QStringLiteral("down"), QStringLiteral("Host goes down"), Timeline::StepState::Running);
        timeline.setStep(QStringLiteral("workers"), QStringLiteral("Workers healthy"), Timeline::StepState::Pending);
        timeline.setStep(QStringLiteral("down"), QStringLiteral("Host goes down"), Timeline::StepState::Passed, {},
                         QDateTime::currentDateTime(), 2400);
        timeline.setStep(QStringLiteral("workers"), QStringLiteral("Workers healthy"), Timeline::StepState::Failed,
                         QStringLiteral("web-2 exited"), {}, 900, QStringLiteral("Traceback: boom"));
        QCOMPARE(timeline.stepCount(), 2);
        QCOMPARE(timeline.stepIds(), (QStringList{QStringLiteral("down"), QStringLiteral("workers")}));
        QCOMPARE(timeline.stepState(QStringLiteral("down")), Timeline::StepState::Passed);
        auto* row = timeline.findChild<QWidget*>(QStringLiteral("timelineStep_workers"));
        QVERIFY(row);
        auto* evidence = row->findChild<QPlainTextEdit*>(QStringLiteral("timelineEvidence"));
        QVERIFY(evidence && !evidence->isHidden());
        QCOMPARE(evidence->toPlainText(), QStringLiteral("Traceback: boom"));
    }

    void timelineKeepsGreenEvidenceOneClickAwayAndGroupsUnderHeadings() {
        Timeline timeline;
        timeline.show();
        timeline.setHeading(QStringLiteral("web1"), QStringLiteral("web1"), QStringLiteral("running"),
                            Timeline::StepState::Running);
        timeline.setStep(QStringLiteral("web1:up"), QStringLiteral("SSH and agent back"), Timeline::StepState::Passed,
                         QStringLiteral("answered after 3.1 s"), QDateTime::currentDateTime(), 3100,
                         QStringLiteral("agent.hello answered 3.1 s after the connection was lost"));
        timeline.setHeading(QStringLiteral("web2"), QStringLiteral("web2"), QStringLiteral("waiting"));
        timeline.setStep(QStringLiteral("web2:up"), QStringLiteral("SSH and agent back"), Timeline::StepState::Pending);
        QCOMPARE(timeline.stepCount(), 2);  // headings are not steps
        auto* heading = timeline.findChild<QWidget*>(QStringLiteral("timelineHeading_web2"));
        QVERIFY(heading && !heading->isHidden());

        // A green step's evidence is there but closed; its toggle opens it.
        QVERIFY(!timeline.isEvidenceShown(QStringLiteral("web1:up")));
        auto* row = timeline.findChild<QWidget*>(QStringLiteral("timelineStep_web1:up"));
        auto* toggle = row->findChild<QToolButton*>(QStringLiteral("timelineEvidenceToggle"));
        QVERIFY(toggle && !toggle->isHidden());
        QTest::mouseClick(toggle, Qt::LeftButton);
        QVERIFY(timeline.isEvidenceShown(QStringLiteral("web1:up")));
        QVERIFY(!row->findChild<QPlainTextEdit*>(QStringLiteral("timelineEvidence"))->isHidden());
        // A running step shows how long it has been running; a pending one has no toggle.
        timeline.setStep(QStringLiteral("web2:up"), QStringLiteral("SSH and agent back"), Timeline::StepState::Running,
                         {}, QDateTime::currentDateTime(), 12000);
        auto* time = timeline.findChild<QWidget*>(QStringLiteral("timelineStep_web2:up"))
                         ->findChild<QLabel*>(QStringLiteral("timelineTime"));
        QVERIFY2(time->text().contains(QStringLiteral("running 12.0 s")), qPrintable(time->text()));
        QVERIFY(timeline.findChild<QWidget*>(QStringLiteral("timelineStep_web2:up"))
                    ->findChild<QToolButton*>(QStringLiteral("timelineEvidenceToggle"))
                    ->isHidden());
        // A step that turns red opens its evidence by itself.
        timeline.setStep(QStringLiteral("web2:up"), QStringLiteral("SSH and agent back"), Timeline::StepState::Failed,
                         QStringLiteral("no success within 600.0 s"), QDateTime::currentDateTime(), 600000,
                         QStringLiteral("no success within 600.0 s\nlast seen: connection refused"));
        QVERIFY(timeline.isEvidenceShown(QStringLiteral("web2:up")));
        timeline.clear();
        QCOMPARE(timeline.stepCount(), 0);
        QVERIFY(!timeline.findChild<QWidget*>(QStringLiteral("timelineHeading_web1")));
    }

    // A pool of eight servers once made the Traffic page wider than the window, which then grew.
    void chartLegendOfManyServersWrapsAndShowsWhatTellsThemApart() {
        ChartCard card(QStringLiteral("Requests per server"), &ChartCard::formatRate);
        for (int i = 0; i < 8; ++i) card.addSeries(QStringLiteral("app · 127.0.0.1:%1").arg(8000 + i));
        auto* legend = card.findChild<QLabel*>(QStringLiteral("chartLegend"));
        QVERIFY(legend);
        QVERIFY(legend->text().contains(QStringLiteral("8007")));
        QVERIFY2(!legend->text().contains(QStringLiteral("127.0.0.1")), qPrintable(legend->text()));
        QVERIFY(legend->toolTip().contains(QStringLiteral("app · 127.0.0.1:8007")));
        QVERIFY2(card.minimumSizeHint().width() <= 480, qPrintable(QString::number(card.minimumSizeHint().width())));

        ChartCard latency(QStringLiteral("Latency"), &ChartCard::formatMillis);
        latency.addSeries(QStringLiteral("p50"));
        latency.addSeries(QStringLiteral("p99"));
        auto* pair = latency.findChild<QLabel*>(QStringLiteral("chartLegend"));
        QVERIFY(pair->text().contains(QStringLiteral("p50")) && pair->text().contains(QStringLiteral("p99")));
    }

    // The log's search placeholder, "Search log (Enter: next, Shift+Enter: previous)", was cut
    // with "…" (279 px of text in 208 px of its field): at the log's narrowest, the whole
    // placeholder fits between the search icon and the clear button (counted even while
    // hidden: it appears at the first key).
    void logSearchPlaceholderReadsWhole() {
        LogView log;
        log.resize(log.minimumSizeHint());
        log.show();
        QVERIFY(QTest::qWaitForWindowExposed(&log));
        auto* search = log.findChild<QLineEdit*>(QStringLiteral("logSearchEdit"));
        QVERIFY(search);
        QVERIFY(!search->placeholderText().isEmpty());
        QRect room = search->contentsRect().marginsRemoved(search->textMargins());
        const auto sideButtons = search->findChildren<QToolButton*>();
        QCOMPARE(sideButtons.size(), 2);  // the search icon, the clear button
        for (const QToolButton* side : sideButtons) {
            if (side->geometry().center().x() < search->width() / 2) room.setLeft(std::max(room.left(), side->geometry().right() + 1));
            else room.setRight(std::min(room.right(), side->geometry().left() - 1));
        }
        const int text = search->fontMetrics().horizontalAdvance(search->placeholderText());
        QVERIFY2(text + 4 <= room.width(), qPrintable(QStringLiteral("\"%1\": %2 px of text in %3 px")
                                                           .arg(search->placeholderText())
                                                           .arg(text)
                                                           .arg(room.width())));
        QVERIFY(search->toolTip().contains(QStringLiteral("Shift+Enter")));  // the keys, no longer in the placeholder
    }

    // The p99 latency line was the palette's green, which reads as "healthy" next to the
    // status colours (green ok, amber 4xx, red 5xx). Lines that only tell series apart are
    // drawn in hues far from those three, in both palettes, as QtCharts draws them.
    void chartLinesThatAreNoStatusLookLikeNone() {
        TrafficPage page;
        const auto hueDistance = [](const QColor& a, const QColor& b) {
            const int d = std::abs(a.hsvHue() - b.hsvHue()) % 360;
            return std::min(d, 360 - d);
        };
        for (const auto appearance : {Appearance::Light, Appearance::Dark}) {
            Theme::instance()->setAppearance(appearance);
            for (const char* name : {"latencyChart", "bytesChart", "requestsChart", "activeConnectionsChart"}) {
                auto* chart = page.findChild<ChartCard*>(QString::fromLatin1(name));
                QVERIFY(chart);
                const auto lines = chart->findChild<QChartView*>()->chart()->series();
                QVERIFY(!lines.isEmpty());
                QList<QColor> drawn;
                for (QAbstractSeries* series : lines) {
                    auto* line = qobject_cast<QLineSeries*>(series);
                    QVERIFY(line);
                    const QColor color = line->pen().color();
                    for (const QColor& status : {Semantic::ok(), Semantic::warning(), Semantic::error()}) {
                        QVERIFY2(hueDistance(color, status) >= 60,
                                 qPrintable(QStringLiteral("%1 %2 (%3): %4 is %5° from status colour %6")
                                                .arg(QString::fromLatin1(name), line->name(), Theme::name(appearance))
                                                .arg(color.name())
                                                .arg(hueDistance(color, status))
                                                .arg(status.name())));
                    }
                    for (const QColor& other : drawn) QVERIFY2(hueDistance(color, other) >= 30, name);  // still apart
                    drawn << color;
                }
            }
        }
        Theme::instance()->setAppearance(Appearance::Light);
    }

    // A card's icon was a picture taken once, in the text colour of that moment: after
    // View → Dark it stayed dark on the dark card (and light on light the other way round).
    void cardIconIsDrawnAgainWhenTheAppearanceChanges() {
        Theme::instance()->setAppearance(Appearance::Light);
        const auto restore = qScopeGuard([] { Theme::instance()->setAppearance(Appearance::Light); });
        Card card(QStringLiteral("Host"), QStringLiteral("server"));
        QLabel* icon = nullptr;
        for (QLabel* label : card.findChildren<QLabel*>()) {
            if (!label->pixmap().isNull()) icon = label;
        }
        QVERIFY(icon);
        // The colour of the icon's strokes: its most opaque pixel.
        const auto ink = [icon] {
            const QImage image = icon->pixmap().toImage();
            QColor best(Qt::transparent);
            for (int y = 0; y < image.height(); ++y) {
                for (int x = 0; x < image.width(); ++x) {
                    const QColor c = image.pixelColor(x, y);
                    if (c.alpha() > best.alpha()) best = c;
                }
            }
            return best;
        };
        for (const auto appearance : {Appearance::Dark, Appearance::Light, Appearance::Dark}) {
            Theme::instance()->setAppearance(appearance);
            const QColor text = QApplication::palette().color(QPalette::WindowText);
            QVERIFY2(std::abs(ink().lightness() - text.lightness()) < 40,
                     qPrintable(QStringLiteral("%1: icon %2, text %3").arg(Theme::name(appearance), ink().name(), text.name())));
        }
    }

    void bytesAxisSpeaksTheHeadlinesUnit_data() {
        QTest::addColumn<double>("rate");
        QTest::addColumn<QString>("headline");
        QTest::addColumn<QStringList>("labels");
        QTest::newRow("B/s") << 500.0 << QStringLiteral("500 B/s")
                             << QStringList{QStringLiteral("0 B/s"), QStringLiteral("500 B/s"), QStringLiteral("1000 B/s")};
        // The case that was seen: "4.2 KiB/s" over an axis of 0, 25000, 50000.
        QTest::newRow("KiB/s") << 50000.0 << QStringLiteral("48.8 KiB/s")
                               << QStringList{QStringLiteral("0 KiB/s"), QStringLiteral("50 KiB/s"), QStringLiteral("100 KiB/s")};
        QTest::newRow("MiB/s") << 3.5 * 1024 * 1024 << QStringLiteral("3.5 MiB/s")
                               << QStringList{QStringLiteral("0.0 MiB/s"), QStringLiteral("2.5 MiB/s"), QStringLiteral("5.0 MiB/s")};
    }
    // The Bytes chart's headline said "4.2 KiB/s" over an axis of raw numbers (50000): the
    // labels, as QtCharts draws them, now carry the headline's unit, chosen from the range.
    void bytesAxisSpeaksTheHeadlinesUnit() {
        QFETCH(double, rate);
        QFETCH(QString, headline);
        QFETCH(QStringList, labels);
        ChartCard card(QStringLiteral("Bytes in / out"), &ChartCard::formatBytesRate);
        card.addSeries(QStringLiteral("in"));
        card.setAxisUnits(ChartCard::bytesRateUnits());
        const qint64 now = 1'700'000'000'000;
        QList<QPointF> points;
        for (int s = 59; s >= 0; --s) points.append(QPointF(double(now - s * 1000), s % 2 ? rate / 2 : rate));
        card.setPoints(0, points);
        card.resize(480, 260);
        card.show();
        card.setWindow(now, 60);
        QCOMPARE(card.headline(), headline);
        QTRY_COMPARE(card.axisLabels(), labels);
        // What QtCharts draws is in the same unit: the top of the line sits at the value.
        QCOMPARE(card.findChild<QChartView*>()->chart()->series().value(0)->type(), QAbstractSeries::SeriesTypeLine);
        const auto* line = static_cast<QLineSeries*>(card.findChild<QChartView*>()->chart()->series().value(0));
        QCOMPARE(line->at(line->count() - 1).y(), rate / (labels.last().endsWith(QStringLiteral("MiB/s")) ? 1024 * 1024
                                                          : labels.last().endsWith(QStringLiteral("KiB/s")) ? 1024 : 1));
    }

    void bannerShowsActionsAndClears() {
        MessageBanner banner;
        int clicks = 0;
        banner.showMessage(MessageBanner::Level::Error, QStringLiteral("Apply failed"), QStringLiteral("pools[0]: bad"));
        auto* retry = banner.addAction(QStringLiteral("Retry"), [&clicks] { ++clicks; });
        QTest::mouseClick(retry, Qt::LeftButton);
        QCOMPARE(clicks, 1);
        QCOMPARE(banner.text(), QStringLiteral("Apply failed"));
        banner.showMessage(MessageBanner::Level::Positive, QStringLiteral("Applied"));
        QCOMPARE(banner.findChildren<QPushButton*>().size(), 0);
    }

    void settingsHaveTypedDefaultsAndRejectWrongTypes() {
        QCOMPARE(settings()->get(Settings::Key::TrafficRange).toInt(), 60);
        QSignalSpy changed(settings(), &Settings::changed);
        settings()->set(Settings::Key::TrafficRange, 600);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(settings()->get(Settings::Key::TrafficRange).toInt(), 600);
        settings()->set(Settings::Key::TrafficRange, 600);
        QCOMPARE(changed.count(), 1);  // unchanged value, no signal
        settings()->set(Settings::Key::LogFollow, QStringLiteral("not a bool at all"));
        QCOMPARE(settings()->get(Settings::Key::LogFollow).metaType(), QMetaType::fromType<bool>());
        settings()->reset(Settings::Key::TrafficRange);
        QCOMPARE(settings()->get(Settings::Key::TrafficRange).toInt(), 60);
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestWidgets)
#include "test_widgets.moc"
