#pragma once
// One live chart in a card: a title, the newest value in large type, and a QtCharts line
// chart whose time axis slides with the clock. Points are handed over in one replace() per
// tick, which keeps QtCharts smooth at 1 Hz with an hour of data and several hosts open.

#include <QFrame>
#include <QList>
#include <QPointF>

class QLabel;
class QChart;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace fulcrum::ui {

class ChartCard : public QFrame {
    Q_OBJECT
public:
    // `format` turns a value into the headline text, e.g. "1.2 k req/s".
    using Formatter = QString (*)(double);

    ChartCard(const QString& title, Formatter format, QWidget* parent = nullptr);

    // A series' colour: the next of the chart palette, or the one that says what it counts —
    // error responses in the error colour, never in a green that reads as "fine".
    enum class Tone { Sequence, Warning, Error };
    int addSeries(const QString& name, Tone tone = Tone::Sequence);
    QColor seriesColor(int series) const;
    void removeAllSeries();
    int seriesCount() const { return static_cast<int>(m_series.size()); }
    // Points are (msecs since epoch, value), oldest first.
    void setPoints(int series, const QList<QPointF>& points);
    // Shows the last `seconds` up to `nowMsecs` and updates the headline from series 0 (or
    // the sum of all series when `headlineSumsSeries`).
    void setWindow(qint64 nowMsecs, int seconds);
    void setHeadlineSumsSeries(bool sum) { m_sumHeadline = sum; }
    // The value axis speaks the headline's unit: each unit is a divisor and the suffix its
    // labels carry ({1, "B/s"}, {1024, "KiB/s"}, …, ascending); the largest one the visible
    // range reaches is used. Without units the axis shows plain numbers.
    struct AxisUnit {
        double divisor;
        QString suffix;
    };
    void setAxisUnits(const QList<AxisUnit>& units) { m_axisUnits = units; }
    static QList<AxisUnit> bytesRateUnits();
    // The value axis' labels as drawn, bottom to top (for tests and screen readers alike).
    QStringList axisLabels() const;
    QString headline() const;
    const QList<QPointF>& points(int series) const;

    static QString formatRate(double v);
    static QString formatMillis(double v);
    static QString formatCount(double v);
    static QString formatBytesRate(double v);

private:
    void applyTheme();

    QLabel* m_value;
    QLabel* m_legend;
    QChart* m_chart;
    QChartView* m_view;
    QDateTimeAxis* m_x;
    QValueAxis* m_y;
    QList<QLineSeries*> m_series;
    QList<Tone> m_tones;
    QList<QList<QPointF>> m_points;
    Formatter m_format;
    QList<AxisUnit> m_axisUnits;
    bool m_sumHeadline = false;
};

}  // namespace fulcrum::ui
