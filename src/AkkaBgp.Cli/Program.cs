using AkkaBgp.Cli;

return await Akkabgp.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable);
