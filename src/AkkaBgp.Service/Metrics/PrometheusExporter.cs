using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace AkkaBgp.Service.Metrics;

/// <summary>
/// Prometheus text exposition (format 0.0.4) of the instruments of one meter, read with a
/// <see cref="MeterListener"/>: counters accumulate as they are added to, observable instruments are
/// collected at scrape time.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly object _gate = new();
    // Instrument -> label set -> value. Observable series are replaced on each scrape; counters accumulate.
    private readonly Dictionary<Instrument, Dictionary<string, double>> _series = new();

    public PrometheusExporter(string meterName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != meterName) return;
            lock (_gate) _series[instrument] = new Dictionary<string, double>();
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        lock (_gate)
        {
            if (!_series.TryGetValue(instrument, out var series)) return;
            bool accumulates = instrument is Counter<long> or Counter<int> or Counter<double> or UpDownCounter<long>;
            series[labels] = accumulates ? series.GetValueOrDefault(labels) + value : value;
        }
    }

    public string Scrape()
    {
        lock (_gate)
        {
            foreach (var (instrument, series) in _series)
                if (instrument.IsObservable) series.Clear();
        }
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        lock (_gate)
        {
            foreach (var (instrument, series) in _series.OrderBy(s => s.Key.Name, StringComparer.Ordinal))
            {
                bool counter = instrument is Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long>;
                var name = instrument.Name + (counter ? "_total" : "");
                text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description).Append('\n');
                text.Append("# TYPE ").Append(name).Append(counter ? " counter\n" : " gauge\n");
                foreach (var (labels, value) in series.OrderBy(s => s.Key, StringComparer.Ordinal))
                    text.Append(name).Append(labels).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        return text.ToString();
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var b = new StringBuilder("{");
        for (int i = 0; i < tags.Length; i++)
        {
            if (i > 0) b.Append(',');
            b.Append(tags[i].Key).Append("=\"");
            foreach (var c in Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? "")
            {
                // The exposition format escapes exactly these three in label values.
                if (c == '\\') b.Append("\\\\");
                else if (c == '"') b.Append("\\\"");
                else if (c == '\n') b.Append("\\n");
                else b.Append(c);
            }
            b.Append('"');
        }
        return b.Append('}').ToString();
    }

    public void Dispose() => _listener.Dispose();
}
