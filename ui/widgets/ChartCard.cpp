#include "ui/widgets/ChartCard.h"
#include "ui/widgets/Card.h"

#include "ui/Theme.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QGraphicsTextItem>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QValueAxis>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace fulcrum::ui {

namespace {

// Length of the prefix all names share, cut back to just after a separator (':', ' ' or '·')
// so no entry starts mid-word; 0 when that would leave an entry empty.
qsizetype sharedPrefixLength(const QStringList& names) {
    qsizetype length = names.front().size();
    for (const auto& name : names) {
        qsizetype same = 0;
        while (same < std::min(length, name.size()) && name[same] == names.front()[same]) ++same;
        length = same;
    }
    while (length > 0 && !QStringLiteral(": ·").contains(names.front()[length - 1])) --length;
    for (const auto& name : names) {
        if (name.size() <= length) return 0;
    }
    return length;
}

}  // namespace

ChartCard::ChartCard(const QString& title, Formatter format, QWidget* parent)
    : QFrame(parent), m_value(new QLabel(this)), m_legend(new QLabel(this)), m_chart(new QChart),
      m_view(new QChartView(m_chart, this)), m_x(new QDateTimeAxis), m_y(new QValueAxis), m_format(format) {
    setProperty("card", true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 12, 14, 8);
    layout->setSpacing(2);
    auto* header = new QHBoxLayout;
    auto* titleLabel = new CardTitle(title, this);
    header->addWidget(titleLabel);
    m_legend->setProperty("role", QStringLiteral("muted"));
    m_legend->setTextFormat(Qt::RichText);
    // One entry per server can be wider than the card: the legend wraps between entries
    // rather than widening the card, which would grow the whole window on a big pool.
    m_legend->setWordWrap(true);
    m_legend->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_legend->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    m_legend->setObjectName(QStringLiteral("chartLegend"));
    header->addWidget(m_legend, 1);
    layout->addLayout(header);
    m_value->setProperty("role", QStringLiteral("cardValue"));
    m_value->setText(QStringLiteral("—"));
    layout->addWidget(m_value);

    m_chart->legend()->hide();
    m_chart->setMargins(QMargins(0, 4, 0, 0));
    m_chart->setBackgroundRoundness(0);
    m_chart->layout()->setContentsMargins(0, 0, 0, 0);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    m_x->setFormat(QStringLiteral("HH:mm:ss"));
    m_x->setTickCount(4);
    m_y->setTickCount(3);
    m_y->setLabelFormat(QStringLiteral("%.0f"));
    m_y->setRange(0, 1);
    m_view->setRenderHint(QPainter::Antialiasing);
    // Six cards fit a 1360×860 window (with a banner) without clipping the lowest axis.
    m_view->setMinimumHeight(100);
    // The card is measured height-for-width (its legend wraps), which counts QChartView's
    // tall size hint as the least height and made pages scroll that had room: the chart
    // takes what the page has left instead, down to the minimum above.
    m_view->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Ignored);
    m_view->setFrameShape(QFrame::NoFrame);
    m_view->setStyleSheet(QStringLiteral("background: transparent"));
    layout->addWidget(m_view, 1);
    applyTheme();
    connect(Theme::instance(), &Theme::changed, this, &ChartCard::applyTheme);
}

int ChartCard::addSeries(const QString& name, Tone tone) {
    auto* series = new QLineSeries;
    series->setName(name);
    m_chart->addSeries(series);
    series->attachAxis(m_x);
    series->attachAxis(m_y);
    m_series.append(series);
    m_tones.append(tone);
    m_points.append(QList<QPointF>());
    applyTheme();
    return static_cast<int>(m_series.size()) - 1;
}

void ChartCard::removeAllSeries() {
    m_chart->removeAllSeries();
    m_series.clear();
    m_tones.clear();
    m_points.clear();
    m_legend->clear();
}

void ChartCard::setPoints(int series, const QList<QPointF>& points) {
    if (series < 0 || series >= m_series.size()) return;
    m_points[series] = points;
}

const QList<QPointF>& ChartCard::points(int series) const {
    static const QList<QPointF> none;
    return series >= 0 && series < m_points.size() ? m_points[series] : none;
}

void ChartCard::setWindow(qint64 nowMsecs, int seconds) {
    const qint64 from = nowMsecs - qint64(seconds) * 1000;
    double maxY = 0;
    double headline = 0;
    bool haveHeadline = false;
    QList<QList<QPointF>> visible;
    for (int i = 0; i < m_series.size(); ++i) {
        const auto& all = m_points[i];
        // Only the visible part goes to QtCharts, so an hour of history costs nothing when
        // the one-minute range is shown.
        auto first = std::lower_bound(all.begin(), all.end(), double(from),
                                      [](const QPointF& p, double x) { return p.x() < x; });
        visible.append(QList<QPointF>(first, all.end()));
        for (const auto& p : visible.last()) maxY = std::max(maxY, p.y());
        if (!all.isEmpty() && (i == 0 || m_sumHeadline)) {
            headline += all.last().y();
            haveHeadline = true;
        }
    }
    // QValueAxis only formats numbers, so the points are handed over in the axis' unit.
    AxisUnit unit{1, QString()};
    for (const auto& u : std::as_const(m_axisUnits)) {
        if (u.divisor <= maxY * 1.15 || u.divisor == m_axisUnits.front().divisor) unit = u;
    }
    for (int i = 0; i < m_series.size(); ++i) {
        if (unit.divisor != 1) {
            for (auto& p : visible[i]) p.setY(p.y() / unit.divisor);
        }
        m_series[i]->replace(visible[i]);
    }
    maxY /= unit.divisor;
    m_x->setRange(QDateTime::fromMSecsSinceEpoch(from), QDateTime::fromMSecsSinceEpoch(nowMsecs));
    m_x->setFormat(seconds > 600 ? QStringLiteral("HH:mm") : QStringLiteral("HH:mm:ss"));
    // A "nice" ceiling so the axis does not jitter with every sample.
    double top = 1;
    while (top < maxY * 1.15) top *= (QString::number(top).startsWith(QLatin1Char('2')) ? 2.5 : 2);
    if (std::abs(m_y->max() - top) > 1e-9) m_y->setRange(0, top);
    const QString suffix = unit.suffix.isEmpty() ? QString() : QLatin1Char(' ') + unit.suffix;
    // Three ticks: 0, top/2, top; a half of 1 or 5 needs its decimal ("2.5", not "2").
    const bool halfHasDecimal = std::fmod(top / 2, 1.0) != 0;
    m_y->setLabelFormat((halfHasDecimal ? QStringLiteral("%.1f") : QStringLiteral("%.0f")) + suffix);
    m_value->setText(haveHeadline ? m_format(headline) : QStringLiteral("—"));
}

QString ChartCard::headline() const { return m_value->text(); }

QList<ChartCard::AxisUnit> ChartCard::bytesRateUnits() {
    // The headline (formatBytesRate) uses these steps too, so axis and headline agree.
    return {{1, QStringLiteral("B/s")},
            {1024, QStringLiteral("KiB/s")},
            {1024.0 * 1024, QStringLiteral("MiB/s")},
            {1024.0 * 1024 * 1024, QStringLiteral("GiB/s")}};
}

QStringList ChartCard::axisLabels() const {
    // Drawn by QtCharts as text items of the chart's scene; the value axis' ones sit left of
    // the plot area, the time axis' ones below it.
    QList<QPair<qreal, QString>> found;
    const QRectF plot = m_chart->plotArea();
    for (QGraphicsItem* item : m_chart->scene()->items()) {
        auto* text = qgraphicsitem_cast<QGraphicsTextItem*>(item);
        if (!text || !text->isVisible()) continue;
        const QRectF box = text->sceneBoundingRect();
        if (box.right() <= plot.left() + 1 && !text->toPlainText().isEmpty())
            found.append({box.center().y(), text->toPlainText()});
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    QStringList labels;
    for (const auto& f : found) labels << f.second;
    return labels;
}

QColor ChartCard::seriesColor(int series) const {
    switch (series >= 0 && series < m_tones.size() ? m_tones[series] : Tone::Sequence) {
    case Tone::Warning: return Semantic::warning();
    case Tone::Error: return Semantic::error();
    case Tone::Sequence: break;
    }
    return Semantic::chart(series);
}

void ChartCard::applyTheme() {
    const QPalette pal = palette();
    m_chart->setBackgroundBrush(Qt::NoBrush);
    m_chart->setBackgroundPen(Qt::NoPen);
    m_chart->setPlotAreaBackgroundVisible(false);
    const QColor text = Semantic::muted();
    QColor grid = pal.color(QPalette::Mid);
    grid.setAlphaF(0.6f);
    for (auto* axis : {static_cast<QAbstractAxis*>(m_x), static_cast<QAbstractAxis*>(m_y)}) {
        axis->setLabelsColor(text);
        axis->setGridLineColor(grid);
        axis->setLinePen(Qt::NoPen);
        QFont f = font();
        f.setPointSizeF(f.pointSizeF() * 0.8);
        axis->setLabelsFont(f);
    }
    m_x->setGridLineVisible(false);
    // Entries drop what all names share ("app · 127.0.0.1:" for one pool on one host), so eight
    // servers fit on a line or two; the full names are in the tooltip.
    QStringList names;
    for (const auto* series : std::as_const(m_series)) names << series->name();
    const qsizetype shared = m_series.size() > 1 ? sharedPrefixLength(names) : 0;
    m_legend->setToolTip(m_series.size() > 1 ? names.join(QLatin1Char('\n')) : QString());
    QStringList legend;
    for (int i = 0; i < m_series.size(); ++i) {
        QPen pen(seriesColor(i));
        pen.setWidthF(2.0);
        m_series[i]->setPen(pen);
        if (m_series.size() > 1) {
            // Non-breaking inside an entry, breakable between entries.
            legend << QStringLiteral("<span style='color:%1'>●</span>&nbsp;%2")
                          .arg(seriesColor(i).name(),
                               names[i].mid(shared).toHtmlEscaped().replace(QLatin1Char(' '), QStringLiteral("&nbsp;")));
        }
    }
    m_legend->setText(legend.join(QStringLiteral("&nbsp;&nbsp; ")));
}

QString ChartCard::formatRate(double v) {
    if (v >= 1000) return QStringLiteral("%1 k/s").arg(v / 1000, 0, 'f', 1);
    return QStringLiteral("%1 /s").arg(v, 0, 'f', v < 10 ? 1 : 0);
}

QString ChartCard::formatMillis(double v) {
    if (v >= 1000) return QStringLiteral("%1 s").arg(v / 1000, 0, 'f', 2);
    return QStringLiteral("%1 ms").arg(v, 0, 'f', v < 10 ? 1 : 0);
}

QString ChartCard::formatCount(double v) { return QString::number(qRound64(v)); }

QString ChartCard::formatBytesRate(double v) {
    static const QList<AxisUnit> units = bytesRateUnits();
    qsizetype u = 0;
    while (u + 1 < units.size() && v >= units[u + 1].divisor) ++u;
    return QStringLiteral("%1 %2").arg(v / units[u].divisor, 0, 'f', u == 0 ? 0 : 1).arg(units[u].suffix);
}

}  // namespace fulcrum::ui
