using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace StreamingGreeter.Benchmarks.Infrastructure;

/// <summary>A column whose value is computed per benchmark case; shown only in summaries where some case has one.</summary>
public abstract class ComputedColumn(string columnName, string legend) : IColumn
{
    public string Id => GetType().Name + "." + ColumnName;

    public string ColumnName { get; } = columnName;

    public string Legend { get; } = legend;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        Compute(summary, benchmarkCase) is { } value ? Format(value) : "-";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => Compute(summary, c) is not null);

    protected abstract double? Compute(Summary summary, BenchmarkCase benchmarkCase);

    protected virtual string Format(double value) => value switch
    {
        >= 100 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("N2", CultureInfo.InvariantCulture),
        _ => value.ToString("0.####", CultureInfo.InvariantCulture),
    };

    protected static double? MeanSeconds(Summary summary, BenchmarkCase benchmarkCase) =>
        summary[benchmarkCase]?.ResultStatistics?.Mean is { } nanoseconds ? nanoseconds / 1e9 : null;
}

/// <summary>A figure the benchmark recorded itself through <see cref="ExtraMetrics"/>.</summary>
public sealed class MetricColumn(string columnName, string metric, string legend) : ComputedColumn(columnName, legend)
{
    protected override double? Compute(Summary summary, BenchmarkCase benchmarkCase) => ExtraMetrics.Get(benchmarkCase, metric);
}

/// <summary>Units per second, for benchmarks whose units per invocation depend on a parameter (OperationsPerInvoke cannot).</summary>
public sealed class RateColumn(string columnName, string unitsPerInvokeMetric, string legend) : ComputedColumn(columnName, legend)
{
    protected override double? Compute(Summary summary, BenchmarkCase benchmarkCase) =>
        ExtraMetrics.Get(benchmarkCase, unitsPerInvokeMetric) is { } units && MeanSeconds(summary, benchmarkCase) is { } seconds
            ? units / seconds
            : null;
}

/// <summary>Bytes allocated (whole process: client and server) per unit, for the same benchmarks.</summary>
public sealed class AllocatedPerUnitColumn(string columnName, string unitsPerInvokeMetric, string legend) : ComputedColumn(columnName, legend)
{
    protected override double? Compute(Summary summary, BenchmarkCase benchmarkCase) =>
        ExtraMetrics.Get(benchmarkCase, unitsPerInvokeMetric) is { } units
            && summary[benchmarkCase]?.GcStats.GetBytesAllocatedPerOperation(benchmarkCase) is { } bytes
            ? bytes / units
            : null;
}

/// <summary>Throughput as a multiple of the baseline's (the inverse of BenchmarkDotNet's time Ratio): 0.9 means 90 %.</summary>
public sealed class ThroughputVersusBaselineColumn() : ComputedColumn("Throughput/bare", "Throughput of this case divided by the bare baseline's, same parameters")
{
    protected override double? Compute(Summary summary, BenchmarkCase benchmarkCase)
    {
        var baseline = summary.GetBaseline(summary.GetLogicalGroupKey(benchmarkCase));
        return baseline is not null && MeanSeconds(summary, baseline) is { } reference && MeanSeconds(summary, benchmarkCase) is { } mine
            ? reference / mine
            : null;
    }

    protected override string Format(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
