using BenchmarkDotNet.Running;
using AkkaBgp.Transport.Benchmarks;

// dotnet run -c Release --project bench/AkkaBgp.Transport.Benchmarks -- --filter '*' --job short
// dotnet run -c Release --project bench/AkkaBgp.Transport.Benchmarks -- --smoke   (each rig a few ops, no BenchmarkDotNet)
if (args.Contains("--smoke"))
{
    await Smoke.RunAsync(args.Contains("--long") ? 10 : 3);
    return;
}
// The benchmark processes write their CPU figures here; start each run clean.
if (Directory.Exists(CpuMeter.Directory)) Directory.Delete(CpuMeter.Directory, recursive: true);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
