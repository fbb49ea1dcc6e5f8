using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/AkkaBgp.Wire.Benchmarks -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(AkkaBgp.Wire.Benchmarks.RealisticStream).Assembly).Run(args);
