using System.Diagnostics.Metrics;
using AkkaBgp.Service.Metrics;

namespace AkkaBgp.Service.Tests.Host;

public sealed class PrometheusExporterTests
{
    [Fact]
    public void Counters_accumulate_gauges_are_observed_at_scrape_and_labels_are_escaped()
    {
        var name = "test-" + Guid.NewGuid();
        using var exporter = new PrometheusExporter(name);
        using var meter = new Meter(name);
        var counter = meter.CreateCounter<long>("things", description: "Things done");
        long gauge = 3;
        meter.CreateObservableGauge("level", () => new Measurement<long>(gauge, new KeyValuePair<string, object?>("where", "a\"b\\c")), description: "A level");

        counter.Add(2, new KeyValuePair<string, object?>("kind", "x"));
        counter.Add(5, new KeyValuePair<string, object?>("kind", "x"));
        counter.Add(1, new KeyValuePair<string, object?>("kind", "y"));
        var first = exporter.Scrape();
        Assert.Contains("# TYPE things_total counter\n", first);
        Assert.Contains("# HELP things_total Things done\n", first);
        Assert.Contains("things_total{kind=\"x\"} 7\n", first);
        Assert.Contains("things_total{kind=\"y\"} 1\n", first);
        Assert.Contains("# TYPE level gauge\n", first);
        Assert.Contains("level{where=\"a\\\"b\\\\c\"} 3\n", first);

        gauge = 9;
        var second = exporter.Scrape();
        Assert.Contains("level{where=\"a\\\"b\\\\c\"} 9\n", second);
        Assert.DoesNotContain("} 3\n", second);
    }

    [Fact]
    public void Other_meters_are_not_exported()
    {
        var name = "test-" + Guid.NewGuid();
        using var exporter = new PrometheusExporter(name);
        using var other = new Meter(name + "-other");
        other.CreateCounter<long>("elsewhere").Add(1);
        Assert.DoesNotContain("elsewhere", exporter.Scrape());
    }
}
