using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/AkkaBgp.Kernel.Benchmarks -- --filter '*' --job short --inProcess
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
