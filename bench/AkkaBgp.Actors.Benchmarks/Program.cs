using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/AkkaBgp.Actors.Benchmarks -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
